package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/words"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// wait shows where the admin turns OAuth 2.0 on in the mobile plugin while
// the flow watches the instance for evidence that the switch is on (see
// steps.MobileOAuthEvidence): a link with the app's redirect alone is not.
// The wizard creates nothing in this mode. Each look is the flow's; r asks
// it for one at once.
type wait struct {
	m     *Model
	w, h  int
	load  loader
	polls int
	now   chan struct{}
	seen  *steps.MobileOAuthEvidence // the last look that worked
	found *steps.MobileOAuthEvidence // confirmed
	err   error
}

func newWait(m *Model) *wait { return &wait{m: m, load: newLoader()} }

func (s *wait) heading() string  { return "Non-MDM: turn on OAuth 2.0" }
func (s *wait) back() bool       { return false }
func (s *wait) SetSize(w, h int) { s.w, s.h = w, h }

// open starts from what the checks read a moment ago (one look).
func (s *wait) open(qq question) tea.Cmd {
	q := qq.(showSwitch)
	s.found, s.seen, s.err, s.polls, s.now = nil, q.ev, nil, 1, q.now
	return s.load.start()
}

// observe hears the flow's looks.
func (s *wait) observe(e steps.Event) tea.Cmd {
	switch {
	case e.Poll != nil:
		s.polls++
		s.err = e.Poll.Err
		if e.Poll.Evidence != nil {
			s.seen = e.Poll.Evidence
		}
	case e.Done:
		s.found = e.State.Mobile
		s.load.stop()
	}
	return nil
}

func (s *wait) bindings() []key.Binding {
	return []key.Binding{withHelp(s.m.keys.Recheck, "r", "check now")}
}

func (s *wait) update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		if s.found == nil && key.Matches(k, s.m.keys.Recheck) {
			select {
			case s.now <- struct{}{}:
			default: // a look is already asked for
			}
		}
		return nil
	}
	return s.load.update(msg)
}

func (s *wait) View() string {
	st := s.m.st
	p := s.m.know.Detection.Product
	var b strings.Builder
	b.WriteString(wrap("There is no REST API for this switch: turn it on in the "+p.Title()+" administration, in a browser, as a system administrator:", s.w, "") + "\n\n")
	b.WriteString("  " + st.accent.Render(wrap(steps.MobileAdminPath(p), s.w, "  ")) + "\n")
	b.WriteString(st.subtle.Render(wrap(noAdminURL, s.w, "")) + "\n\n")
	b.WriteString(wrap("The mobile plugin then creates its own incoming link with the redirect "+p.MobileRedirect()+" and hands its client ID to the app; the wizard watches for that.", s.w, "") + "\n\n")
	if s.found != nil {
		b.WriteString(st.ok.Render(wrap("Found it: "+s.found.Describe(), s.w, "")) + "\n")
		return b.String()
	}
	if s.seen != nil {
		b.WriteString(wrap("Seen so far: "+s.seen.Describe(), s.w, "") + "\n\n")
	}
	b.WriteString(s.load.view(fmt.Sprintf("Waiting for the evidence (checked %s; every %s; r checks now)", words.Count(s.polls, "time"), s.m.opts.settings().PollInterval())) + "\n")
	if s.err != nil {
		b.WriteString("\n" + s.m.errorBlock(s.err, s.w) + "\n")
	}
	return b.String()
}
