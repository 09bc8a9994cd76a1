package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// link shows what the link step will do and does it only once confirmed.
type link struct {
	m       *Model
	w, h    int
	load    loader
	plan    *steps.LinkPlan
	linking bool
	err     error
}

func newLink(m *Model) *link { return &link{m: m, load: newLoader()} }

func (s *link) heading() string { return "Application link" }

// back is refused while a create is under way: its answer must not be lost.
func (s *link) back() bool       { return s.linking }
func (s *link) SetSize(w, h int) { s.w, s.h = w, h }

func (s *link) enter() tea.Cmd {
	s.plan, s.err, s.linking = nil, nil, false
	// The first plan starts from the checks' client list; later ones list afresh.
	ctx, f := s.m.ctx, s.m.snapshot()
	s.m.flow.ListAgain = true
	return tea.Batch(s.load.start(), request(s.m, func() (*steps.LinkPlan, error) {
		return f.PlanLink(ctx)
	}))
}

func (s *link) confirm() tea.Cmd {
	s.linking, s.err = true, nil
	s.m.flow.LinkPending = s.plan.Changes()
	ctx, f, plan := s.m.ctx, s.m.snapshot(), s.plan
	return tea.Batch(s.load.start(), request(s.m, func() (*steps.LinkResult, error) {
		return f.EnsureLink(ctx, plan)
	}))
}

func (s *link) bindings() []key.Binding {
	switch {
	case s.load.busy:
		return nil
	case s.err != nil:
		return []key.Binding{withHelp(s.m.keys.Recheck, "r", "look again")}
	case s.plan != nil && s.plan.Changes():
		return []key.Binding{withHelp(s.m.keys.Enter, "enter", "create it")}
	}
	return []key.Binding{withHelp(s.m.keys.Enter, "enter", "use it")}
}

func (s *link) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case reply[*steps.LinkPlan]:
		s.load.stop()
		s.plan, s.err = msg.val, msg.err
		s.m.flow.Plan = msg.val
		return nil
	case reply[*steps.LinkResult]:
		s.load.stop()
		s.linking, s.m.flow.LinkPending = false, false
		if msg.val == nil {
			s.err = msg.err
			return nil
		}
		// A link that exists is kept even if reading it back failed.
		s.m.flow.Link = msg.val
		return s.m.advance()
	case tea.KeyPressMsg:
		switch {
		case s.load.busy:
		case s.err != nil && key.Matches(msg, s.m.keys.Recheck):
			return s.enter()
		case s.err == nil && s.plan != nil && key.Matches(msg, s.m.keys.Enter):
			return s.confirm()
		}
		return nil
	}
	return s.load.update(msg)
}

func (s *link) View() string {
	st := s.m.st
	switch {
	case s.load.busy && s.linking:
		return s.load.view("Setting up the link…")
	case s.load.busy:
		return s.load.view("Looking for an existing link for the iOS app…")
	case s.err != nil:
		return s.m.errorBlock(s.err, s.w) + "\n\n" + wrap("Press r to look at the instance's links again (a link created meanwhile is reused, never duplicated).", s.w, "")
	}
	var b strings.Builder
	b.WriteString(wrap("The iOS app signs in through an incoming application link (an OAuth 2.0 client) with the redirect "+s.plan.Product.MobileRedirect()+".", s.w, "") + "\n\n")
	b.WriteString(st.accent.Render(wrap(s.plan.Describe(), s.w, "")) + "\n")
	for _, n := range s.plan.NotReused() {
		b.WriteString(st.subtle.Render(wrap(n, s.w, "  ")) + "\n")
	}
	if s.plan.Changes() {
		b.WriteString("\n" + wrap("Press enter to create it on the instance, or esc to go back without changing anything.", s.w, ""))
	} else {
		b.WriteString("\n" + wrap("Press enter to use it.", s.w, ""))
	}
	return b.String()
}
