package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/words"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// checks shows a compatibility report the flow stopped at: one with
// failures (r checks again once fixed), or one reached with esc (enter goes
// on). Passed checks move on by themselves: the flow does not ask. With a
// non-MDM report it is the non-MDM reachability check (mobile plugin and its
// anonymous login info).
type checks struct {
	m      *Model
	w, h   int
	reach  bool
	report *steps.Report
	vp     viewport.Model
}

func newChecks(m *Model) *checks {
	vp := viewport.New()
	vp.KeyMap = scrollKeys()
	return &checks{m: m, vp: vp}
}

func (s *checks) open(qq question) tea.Cmd {
	q := qq.(askChecks)
	s.report, s.reach = q.report, q.mobile() && s.m.know.Mode == steps.ModeNonMDM
	s.fill()
	s.vp.GotoTop()
	return nil
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
	return "Instance and checks"
}

func (s *checks) back() bool { return false }

func (s *checks) SetSize(w, h int) {
	s.w, s.h = w, h
	s.vp.SetWidth(w)
	s.fill()
}

func (s *checks) bindings() []key.Binding {
	b := []key.Binding{s.m.keys.Recheck, s.m.keys.Page}
	if s.report != nil && s.report.Compatible() {
		b = append([]key.Binding{s.m.keys.Enter}, b...)
	}
	return b
}

func (s *checks) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case !ok:
		return nil
	case key.Matches(k, s.m.keys.Recheck):
		return s.m.reply(true, nil)
	case key.Matches(k, s.m.keys.Enter):
		if s.report != nil && s.report.Compatible() {
			return s.m.reply(false, nil)
		}
		return nil
	}
	var cmd tea.Cmd
	s.vp, cmd = s.vp.Update(k)
	return cmd
}

// verdict is the fixed part above the list: the instance, what blocks the
// flow and what to do.
func (s *checks) verdict() string {
	head := ""
	if d := s.m.know.Detection; d != nil && !s.reach {
		head = s.m.instanceName(d, s.w) + "\n"
	}
	return head + s.outcome()
}

// outcome is what the checks found: all well, or what blocks the flow.
func (s *checks) outcome() string {
	r := s.report
	st := s.m.st
	failed := r.Failed()
	if len(failed) == 0 {
		line := r.Verdict() + " Press enter to continue."
		if s.reach {
			// The wizard cannot flip the switch (no REST API for it): enter
			// shows where the admin does, and watches for it.
			line = "The app can reach the instance. " + r.Verdict() + " Press enter to see where you turn on OAuth 2.0 in the mobile plugin's settings (in a browser); the wizard then waits until it is on."
		}
		return st.ok.Render(wrap(line, s.w, ""))
	}
	var b strings.Builder
	b.WriteString(st.fail.Render(wrap(r.Verdict()+" The setup cannot go on until "+words.Choose(len(failed), "it is", "they are")+" fixed:", s.w, "")) + "\n")
	// Checks that failed for one reason share one line: the remedy is said once.
	var names, remedies []string
	for _, c := range failed {
		r := s.m.opts.checkRemedy(c)
		if i := slices.Index(remedies, r); i >= 0 {
			names[i] += ", " + c.Name
			continue
		}
		names, remedies = append(names, c.Name), append(remedies, r)
	}
	for i, n := range names {
		line := "• " + n
		if remedies[i] != "" {
			line += ": " + remedies[i]
		}
		b.WriteString(wrap(line, s.w, "  ") + "\n")
	}
	if line := fixOnInstance(failed, "press r to check again"); line != "" {
		b.WriteString(wrap(line, s.w, ""))
	}
	return strings.TrimSuffix(b.String(), "\n")
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
		b.WriteString(s.m.st.status(c.Status) + " " + wrap(c.Name+": "+c.Detail, s.w, "  "))
		// A failure's remedy is in the verdict above: said once.
		if r := s.m.opts.checkRemedy(c); r != "" && c.Status == steps.StatusWarn {
			b.WriteString("\n  " + wrap("→ "+r, s.w, "    "))
		}
	}
	s.vp.SetContent(b.String())
	// Room for the verdict, a blank line and the "more below" marker.
	s.vp.SetHeight(max(s.h-countLines(s.verdict())-2, 3))
}

func countLines(s string) int { return strings.Count(s, "\n") + 1 }

func (s *checks) View() string {
	if s.report == nil {
		return ""
	}
	return s.verdict() + "\n\n" + s.vp.View() + s.m.moreBelow(&s.vp)
}

// instanceName names the detected instance: product, version, title and
// where it is.
func (m *Model) instanceName(d *steps.Detection, w int) string {
	line := fmt.Sprintf("%s %s %q at %s", d.Product.Title(), d.Version, d.Title, cmp.Or(d.InstanceBaseURL, m.know.BaseURL))
	return m.st.accent.Render(wrap(line, w, ""))
}

// instanceLine names the instance and the checks' verdict (which names every
// warning), and with details the warnings in full: the screens after the
// checks carry them, since the checks screen moves on by itself.
func (m *Model) instanceLine(w int, details bool) string {
	d := m.know.Detection
	if d == nil {
		return ""
	}
	out := m.instanceName(d, w)
	r := m.know.Report
	if r == nil {
		return out
	}
	out += "\n" + m.st.ok.Render(wrap(r.Verdict(), w, ""))
	for _, c := range r.Checks {
		if details && c.Status == steps.StatusWarn {
			out += "\n" + m.st.status(c.Status) + " " + wrap(c.Name+": "+c.Detail, w, "  ")
		}
	}
	return out
}
