package steps_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

const jiraRedirect = "jira-server://oauth-callback"

type verdicts map[string]steps.Status

func TestVerifyOutcomes(t *testing.T) {
	ok, warn, fail, skip := steps.StatusOK, steps.StatusWarn, steps.StatusFail, steps.StatusSkip
	oldProvider := []simulator.Plugin{{Key: simulator.OAuth2PluginKey, Version: "3.1.5", Enabled: true}}
	tests := []struct {
		name  string
		start func(t *testing.T) *simtest.Env
		plain bool   // the wizard talks plain http
		scope string // of the seeded link; "" = none
		want  verdicts
		// in is a word the named probe's detail or remedy must contain.
		in map[string]string
	}{
		{name: "healthy", start: tlsSim(simulator.Config{}), scope: "WRITE",
			want: verdicts{"link": ok, "metadata": ok, "authorize": ok, "scope": ok, "consent": ok, "handed-out": skip},
			in:   map[string]string{"handed-out": "not in use: the mobile plugin does not hand out this link"}},
		{name: "behind a proxy that sends X-Forwarded-Proto", start: proxied(simulator.Config{BaseURL: "https://jira.example.com"}, "https"), scope: "WRITE",
			want: verdicts{"link": ok, "metadata": ok, "authorize": ok, "scope": ok, "consent": ok}},
		{name: "custom scheme refused by an old provider", start: tlsSim(simulator.Config{Plugins: oldProvider}), scope: "WRITE",
			want: verdicts{"link": ok, "authorize": ok, "scope": ok, "consent": fail},
			in:   map[string]string{"consent": "412", "consent remedy": "4.1.0"}},
		// Jira 10.0.x: the check cannot tell whether a 4.0.x plugin has the fix;
		// the consent page settles the redirect: accepted, or a 412 that names 4.1.0.
		{name: "Jira 10.0.x, a provider that accepts the app's redirect", start: tlsSim(simulator.Config{Version: "10.0.2", Plugins: []simulator.Plugin{{Key: simulator.OAuth2PluginKey, Version: "4.0.3", Enabled: true}}}), scope: "WRITE",
			want: verdicts{"link": ok, "authorize": ok, "scope": ok, "consent": ok},
			in:   map[string]string{"consent": "accepts the app's redirect " + jiraRedirect}},
		{name: "Jira 10.0.x, a provider that refuses the app's redirect", start: tlsSim(simulator.Config{Version: "10.0.2", Plugins: oldProvider}), scope: "WRITE",
			want: verdicts{"link": ok, "authorize": ok, "scope": ok, "consent": fail},
			in:   map[string]string{"consent": "412", "consent remedy": "to 4.1.0 or later"}},
		{name: "http base URL", start: plainSim(simulator.Config{}), plain: true, scope: "WRITE",
			want: verdicts{"link": ok, "authorize": ok, "scope": ok, "consent": fail},
			in:   map[string]string{"consent": "uses http", "consent remedy": "https://"}},
		{name: "proxy without X-Forwarded-Proto", start: proxied(simulator.Config{BaseURL: "https://jira.example.com"}, ""), scope: "WRITE",
			want: verdicts{"link": ok, "authorize": ok, "scope": ok, "consent": fail},
			in:   map[string]string{"consent": "in a header the provider reads", "consent remedy": "Forwarded: for=<client address>;proto=https; the provider ignores Forwarded: proto=https"}},
		{name: "proxy that sends Forwarded with proto first", start: forwarded(simulator.Config{BaseURL: "https://jira.example.com"}, "proto=https"), scope: "WRITE",
			want: verdicts{"link": ok, "authorize": ok, "scope": ok, "consent": fail},
			in:   map[string]string{"consent remedy": "X-Forwarded-Proto: https"}},
		{name: "proxy that sends Forwarded with proto after for=", start: forwarded(simulator.Config{BaseURL: "https://jira.example.com"}, "for=192.0.2.60;proto=https"), scope: "WRITE",
			want: verdicts{"link": ok, "authorize": ok, "scope": ok, "consent": ok}},
		{name: "the wizard itself on plain http to an https instance", start: plainSim(simulator.Config{BaseURL: "https://jira.example.com"}), plain: true, scope: "WRITE",
			want: verdicts{"link": ok, "authorize": ok, "scope": ok, "consent": warn},
			in:   map[string]string{"consent": "plain http", "consent remedy": "https://jira.example.com"}},
		{name: "no link", start: tlsSim(simulator.Config{}),
			want: verdicts{"link": fail, "metadata": ok, "authorize": skip, "scope": skip, "consent": skip},
			in:   map[string]string{"link": jiraRedirect}},
		{name: "link with a scope below WRITE", start: tlsSim(simulator.Config{}), scope: "READ",
			want: verdicts{"link": fail, "authorize": fail, "scope": ok, "consent": skip},
			in:   map[string]string{"link": "READ", "authorize": "invalid_scope"}},
		{name: "unknown answer from the consent page", start: func(t *testing.T) *simtest.Env {
			env := tlsSim(simulator.Config{})(t)
			env.Sim.Inject(simulator.Fault{PathPrefix: api.PathConsent, Status: http.StatusOK, ContentType: "text/html", Body: "<html>Maintenance</html>"})
			return env
		}, scope: "WRITE",
			want: verdicts{"link": ok, "authorize": ok, "scope": ok, "consent": warn},
			in:   map[string]string{"consent": "HTTP 200"}},
		{name: "a login proxy answers the sign-in request", start: tlsSim(simulator.Config{Proxy: simulator.ProxyLoginRedirect}), scope: "WRITE",
			want: verdicts{"link": ok, "metadata": warn, "authorize": warn, "scope": warn, "consent": skip},
			in:   map[string]string{"authorize": "login.jsp"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.start(t)
			if tt.scope != "" {
				env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, tt.scope)
			}
			c := env.TLSClient(t, simtest.SysadminToken)
			if tt.plain {
				c = env.Client(t, simtest.SysadminToken)
			}
			det, err := steps.Detect(context.Background(), c, "")
			if err != nil {
				t.Fatal(err)
			}
			env.Sim.ResetRequests()
			r := steps.Verify(context.Background(), c, det, steps.VerifyOptions{})
			got := map[string]steps.Check{}
			for _, p := range r.Probes {
				got[p.ID] = p
			}
			for id, want := range tt.want {
				// StatusOK is the zero Status: a probe that did not run must not pass as ok.
				if p, ran := got[id]; !ran || p.Status != want {
					t.Errorf("%s: %s (%s, ran %v), want %s", id, p.Status, p.Detail, ran, want)
				}
			}
			for key, word := range tt.in {
				id, remedy := strings.CutSuffix(key, " remedy")
				text := got[id].Detail
				if remedy {
					text = got[id].Remedy
				}
				if !strings.Contains(text, word) {
					t.Errorf("%s: %q does not say %q", key, text, word)
				}
			}
			failed := false
			for _, s := range tt.want {
				failed = failed || s == fail
			}
			if r.OK() == failed {
				t.Errorf("OK() = %v with verdicts %v", r.OK(), got)
			}
			if tt.name == "healthy" && (!strings.HasPrefix(r.Verdict(), "The app's sign-in can start") || got["handed-out"].Remedy != "") {
				t.Errorf("an MDM link the plugin does not hand out is worth a warning: %q, remedy %q", r.Verdict(), got["handed-out"].Remedy)
			}
			for _, req := range env.Sim.Requests() {
				if (req.Path == api.PathAuthorize || req.Path == api.PathConsent) && req.User != "anonymous" {
					t.Errorf("%s %s carried credentials (ran as %s)", req.Method, req.Path, req.User)
				}
			}
		})
	}
}

// With the link already read back (the end of setup), every request goes out
// at once and nothing is listed again: one round trip.
func TestVerifyKnownLinkSendsOneBatch(t *testing.T) {
	env := simtest.NewTLS(t, simulator.Config{})
	seeded := env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
	c := env.TLSClient(t, simtest.SysadminToken)
	det, err := steps.Detect(context.Background(), c, "")
	if err != nil {
		t.Fatal(err)
	}
	env.Sim.ResetRequests()
	link := api.OAuthClient{ID: seeded.ID, ClientID: seeded.ClientID, Name: seeded.Name, Redirects: seeded.Redirects, Scope: seeded.Scope}
	r := steps.Verify(context.Background(), c, det, steps.VerifyOptions{Client: &link, Mode: steps.ModeMDM})
	if !r.OK() {
		t.Fatalf("probes %+v", r.Probes)
	}
	var paths []string
	for _, req := range env.Sim.Requests() {
		paths = append(paths, req.Method+" "+req.Path)
	}
	want := map[string]int{"GET " + api.PathOAuthMetadata: 1, "GET " + api.PathAuthorize: 2, "GET " + api.PathConsent: 1}
	count := map[string]int{}
	for _, p := range paths {
		count[p]++
	}
	if len(paths) != 4 || count["GET "+api.PathOAuthMetadata] != want["GET "+api.PathOAuthMetadata] ||
		count["GET "+api.PathAuthorize] != 2 || count["GET "+api.PathConsent] != 1 {
		t.Errorf("requests %v, want metadata, two authorize and one consent", paths)
	}
}

func TestVerifyChoosesAmongSeveralLinks(t *testing.T) {
	env := simtest.NewTLS(t, simulator.Config{})
	env.Sim.AddClient("Old", []string{jiraRedirect}, "READ")
	second := env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
	c := env.TLSClient(t, simtest.SysadminToken)
	det, err := steps.Detect(context.Background(), c, "")
	if err != nil {
		t.Fatal(err)
	}
	r := steps.Verify(context.Background(), c, det, steps.VerifyOptions{})
	if r.Client == nil || r.Client.ClientID != second.ClientID || !r.OK() || !strings.Contains(r.Probes[0].Detail, "2 links") {
		t.Errorf("without a choice: probed %+v, probes %+v", r.Client, r.Probes)
	}
	r = steps.Verify(context.Background(), c, det, steps.VerifyOptions{ClientID: "not-one-of-them"})
	if r.Client != nil || r.OK() || !strings.Contains(r.Probes[0].Remedy, second.ClientID) {
		t.Errorf("unknown choice: probed %+v, probes %+v", r.Client, r.Probes)
	}
}

func TestVerifyNonMDM(t *testing.T) {
	tests := []struct {
		name     string
		switchOn bool
		want     steps.Status
	}{
		{"the plugin hands out its link", true, steps.StatusOK},
		{"a link the plugin does not hand out", false, steps.StatusFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := simtest.NewTLS(t, simulator.Config{MobileOAuth: tt.switchOn})
			if !tt.switchOn {
				env.Sim.AddClient("Made by hand", []string{jiraRedirect}, "WRITE")
			}
			c := env.TLSClient(t, simtest.SysadminToken)
			det, err := steps.Detect(context.Background(), c, "")
			if err != nil {
				t.Fatal(err)
			}
			r := steps.Verify(context.Background(), c, det, steps.VerifyOptions{Mode: steps.ModeNonMDM})
			for _, p := range r.Probes {
				if p.ID == steps.ProbeIDHandedOut && p.Status != tt.want {
					t.Errorf("handed-out: %s (%s), want %s", p.Status, p.Detail, tt.want)
				}
			}
			if r.OK() != (tt.want == steps.StatusOK) {
				t.Errorf("OK() = %v: %+v", r.OK(), r.Probes)
			}
		})
	}
}

func tlsSim(cfg simulator.Config) func(*testing.T) *simtest.Env {
	return func(t *testing.T) *simtest.Env { return simtest.NewTLS(t, cfg) }
}

func plainSim(cfg simulator.Config) func(*testing.T) *simtest.Env {
	return func(t *testing.T) *simtest.Env { return simtest.New(t, cfg) }
}

func proxied(cfg simulator.Config, proto string) func(*testing.T) *simtest.Env {
	return func(t *testing.T) *simtest.Env { return simtest.NewBehindTLSProxy(t, cfg, proto) }
}

func forwarded(cfg simulator.Config, value string) func(*testing.T) *simtest.Env {
	return func(t *testing.T) *simtest.Env { return simtest.NewBehindForwardedProxy(t, cfg, value) }
}

// The consent page is asked at once with the query the authorization endpoint
// is expected to forward; when its redirect carries other parameters, the
// page is asked again with those, and that answer is the verdict.
func TestVerifyAsksTheConsentPageAgainWhenTheRedirectDiffers(t *testing.T) {
	sim := simulator.New(simulator.Config{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != api.PathAuthorize {
			sim.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		if loc := rec.Header().Get("Location"); strings.Contains(loc, api.PathConsent) {
			w.Header().Set("Location", loc+"&prompt=login")
		}
		w.WriteHeader(rec.Code)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(sim.Close)
	link := sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
	c, err := api.New(api.Options{BaseURL: srv.URL, Token: simtest.SysadminToken, Transport: srv.Client().Transport})
	if err != nil {
		t.Fatal(err)
	}
	det, err := steps.Detect(context.Background(), c, "")
	if err != nil {
		t.Fatal(err)
	}
	sim.ResetRequests()
	cl := api.OAuthClient{ID: link.ID, ClientID: link.ClientID, Name: link.Name, Redirects: link.Redirects, Scope: link.Scope}
	r := steps.Verify(context.Background(), c, det, steps.VerifyOptions{Client: &cl, Mode: steps.ModeMDM})
	var consent []string
	for _, req := range sim.Requests() {
		if req.Path == api.PathConsent {
			consent = append(consent, req.Query)
		}
	}
	if len(consent) != 2 || strings.Contains(consent[0], "prompt=login") || !strings.Contains(consent[1], "prompt=login") {
		t.Fatalf("consent asked with %q, want the expected query and then the redirect's", consent)
	}
	if !r.OK() {
		t.Errorf("probes %+v", r.Probes)
	}
}

// The verification says where it stops: before the token exchange. The
// metadata's token_endpoint_auth_methods_supported (3.1.5: client_secret_post
// only) is kept for the admin, and is no warning: nothing shows that the app
// cannot exchange its code.
func TestVerifySaysItStopsBeforeTheTokenExchange(t *testing.T) {
	env := simtest.NewTLS(t, simulator.Config{})
	env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
	c := env.TLSClient(t, simtest.SysadminToken)
	det, err := steps.Detect(context.Background(), c, "")
	if err != nil {
		t.Fatal(err)
	}
	r := steps.Verify(context.Background(), c, det, steps.VerifyOptions{Mode: steps.ModeMDM})
	if len(r.TokenAuthMethods) != 1 || r.TokenAuthMethods[0] != "client_secret_post" {
		t.Errorf("TokenAuthMethods = %q", r.TokenAuthMethods)
	}
	for _, p := range r.Probes {
		if p.Status == steps.StatusWarn || p.Status == steps.StatusFail {
			t.Errorf("%s: %s (%s)", p.ID, p.Status, p.Detail)
		}
		if p.ID == steps.ProbeIDMetadata && !strings.Contains(p.Detail, "stops before the token exchange") {
			t.Errorf("metadata probe does not say where the verification stops: %q", p.Detail)
		}
	}
}

// The probes run once per verification: one HTTP session left on the
// instance by the anonymous consent probe, and on an old provider that refuses
// the app's redirect, one WARN line in its log; no audit-worthy write.
func TestVerifyLeavesOneSessionAndAtMostOneWarning(t *testing.T) {
	for _, tt := range []struct {
		name               string
		cfg                simulator.Config
		sessions, warnings int
	}{
		{"healthy", simulator.Config{}, 1, 0},
		{"old provider", simulator.Config{Plugins: []simulator.Plugin{{Key: simulator.OAuth2PluginKey, Version: "3.1.5", Enabled: true}}}, 0, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := simtest.NewTLS(t, tt.cfg)
			env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
			before := env.Sim.Clients()
			c := env.TLSClient(t, simtest.SysadminToken)
			det, err := steps.Detect(context.Background(), c, "")
			if err != nil {
				t.Fatal(err)
			}
			steps.Verify(context.Background(), c, det, steps.VerifyOptions{Mode: steps.ModeMDM})
			if got, w := env.Sim.Sessions(), env.Sim.Warnings(); got != tt.sessions || len(w) != tt.warnings {
				t.Errorf("%d sessions, warnings %q; want %d and %d", got, w, tt.sessions, tt.warnings)
			}
			for _, r := range env.Sim.Requests() {
				if r.Method != http.MethodGet {
					t.Errorf("verify sent %s %s", r.Method, r.Path)
				}
			}
			if after := env.Sim.Clients(); len(after) != len(before) || after[0].Scope != before[0].Scope {
				t.Errorf("links changed: %+v", after)
			}
		})
	}
}
