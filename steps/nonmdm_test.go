package steps_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

func loginDoc(t *testing.T, doc string) *api.MobileLoginInfo {
	t.Helper()
	if doc == "" {
		return nil
	}
	var m api.MobileLoginInfo
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("info/login %s: %v", doc, err)
	}
	return &m
}

func TestMobileOAuthEvidence(t *testing.T) {
	const (
		redirect = "jira-server://oauth-callback"
		mdmID    = "0123456789abcdef0123456789abcdef"
		pluginID = "fedcba9876543210fedcba9876543210"
		otherID  = "11111111111111111111111111111111"
	)
	mdm := api.OAuthClient{ID: "u-1", ClientID: mdmID, Name: "Jira iOS app", Redirects: []string{redirect}, Scope: "WRITE"}
	plugin := api.OAuthClient{ID: "u-2", ClientID: pluginID, Name: "Jira mobile app", Redirects: []string{redirect}, Scope: "WRITE"}
	other := api.OAuthClient{ID: "u-3", ClientID: otherID, Name: "CI bot", Redirects: []string{"https://ci.example.com/cb"}, Scope: "READ"}
	old := `{"instance-name":"Acme","base-url":"https://jira.example.com"}`
	tests := []struct {
		name     string
		clients  []api.OAuthClient
		login    string
		loginErr error
		base     steps.Baseline
		how      steps.Confirmation
		client   string   // clientId of the confirmed client
		describe []string // in Describe's text
	}{
		{"nothing yet", nil, old, nil, steps.BaselineOf(nil), steps.NotConfirmed, "",
			[]string{"No incoming link with the app's redirect jira-server://oauth-callback", "turn on OAuth 2.0 in Settings → System → Jira mobile app"}},
		{"an earlier MDM link proves nothing", []api.OAuthClient{mdm}, old, nil, steps.BaselineOf([]api.OAuthClient{mdm}), steps.NotConfirmed, "",
			[]string{`A link with the app's redirect exists ("Jira iOS app" (client ID ` + mdmID + `))`, "the mobile plugin does not hand it out yet: turn on OAuth 2.0 in Settings → System → Jira mobile app"}},
		{"an earlier link, no baseline", []api.OAuthClient{mdm}, old, nil, steps.Baseline{}, steps.NotConfirmed, "", []string{"does not hand it out yet"}},
		{"handed out under a field name nobody documented", []api.OAuthClient{mdm, plugin}, `{"instance-name":"Acme","x":{"y":[1,true,{"z":"` + pluginID + `"}]}}`, nil,
			steps.BaselineOf([]api.OAuthClient{mdm, plugin}), steps.HandedOut, pluginID, []string{"hands the app the client ID", pluginID, "created nothing"}},
		{"handed out: the earlier MDM link", []api.OAuthClient{mdm}, `{"oauthClientId":"` + mdmID + `"}`, nil, steps.BaselineOf([]api.OAuthClient{mdm}), steps.HandedOut, mdmID, nil},
		{"a field named like the client ID is no evidence", []api.OAuthClient{mdm}, `{"` + mdmID + `":"yes"}`, nil, steps.BaselineOf([]api.OAuthClient{mdm}), steps.NotConfirmed, "", nil},
		{"a string containing the client ID is no evidence", []api.OAuthClient{mdm}, `{"clientId":"x` + mdmID + `"}`, nil, steps.BaselineOf([]api.OAuthClient{mdm}), steps.NotConfirmed, "", nil},
		{"handed out, but the client lacks the app's redirect", []api.OAuthClient{other}, `{"clientId":"` + otherID + `"}`, nil, steps.BaselineOf(nil), steps.HandedOut, "", nil},
		{"appeared after asking", []api.OAuthClient{mdm, plugin, other}, old, nil, steps.BaselineOf([]api.OAuthClient{mdm, other}), steps.AppearedAfterAsking, pluginID,
			[]string{"appeared after the wizard asked for the switch", pluginID}},
		{"a new client without the redirect is no evidence", []api.OAuthClient{mdm, other}, old, nil, steps.BaselineOf([]api.OAuthClient{mdm}), steps.NotConfirmed, "", nil},
		{"info/login unreadable, new client still counts", []api.OAuthClient{plugin}, "", &api.Error{Kind: api.KindNotFound, Op: "read", Status: 404}, steps.BaselineOf(nil),
			steps.AppearedAfterAsking, pluginID, nil},
		{"info/login unreadable is said", []api.OAuthClient{mdm}, "", &api.Error{Kind: api.KindServer, Op: "read the mobile plugin's login info", Status: 500}, steps.BaselineOf([]api.OAuthClient{mdm}),
			steps.NotConfirmed, "", []string{"does not hand it out yet", api.PathMobileLogin + " could not be read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := steps.MobileOAuthEvidenceFrom(api.Jira, tt.clients, loginDoc(t, tt.login), tt.loginErr, tt.base)
			if tt.client == "" && tt.how == steps.HandedOut {
				// The value matched, but not a client with the app's redirect.
				tt.how = steps.NotConfirmed
			}
			if ev.How != tt.how || ev.Confirmed() != (tt.how != steps.NotConfirmed) {
				t.Fatalf("How = %v, Confirmed = %v; want %v", ev.How, ev.Confirmed(), tt.how)
			}
			if tt.client != "" && (ev.Client == nil || ev.Client.ClientID != tt.client) {
				t.Fatalf("client = %+v, want %s", ev.Client, tt.client)
			}
			d := ev.Describe()
			for _, w := range tt.describe {
				if !strings.Contains(d, w) {
					t.Errorf("Describe() = %q\nlacks %q", d, w)
				}
			}
			if !ev.Confirmed() && strings.Contains(strings.ToLower(d), "ready") {
				t.Errorf("unconfirmed evidence says ready: %q", d)
			}
		})
	}
}

// An earlier MDM link is there and the switch is off: the wait runs out without
// confirming anything, and says what it saw.
func TestWaitForMobileOAuthNotConfirmed(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	mdm := env.Sim.AddClient("Jira iOS app", []string{"jira-server://oauth-callback"}, "WRITE")
	c := env.Client(t, simtest.SysadminToken)
	ev, err := steps.CheckMobileOAuth(ctx, c, api.Jira, steps.Baseline{})
	if err != nil || ev.Confirmed() {
		t.Fatalf("before the switch: %+v, %v", ev, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 80*time.Millisecond)
	defer cancel()
	polls := 0
	ev, err = steps.WaitForMobileOAuth(wctx, c, api.Jira, ev.AsBaseline(), 10*time.Millisecond, func(steps.MobilePoll) { polls++ })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if ev == nil || ev.Confirmed() || len(ev.WithRedirect) != 1 || ev.WithRedirect[0].ClientID != mdm.ClientID {
		t.Fatalf("evidence = %+v", ev)
	}
	if !strings.Contains(ev.Describe(), "does not hand it out yet") {
		t.Errorf("Describe() = %q", ev.Describe())
	}
	if polls < 2 {
		t.Errorf("%d polls in 80ms at 10ms", polls)
	}
	if n := env.Count("POST", api.PathClients); n != 0 {
		t.Fatalf("the wizard created %d clients in non-MDM mode", n)
	}
	for _, r := range env.Sim.Requests() {
		if r.Path == api.PathMobileLogin && r.User != "anonymous" {
			t.Errorf("info/login was read as %q, not anonymously", r.User)
		}
	}
}

// The switch goes on while the wizard waits: info/login hands out the plugin's
// client, and that one is reported, not the earlier MDM link.
func TestWaitForMobileOAuthConfirmed(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	env.Sim.AddClient("Jira iOS app", []string{"jira-server://oauth-callback"}, "WRITE")
	c := env.Client(t, simtest.SysadminToken)
	base, _ := c.ListClients(ctx)
	// The first two polls fail the same way (an answer a GET is not retried
	// on): the wait reports them, the second as the same failure again, and goes on.
	env.Sim.Inject(simulator.Fault{Method: "GET", PathPrefix: api.PathClients, Kind: simulator.FaultStatus, Status: 403,
		ContentType: "application/json", Body: `{"message":"Forbidden"}`, Times: 2})
	var (
		mu    sync.Mutex
		polls []steps.MobilePoll
	)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ev, err := steps.WaitForMobileOAuth(wctx, c, api.Jira, steps.BaselineOf(base), 5*time.Millisecond, func(p steps.MobilePoll) {
		mu.Lock()
		defer mu.Unlock()
		polls = append(polls, p)
		if len(polls) == 3 {
			env.Sim.SetMobileOAuth(true)
		}
	})
	if err != nil || !ev.Confirmed() || ev.How != steps.HandedOut {
		t.Fatalf("wait = %+v, %v", ev, err)
	}
	var plugin simulator.Client
	for _, cl := range env.Sim.Clients() {
		if cl.Name == "Jira mobile app" {
			plugin = cl
		}
	}
	if ev.Client.ClientID != plugin.ClientID || plugin.ClientID == "" {
		t.Fatalf("confirmed %q, want the plugin's client %q", ev.Client.ClientID, plugin.ClientID)
	}
	if len(polls) < 4 || polls[0].Err == nil || api.KindOf(polls[0].Err) != api.KindForbidden || polls[0].Evidence != nil {
		t.Fatalf("the failed first poll was not reported: %+v", polls)
	}
	if polls[0].Again || polls[1].Err == nil || !polls[1].Again || polls[2].Err != nil || polls[2].Again {
		t.Errorf("a failure said again must be marked Again, and only then: %+v", polls[:3])
	}
	if n := env.Count("POST", api.PathClients); n != 0 {
		t.Fatalf("the wizard created %d clients in non-MDM mode", n)
	}
}

// A client that appears after the wizard asked counts even when info/login
// does not name it (a plugin whose document carries no client ID).
func TestWaitForMobileOAuthNewClient(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	c := env.Client(t, simtest.SysadminToken)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	added := ""
	ev, err := steps.WaitForMobileOAuth(wctx, c, api.Jira, steps.BaselineOf(nil), 5*time.Millisecond, func(p steps.MobilePoll) {
		if p.N == 2 {
			added = env.Sim.AddClient("made by hand", []string{"jira-server://oauth-callback"}, "WRITE").ClientID
		}
	})
	if err != nil || ev.How != steps.AppearedAfterAsking || ev.Client.ClientID != added {
		t.Fatalf("wait = %+v, %v (added %s)", ev, err, added)
	}
}

func TestWaitForMobileOAuthStopsWithTheContext(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	env.Sim.Inject(simulator.Fault{Method: "GET", PathPrefix: api.PathClients, Kind: simulator.FaultStatus, Status: 403,
		ContentType: "application/json", Body: `{"message":"Forbidden"}`})
	wctx, cancel := context.WithTimeout(ctx, 60*time.Millisecond)
	defer cancel()
	ev, err := steps.WaitForMobileOAuth(wctx, env.Client(t, simtest.SysadminToken), api.Jira, steps.Baseline{}, 10*time.Millisecond, nil)
	if !errors.Is(err, context.DeadlineExceeded) || ev != nil {
		t.Fatalf("wait = %+v, %v", ev, err)
	}
	if api.KindOf(err) != api.KindForbidden {
		t.Errorf("the last poll's failure is not in the error: %v", err)
	}
}

// UPM asks for websudo: the plugins' versions cannot be read, but their
// anonymous resources tell whether they are there. A warning, not a failure,
// and never "not a system administrator".
func TestChecksDegradeOnUPMWebSudo(t *testing.T) {
	tests := []struct {
		name       string
		plugins    []simulator.Plugin
		oauth      steps.Status
		mobile     steps.Status
		compatible bool
	}{
		{"both there", nil, steps.StatusWarn, steps.StatusWarn, true},
		{"provider disabled", []simulator.Plugin{
			{Key: simulator.OAuth2PluginKey, Version: "4.1.0", Enabled: false},
			{Key: simulator.JiraMobilePluginKey, Version: "5.1.2", Enabled: true},
		}, steps.StatusFail, steps.StatusWarn, false},
		{"mobile plugin missing", []simulator.Plugin{
			{Key: simulator.OAuth2PluginKey, Version: "4.1.0", Enabled: true},
		}, steps.StatusWarn, steps.StatusFail, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := simtest.New(t, simulator.Config{UPMWebSudo: true, Plugins: tt.plugins})
			c := env.Client(t, simtest.SysadminToken)
			det, err := steps.Detect(ctx, c, "")
			if err != nil {
				t.Fatal(err)
			}
			r := steps.RunChecks(ctx, c, det, steps.CheckOptions{Mode: steps.ModeNonMDM})
			byID := map[string]steps.Check{}
			for _, ch := range r.Checks {
				byID[ch.ID] = ch
			}
			o, m := byID[steps.CheckIDOAuthPlugin], byID[steps.CheckIDMobilePlugin]
			if o.Status != tt.oauth || m.Status != tt.mobile || r.Compatible() != tt.compatible {
				t.Fatalf("oauth %v (%s), mobile %v (%s), compatible %v", o.Status, o.Detail, m.Status, m.Detail, r.Compatible())
			}
			for _, ch := range []steps.Check{o, m} {
				if !strings.Contains(ch.Detail, "secure administrator session") || !strings.Contains(ch.Remedy, "Manage apps") ||
					strings.Contains(ch.Detail, "system administrator") {
					t.Errorf("%s: %q / %q", ch.ID, ch.Detail, ch.Remedy)
				}
			}
			if len(r.Errs) != 0 {
				t.Errorf("errors count for the exit code: %v", r.Errs)
			}
			if tt.oauth != steps.StatusFail && byID[steps.CheckIDSysadmin].Status != steps.StatusOK {
				t.Errorf("sysadmin = %+v", byID[steps.CheckIDSysadmin])
			}
		})
	}
}

// A 404 from info/login does not prove the plugin is missing: older Jira
// mobile plugins serve another path.
func TestMobileLogin404Wording(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	env.Sim.RemovePlugin(simulator.JiraMobilePluginKey)
	c := env.Client(t, simtest.SysadminToken)
	det, err := steps.Detect(ctx, c, "")
	if err != nil {
		t.Fatal(err)
	}
	r := steps.RunChecks(ctx, c, det, steps.CheckOptions{Mode: steps.ModeNonMDM})
	for _, ch := range r.Checks {
		if ch.ID != steps.CheckIDMobileLogin {
			continue
		}
		if ch.Status != steps.StatusFail || !strings.Contains(ch.Detail, "not found at this path") ||
			!strings.Contains(ch.Detail, "missing, disabled, or older than the version the matrix needs") || !strings.Contains(ch.Remedy, "update") {
			t.Fatalf("mobile-login = %+v", ch)
		}
		return
	}
	t.Fatal("no mobile-login check")
}
