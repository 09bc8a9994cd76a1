package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// panel is what the result screen's scrolling area shows.
type panel int

const (
	panelSites   panel = iota // the site list in the chosen format
	panelVerify               // each sign-in probe with its verdict
	panelRemove               // removing the app's link: which, the warning, the choice
	panelRemoved              // what removing did
	panelPush                 // pushing the site list into an MDM (push.go)
)

// The result screen's verification and removal of the app's link: both are
// the flow's (steps.ActionVerify, steps.ActionRemove); the screen asks for
// them and shows what the flow reports.

// openRemove shows the flow's question before a deletion: which link, or
// what deleting the one found costs.
func (s *result) openRemove(q askRemove) {
	s.panel, s.remove = panelRemove, &q
	s.render()
}

// removeUpdate handles the keys of the removal panel and the probes; ok
// reports that the message was its.
func (s *result) removeUpdate(msg tea.Msg) (tea.Cmd, bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if _, tick := msg.(spinner.TickMsg); tick {
			return s.load.update(msg), true
		}
		return nil, false
	}
	keys := s.m.keys
	if s.m.pending == nil {
		// The flow is working: one request at a time; formats, copy and quit still work.
		return nil, s.panel == panelRemove && !key.Matches(k, keys.QuitQ) ||
			key.Matches(k, keys.Details, keys.Recheck, keys.Remove, keys.Yes)
	}
	if s.panel == panelRemove {
		q := s.remove
		switch {
		case q == nil:
		case q.plan != nil && q.plan.Changes() && key.Matches(k, keys.Yes):
			s.remove = nil
			return s.m.reply("", nil), true
		case q.choosing():
			if n, err := strconv.Atoi(k.String()); err == nil && n >= 1 && n <= len(q.choose) {
				s.remove = nil
				return s.m.reply(q.choose[n-1].ClientID, nil), true
			}
		}
		return nil, key.Matches(k, keys.Yes, keys.Format1, keys.Format2, keys.Format3)
	}
	st := s.m.know
	switch {
	case key.Matches(k, keys.Details) && st.Verified != nil:
		if s.panel == panelVerify {
			s.panel = panelSites
		} else {
			s.panel = panelVerify
		}
		s.render()
		return nil, true
	case key.Matches(k, keys.Recheck) && s.m.opts.settings().Verify && st.Site != nil:
		return tea.Batch(s.m.reply(steps.Action{Kind: steps.ActionVerify}, nil), s.load.start()), true
	case key.Matches(k, keys.Remove) && !st.Record.Removed.Changed():
		s.panel, s.remove = panelRemove, nil
		s.render()
		return tea.Batch(s.m.reply(steps.Action{Kind: steps.ActionRemove}, nil), s.load.start()), true
	}
	return nil, false
}

// removeBindings are the keys the removal adds to the result screen.
func (s *result) removeBindings() []key.Binding {
	keys := s.m.keys
	if s.panel != panelRemove || s.remove == nil {
		// On the site list the keys are named on the verdict's line: the help
		// line has no room left at 80 columns.
		return nil
	}
	if q := s.remove; q.plan != nil && q.plan.Changes() {
		return []key.Binding{keys.Yes}
	}
	if q := s.remove; q.choosing() {
		return []key.Binding{key.NewBinding(key.WithKeys("1"), key.WithHelp("1-"+strconv.Itoa(len(q.choose)), "choose"))}
	}
	return nil
}

// backFromPanel closes the probes or the removal and shows the site list
// again; a removal the flow asks about is answered "keep it".
func (s *result) backFromPanel() bool {
	if s.panel == panelSites || s.m.pending == nil {
		return false
	}
	if s.panel == panelRemove && s.remove != nil {
		s.m.reply("", steps.ErrBack)
	}
	if s.panel == panelPush {
		s.backFromPush()
	}
	s.panel, s.remove = panelSites, nil
	s.render()
	return true
}

// verifyLine is the result screen's line for the probes and the removal,
// with the keys that act on them.
func (s *result) verifyLine() string {
	st, know := s.m.st, s.m.know
	if know.Record.Removed.Changed() {
		return ""
	}
	if s.m.isWorking && s.m.working == steps.StepVerify {
		return s.load.view("Proving, as the app would, that its sign-in can start…")
	}
	keys := "d deletes the app's link"
	if know.Verified == nil {
		return st.subtle.Render(wrap("("+keys+")", s.w, ""))
	}
	keys = "v details · r again · " + keys
	v := know.Verified
	line, style := v.Verdict(), st.ok
	switch {
	case !v.OK():
		style = st.fail
	case strings.HasPrefix(line, "Nothing failed"):
		style = st.warn
	}
	return wrap(style.Render(line)+" "+st.subtle.Render("("+keys+")"), s.w, "")
}

// panelText is the scrolling area's text for the probes and the removal.
func (s *result) panelText() string {
	st, w, know := s.m.st, s.w, s.m.know
	var b strings.Builder
	switch s.panel {
	case panelPush:
		return s.pushText()
	case panelVerify:
		if know.Verified == nil {
			break
		}
		// What needs doing first: a short screen may not show the rest without scrolling.
		probes := slices.Clone(know.Verified.Probes)
		slices.SortStableFunc(probes, func(a, b steps.Check) int { return severity(b.Status) - severity(a.Status) })
		for _, c := range probes {
			b.WriteString(st.status(c.Status) + " " + wrap(c.Name+": "+c.Detail, w, "  ") + "\n")
			if r := s.m.opts.checkRemedy(c); r != "" && c.Status != steps.StatusOK {
				b.WriteString("  " + wrap("→ "+r, w, "    ") + "\n")
			}
		}
	case panelRemove:
		q := s.remove
		switch {
		case q == nil:
			b.WriteString(s.load.view("Looking for the links with the app's redirect…"))
		case q.plan != nil:
			b.WriteString(wrap(q.plan.Describe(), w, "") + "\n")
			if warning := q.plan.Warning(); warning != "" {
				b.WriteString("\n" + st.warn.Render(wrap("Warning: "+warning, w, "")) + "\n\nPress y to delete it, esc to keep it.")
			}
		case q.choosing():
			question, links := chooseLinkText(q.choose)
			b.WriteString(wrap(question, w, "") + "\n\n")
			for i, l := range links {
				b.WriteString(wrap(fmt.Sprintf("%d. %s", i+1, l), w, "   ") + "\n")
			}
		}
	case panelRemoved:
		// What removing did is the screen's first line: here, what follows from it.
		if lines := know.Record.RemovedLines(); len(lines) > 1 {
			b.WriteString(wrap(strings.Join(lines[1:], " "), w, ""))
		}
	}
	return b.String()
}

func severity(s steps.Status) int {
	switch s {
	case steps.StatusFail:
		return 3
	case steps.StatusWarn:
		return 2
	case steps.StatusOK:
		return 1
	}
	return 0
}
