package ui

import (
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
)

// TestExitCodes: the full-screen wizard ends as the commands do: 130 after
// Ctrl-C before the end, 1 when quit with q before the end, 0 after the
// result screen (whatever key ends it then).
func TestExitCodes(t *testing.T) {
	for _, tt := range []struct {
		name    string
		enters  int
		quitKey string
		want    int
	}{
		{"ctrl+c on Welcome", 0, "ctrl+c", 130},
		{"ctrl+c on the way", 2, "ctrl+c", 130},
		{"q on Welcome", 0, "q", 1},
		{"q on the result", -1, "q", 0},
		{"ctrl+c on the result", -1, "ctrl+c", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := newSim(t, simulator.Config{Title: "Demo Jira"})
			opts := Options{Demo: true}
			opts.DemoDefaults.BaseURL, opts.DemoDefaults.Token = srv.URL, "sysadmin-token"
			h := start(t, sim, srv, opts)
			h.waitFor("This is a demo")
			if tt.enters < 0 {
				for i := 0; h.snap().state != stResult; i++ {
					if i == 10 {
						t.Fatalf("no result screen after 10 presses of enter:\n%s", h.snap().view)
					}
					h.pressWait("enter")
				}
			}
			for range max(tt.enters, 0) {
				h.pressWait("enter")
			}
			h.press(tt.quitKey)
			m := h.final()
			if got := m.ExitCode(); got != tt.want {
				t.Errorf("exit code %d, want %d", got, tt.want)
			}
		})
	}
}
