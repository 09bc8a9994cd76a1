package cli

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/intunesim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/jamfsim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// pushEnv is a simulated Jira and a simulated Intune, both in process.
type pushEnv struct {
	jira   *simtest.Env
	intune *intunesim.Sim
	tr     http.RoundTripper
}

func newPushEnv(t *testing.T) *pushEnv {
	t.Helper()
	e := &pushEnv{jira: simtest.New(t, simulator.Config{DevMode: true, Title: "Acme Jira"}), intune: intunesim.New()}
	e.tr = e.jira.Transport
	e.tr = e.with(intuneHost, e.intune)
	return e
}

// intuneHost is where the in-process Intune answers.
var intuneHost = strings.TrimPrefix(simtest.IntuneURL, "https://")

// with is e's transport with host answered in process by h.
func (e *pushEnv) with(host string, h http.Handler) http.RoundTripper {
	mdm, next := &simtest.Transport{Handler: h}, e.tr
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Host == host {
			return mdm.RoundTrip(r)
		}
		return next.RoundTrip(r)
	})
}

// addWiki adds a simulated Confluence, reached through the same transport.
func (e *pushEnv) addWiki(t *testing.T) *simtest.Env {
	t.Helper()
	wiki := simtest.New(t, simulator.Config{DevMode: true, Product: "confluence", Title: "Wiki"})
	tr := e.tr
	e.tr = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Host == strings.TrimPrefix(wiki.URL, "http://") {
			return wiki.Transport.RoundTrip(r)
		}
		return tr.RoundTrip(r)
	})
	return wiki
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (e *pushEnv) env(extra ...string) map[string]string {
	m := map[string]string{EnvToken: simtest.SysadminToken, EnvAzureTenant: intunesim.Tenant, EnvAzureClient: intunesim.ClientID, EnvAzureSecret: intunesim.ClientSecret}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

func (e *pushEnv) run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runIO(t, e.tr, "", false, env, args...)
}

func mdmFlags(extra ...string) []string {
	return append([]string{"--authority-url", simtest.IntuneURL, "--graph-url", simtest.IntuneURL}, extra...)
}

func TestSetupPushThenPushAgainChangesNothing(t *testing.T) {
	e := newPushEnv(t)
	r := e.run(t, e.env(), append([]string{"setup", "--url", e.jira.URL, "--mode", "mdm", "--yes", "--no-verify", "--json", "--push", "intune", "--group", "g-1"}, mdmFlags()...)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	out := decode(t, r.stdout)
	p := out["push"].(map[string]any)["jira"].(map[string]any)
	if p["mdm"] != "Intune" || p["changed"] != true || p["app"] != "jira" || !strings.Contains(p["configuration"].(string), "mobile-oauth-wizard") {
		t.Fatalf("push = %v", p)
	}
	cfgs := e.intune.Configs()
	if len(cfgs) != 1 || !strings.Contains(cfgs[0].Settings[0].Value, out["clientId"].(string)) || cfgs[0].Groups()[0] != "g-1" {
		t.Fatalf("Intune holds %+v", cfgs)
	}
	writes := len(e.intune.Writes())
	r = e.run(t, e.env(), append([]string{"push", "--url", e.jira.URL, "--mdm", "intune", "--yes", "--json"}, mdmFlags()...)...)
	p = decode(t, r.stdout)["push"].(map[string]any)["jira"].(map[string]any)
	if r.code != 0 || p["changed"] != false || len(e.intune.Writes()) != writes {
		t.Fatalf("second push: exit %d, %v, writes %v\n%s", r.code, p, e.intune.Writes(), r.stderr)
	}
	if n := len(e.jira.Sim.Clients()); n != 1 {
		t.Fatalf("%d links: push must only read the instance", n)
	}
}

func TestPushContract(t *testing.T) {
	cases := []struct {
		name     string
		env      []string
		args     []string
		sim      func(s *intunesim.Sim)
		mdm      string
		wantCode int
		want     []string // in stderr
		writes   int
	}{
		{name: "without --yes and a terminal: the flag to pass", args: []string{}, wantCode: ExitUsage, want: []string{"--yes"}},
		{name: "dry run prints the request and writes nothing", args: []string{"--dry-run"}, want: []string{"POST " + simtest.IntuneURL + "/v1.0/deviceAppManagement/mobileAppConfigurations", `"appConfigKey":"sites"`}},
		{name: "created and confirmed", args: []string{"--yes"}, want: []string{"created the app configuration", "Warning: The app configuration is assigned to no group", "--group GROUP-ID"}, writes: 1},
		{name: "a wrong client secret: exit 4", env: []string{EnvAzureSecret, "wrong"}, args: []string{"--yes"}, wantCode: ExitAuth, want: []string{"AADSTS7000215"}},
		{name: "the read permission only: exit 4", sim: func(s *intunesim.Sim) { s.SetReadOnly(true) }, args: []string{"--yes"}, wantCode: ExitAuth, want: []string{"DeviceManagementApps.ReadWrite.All"}, writes: 1},
		{name: "Graph's answers lost: exit 5", sim: func(s *intunesim.Sim) {
			s.AddFault(intunesim.Fault{Method: "GET", Path: "/v1.0/", LoseAnswer: true, Times: 99})
		}, args: []string{"--yes"}, wantCode: ExitNetwork},
		{name: "no app registration named: exit 2", env: []string{EnvAzureClient, ""}, args: []string{"--yes"}, wantCode: ExitUsage, want: []string{EnvAzureClient}},
		{name: "no app in Intune: the remedy names --mdm-app", sim: func(s *intunesim.Sim) { s.SetApps(nil) }, args: []string{"--yes"}, wantCode: ExitFailed, want: []string{"1405353949", "--mdm-app ID"}},
		{name: "jamf without its URL: exit 2", mdm: "jamf", args: []string{"--yes"}, wantCode: ExitUsage, want: []string{"--jamf-url"}},
	}
	for _, tc := range cases {
		// In a bubble: the back-off between Graph's lost answers runs on its clock.
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newPushEnv(t)
				if r := e.run(t, e.env(), "setup", "--url", e.jira.URL, "--mode", "mdm", "--yes", "--no-verify"); r.code != 0 {
					t.Fatalf("setup: %s", r.stderr)
				}
				if tc.sim != nil {
					tc.sim(e.intune)
				}
				mdm := tc.mdm
				if mdm == "" {
					mdm = "intune"
				}
				args := append([]string{"push", "--url", e.jira.URL, "--mdm", mdm, "--debug"}, mdmFlags(tc.args...)...)
				r := e.run(t, e.env(tc.env...), args...)
				if r.code != tc.wantCode {
					t.Fatalf("exit %d, want %d\n%s", r.code, tc.wantCode, r.stderr)
				}
				for _, w := range tc.want {
					if !strings.Contains(flat(r.stderr), w) {
						t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
					}
				}
				if n := len(e.intune.Writes()); n != tc.writes {
					t.Errorf("writes %v, want %d", e.intune.Writes(), tc.writes)
				}
				for _, leak := range []string{intunesim.ClientSecret, "sim-access-", "client_secret="} {
					if strings.Contains(r.stderr+r.stdout, leak) {
						t.Errorf("output holds %q", leak)
					}
				}
			})
		})
	}
}

func TestPushToJamfPro(t *testing.T) {
	e := newPushEnv(t)
	jsim := jamfsim.New(jamfsim.Config{})
	t.Cleanup(jsim.Close)
	const jamfURL = "https://jamf.example.com"
	e.tr = e.with("jamf.example.com", jsim)
	if r := e.run(t, e.env(), "setup", "--url", e.jira.URL, "--mode", "mdm", "--yes", "--no-verify"); r.code != 0 {
		t.Fatalf("setup: %s", r.stderr)
	}
	env := e.env(EnvJamfClient, jamfsim.DefaultClientID, EnvJamfSecret, jamfsim.DefaultClientSecret)
	r := e.run(t, env, "push", "--url", e.jira.URL, "--mdm", "jamf", "--jamf-url", jamfURL, "--yes", "--json", "--debug")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	p := decode(t, r.stdout)["push"].(map[string]any)["jira"].(map[string]any)
	if p["mdm"] != "Jamf Pro" || p["changed"] != true {
		t.Fatalf("push = %v", p)
	}
	app, _ := jsim.App(jamfsim.JiraDataCenterAppID)
	if !strings.Contains(app.Preferences, "$EMAIL") || !strings.Contains(app.Preferences, "<key>sites</key>") {
		t.Fatalf("preferences = %s", app.Preferences)
	}
	if strings.Contains(r.stderr, jamfsim.DefaultClientSecret) {
		t.Fatal("the Jamf secret is in the debug log")
	}
	r = e.run(t, env, "push", "--url", e.jira.URL, "--mdm", "jamf", "--jamf-url", jamfURL, "--yes", "--json")
	if p := decode(t, r.stdout)["push"].(map[string]any)["jira"].(map[string]any); r.code != 0 || p["changed"] != false {
		t.Fatalf("second push: %v\n%s", p, r.stderr)
	}
	r = e.run(t, e.env(EnvJamfClient, jamfsim.DefaultClientID, EnvJamfSecret, "wrong"), "push", "--url", e.jira.URL, "--mdm", "jamf", "--jamf-url", jamfURL, "--yes")
	if r.code != ExitAuth {
		t.Fatalf("a wrong Jamf secret: exit %d, want 4\n%s", r.code, r.stderr)
	}
}

func TestRemovePushTakesTheSiteOut(t *testing.T) {
	e := newPushEnv(t)
	other := `{"title":"Other","baseURL":"https://other.example.com"}`
	e.intune.AddConfig(intunesim.Config{DisplayName: "Jira sites", TargetedMobileApps: []string{intunesim.JiraAppID},
		Settings: []intunesim.Setting{{Key: "sites", Type: "stringType", Value: `[` + other + `,{"title":"Acme","baseURL":"` + e.jira.URL + `"}]`}}})
	if r := e.run(t, e.env(), "setup", "--url", e.jira.URL, "--mode", "mdm", "--yes", "--no-verify"); r.code != 0 {
		t.Fatalf("setup: %s", r.stderr)
	}
	r := e.run(t, e.env(), append([]string{"remove", "--url", e.jira.URL, "--yes", "--json", "--push", "intune"}, mdmFlags()...)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if got := e.intune.Configs()[0].Settings[0].Value; got != "["+other+"]" {
		t.Fatalf("sites = %s", got)
	}
	if p := decode(t, r.stdout)["push"].(map[string]any)["jira"].(map[string]any); p["changed"] != true {
		t.Fatalf("push = %v", p)
	}
}

func TestPushFlagsAreDocumented(t *testing.T) {
	for _, cmd := range [][]string{{"push", "--help"}, {"setup", "--help"}, {"remove", "--help"}} {
		r := run(t, nil, cmd...)
		for _, f := range []string{"--authority-url", "--graph-url", "--group", "--mdm-app", "--jamf-url"} {
			if !strings.Contains(r.stdout, f) {
				t.Errorf("%v lacks %s", cmd, f)
			}
		}
	}
	for _, cmd := range [][]string{{"__complete", "push", "--mdm", ""}, {"__complete", "setup", "--push", ""}} {
		if r := run(t, nil, cmd...); !strings.Contains(r.stdout, "intune") || !strings.Contains(r.stdout, "jamf") {
			t.Errorf("%v completes %q", cmd, r.stdout)
		}
	}
	r := run(t, nil, "man")
	if !strings.Contains(r.stdout, "mdm-app") || !strings.Contains(r.stdout, "push") {
		t.Error("the man page lacks the push flags")
	}
}

// Two products, one run: each app's list goes to that app's configuration,
// never mixed.
func TestPushGivesEachAppItsOwnList(t *testing.T) {
	e := newPushEnv(t)
	wiki := e.addWiki(t)
	for _, u := range []string{e.jira.URL, wiki.URL} {
		if r := e.run(t, e.env(), "setup", "--url", u, "--mode", "mdm", "--yes", "--no-verify"); r.code != 0 {
			t.Fatalf("setup %s: %s", u, r.stderr)
		}
	}
	r := e.run(t, e.env(), append([]string{"push", "--url", e.jira.URL, "--url", wiki.URL, "--mdm", "intune", "--yes", "--json"}, mdmFlags()...)...)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	push := decode(t, r.stdout)["push"].(map[string]any)
	if push["jira"].(map[string]any)["changed"] != true || push["confluence"].(map[string]any)["changed"] != true {
		t.Fatalf("push = %v", push)
	}
	for _, c := range e.intune.Configs() {
		app, site, other := intunesim.JiraAppID, e.jira.URL, wiki.URL
		if strings.Contains(c.DisplayName, "Confluence") {
			app, site, other = intunesim.ConfluenceAppID, wiki.URL, e.jira.URL
		}
		v := c.Settings[0].Value
		if c.TargetedMobileApps[0] != app || !strings.Contains(v, site) || strings.Contains(v, other) {
			t.Errorf("%q targets %v and holds %s", c.DisplayName, c.TargetedMobileApps, v)
		}
	}
	if n := len(e.intune.Configs()); n != 2 {
		t.Fatalf("%d configurations, want one per app", n)
	}
}

// MDM credentials are checked before the instance is touched: a setup whose
// push could not sign in creates no link.
func TestSetupPushWithoutMDMCredentialsChangesNothing(t *testing.T) {
	e := newPushEnv(t)
	r := e.run(t, e.env(EnvAzureClient, ""), append([]string{"setup", "--url", e.jira.URL, "--mode", "mdm", "--yes", "--push", "intune"}, mdmFlags()...)...)
	if r.code != ExitUsage || len(e.jira.Sim.Clients()) != 0 || len(e.jira.Sim.Requests()) != 0 {
		t.Fatalf("exit %d, %d links, %d requests\n%s", r.code, len(e.jira.Sim.Clients()), len(e.jira.Sim.Requests()), r.stderr)
	}
}

func TestSessionPushReadsNoCertificateFile(t *testing.T) {
	r := sessionRun(t, map[string]string{EnvAzureClient: intunesim.ClientID, EnvAzureTenant: intunesim.Tenant, EnvAzureCert: "/etc/ssl/private/key.pem", EnvToken: simtest.SysadminToken},
		"push", "--mdm", "intune", "--yes")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "reads no file on the server") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

// --ca-cert is trusted for the MDM too (added to the system's roots): a
// TLS-inspecting proxy or a private CA in front of Microsoft Entra ID and
// Graph is the same CA the instance's traffic meets. Both servers here
// present httptest's certificate, which only the file vouches for.
func TestPushTrustsTheCACertForIntune(t *testing.T) {
	jira := simtest.StartTLS(t, simulator.Config{DevMode: true})
	sim := intunesim.New()
	graph := httptest.NewUnstartedServer(sim)
	graph.Config.ErrorLog = log.New(io.Discard, "", 0)
	graph.StartTLS()
	t.Cleanup(graph.Close)
	env := map[string]string{EnvToken: simtest.SysadminToken, EnvAzureTenant: intunesim.Tenant, EnvAzureClient: intunesim.ClientID, EnvAzureSecret: intunesim.ClientSecret}
	r := run(t, env, "setup", "--url", jira.URL, "--ca-cert", caFile(t, jira), "--mode", "mdm", "--yes", "--no-verify",
		"--push", "intune", "--authority-url", graph.URL, "--graph-url", graph.URL)
	if r.code != 0 {
		t.Fatalf("exit %d: the MDM's certificate was not trusted with --ca-cert\n%s", r.code, r.stderr)
	}
	if n := len(sim.Configs()); n != 1 {
		t.Errorf("%d app configurations in Intune, want the one pushed", n)
	}
}
