package cli

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// An admin on a slow link waits for the answers setup needs in a row: the
// detection, the checks, the create, its read-back. Verifying the sign-in at
// the end adds none: its probes need only the client ID, which the create's
// answer carries, so they go out beside the read-back. The bubble's clock
// counts the waits exactly (every request costs one latency).
func TestSetupVerifiesWithinItsRoundTrips(t *testing.T) {
	const latency = 100 * time.Millisecond
	for _, tc := range []struct {
		name  string
		args  []string
		trips int
	}{
		{"with verify", nil, 4},
		{"without verify", []string{"--no-verify"}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				env := simtest.New(t, simulator.Config{DevMode: true})
				env.Sim.SetLatency(latency)
				t0 := time.Now()
				args := append([]string{"setup", "--url", env.URL, "--mode", "mdm", "--yes", "--json"}, tc.args...)
				r := runOn(t, env, tokenEnv(simtest.SysadminToken), args...)
				took := time.Since(t0)
				if r.code != 0 {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				if want := time.Duration(tc.trips) * latency; took != want {
					t.Errorf("setup waited %s, %d round trips; want %d", took, took/latency, tc.trips)
				}
				if n := env.Count("GET", api.PathConsent); tc.args == nil && n != 1 {
					t.Errorf("the consent page was probed %d times, want once", n)
				}
			})
		})
	}
}
