package steps_test

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

var ctx = context.Background()

func TestDetect(t *testing.T) {
	tests := []struct {
		name    string
		product string
		want    api.Product
		wantErr string
	}{
		{"jira detected", "jira", "", ""},
		{"confluence detected", "confluence", "", ""},
		{"jira confirmed", "jira", api.Jira, ""},
		{"jira flow at a confluence", "confluence", api.Jira, "is Confluence, not Jira"},
		{"confluence flow at a jira", "jira", api.Confluence, "is Jira, not Confluence"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := simtest.New(t, simulator.Config{Product: tt.product, Title: "Acme"})
			d, err := steps.Detect(ctx, env.Client(t, ""), tt.want)
			if tt.wantErr != "" {
				if !errors.Is(err, steps.ErrWrongProduct) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(d.Product) != tt.product || d.Title != "Acme" || d.InstanceBaseURL != env.URL {
				t.Fatalf("Detect = %+v, %v", d, err)
			}
			if d.Confirmed != (tt.want != "") {
				t.Errorf("Confirmed = %v", d.Confirmed)
			}
		})
	}
}

func TestDetectOtherApplications(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	env.Sim.Inject(simulator.Fault{PathPrefix: api.PathManifest, Kind: simulator.FaultStatus, Status: 200,
		ContentType: "application/json", Body: `{"typeId":"stash","version":"8.19.0","name":"Bitbucket"}`})
	_, err := steps.Detect(ctx, env.Client(t, ""), "")
	if !errors.Is(err, steps.ErrWrongProduct) || !strings.Contains(err.Error(), "Bitbucket") {
		t.Fatalf("err = %v", err)
	}
}

func statusOf(r *steps.Report, id string) steps.Status {
	for _, c := range r.Checks {
		if c.ID == id {
			return c.Status
		}
	}
	return -1
}

func TestRunChecks(t *testing.T) {
	tests := []struct {
		name       string
		cfg        simulator.Config
		token      string
		mode       steps.Mode
		typed      string // "" = the env URL
		compatible bool
		want       map[string]steps.Status
	}{
		{"all good for MDM", simulator.Config{Version: "10.3.0"}, simtest.SysadminToken, steps.ModeMDM, "", true,
			map[string]steps.Status{"product": steps.StatusOK, "oauth-plugin": steps.StatusOK, "credentials": steps.StatusOK, "sysadmin": steps.StatusOK, "https": steps.StatusWarn}},
		{"MDM does not look at the mobile plugin", simulator.Config{Version: "10.3.0", Plugins: []simulator.Plugin{{Key: api.OAuth2ProviderPluginKey, Version: "4.1.0", Enabled: true}}}, simtest.SysadminToken, steps.ModeMDM, "", true,
			map[string]steps.Status{"mobile-plugin": -1, "mobile-login": -1}},
		{"non-MDM needs the mobile plugin", simulator.Config{Version: "10.3.0", Plugins: []simulator.Plugin{{Key: api.OAuth2ProviderPluginKey, Version: "4.1.0", Enabled: true}}}, simtest.SysadminToken, steps.ModeNonMDM, "", false,
			map[string]steps.Status{"mobile-plugin": steps.StatusFail, "mobile-login": steps.StatusFail}},
		{"before the mode, mobile only warns", simulator.Config{Version: "10.3.0", Plugins: []simulator.Plugin{{Key: api.OAuth2ProviderPluginKey, Version: "4.1.0", Enabled: true}}}, simtest.SysadminToken, "", "", true,
			map[string]steps.Status{"mobile-plugin": steps.StatusWarn}},
		{"old OAuth plugin", simulator.Config{Version: "10.3.0", Plugins: []simulator.Plugin{{Key: api.OAuth2ProviderPluginKey, Version: "4.0.9", Enabled: true}}}, simtest.SysadminToken, steps.ModeMDM, "", false,
			map[string]steps.Status{"oauth-plugin": steps.StatusFail}},
		{"no OAuth plugin", simulator.Config{Version: "10.3.0", Plugins: []simulator.Plugin{}}, simtest.SysadminToken, steps.ModeMDM, "", false,
			map[string]steps.Status{"oauth-plugin": steps.StatusFail, "sysadmin": steps.StatusSkip}},
		{"Jira 10.0 warns", simulator.Config{Version: "10.0.1"}, simtest.SysadminToken, steps.ModeNonMDM, "", true,
			map[string]steps.Status{"product": steps.StatusWarn, "oauth-plugin": steps.StatusOK, "mobile-plugin": steps.StatusOK}},
		{"Jira 9.12.13 unsupported", simulator.Config{Version: "9.12.13"}, simtest.SysadminToken, steps.ModeMDM, "", false,
			map[string]steps.Status{"product": steps.StatusFail}},
		{"not a sysadmin", simulator.Config{}, simtest.AdminToken, steps.ModeMDM, "", false,
			map[string]steps.Status{"credentials": steps.StatusOK, "sysadmin": steps.StatusFail}},
		{"bad token", simulator.Config{}, simtest.BadToken, steps.ModeMDM, "", false,
			map[string]steps.Status{"credentials": steps.StatusFail}},
		{"typed URL differs from the base URL", simulator.Config{BaseURL: "https://jira.example.com"}, simtest.SysadminToken, steps.ModeMDM, "https://other.example.com", true,
			map[string]steps.Status{"base-url": steps.StatusWarn, "https": steps.StatusOK}},
		{"proxy on info/login", simulator.Config{Proxy: simulator.ProxyLoginRedirect}, simtest.SysadminToken, steps.ModeNonMDM, "", false,
			map[string]steps.Status{"mobile-login": steps.StatusFail, "credentials": steps.StatusOK}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := simtest.New(t, tt.cfg)
			c := env.Client(t, tt.token)
			d, err := steps.Detect(ctx, c, "")
			if err != nil {
				t.Fatal(err)
			}
			typed := cmp.Or(tt.typed, env.URL)
			r := steps.RunChecks(ctx, c, d, steps.CheckOptions{Mode: tt.mode, TypedURL: typed})
			if r.Compatible() != tt.compatible {
				t.Errorf("Compatible = %v, want %v; checks: %+v", r.Compatible(), tt.compatible, r.Checks)
			}
			for id, want := range tt.want {
				if got := statusOf(r, id); got != want {
					t.Errorf("check %s = %v, want %v", id, got, want)
				}
			}
			for _, ch := range r.Checks {
				if ch.Status == steps.StatusFail && ch.Remedy == "" {
					t.Errorf("failed check %s has no remedy", ch.ID)
				}
			}
		})
	}
}

// The checks' requests overlap: on the bubble's clock each takes exactly the
// latency, so the measure is exact and costs no time.
func TestChecksRunConcurrently(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := simtest.New(t, simulator.Config{})
		env.Sim.SetLatency(150 * time.Millisecond)
		c := env.Client(t, simtest.SysadminToken)
		d, err := steps.Detect(ctx, c, "")
		if err != nil {
			t.Fatal(err)
		}
		env.Sim.ResetRequests()
		steps.RunChecks(ctx, c, d, steps.CheckOptions{Mode: steps.ModeNonMDM})
		reqs := env.Sim.Requests()
		if len(reqs) < 5 {
			t.Fatalf("only %d requests", len(reqs))
		}
		// Every check's request must have started before the first one ended. On
		// the bubble's clock a request that waited for another starts exactly
		// when that one ended.
		firstEnd := reqs[0].End
		for _, r := range reqs {
			if r.End.Before(firstEnd) {
				firstEnd = r.End
			}
		}
		for _, r := range reqs {
			if !r.Start.Before(firstEnd) {
				t.Errorf("%s %s started after another check had finished: checks ran one after another", r.Method, r.Path)
			}
		}
	})
}

func planAndEnsure(t *testing.T, c *api.Client, name string) (*steps.LinkResult, error) {
	t.Helper()
	plan, err := steps.PlanLink(ctx, c, api.Jira, name, nil)
	if err != nil {
		return nil, err
	}
	return steps.EnsureLink(ctx, c, plan)
}

func TestEnsureLinkIsIdempotent(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	c := env.Client(t, simtest.SysadminToken)
	first, err := planAndEnsure(t, c, "")
	if err != nil || !first.Changed || first.Client.Name != "Jira iOS app" {
		t.Fatalf("first run = %+v, %v", first, err)
	}
	second, err := planAndEnsure(t, c, "")
	if err != nil || second.Changed || second.Client.ClientID != first.Client.ClientID {
		t.Fatalf("second run = %+v, %v", second, err)
	}
	if n := len(env.Sim.Clients()); n != 1 {
		t.Fatalf("%d clients, want 1", n)
	}
	cl := env.Sim.Clients()[0]
	if cl.Scope != "WRITE" || len(cl.Redirects) != 1 || cl.Redirects[0] != "jira-server://oauth-callback" {
		t.Fatalf("client = %+v", cl)
	}
}

func TestPlanLinkChoices(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	c := env.Client(t, simtest.SysadminToken)
	env.Sim.AddClient("Read-only mobile", []string{"jira-server://oauth-callback"}, "READ")
	plan, err := steps.PlanLink(ctx, c, api.Jira, "", nil)
	if err != nil || plan.Existing != nil || plan.Create == nil || len(plan.Others) != 1 {
		t.Fatalf("a READ client must not be reused: %+v, %v", plan, err)
	}
	env.Sim.AddClient("Old mobile link", []string{"https://x.example.com/cb", "jira-server://oauth-callback"}, "WRITE")
	plan, err = steps.PlanLink(ctx, c, api.Jira, "", nil)
	if err != nil || plan.Existing == nil || plan.Existing.Name != "Old mobile link" || plan.Changes() {
		t.Fatalf("a WRITE client with the redirect must be reused: %+v, %v", plan, err)
	}
	// Confluence's redirect is a different one.
	plan, err = steps.PlanLink(ctx, c, api.Confluence, "", nil)
	if err != nil || plan.Existing != nil || plan.Create.Redirects[0] != "confluence-server://oauth-callback" {
		t.Fatalf("confluence plan = %+v, %v", plan, err)
	}
	// A name taken by an unrelated client.
	env.Sim.AddClient("Confluence iOS app", []string{"https://elsewhere.example.com/cb"}, "WRITE")
	if _, err = steps.PlanLink(ctx, c, api.Confluence, "", nil); err == nil || fix.Of(err).Kind != fix.OtherLinkName || !strings.Contains(err.Error(), "Confluence iOS app") {
		t.Fatalf("name taken: %v", err)
	}
}

func TestEnsureLinkAfterUnclearFailures(t *testing.T) {
	tests := []struct {
		name        string
		fault       simulator.Fault
		wantCreated bool
		wantErr     bool
	}{
		{"timeout after the server created it", simulator.Fault{Method: "POST", Kind: simulator.FaultHang, AfterHandle: true, Times: 1}, true, false},
		{"reset after the server created it", simulator.Fault{Method: "POST", Kind: simulator.FaultReset, AfterHandle: true, Times: 1}, true, false},
		{"503 after the server created it", simulator.Fault{Method: "POST", Kind: simulator.FaultStatus, Status: 503, AfterHandle: true, Times: 1}, true, false},
		{"reset before the server saw it", simulator.Fault{Method: "POST", Kind: simulator.FaultReset, Times: 1}, false, true},
		{"500 before the server saw it", simulator.Fault{Method: "POST", Kind: simulator.FaultStatus, Status: 500, Times: 1}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The hang runs into the timeout on the bubble's clock.
			synctest.Test(t, func(t *testing.T) {
				env := simtest.New(t, simulator.Config{})
				o := env.Options(simtest.SysadminToken)
				o.Timeout = 300 * time.Millisecond
				c := env.ClientWith(t, o)
				env.Sim.Inject(tt.fault)
				res, err := planAndEnsure(t, c, "")
				if (err != nil) != tt.wantErr {
					t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
				}
				n := len(env.Sim.Clients())
				if tt.wantCreated {
					if n != 1 || !res.Changed || !res.Reconciled || res.Client.ClientID != env.Sim.Clients()[0].ClientID {
						t.Fatalf("clients=%d result=%+v", n, res)
					}
				} else {
					if n != 0 || !strings.Contains(err.Error(), "no link was created") {
						t.Fatalf("clients=%d err=%v", n, err)
					}
				}
				if posts := env.Count("POST", api.PathClients); posts != 1 {
					t.Fatalf("%d POSTs: a create must never be retried", posts)
				}
				// A plain re-run ends with exactly one client.
				if _, err := planAndEnsure(t, c, ""); err != nil {
					t.Fatalf("re-run: %v", err)
				}
				if n := len(env.Sim.Clients()); n != 1 {
					t.Fatalf("after a re-run: %d clients", n)
				}
			})
		})
	}
}

func TestEnsureLinkUnclearAndUncheckable(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	o := env.Options(simtest.SysadminToken)
	o.Timeout = 300 * time.Millisecond
	o.Retries = -1
	c := env.ClientWith(t, o)
	plan, err := steps.PlanLink(ctx, c, api.Jira, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	env.Sim.Inject(simulator.Fault{Kind: simulator.FaultStatus, Status: 503, AfterHandle: true})
	_, err = steps.EnsureLink(ctx, c, plan)
	var unclear *steps.UnclearCreateError
	if !errors.As(err, &unclear) || !strings.Contains(err.Error(), "Application links") {
		t.Fatalf("err = %v, want an unclear-create error that says where to look", err)
	}
}

// TestOneRemedyPerCause: a wrong token, a user who is not a system
// administrator, an unsupported Jira: the check that failed carries the
// remedy once; the checks it kept from being made are skipped with one line
// that names it, and repeat no remedy.
func TestOneRemedyPerCause(t *testing.T) {
	tests := []struct {
		name    string
		cfg     simulator.Config
		token   string
		cause   string   // the one failed check
		skipped []string // the checks it stopped
	}{
		{"wrong token", simulator.Config{}, simtest.BadToken, steps.CheckIDCredentials,
			[]string{steps.CheckIDSysadmin, steps.CheckIDOAuthPlugin, steps.CheckIDMobilePlugin}},
		{"not a system administrator", simulator.Config{}, simtest.UserToken, steps.CheckIDSysadmin,
			[]string{steps.CheckIDOAuthPlugin, steps.CheckIDMobilePlugin}},
		{"old Jira", simulator.Config{Version: "9.4.0"}, simtest.SysadminToken, steps.CheckIDProduct,
			[]string{steps.CheckIDOAuthPlugin, steps.CheckIDMobilePlugin}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := simtest.New(t, tt.cfg)
			c := env.Client(t, tt.token)
			d, err := steps.Detect(ctx, c, "")
			if err != nil {
				t.Fatal(err)
			}
			r := steps.RunChecks(ctx, c, d, steps.CheckOptions{TypedURL: env.URL})
			var causeAt int
			for i, ch := range r.Checks {
				switch {
				case ch.ID == tt.cause:
					causeAt = i
					if ch.Status != steps.StatusFail || ch.Remedy == "" {
						t.Errorf("the cause %s: %v with remedy %q", ch.ID, ch.Status, ch.Remedy)
					}
				case slices.Contains(tt.skipped, ch.ID):
					if ch.Status != steps.StatusSkip || ch.Remedy != "" || strings.Contains(ch.Detail, "\n") {
						t.Errorf("%s is %v with remedy %q; want a skip with one line and no remedy", ch.ID, ch.Status, ch.Remedy)
					}
					if i < causeAt || !strings.Contains(ch.Detail, "see") {
						t.Errorf("%s does not point to the check above that stopped it: %q", ch.ID, ch.Detail)
					}
				case ch.Status == steps.StatusFail:
					t.Errorf("another check failed: %+v", ch)
				}
			}
			if len(r.Failed()) != 1 || len(r.Errs) > 1 {
				t.Errorf("%d failed checks and %d errors, want one cause: %+v", len(r.Failed()), len(r.Errs), r.Checks)
			}
		})
	}
}

// TestWarningsSetNoError: behind a proxy that redirects anonymous requests, a
// report made before the mode was chosen only warns about info/login, and the
// error behind that warning does not count: the report passes with no error,
// so the exit code agrees with the words.
func TestWarningsSetNoError(t *testing.T) {
	env := simtest.New(t, simulator.Config{Proxy: simulator.ProxyLoginRedirect})
	c := env.Client(t, simtest.SysadminToken)
	d, err := steps.Detect(ctx, c, "")
	if err != nil {
		t.Fatal(err)
	}
	r := steps.RunChecks(ctx, c, d, steps.CheckOptions{TypedURL: env.URL})
	if !r.Compatible() || len(r.Errs) != 0 || statusOf(r, steps.CheckIDMobileLogin) != steps.StatusWarn {
		t.Errorf("compatible %v, errors %v, info/login %v: want a pass with a warning and no error", r.Compatible(), r.Errs, statusOf(r, steps.CheckIDMobileLogin))
	}
	r = steps.RunChecks(ctx, c, d, steps.CheckOptions{Mode: steps.ModeNonMDM, TypedURL: env.URL})
	if r.Compatible() || len(r.Errs) != 1 || api.KindOf(r.Errs[0]) != api.KindIntercepted {
		t.Errorf("non-MDM: compatible %v, errors %v: want the proxy's failure", r.Compatible(), r.Errs)
	}
}
