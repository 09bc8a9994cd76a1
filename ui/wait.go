package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// wait shows where the admin turns OAuth 2.0 on in the mobile plugin, then
// watches the instance until the plugin's own client appears. The wizard
// creates nothing in this mode.
type wait struct {
	m     *Model
	w, h  int
	load  loader
	polls int
	seq   int // the tick that may poll next; a re-check makes older ticks void
	busy  bool
	found *api.OAuthClient
	err   error
}

type pollTick struct{ gen, seq int }

func (t pollTick) generation() int { return t.gen }

func newWait(m *Model) *wait { return &wait{m: m, load: newLoader()} }

func (s *wait) heading() string  { return "Non-MDM: turn on OAuth 2.0" }
func (s *wait) back() bool       { return false }
func (s *wait) SetSize(w, h int) { s.w, s.h = w, h }

func (s *wait) enter() tea.Cmd {
	s.found, s.err, s.polls, s.busy = nil, nil, 0, false
	// The checks listed the clients a moment ago: start from that answer.
	if cl, known := s.m.report.MobileClient(); known {
		s.polls = 1
		if cl != nil {
			s.found, s.m.mobile = cl, cl
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
	ctx, c, p := s.m.ctx, s.m.client, s.m.det.Product
	return request(s.m, func() (*api.OAuthClient, error) {
		return steps.FindMobileClient(ctx, c, p)
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
	case reply[*api.OAuthClient]:
		s.busy = false
		s.polls++
		s.found, s.err = msg.val, msg.err
		if s.found != nil {
			s.load.stop()
			s.m.mobile = s.found
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
			st := steps.NewSite(s.m.det, s.m.baseURL, s.m.opts.Title, "", false)
			s.m.site = &st
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
	p := s.m.det.Product
	var b strings.Builder
	b.WriteString(wrap("There is no REST API for this switch: turn it on in the "+p.Title()+" administration, in a browser, as a system administrator:", s.w, "") + "\n\n")
	b.WriteString("  " + st.accent.Render(wrap(steps.MobileAdminPath(p), s.w, "  ")) + "\n\n")
	b.WriteString(wrap("The mobile plugin then creates its own incoming link with the redirect "+p.MobileRedirect()+"; the wizard watches for it.", s.w, "") + "\n\n")
	if s.found != nil {
		b.WriteString(st.ok.Render(wrap(fmt.Sprintf("Found it: the link %q (client ID %s) carries the app's redirect. Press enter for the result.",
			s.found.Name, s.found.ClientID), s.w, "")) + "\n")
		return b.String()
	}
	b.WriteString(s.load.view(fmt.Sprintf("Waiting for the link to appear (checked %d time(s); every %s; r checks now)", s.polls, s.m.opts.pollEvery())) + "\n")
	if s.err != nil {
		b.WriteString("\n" + s.m.errorBlock(s.err, s.w) + "\n")
	}
	return b.String()
}
