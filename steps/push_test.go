package steps_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/intunesim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

func jiraSite(url, clientID string) steps.Site {
	return steps.Site{Title: "Jira", BaseURL: url, OAuth: &steps.SiteOAuth{ClientID: clientID}}
}

const (
	cidA = "0123456789abcdef0123456789abcdef"
	cidB = "fedcba9876543210fedcba9876543210"
)

func sitesValue(t *testing.T, sites ...steps.Site) string {
	t.Helper()
	b, err := json.Marshal(sites)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func push(t *testing.T, h http.Handler, req steps.PushRequest, slept *[]time.Duration) (*steps.PushResult, *steps.PushPlan, error) {
	t.Helper()
	sleep := func(_ context.Context, d time.Duration) error { *slept = append(*slept, d); return nil }
	m := steps.Intune{C: simtest.IntuneClient(t, h, sleep)}
	plan, err := steps.PlanPush(t.Context(), m, req)
	if err != nil {
		return nil, nil, err
	}
	res, err := steps.ApplyPush(t.Context(), plan, steps.PushOptions{Sleep: sleep})
	return res, plan, err
}

func TestPushToIntune(t *testing.T) {
	other := jiraSite("https://other.example.com", cidB)
	old := jiraSite("https://jira.example.com/", "00000000000000000000000000000000")
	mine := jiraSite("https://jira.example.com", cidA)
	boolSetting := intunesim.Setting{Key: "allowX", Type: "booleanType", Value: "true"}
	tokenSetting := intunesim.Setting{Key: "user", Type: "tokenType", Value: "{{userprincipalname}}"}

	cases := []struct {
		name    string
		setup   func(s *intunesim.Sim) string // returns the id of a configuration to inspect
		req     steps.PushRequest
		wrap    func(s *intunesim.Sim) http.Handler
		wantErr func(error) bool
		check   func(t *testing.T, s *intunesim.Sim, id string, res *steps.PushResult)
		writes  int // Graph writes expected (-1: don't check)
		slept   []time.Duration
	}{
		{
			name: "creates a recognisable configuration when none carries sites",
			req:  steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			check: func(t *testing.T, s *intunesim.Sim, _ string, res *steps.PushResult) {
				cs := s.Configs()
				if len(cs) != 1 || !strings.Contains(cs[0].DisplayName, "mobile-oauth-wizard") || cs[0].TargetedMobileApps[0] != intunesim.JiraAppID {
					t.Fatalf("configs = %+v", cs)
				}
				if !res.Created || !res.Unassigned || len(res.Warnings) == 0 {
					t.Errorf("result %+v: want created, with the unassigned warning", res)
				}
			},
			writes: 1,
		},
		{
			name: "adopts the configuration: other settings and sites stay in order, this site replaced in place",
			setup: func(s *intunesim.Sim) string {
				return s.AddConfig(intunesim.Config{DisplayName: "Jira policy", TargetedMobileApps: []string{intunesim.JiraAppID},
					Settings: []intunesim.Setting{boolSetting, {Key: "sites", Type: "stringType", Value: sitesValue(t, old, other)}, tokenSetting}})
			},
			req: steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			check: func(t *testing.T, s *intunesim.Sim, id string, res *steps.PushResult) {
				c, _ := s.Config(id)
				want := []intunesim.Setting{boolSetting, {Key: "sites", Type: "stringType", Value: sitesValue(t, mine, other)}, tokenSetting}
				if !slices.Equal(c.Settings, want) {
					t.Errorf("settings = %+v\nwant %+v", c.Settings, want)
				}
				if res.Created || !res.Changed || res.Configuration != "Jira policy" {
					t.Errorf("result %+v", res)
				}
			},
			writes: 1,
		},
		{
			name: "nothing sent when nothing changes",
			setup: func(s *intunesim.Sim) string {
				return s.AddConfig(intunesim.Config{DisplayName: "p", TargetedMobileApps: []string{intunesim.JiraAppID},
					Settings: []intunesim.Setting{{Key: "sites", Type: "stringType", Value: " [ " + sitesValue(t, mine)[1:]}}})
			},
			req:    steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			check:  func(t *testing.T, _ *intunesim.Sim, _ string, res *steps.PushResult) { mustUnchanged(t, res) },
			writes: 0,
		},
		{
			name: "remove takes out only the instance's site",
			setup: func(s *intunesim.Sim) string {
				return s.AddConfig(intunesim.Config{DisplayName: "p", TargetedMobileApps: []string{intunesim.JiraAppID},
					Settings: []intunesim.Setting{{Key: "sites", Type: "stringType", Value: sitesValue(t, other, mine)}}})
			},
			req: steps.PushRequest{App: steps.AppJira, Remove: []string{"https://JIRA.example.com:443/"}},
			check: func(t *testing.T, s *intunesim.Sim, id string, _ *steps.PushResult) {
				if c, _ := s.Config(id); c.Settings[0].Value != sitesValue(t, other) {
					t.Errorf("sites = %s", c.Settings[0].Value)
				}
			},
			writes: 1,
		},
		{
			name: "remove without a configuration creates nothing",
			req:  steps.PushRequest{App: steps.AppJira, Remove: []string{"https://jira.example.com"}},
			check: func(t *testing.T, s *intunesim.Sim, _ string, res *steps.PushResult) {
				mustUnchanged(t, res)
			},
			writes: 0,
		},
		{
			name: "several configurations carrying sites: refused, both named",
			setup: func(s *intunesim.Sim) string {
				s.AddConfig(intunesim.Config{DisplayName: "first", TargetedMobileApps: []string{intunesim.JiraAppID}, Settings: []intunesim.Setting{{Key: "sites", Type: "stringType", Value: "[]"}}})
				return s.AddConfig(intunesim.Config{DisplayName: "second", TargetedMobileApps: []string{intunesim.JiraAppID}, Settings: []intunesim.Setting{{Key: "sites", Type: "stringType", Value: "[]"}}})
			},
			req: steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			wantErr: func(err error) bool {
				var pe *steps.PushError
				return errors.As(err, &pe) && strings.Contains(err.Error(), `"first"`) && strings.Contains(err.Error(), `"second"`)
			},
			writes: 0,
		},
		{
			name: "XML data: only the sites string is edited, other keys byte for byte",
			setup: func(s *intunesim.Sim) string {
				return s.AddConfig(intunesim.Config{DisplayName: "xml", TargetedMobileApps: []string{intunesim.JiraAppID},
					EncodedSettingXML: []byte("<dict>\n  <key>email</key><string>{{mail}}</string>\n  <key>sites</key>\n  <string>" + strings.ReplaceAll(sitesValue(t, other), "&", "&amp;") + "</string>\n</dict>")})
			},
			req: steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			check: func(t *testing.T, s *intunesim.Sim, id string, _ *steps.PushResult) {
				c, _ := s.Config(id)
				want := "<dict>\n  <key>email</key><string>{{mail}}</string>\n  <key>sites</key>\n  <string>" + sitesValue(t, other, mine) + "</string>\n</dict>"
				if string(c.EncodedSettingXML) != want {
					t.Errorf("xml = %s\nwant %s", c.EncodedSettingXML, want)
				}
			},
			writes: 1,
		},
		{
			name: "XML data holding sites as an array: refused with the reason",
			setup: func(s *intunesim.Sim) string {
				return s.AddConfig(intunesim.Config{DisplayName: "xml", TargetedMobileApps: []string{intunesim.JiraAppID},
					EncodedSettingXML: []byte("<dict><key>sites</key><array><string>x</string></array></dict>")})
			},
			req:     steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			wantErr: func(err error) bool { return strings.Contains(err.Error(), "not a <string>") },
			writes:  0,
		},
		{
			name: "the group is added to the targets already there",
			setup: func(s *intunesim.Sim) string {
				id := s.AddConfig(intunesim.Config{DisplayName: "p", TargetedMobileApps: []string{intunesim.JiraAppID},
					Settings: []intunesim.Setting{{Key: "sites", Type: "stringType", Value: sitesValue(t, mine)}},
					Targets:  []json.RawMessage{json.RawMessage(`{"@odata.type":"#microsoft.graph.allDevicesAssignmentTarget"}`)}})
				return id
			},
			req: steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}, Group: "g-1"},
			check: func(t *testing.T, s *intunesim.Sim, id string, res *steps.PushResult) {
				c, _ := s.Config(id)
				if len(c.Targets) != 2 || !slices.Equal(c.Groups(), []string{"g-1"}) || res.Assigned != "g-1" {
					t.Errorf("targets %s, result %+v", c.Targets, res)
				}
			},
			writes: 1,
		},
		{
			name: "a create whose answer is lost is settled by reading back, not sent twice",
			setup: func(s *intunesim.Sim) string {
				s.AddFault(intunesim.Fault{Method: "POST", Path: "mobileAppConfigurations", LoseAnswer: true})
				return ""
			},
			req: steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			check: func(t *testing.T, s *intunesim.Sim, _ string, res *steps.PushResult) {
				if len(s.Configs()) != 1 || !res.Changed {
					t.Errorf("configs %d, result %+v", len(s.Configs()), res)
				}
			},
			writes: 1,
		},
		{
			name: "a throttled write waits for Retry-After and is sent again",
			setup: func(s *intunesim.Sim) string {
				id := s.AddConfig(intunesim.Config{DisplayName: "p", TargetedMobileApps: []string{intunesim.JiraAppID}, Settings: []intunesim.Setting{{Key: "sites", Type: "stringType", Value: "[]"}}})
				s.AddFault(intunesim.Fault{Method: "PATCH", Status: 429, RetryAfter: 5})
				return id
			},
			req:    steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			writes: 2,
			slept:  []time.Duration{5 * time.Second},
		},
		{
			name: "a read-back that differs fails",
			setup: func(s *intunesim.Sim) string {
				return s.AddConfig(intunesim.Config{DisplayName: "p", TargetedMobileApps: []string{intunesim.JiraAppID}, Settings: []intunesim.Setting{{Key: "sites", Type: "stringType", Value: "[]"}}})
			},
			wrap: func(s *intunesim.Sim) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodPatch { // a service that takes the write and drops the value
						r.Body = io.NopCloser(bytes.NewReader([]byte(`{"@odata.type":"#microsoft.graph.iosMobileAppConfiguration","settings":[{"appConfigKey":"sites","appConfigKeyType":"stringType","appConfigKeyValue":"[]"}]}`)))
					}
					s.ServeHTTP(w, r)
				})
			},
			req: steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			wantErr: func(err error) bool {
				var pe *steps.PushError
				return errors.As(err, &pe) && strings.Contains(err.Error(), "read back")
			},
			writes: 1,
		},
		{
			name:    "an app with only the read permission: refused as a permission",
			setup:   func(s *intunesim.Sim) string { s.SetReadOnly(true); return "" },
			req:     steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			wantErr: func(err error) bool { return api.KindOf(err) == api.KindForbidden },
			writes:  1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim := intunesim.New()
			var id string
			if tc.setup != nil {
				id = tc.setup(sim)
			}
			var h http.Handler = sim
			if tc.wrap != nil {
				h = tc.wrap(sim)
			}
			var slept []time.Duration
			res, _, err := push(t, h, tc.req, &slept)
			switch {
			case tc.wantErr != nil && (err == nil || !tc.wantErr(err)):
				t.Fatalf("err = %v", err)
			case tc.wantErr == nil && err != nil:
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, sim, id, res)
			}
			if w := sim.Writes(); tc.writes >= 0 && len(w) != tc.writes {
				t.Errorf("writes %v, want %d", w, tc.writes)
			}
			if !slices.Equal(slept, tc.slept) {
				t.Errorf("slept %v, want %v", slept, tc.slept)
			}
			if tc.wantErr == nil {
				// A second run changes nothing.
				before := len(sim.Writes())
				res2, _, err := push(t, h, tc.req, &slept)
				if err != nil || res2.Changed || len(sim.Writes()) != before {
					t.Errorf("second run: %+v, %v, writes %v", res2, err, sim.Writes()[before:])
				}
			}
		})
	}
}

func mustUnchanged(t *testing.T, res *steps.PushResult) {
	t.Helper()
	if res.Changed || res.Created {
		t.Errorf("result %+v: want nothing changed", res)
	}
}

func TestFindingTheAppInIntune(t *testing.T) {
	dup := intunesim.App{ODataType: "#microsoft.graph.iosVppApp", ID: "dup", DisplayName: "Jira DC (VPP)", AppStoreURL: "https://apps.apple.com/de/app/jira/id1405353949?l=en"}
	cases := []struct {
		name    string
		apps    func(s *intunesim.Sim)
		pick    string
		wantID  string
		wantErr string
	}{
		{name: "by App Store id across pages", wantID: intunesim.JiraAppID},
		{name: "two records: both listed", apps: func(s *intunesim.Sim) { s.AddApp(dup) }, wantErr: "2 app records"},
		{name: "two records, one picked", apps: func(s *intunesim.Sim) { s.AddApp(dup) }, pick: "dup", wantID: "dup"},
		{name: "none: says to add the app", apps: func(s *intunesim.Sim) {
			s.SetApps([]intunesim.App{{ODataType: "#microsoft.graph.iosStoreApp", ID: "cloud", DisplayName: "Jira Cloud", AppStoreURL: intunesim.JiraCloudStoreURL}})
		}, wantErr: "no iOS app whose App Store id is 1405353949"},
		{name: "Jira Cloud picked: refused", pick: "a0000000-0000-4000-8000-000000000c10", wantErr: "another App Store app"},
		{name: "unknown pick", pick: "nope", wantErr: "no app with the id nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sim := intunesim.New()
			if tc.apps != nil {
				tc.apps(sim)
			}
			m := steps.Intune{C: simtest.IntuneClient(t, sim, nil)}
			rec, err := m.FindApp(t.Context(), steps.AppJira, tc.pick)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || rec.ID != tc.wantID {
				t.Fatalf("rec = %+v, %v", rec, err)
			}
		})
	}
}

func TestMergeSitesValueKeepsUnknownEntriesByteForByte(t *testing.T) {
	cur := `[{"title":"X", "baseURL":"https://x.example.com","extra":{"k":1}},{"baseURL":"https://jira.example.com","title":"old"}]`
	got, changed, err := steps.MergeSitesValue(cur, []steps.Site{jiraSite("https://jira.example.com", cidA)}, nil)
	want := `[{"title":"X", "baseURL":"https://x.example.com","extra":{"k":1}},{"title":"Jira","baseURL":"https://jira.example.com","oauth":{"clientID":"` + cidA + `","cacheSessionInMobileBrowser":false}}]`
	if err != nil || !changed || got != want {
		t.Fatalf("got %s (%v, %v)\nwant %s", got, changed, err, want)
	}
	if _, _, err := steps.MergeSitesValue(`{"not":"a list"}`, nil, nil); err == nil {
		t.Fatal("a value that is not a list must be refused")
	}
}

// The critical path of a push into Intune on the bubble's clock, 100 ms per
// request: sign-in (tenant metadata, token: 2), the app and configuration
// lists side by side (1), the configuration with its assignments (1, none
// when there is no configuration yet), the write (1) and its read-back by id (1).
func TestIntunePushRoundTrips(t *testing.T) {
	cases := []struct {
		name  string
		setup func(s *intunesim.Sim)
		max   int
	}{
		{name: "first push (creates)", max: 5},
		{name: "update", setup: func(s *intunesim.Sim) {
			s.AddConfig(intunesim.Config{DisplayName: "p", TargetedMobileApps: []string{intunesim.JiraAppID}, Settings: []intunesim.Setting{{Key: "sites", Type: "stringType", Value: "[]"}}})
		}, max: 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sim := intunesim.New()
				sim.PageSize = 100
				if tc.setup != nil {
					tc.setup(sim)
				}
				sim.SetLatency(100 * time.Millisecond)
				m := steps.Intune{C: simtest.IntuneClient(t, sim, nil)}
				if got := firstJiraPush(t, m) / (100 * time.Millisecond); int(got) > tc.max {
					t.Errorf("%d round trips, want at most %d: %v", got, tc.max, sim.Requests())
				}
			})
		})
	}
}

// firstJiraPush plans and carries out a push of one Jira site to m and
// returns how long it took (on a synctest bubble's clock: round trips times
// the simulator's latency).
func firstJiraPush(t *testing.T, m steps.MDM) time.Duration {
	t.Helper()
	start := time.Now()
	plan, err := steps.PlanPush(t.Context(), m, steps.PushRequest{App: steps.AppJira, Put: []steps.Site{jiraSite("https://jira.example.com", cidA)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := steps.ApplyPush(t.Context(), plan, steps.PushOptions{}); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}
