package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/words"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// wait shows where the admin turns OAuth 2.0 on in the mobile plugin, then
// watches the instance until there is evidence that the switch is on (see
// steps.MobileOAuthEvidence): a link with the app's redirect alone is not. The
// wizard creates nothing in this mode.
type wait struct {
	m     *Model
	w, h  int
	load  loader
	polls int
	seq   int // the tick that may poll next; a re-check makes older ticks void
	busy  bool
	// base is the list of clients when the wizard asked for the switch.
	base  steps.Baseline
	seen  *steps.MobileOAuthEvidence // the last look that worked
	found *steps.MobileOAuthEvidence // confirmed
	err   error
}

type pollTick struct{ gen, seq int }

func (t pollTick) generation() int { return t.gen }

func newWait(m *Model) *wait { return &wait{m: m, load: newLoader()} }

func (s *wait) heading() string  { return "Non-MDM: turn on OAuth 2.0" }
func (s *wait) back() bool       { return false }
func (s *wait) SetSize(w, h int) { s.w, s.h = w, h }

func (s *wait) enter() tea.Cmd {
	s.found, s.seen, s.err, s.polls, s.busy, s.base = nil, nil, nil, 0, false, steps.Baseline{}
	// The checks read the clients and info/login a moment ago: start from that.
	if ev, known := s.m.flow.Report.MobileOAuth(); known {
		s.polls, s.seen, s.base = 1, ev, ev.AsBaseline()
		if ev.Confirmed() {
			s.found, s.m.flow.Mobile = ev, ev
			return nil
		}
		return tea.Batch(s.load.start(), s.tick())
	}
	return tea.Batch(s.load.start(), s.poll())
}

// tick schedules the next poll; a re-check in between makes it void.
func (s *wait) tick() tea.Cmd {
	gen, seq := s.m.gen, s.seq
	return tea.Tick(s.m.opts.pollEvery(), func(time.Time) tea.Msg { return pollTick{gen: gen, seq: seq} })
}

func (s *wait) poll() tea.Cmd {
	if s.busy {
		return nil
	}
	s.busy = true
	s.seq++
	ctx, f, base := s.m.ctx, s.m.snapshot(), s.base
	return request(s.m, func() (*steps.MobileOAuthEvidence, error) {
		return steps.CheckMobileOAuth(ctx, f.Client, f.Detection.Product, base)
	})
}

func (s *wait) bindings() []key.Binding {
	if s.found != nil {
		return []key.Binding{withHelp(s.m.keys.Enter, "enter", "show the result")}
	}
	return []key.Binding{withHelp(s.m.keys.Recheck, "r", "check now")}
}

func (s *wait) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case reply[*steps.MobileOAuthEvidence]:
		s.busy = false
		s.polls++
		s.err = msg.err
		if msg.val != nil {
			s.seen = msg.val
			if !s.base.Known() {
				// The first list read after asking is the baseline.
				s.base = msg.val.AsBaseline()
			}
		}
		if msg.val.Confirmed() {
			s.found = msg.val
			s.load.stop()
			s.m.flow.Mobile = s.found
			return nil
		}
		return s.tick()
	case pollTick:
		if msg.seq == s.seq && s.found == nil {
			return s.poll()
		}
		return nil
	case tea.KeyPressMsg:
		switch {
		case s.found != nil && key.Matches(msg, s.m.keys.Enter):
			// The site entry has nothing to ask in non-MDM: the URL and the
			// instance's name (the wait screen finishes the site step too).
			site := s.m.flow.NewSite("", false)
			s.m.flow.Site = &site
			return s.m.advance()
		case s.found == nil && key.Matches(msg, s.m.keys.Recheck):
			return s.poll()
		}
		return nil
	}
	return s.load.update(msg)
}

func (s *wait) View() string {
	st := s.m.st
	p := s.m.flow.Detection.Product
	var b strings.Builder
	b.WriteString(wrap("There is no REST API for this switch: turn it on in the "+p.Title()+" administration, in a browser, as a system administrator:", s.w, "") + "\n\n")
	b.WriteString("  " + st.accent.Render(wrap(steps.MobileAdminPath(p), s.w, "  ")) + "\n\n")
	b.WriteString(wrap("The mobile plugin then creates its own incoming link with the redirect "+p.MobileRedirect()+" and hands its client ID to the app; the wizard watches for that.", s.w, "") + "\n\n")
	if s.found != nil {
		b.WriteString(st.ok.Render(wrap("Found it: "+s.found.Describe()+" Press enter for the result.", s.w, "")) + "\n")
		return b.String()
	}
	if s.seen != nil {
		b.WriteString(wrap("Seen so far: "+s.seen.Describe(), s.w, "") + "\n\n")
	}
	b.WriteString(s.load.view(fmt.Sprintf("Waiting for the evidence (checked %s; every %s; r checks now)", words.Count(s.polls, "time"), s.m.opts.pollEvery())) + "\n")
	if s.err != nil {
		b.WriteString("\n" + s.m.errorBlock(s.err, s.w) + "\n")
	}
	return b.String()
}
