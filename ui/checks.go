package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// checks shows the compatibility report. The same screen, with reach set, is
// the non-MDM reachability check (mobile plugin and its anonymous login info).
type checks struct {
	m      *Model
	w, h   int
	reach  bool
	load   loader
	report *steps.Report
	vp     viewport.Model
}

func newChecks(m *Model, reach bool) *checks {
	vp := viewport.New()
	vp.KeyMap = scrollKeys()
	return &checks{m: m, reach: reach, load: newLoader(), vp: vp}
}

// scrollKeys keeps the viewport off the letters the screens use.
func scrollKeys() viewport.KeyMap {
	km := viewport.DefaultKeyMap()
	km.PageDown = key.NewBinding(key.WithKeys("pgdown"))
	km.PageUp = key.NewBinding(key.WithKeys("pgup"))
	km.HalfPageDown = key.NewBinding(key.WithKeys("ctrl+d"))
	km.HalfPageUp = key.NewBinding(key.WithKeys("ctrl+u"))
	km.Up = key.NewBinding(key.WithKeys("up"))
	km.Down = key.NewBinding(key.WithKeys("down"))
	km.Left = key.NewBinding(key.WithKeys("left"))
	km.Right = key.NewBinding(key.WithKeys("right"))
	return km
}

func (s *checks) heading() string {
	if s.reach {
		return "Non-MDM: can the app reach the instance?"
	}
	return "Compatibility checks"
}

func (s *checks) back() bool { return false }

func (s *checks) SetSize(w, h int) {
	s.w, s.h = w, h
	s.vp.SetWidth(w)
	s.fill()
}

func (s *checks) mode() steps.Mode {
	if s.reach {
		return steps.ModeNonMDM
	}
	// The non-MDM checks have a screen of their own (reach), shown after the
	// choice even when the command line settled it: the first checks only warn.
	if s.m.flow.ChecksMode() == steps.ModeMDM {
		return steps.ModeMDM
	}
	return ""
}

func (s *checks) enter() tea.Cmd {
	s.report = nil
	ctx, f, mode := s.m.ctx, s.m.snapshot(), s.mode()
	return tea.Batch(s.load.start(), request(s.m, func() (*steps.Report, error) {
		return f.Check(ctx, mode), nil
	}))
}

func (s *checks) bindings() []key.Binding {
	if s.load.busy {
		return nil
	}
	b := []key.Binding{s.m.keys.Recheck, s.m.keys.Page}
	if s.report != nil && s.report.Compatible() {
		b = append([]key.Binding{s.m.keys.Enter}, b...)
	}
	return b
}

func (s *checks) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case reply[*steps.Report]:
		s.load.stop()
		s.report = msg.val
		s.m.flow.Report = msg.val
		s.fill()
		s.vp.GotoTop()
		return nil
	case tea.KeyPressMsg:
		switch {
		case s.load.busy:
			return nil
		case key.Matches(msg, s.m.keys.Recheck):
			return s.enter()
		case key.Matches(msg, s.m.keys.Enter):
			if s.report != nil && s.report.Compatible() {
				return s.m.advance()
			}
			return nil
		}
		var cmd tea.Cmd
		s.vp, cmd = s.vp.Update(msg)
		return cmd
	}
	return s.load.update(msg)
}

// verdict is the fixed part above the list: what blocks the flow and what to do.
func (s *checks) verdict() string {
	r := s.report
	st := s.m.st
	failed := r.Failed()
	if len(failed) == 0 {
		line := r.Verdict() + " Press enter to continue."
		if s.reach {
			line = "The app can reach the instance. " + r.Verdict() + " Press enter to turn on OAuth 2.0 in the mobile plugin."
		}
		return st.ok.Render(wrap(line, s.w, ""))
	}
	var b strings.Builder
	b.WriteString(st.fail.Render(wrap(r.Verdict()+" The setup cannot go on until they are fixed:", s.w, "")) + "\n")
	for _, c := range failed {
		line := "• " + c.Name
		if r := s.m.opts.checkRemedy(c); r != "" {
			line += ": " + r
		}
		b.WriteString(wrap(line, s.w, "  ") + "\n")
	}
	b.WriteString(wrap("Fix them on the instance, then press r to check again.", s.w, ""))
	return b.String()
}

// fill renders the list into the viewport below the verdict.
func (s *checks) fill() {
	if s.report == nil {
		return
	}
	var b strings.Builder
	for i, c := range s.report.Checks {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(s.m.st.status(c.Status) + " " + wrap(c.Name+": "+c.Detail, s.w, "       "))
		if r := s.m.opts.checkRemedy(c); r != "" && c.Status != steps.StatusOK {
			b.WriteString("\n       " + wrap("→ "+r, s.w, "         "))
		}
	}
	s.vp.SetContent(b.String())
	s.vp.SetHeight(max(s.h-countLines(s.verdict())-1, 3))
}

func countLines(s string) int { return strings.Count(s, "\n") + 1 }

func (s *checks) View() string {
	if s.load.busy || s.report == nil {
		return s.load.view("Checking versions, plugins and permissions…")
	}
	return s.verdict() + "\n\n" + s.vp.View()
}
