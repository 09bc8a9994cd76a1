package cli

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// A link with the app's redirect from an earlier MDM run is no proof that the
// mobile plugin's switch is on: setup says what it saw, exits 1, never "ready".
func TestNonMDMNotConfirmedByAnEarlierLink(t *testing.T) {
	for _, wait := range []string{"0", "150ms"} {
		t.Run("wait "+wait, func(t *testing.T) {
			env := simtest.New(t, simulator.Config{DevMode: true})
			mdm := env.Sim.AddClient("Jira iOS app", []string{"jira-server://oauth-callback"}, "WRITE")
			r := runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "non-mdm", "--wait", wait, "--json")
			if r.code != ExitFailed {
				t.Fatalf("exit %d, want %d: %s", r.code, ExitFailed, r.stderr)
			}
			for _, want := range []string{"a link with the app's redirect exists", mdm.ClientID, "the mobile plugin does not hand it out yet: turn on OAuth 2.0 in Settings → System → Jira mobile app"} {
				if !strings.Contains(strings.ToLower(r.stderr), strings.ToLower(want)) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			if strings.Contains(strings.ToLower(r.stderr), "ready") {
				t.Errorf("says ready without evidence:\n%s", r.stderr)
			}
			if m := decode(t, r.stdout); m["clientId"] != nil && m["clientId"] != "" {
				t.Errorf("--json names a client it did not confirm: %v", m)
			}
			if n := env.Count("POST", api.PathClients); n != 0 {
				t.Fatalf("the wizard created a client in non-MDM mode")
			}
		})
	}
}

// With the switch on, the client the plugin hands out is the one reported, not
// the earlier MDM link that carries the same redirect.
func TestNonMDMReportsTheClientInfoLoginHandsOut(t *testing.T) {
	env := simtest.New(t, simulator.Config{DevMode: true})
	mdm := env.Sim.AddClient("Jira iOS app", []string{"jira-server://oauth-callback"}, "WRITE")
	env.Sim.SetMobileOAuth(true)
	var plugin simulator.Client
	for _, cl := range env.Sim.Clients() {
		if cl.ID != mdm.ID {
			plugin = cl
		}
	}
	r := runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "non-mdm", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if m := decode(t, r.stdout); m["clientId"] != plugin.ClientID || m["changed"] != false {
		t.Fatalf("clientId = %v, want the plugin's %s (not the MDM link's %s)", m["clientId"], plugin.ClientID, mdm.ClientID)
	}
	if !strings.Contains(r.stderr, "hands the app the client ID") {
		t.Errorf("stderr: %s", r.stderr)
	}
}

// A look that fails during the wait is said, and the same failure again is
// not said again: two polls answered 403 give one "Could not look" line.
func TestNonMDMWaitSaysEachFailureOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := simtest.New(t, simulator.Config{DevMode: true})
		env.Sim.EnableMobileOAuthAfter(2*steps.DefaultPollEvery + steps.DefaultPollEvery/2)
		go func() {
			// After the checks and the wait's first look (all at once on the
			// bubble's clock), before its second.
			time.Sleep(time.Millisecond)
			env.Sim.Inject(simulator.Fault{Method: "GET", PathPrefix: api.PathClients, Kind: simulator.FaultStatus, Status: 403,
				ContentType: "application/json", Body: `{"message":"Forbidden"}`, Times: 2})
		}()
		r := runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "non-mdm", "--wait", "1m")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		if n := strings.Count(r.stderr, "Could not look"); n != 1 {
			t.Errorf("%d 'Could not look' lines for two polls failing the same way, want 1:\n%s", n, r.stderr)
		}
	})
}
