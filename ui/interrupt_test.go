package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/eventually"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// TestCtrlCAtEveryStateLeavesNothingUnreported walks the demo with Enter and quits
// with ctrl+c after 0, 1, 2, … presses: whenever a link exists on the instance,
// the summary printed after the program names it; when none does, it claims none.
func TestCtrlCAtEveryStateLeavesNothingUnreported(t *testing.T) {
	for presses := 0; presses <= 9; presses++ {
		sim, srv := newSim(t, simulator.Config{Title: "Demo Jira"})
		opts := Options{Demo: true}
		opts.DemoDefaults.BaseURL, opts.DemoDefaults.Token = srv.URL, "sysadmin-token"
		h := start(t, sim, srv, opts)
		h.waitFor("This is a demo")
		var s snapshot
		for range presses {
			s = h.pressWait("enter")
		}
		m := h.finish()
		sum := m.Summary()
		clients := sim.Clients()
		switch {
		case len(clients) > 1:
			t.Fatalf("after %d presses: %d clients", presses, len(clients))
		case len(clients) == 1 && !strings.Contains(sum, clients[0].ClientID):
			t.Fatalf("after %d presses (state %d) a link exists but the summary does not name it:\n%s", presses, s.state, sum)
		case len(clients) == 0 && strings.Contains(sum, "Created"):
			t.Fatalf("after %d presses the summary claims a link that does not exist:\n%s", presses, sum)
		}
		if strings.Contains(sum, "sysadmin-token") {
			t.Fatalf("the summary shows the token")
		}
	}
}

// The wizard runs on the context it is given (an SSH session's): when it ends
// (the admin's connection dropped) while a create is under way whose answer
// never came, the flow settles it by listing and the summary says the link
// was created, never that nothing changed.
func TestContextEndStopsTheFlowAndKeepsTheRecord(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{DevMode: true})
	// The create happens; its answer never comes.
	sim.Inject(simulator.Fault{Kind: simulator.FaultHang, Method: "POST", PathPrefix: "/rest/oauth2/latest/client", AfterHandle: true})
	ctx, cancel := context.WithCancel(context.Background())
	h := startIn(t, ctx, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM})
	h.waitFor("Create an incoming link")
	h.press("enter")
	if _, ok := h.until(func(s snapshot) bool { return s.busy && strings.Contains(s.view, "Setting up the link") }); !ok {
		t.Fatal("the create never started")
	}
	// The screen says so before the request is out: end the context only once
	// the instance has handled the create (before that, nothing was changed,
	// and the summary rightly says so).
	eventually.True(t, "the create to reach the instance", func() bool { return len(sim.Clients()) == 1 })
	cancel() // the session's connection is gone
	m := h.finish()
	if sum := flat(m.Summary()); !strings.Contains(sum, "Created the incoming link") || !strings.Contains(sum, "confirmed it by listing") || strings.Contains(sum, "Nothing was changed") {
		t.Errorf("summary after the context ended mid-create:\n%s", sum)
	}
}
