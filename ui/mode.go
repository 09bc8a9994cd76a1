package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// modeScreen chooses between the MDM and the non-MDM setup; a mode the
// checks rule out is marked unavailable, with the reason, before it is picked.
type modeScreen struct {
	m       *Model
	w, h    int
	cursor  int
	choices []steps.ModeChoice
}

func newModeScreen(m *Model) *modeScreen { return &modeScreen{m: m} }

func (s *modeScreen) open(q question) tea.Cmd {
	s.choices = q.(askMode).choices
	return nil
}

func (s *modeScreen) heading() string  { return "MDM or not" }
func (s *modeScreen) back() bool       { return false }
func (s *modeScreen) SetSize(w, h int) { s.w, s.h = w, h }

func (s *modeScreen) bindings() []key.Binding {
	return []key.Binding{withHelp(s.m.keys.Enter, "enter", "choose"), withHelp(s.m.keys.Up, "↑/↓/1/2", "move")}
}

func (s *modeScreen) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || len(s.choices) == 0 {
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
		c := s.choices[s.cursor]
		if len(c.Unavailable) > 0 {
			return nil // marked unavailable, with the reason, on the screen
		}
		return s.m.reply(c.Mode, nil)
	}
	return nil
}

func (s *modeScreen) View() string {
	var b strings.Builder
	if l := s.m.instanceLine(s.w, true); l != "" {
		b.WriteString(l + "\n\n")
	}
	b.WriteString(wrap("How will the iOS app learn the instance's OAuth 2.0 client?", s.w, "") + "\n\n")
	for i, c := range s.choices {
		mark, style := "  ", s.m.st.subtle
		if i == s.cursor {
			mark, style = "> ", s.m.st.chosen
		}
		// Both options start in the same column, cursor or not.
		b.WriteString(style.Render(wrap(fmt.Sprintf("%s%d. %s", mark, i+1, c.Mode.Describe()), s.w, "     ")) + "\n")
		if len(c.Unavailable) > 0 {
			// The details are above, with the warnings: name them.
			b.WriteString(s.m.st.fail.Render(wrap("     Unavailable on this instance: see "+blockerNames(c.Unavailable)+" above.", s.w, "     ")) + "\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}
