package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

var modes = []steps.Mode{steps.ModeMDM, steps.ModeNonMDM}

// modeScreen chooses between the MDM and the non-MDM setup.
type modeScreen struct {
	m      *Model
	w, h   int
	cursor int
}

func newModeScreen(m *Model) *modeScreen {
	s := &modeScreen{m: m}
	if m.opts.Mode == steps.ModeNonMDM {
		s.cursor = 1
	}
	return s
}

func (s *modeScreen) heading() string   { return "MDM or not" }
func (s *modeScreen) back() bool        { return false }
func (s *modeScreen) SetSize(w, h int)  { s.w, s.h = w, h }
func (s *modeScreen) enter() tea.Cmd    { return nil }
func (s *modeScreen) preanswered() bool { return s.m.opts.Mode != "" }

func (s *modeScreen) apply() error {
	s.m.flow.Mode = s.m.opts.Mode
	return nil
}

func (s *modeScreen) bindings() []key.Binding {
	return []key.Binding{withHelp(s.m.keys.Enter, "enter", "choose"), withHelp(s.m.keys.Up, "↑/↓/1/2", "move")}
}

func (s *modeScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, s.m.keys.Up), key.Matches(k, s.m.keys.Down):
		s.cursor = 1 - s.cursor
	case key.Matches(k, s.m.keys.Format1):
		s.cursor = 0
	case key.Matches(k, s.m.keys.Format2):
		s.cursor = 1
	case key.Matches(k, s.m.keys.Enter):
		if modes[s.cursor] == steps.ModeNonMDM && len(s.m.flow.Report.NonMDMBlockers()) > 0 {
			return nil // marked unavailable, with the reason, on the screen
		}
		s.m.flow.Mode = modes[s.cursor]
		return s.m.advance()
	}
	return nil
}

func (s *modeScreen) View() string {
	var b strings.Builder
	if l := s.m.instanceLine(s.w, true); l != "" {
		b.WriteString(l + "\n\n")
	}
	b.WriteString(wrap("How will the iOS app learn the instance's OAuth 2.0 client?", s.w, "") + "\n\n")
	blockers := s.m.flow.Report.NonMDMBlockers()
	for i, md := range modes {
		mark, style := "  ", s.m.st.subtle
		if i == s.cursor {
			mark, style = "> ", s.m.st.chosen
		}
		// Both options start in the same column, cursor or not.
		b.WriteString(style.Render(wrap(fmt.Sprintf("%s%d. %s", mark, i+1, md.Describe()), s.w, "     ")) + "\n")
		if md == steps.ModeNonMDM && len(blockers) > 0 {
			// The details are above, with the warnings: name them.
			why := make([]string, len(blockers))
			for j, c := range blockers {
				why[j] = "“" + c.Name + "”"
			}
			b.WriteString(s.m.st.fail.Render(wrap("     Unavailable on this instance: see "+strings.Join(why, ", ")+" above.", s.w, "     ")) + "\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}
