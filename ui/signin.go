package ui

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// panel is what the result screen's scrolling area shows.
type panel int

const (
	panelSites   panel = iota // the site list in the chosen format
	panelVerify               // each sign-in probe with its verdict
	panelRemove               // removing the app's link: which, the warning, the choice
	panelRemoved              // what removing did
)

// signIn is the result screen's last step, the sign-in probes, and its one
// action that writes: removing the app's link.
type signIn struct {
	load loader
	// removal: the plan (nil while it is made), the links to choose from when
	// several carry the app's redirect, and what removing did.
	plan       *steps.RemovePlan
	candidates []api.OAuthClient
	removed    *steps.RemoveResult
	err        error
}

// startVerify probes the app's sign-in against a copy of the flow.
func (s *result) startVerify() tea.Cmd {
	m := s.m
	if m.flow.Site == nil || m.flow.Client == nil {
		return nil
	}
	snap, ctx := m.snapshot(), m.ctx
	return tea.Batch(s.sign.load.start(), request(m, func() (*steps.VerifyReport, error) {
		return snap.VerifySignIn(ctx), nil
	}))
}

// startRemove plans the removal; clientID chooses among several links.
func (s *result) startRemove(clientID string) tea.Cmd {
	m := s.m
	if m.flow.Client == nil || m.flow.Detection == nil {
		return nil
	}
	s.panel, s.sign.err, s.sign.plan = panelRemove, nil, nil
	c, p, ctx, known := m.flow.Client, m.flow.Detection.Product, m.ctx, s.sign.candidates
	s.render()
	return tea.Batch(s.sign.load.start(), request(m, func() (*steps.RemovePlan, error) {
		return steps.PlanRemove(ctx, c, p, known, clientID)
	}))
}

func (s *result) confirmRemove() tea.Cmd {
	m := s.m
	plan, c, ctx := s.sign.plan, m.flow.Client, m.ctx
	return tea.Batch(s.sign.load.start(), request(m, func() (*steps.RemoveResult, error) {
		return steps.Remove(ctx, c, plan)
	}))
}

// signInUpdate handles the probes' and the removal's replies and keys; ok
// reports that the message was its.
func (s *result) signInUpdate(msg tea.Msg) (tea.Cmd, bool) {
	switch r := msg.(type) {
	case reply[*steps.VerifyReport]:
		s.sign.load.stop()
		s.m.flow.Verified = r.val
		s.render()
		return nil, true
	case reply[*steps.RemovePlan]:
		s.sign.load.stop()
		var choose *steps.ChooseLinkError
		switch {
		case errors.As(r.err, &choose):
			s.sign.candidates = choose.Candidates
		case r.err != nil:
			s.sign.err = r.err
		default:
			s.sign.plan = r.val
		}
		s.render()
		return nil, true
	case reply[*steps.RemoveResult]:
		s.sign.load.stop()
		if r.err != nil {
			s.sign.err = r.err
		} else {
			s.sign.removed = r.val
			s.panel = panelRemoved
			// The probes spoke of a link that may be gone now.
			s.m.flow.Verified = nil
			s.m.linkRemoved(r.val.Outcome(s.sign.plan), r.val.Changed())
		}
		s.render()
		return nil, true
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if _, tick := msg.(spinner.TickMsg); tick {
			return s.sign.load.update(msg), true
		}
		return nil, false
	}
	keys := s.m.keys
	if s.sign.load.busy {
		// One request at a time; the other keys (formats, copy, quit) still work.
		return nil, s.panel == panelRemove && !key.Matches(k, keys.QuitQ) ||
			key.Matches(k, keys.Details, keys.Recheck, keys.Remove, keys.Yes)
	}
	if s.panel == panelRemove {
		switch {
		case s.sign.plan != nil && s.sign.plan.Changes() && key.Matches(k, keys.Yes):
			return s.confirmRemove(), true
		case s.sign.plan == nil && len(s.sign.candidates) > 0:
			if n, err := strconv.Atoi(k.String()); err == nil && n >= 1 && n <= len(s.sign.candidates) {
				return s.startRemove(s.sign.candidates[n-1].ClientID), true
			}
		}
		return nil, key.Matches(k, keys.Yes, keys.Format1, keys.Format2, keys.Format3)
	}
	switch {
	case key.Matches(k, keys.Details) && s.m.flow.Verified != nil:
		if s.panel == panelVerify {
			s.panel = panelSites
		} else {
			s.panel = panelVerify
		}
		s.render()
		return nil, true
	case key.Matches(k, keys.Recheck) && s.m.flow.Verify && s.sign.removed == nil:
		return s.startVerify(), true
	case key.Matches(k, keys.Remove) && s.sign.removed == nil:
		s.sign.candidates = nil
		return s.startRemove(""), true
	}
	return nil, false
}

// signInBindings are the keys the probes and the removal add to the result screen.
func (s *result) signInBindings() []key.Binding {
	keys := s.m.keys
	if s.panel == panelRemove {
		if s.sign.plan != nil && s.sign.plan.Changes() {
			return []key.Binding{keys.Yes}
		}
		if s.sign.plan == nil && len(s.sign.candidates) > 0 {
			return []key.Binding{key.NewBinding(key.WithKeys("1"), key.WithHelp("1-"+strconv.Itoa(len(s.sign.candidates)), "choose"))}
		}
		return nil
	}
	// On the site list the keys are named on the verdict's line: the help
	// line has no room left at 80 columns.
	return nil
}

// backFromPanel closes the probes or the removal and shows the site list again.
func (s *result) backFromPanel() bool {
	if s.panel == panelSites || s.sign.load.busy {
		return false
	}
	s.panel, s.sign.plan, s.sign.candidates, s.sign.err = panelSites, nil, nil, nil
	s.render()
	return true
}

// verifyLine is the result screen's line for the probes and the removal,
// with the keys that act on them.
func (s *result) verifyLine() string {
	st, f := s.m.st, s.m.flow
	if s.sign.removed != nil {
		return ""
	}
	if s.sign.load.busy && s.panel != panelRemove {
		return s.sign.load.view("Proving, as the app would, that its sign-in can start…")
	}
	keys := "d deletes the app's link"
	if f.Verified == nil {
		return st.subtle.Render(wrap("("+keys+")", s.w, ""))
	}
	keys = "v details · r again · " + keys
	v := f.Verified
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
	st, w := s.m.st, s.w
	var b strings.Builder
	switch s.panel {
	case panelVerify:
		// What needs doing first: a short screen may not show the rest without scrolling.
		probes := slices.Clone(s.m.flow.Verified.Probes)
		slices.SortStableFunc(probes, func(a, b steps.Check) int { return severity(b.Status) - severity(a.Status) })
		for _, c := range probes {
			b.WriteString(st.status(c.Status) + " " + wrap(c.Name+": "+c.Detail, w, "  ") + "\n")
			if r := s.m.opts.checkRemedy(c); r != "" && c.Status != steps.StatusOK {
				b.WriteString("  " + wrap("→ "+r, w, "    ") + "\n")
			}
		}
	case panelRemove:
		sg := s.sign
		switch {
		case sg.err != nil:
			b.WriteString(s.m.errorBlock(sg.err, w))
		case sg.load.busy:
			b.WriteString(sg.load.view("Looking for the links with the app's redirect…"))
		case sg.plan != nil:
			b.WriteString(wrap(sg.plan.Describe(), w, "") + "\n")
			if warning := sg.plan.Warning(); warning != "" {
				b.WriteString("\n" + st.warn.Render(wrap("Warning: "+warning, w, "")) + "\n\nPress y to delete it, esc to keep it.")
			}
		case len(sg.candidates) > 0:
			b.WriteString(wrap(fmt.Sprintf("%d incoming links carry the iOS app's redirect. Which one should be deleted?", len(sg.candidates)), w, "") + "\n\n")
			for i, cl := range sg.candidates {
				b.WriteString(wrap(fmt.Sprintf("%d. %q (client ID %s, scope %s)", i+1, cl.Name, cl.ClientID, cl.Scope), w, "   ") + "\n")
			}
		}
	case panelRemoved:
		b.WriteString(wrap(s.sign.removed.Outcome(s.sign.plan), w, "") + "\n")
		if s.sign.removed.Changed() && s.m.flow.Mode == steps.ModeMDM {
			b.WriteString("\n" + wrap("Its site is out of the list: its client ID no longer signs anyone in.", w, ""))
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

// linkRemoved records that the current instance's link was removed: its site
// leaves the session's list (a deleted client signs nobody in) and the summary
// printed at the end says what happened.
func (m *Model) linkRemoved(outcome string, changed bool) {
	if m.flow.Site == nil {
		return
	}
	base := m.flow.Site.BaseURL
	if changed && m.flow.Mode == steps.ModeMDM {
		m.lists.Remove(base)
	}
	for i := range m.outcomes {
		if steps.SameBaseURL(m.outcomes[i].baseURL, base) {
			m.outcomes[i].text = outcome
		}
	}
}
