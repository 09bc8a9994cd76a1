package ui

import (
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
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
