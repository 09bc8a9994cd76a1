package cli

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/intunesim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/jamfsim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

const (
	tripLatency = 100 * time.Millisecond
	jamfTestURL = "https://jamf.example.com"
)

// mdmPushEnv is a simulated Jira with a simulated Intune and Jamf Pro, all in
// process, every request answered after tripLatency (on the bubble's clock
// under testing/synctest: the time a command takes is its critical path,
// exactly, in latencies).
type mdmPushEnv struct {
	*pushEnv
	jamf *jamfsim.Sim
}

func newMDMPushEnv(t *testing.T, cfg simulator.Config) *mdmPushEnv {
	t.Helper()
	cfg.DevMode = true
	e := &pushEnv{jira: simtest.New(t, cfg), intune: intunesim.New()}
	e.intune.PageSize = 100
	j := jamfsim.New(jamfsim.Config{})
	t.Cleanup(j.Close)
	mdm, jtr := &simtest.Transport{Handler: e.intune}, &simtest.Transport{Handler: j}
	host := strings.TrimPrefix(simtest.IntuneURL, "https://")
	e.tr = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		switch r.URL.Host {
		case host:
			return mdm.RoundTrip(r)
		case strings.TrimPrefix(jamfTestURL, "https://"):
			return jtr.RoundTrip(r)
		}
		return e.jira.Transport.RoundTrip(r)
	})
	return &mdmPushEnv{pushEnv: e, jamf: j}
}

func (e *mdmPushEnv) slow() {
	e.jira.Sim.SetLatency(tripLatency)
	e.intune.SetLatency(tripLatency)
	e.jamf.Inject(jamfsim.Fault{Kind: jamfsim.FaultLatency, Latency: tripLatency})
}

// pushArgs are the flags and environment of a push into mdm.
func (e *mdmPushEnv) pushArgs(mdm string) ([]string, map[string]string) {
	if mdm == "jamf" {
		return []string{"--push", "jamf", "--jamf-url", jamfTestURL}, e.env(EnvJamfClient, jamfsim.DefaultClientID, EnvJamfSecret, jamfsim.DefaultClientSecret)
	}
	return append([]string{"--push", "intune"}, mdmFlags()...), e.env()
}

// A push adds at most its write and the write's read-back to setup's path:
// signing in to the MDM, finding the app's record and reading its site list
// need only the app, known once the instance is detected, so they go out
// while the link is made. Both MDMs, a first push and an update. The figure
// is pinned at what it is, so that a request added on the path fails here.
func TestSetupPushAddsOnlyTheWriteAndReadBack(t *testing.T) {
	const maxAdded = 2 // the write and its read-back; the goal is ≤ 3
	for _, tc := range []struct {
		name, mdm string
		update    bool
	}{
		{"Intune, first push", "intune", false},
		{"Intune, update", "intune", true},
		{"Jamf Pro, first push", "jamf", false},
		{"Jamf Pro, update", "jamf", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				setup := []string{"--mode", "mdm", "--yes", "--json"}
				// The same setup without a push, on an instance of its own.
				base := newMDMPushEnv(t, simulator.Config{})
				base.slow()
				t0 := time.Now()
				if r := base.run(t, base.env(), append([]string{"setup", "--url", base.jira.URL}, setup...)...); r.code != 0 {
					t.Fatalf("setup: exit %d\n%s", r.code, r.stderr)
				}
				without := time.Since(t0)

				e := newMDMPushEnv(t, simulator.Config{})
				if tc.update {
					seedSites(t, e, `[{"title":"Other","baseURL":"https://other.example.com"}]`)
				}
				e.slow()
				args, env := e.pushArgs(tc.mdm)
				t0 = time.Now()
				r := e.run(t, env, append(append([]string{"setup", "--url", e.jira.URL}, setup...), args...)...)
				with := time.Since(t0)
				if r.code != 0 {
					t.Fatalf("setup --push: exit %d\n%s", r.code, r.stderr)
				}
				p := decode(t, r.stdout)["push"].(map[string]any)["jira"].(map[string]any)
				if p["changed"] != true || (p["created"] == true) == (tc.update || tc.mdm == "jamf") {
					t.Fatalf("push = %v", p)
				}
				if added := int((with - without) / tripLatency); with%tripLatency != 0 || added > maxAdded {
					t.Errorf("setup took %s with the push, %s without: the push adds %d round trips on the path, want at most %d (Intune %v, Jamf Pro %v)",
						with, without, added, maxAdded, e.intune.Requests(), e.jamf.Requests())
				}
			})
		})
	}
}

// seedSites gives the Jira app a site list in both MDMs, as an earlier push would have.
func seedSites(t *testing.T, e *mdmPushEnv, value string) {
	t.Helper()
	e.intune.AddConfig(intunesim.Config{DisplayName: "Jira sites", TargetedMobileApps: []string{intunesim.JiraAppID},
		Settings: []intunesim.Setting{{Key: "sites", Type: "stringType", Value: value}}})
	app, _ := e.jamf.App(jamfsim.JiraDataCenterAppID)
	app.Preferences = "<dict>\n\t<key>sites</key>\n\t<string>" + strings.ReplaceAll(value, `"`, "&quot;") + "</string>\n</dict>"
	e.jamf.SetApp(app)
}

// What runs beside the instance's work only reads, and ends with the
// command: a setup that fails on the instance (an old Jira) or is stopped
// (Ctrl-C) writes nothing to the MDM and returns with nothing left running
// (synctest fails a test whose goroutines outlive it).
func TestSetupPushThatFailsOnTheInstancePushesNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  simulator.Config
		stop bool
		code int
	}{
		{name: "incompatible instance", cfg: simulator.Config{Version: "9.4.0"}, code: ExitIncompatible},
		{name: "stopped while the link is created", stop: true, code: ExitInterrupted},
	} {
		for _, mdm := range []string{"intune", "jamf"} {
			t.Run(tc.name+", "+mdm, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					e := newMDMPushEnv(t, tc.cfg)
					e.slow()
					args, env := e.pushArgs(mdm)
					ctx, cancel := context.WithCancel(t.Context())
					defer cancel()
					if tc.stop {
						// The create is on the third round trip; the MDM's reads are then under way.
						time.AfterFunc(2*tripLatency+tripLatency/2, cancel)
					}
					r := runIOCtx(ctx, t, e.tr, "", false, env, append([]string{"setup", "--url", e.jira.URL, "--mode", "mdm", "--yes"}, args...)...)
					if r.code != tc.code {
						t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r.stderr)
					}
					seen := len(e.intune.Requests()) + len(e.jamf.Requests())
					time.Sleep(10 * tripLatency)
					if n := len(e.intune.Requests()) + len(e.jamf.Requests()); n != seen {
						t.Errorf("%d requests reached the MDM after the command returned", n-seen)
					}
					if w := e.intune.Writes(); len(w) > 0 {
						t.Errorf("Intune got writes %v", w)
					}
					if n := e.jamf.Count("PUT", ""); n > 0 {
						t.Errorf("Jamf Pro got %d PUTs", n)
					}
					if strings.Contains(r.stderr, "Intune:") || strings.Contains(r.stderr, "Jamf Pro:") {
						t.Errorf("a push was reported:\n%s", r.stderr)
					}
				})
			})
		}
	}
}

// An MDM that refuses the credentials is said after setup's own outcome, as
// when the push read in turn: the link is in place and the site list is out,
// then the push's refusal with exit 4.
func TestSetupPushRefusedSaysSoAfterTheSetup(t *testing.T) {
	for _, mdm := range []string{"intune", "jamf"} {
		t.Run(mdm, func(t *testing.T) {
			e := newMDMPushEnv(t, simulator.Config{})
			args, env := e.pushArgs(mdm)
			env[EnvAzureSecret], env[EnvJamfSecret] = "wrong", "wrong"
			r := e.run(t, env, append([]string{"setup", "--url", e.jira.URL, "--mode", "mdm", "--yes", "--json"}, args...)...)
			if r.code != ExitAuth {
				t.Fatalf("exit %d, want %d\n%s", r.code, ExitAuth, r.stderr)
			}
			if len(e.jira.Sim.Clients()) != 1 || decode(t, r.stdout)["clientId"] == nil {
				t.Fatalf("the link is not in place or not reported:\n%s", r.stdout)
			}
			if i, j := strings.Index(r.stderr, "Created"), strings.LastIndex(r.stderr, "Error:"); i < 0 || j < i {
				t.Errorf("the refusal is not said after the setup's outcome:\n%s", r.stderr)
			}
		})
	}
}

// The same holds for setup over several instances (each app's record is read
// once its first instance is detected) and for push (read while each
// instance's link is looked up): the MDM's reads are off the path, and the
// push adds the write and the read-back of each app's list, one app after
// the other.
func TestPushReadsTheMDMBesideTheInstances(t *testing.T) {
	for _, tc := range []struct {
		name  string
		push  bool // the push command (the links exist), else setup
		trips int
	}{
		// Detection, checks, create, read-back (the instances side by side);
		// then two writes and their read-backs.
		{"setup over two instances", false, 8},
		// Detection and the links, one instance after the other; then two
		// writes and their read-backs.
		{"push from the links of two instances", true, 8},
	} {
		for _, mdm := range []string{"intune", "jamf"} {
			t.Run(tc.name+", "+mdm, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					e := newMDMPushEnv(t, simulator.Config{})
					wiki := e.addWiki(t)
					urls := []string{"--url", e.jira.URL, "--url", wiki.URL}
					args, env := e.pushArgs(mdm)
					cmd := append(append([]string{"setup"}, urls...), "--mode", "mdm", "--yes", "--json")
					if tc.push {
						if r := e.run(t, e.env(), append(append([]string{"setup"}, urls...), "--mode", "mdm", "--yes", "--no-verify")...); r.code != 0 {
							t.Fatalf("setup: exit %d\n%s", r.code, r.stderr)
						}
						cmd = append(append([]string{"push"}, urls...), "--yes", "--json")
						args[0] = "--mdm"
					}
					e.slow()
					wiki.Sim.SetLatency(tripLatency)
					t0 := time.Now()
					r := e.run(t, env, append(cmd, args...)...)
					took := time.Since(t0)
					if r.code != 0 {
						t.Fatalf("exit %d\n%s", r.code, r.stderr)
					}
					push := decode(t, r.stdout)["push"].(map[string]any)
					if push["jira"].(map[string]any)["changed"] != true || push["confluence"].(map[string]any)["changed"] != true {
						t.Fatalf("push = %v", push)
					}
					if want := time.Duration(tc.trips) * tripLatency; took > want {
						t.Errorf("took %s, %d round trips; want at most %d (Intune %v, Jamf Pro %v)", took, took/tripLatency, tc.trips, e.intune.Requests(), e.jamf.Requests())
					}
				})
			})
		}
	}
}

// remove --push reads the app's list while the link is deleted: the push
// adds its write and read-back to the deletion's path (detection, the links,
// the delete), after the MDM's reads if those take longer (Intune's sign-in
// and configuration: 4).
func TestRemovePushReadsTheMDMWhileTheLinkIsDeleted(t *testing.T) {
	for _, tc := range []struct {
		mdm   string
		trips int
	}{{"intune", 6}, {"jamf", 5}} {
		t.Run(tc.mdm, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newMDMPushEnv(t, simulator.Config{})
				if r := e.run(t, e.env(), "setup", "--url", e.jira.URL, "--mode", "mdm", "--yes", "--no-verify"); r.code != 0 {
					t.Fatalf("setup: exit %d\n%s", r.code, r.stderr)
				}
				seedSites(t, e, `[{"title":"Other","baseURL":"https://other.example.com"},{"title":"Acme","baseURL":"`+e.jira.URL+`"}]`)
				e.slow()
				args, env := e.pushArgs(tc.mdm)
				t0 := time.Now()
				r := e.run(t, env, append([]string{"remove", "--url", e.jira.URL, "--yes", "--json"}, args...)...)
				took := time.Since(t0)
				if r.code != 0 {
					t.Fatalf("exit %d\n%s", r.code, r.stderr)
				}
				if p := decode(t, r.stdout)["push"].(map[string]any)["jira"].(map[string]any); p["changed"] != true || len(e.jira.Sim.Clients()) != 0 {
					t.Fatalf("push = %v, %d links left", p, len(e.jira.Sim.Clients()))
				}
				if want := time.Duration(tc.trips) * tripLatency; took > want {
					t.Errorf("took %s, %d round trips; want at most %d (Intune %v, Jamf Pro %v)", took, took/tripLatency, tc.trips, e.intune.Requests(), e.jamf.Requests())
				}
			})
		})
	}
}
