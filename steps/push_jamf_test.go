package steps_test

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/jamf"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/jamfsim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

func jamfMDM(t *testing.T, sim *jamfsim.Sim, secret string) steps.Jamf {
	t.Helper()
	c, err := jamf.New(jamf.Options{BaseURL: "https://jamf.example.test", ClientID: jamfsim.DefaultClientID, ClientSecret: secret,
		Transport: &simtest.Transport{Handler: sim}})
	if err != nil {
		t.Fatal(err)
	}
	return steps.Jamf{C: c}
}

func TestPushToJamf(t *testing.T) {
	other := jiraSite("https://other.example.com", cidB)
	old := jiraSite("https://jira.example.com/", "00000000000000000000000000000000")
	mine := jiraSite("https://jira.example.com", cidA)
	seeded, _ := jamfsim.New(jamfsim.Config{}).App(jamfsim.JiraDataCenterAppID)
	withSites := func(t *testing.T, v string) string {
		p, err := jamf.SetSites(seeded.Preferences, v)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	cases := []struct {
		name    string
		setup   func(t *testing.T, s *jamfsim.Sim)
		secret  string
		req     steps.PushRequest
		wantErr func(error) bool
		// want is the sites string afterwards ("" = not checked).
		want   func(t *testing.T) string
		puts   int
		slept  []time.Duration
		result func(t *testing.T, res *steps.PushResult)
	}{
		{
			name: "adds the key, every other key and comment kept byte for byte",
			req:  steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			want: func(t *testing.T) string { return sitesValue(t, mine) },
			puts: 1,
			result: func(t *testing.T, res *steps.PushResult) {
				if !res.Changed || res.Created || res.Sites != 1 || res.App.ID != "3" || res.Configuration != "managed app configuration" {
					t.Errorf("result %+v", res)
				}
				if o := res.Outcome(); !strings.Contains(o, "Jamf Pro") || !strings.Contains(o, "read back") {
					t.Errorf("outcome %q", o)
				}
			},
		},
		{
			name: "this site replaced in place, other sites stay in order",
			setup: func(t *testing.T, s *jamfsim.Sim) {
				a, _ := s.App(jamfsim.JiraDataCenterAppID)
				a.Preferences = withSites(t, sitesValue(t, old, other))
				s.SetApp(a)
			},
			req:  steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			want: func(t *testing.T) string { return sitesValue(t, mine, other) },
			puts: 1,
		},
		{
			name: "nothing sent when nothing changes",
			setup: func(t *testing.T, s *jamfsim.Sim) {
				a, _ := s.App(jamfsim.JiraDataCenterAppID)
				a.Preferences = withSites(t, sitesValue(t, mine))
				s.SetApp(a)
			},
			req:    steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			puts:   0,
			result: mustUnchanged,
		},
		{
			name: "remove takes out only the instance's site",
			setup: func(t *testing.T, s *jamfsim.Sim) {
				a, _ := s.App(jamfsim.JiraDataCenterAppID)
				a.Preferences = withSites(t, sitesValue(t, other, mine))
				s.SetApp(a)
			},
			req:  steps.PushRequest{App: steps.AppJira, Remove: []string{"https://JIRA.example.com:443/"}},
			want: func(t *testing.T) string { return sitesValue(t, other) },
			puts: 1,
		},
		{
			name: "a configuration that is not a dictionary is left as it is",
			setup: func(t *testing.T, s *jamfsim.Sim) {
				a, _ := s.App(jamfsim.JiraDataCenterAppID)
				a.Preferences = "<array><string>x</string></array>"
				s.SetApp(a)
			},
			req: steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			wantErr: func(err error) bool {
				var pe *steps.PushError
				return errors.As(err, &pe) && strings.Contains(err.Error(), "starts with <array>")
			},
		},
		{
			name: "an answer lost after the write is settled by reading back",
			setup: func(t *testing.T, s *jamfsim.Sim) {
				s.Inject(jamfsim.Fault{Method: "PUT", Kind: jamfsim.FaultLostAnswer, Times: 1})
			},
			req:  steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			want: func(t *testing.T) string { return sitesValue(t, mine) },
			puts: 1,
		},
		{
			name: "a write refused with 503 is sent again after the wait",
			setup: func(t *testing.T, s *jamfsim.Sim) {
				s.Inject(jamfsim.Fault{Method: "PUT", Kind: jamfsim.FaultUnavailable, RetryAfter: 5 * time.Second, Times: 1})
			},
			req:   steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			want:  func(t *testing.T) string { return sitesValue(t, mine) },
			puts:  2,
			slept: []time.Duration{5 * time.Second},
		},
		{
			name: "a write Jamf Pro answers but drops is found by the read-back",
			setup: func(t *testing.T, s *jamfsim.Sim) {
				s.Inject(jamfsim.Fault{Method: "PUT", Kind: jamfsim.FaultStatus, Status: 201})
			},
			req: steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			wantErr: func(err error) bool {
				var pe *steps.PushError
				return errors.As(err, &pe) && strings.Contains(err.Error(), "differs")
			},
			puts: 1,
		},
		{
			name:    "credentials refused: exit code 4's kind",
			secret:  "wrong",
			req:     steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			wantErr: func(err error) bool { return api.KindOf(err) == api.KindUnauthorized },
		},
		{
			name:  "a role without the update privilege",
			setup: func(t *testing.T, s *jamfsim.Sim) { s.SetPrivileges(true, false) },
			req:   steps.PushRequest{App: steps.AppJira, Put: []steps.Site{mine}},
			wantErr: func(err error) bool {
				return api.KindOf(err) == api.KindForbidden && strings.Contains(err.Error(), "privilege")
			},
			// The Classic API's 401 may be an expired token: the refused PUT
			// is sent once more with a new one, then the privilege is named.
			puts: 2,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sim := jamfsim.New(jamfsim.Config{})
				if tc.setup != nil {
					tc.setup(t, sim)
				}
				m := jamfMDM(t, sim, cmp.Or(tc.secret, jamfsim.DefaultClientSecret))
				var slept []time.Duration
				sleep := func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
				before, _ := sim.App(jamfsim.JiraDataCenterAppID)
				plan, err := steps.PlanPush(t.Context(), m, tc.req)
				var res *steps.PushResult
				if err == nil {
					res, err = steps.ApplyPush(t.Context(), plan, steps.PushOptions{Sleep: sleep})
				}
				if tc.wantErr != nil {
					if err == nil || !tc.wantErr(err) {
						t.Fatalf("err = %v (kind %v)", err, api.KindOf(err))
					}
				} else if err != nil {
					t.Fatal(err)
				}
				if n := sim.Count(http.MethodPut, jamfsim.PathApps); n != tc.puts {
					t.Errorf("%d PUTs, want %d", n, tc.puts)
				}
				if !slices.Equal(slept, tc.slept) {
					t.Errorf("slept %v, want %v", slept, tc.slept)
				}
				after, _ := sim.App(jamfsim.JiraDataCenterAppID)
				if tc.want != nil {
					got, _, err := jamf.Sites(after.Preferences)
					if err != nil || got != tc.want(t) {
						t.Errorf("sites = %q (%v), want %q", got, err, tc.want(t))
					}
					// Everything but the sites string is as it was.
					restored, err := jamf.SetSites(after.Preferences, "X")
					expect, _ := jamf.SetSites(before.Preferences, "X")
					if err != nil || restored != expect {
						t.Errorf("other bytes changed:\n%q\nwas\n%q", after.Preferences, before.Preferences)
					}
				}
				if tc.result != nil && res != nil {
					tc.result(t, res)
				}
			})
		})
	}
}

func TestJamfDryRunShowsThePutAndWritesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := jamfsim.New(jamfsim.Config{})
		plan, err := steps.PlanPush(t.Context(), jamfMDM(t, sim, jamfsim.DefaultClientSecret),
			steps.PushRequest{App: steps.AppConfluence, Put: []steps.Site{{Title: "C", BaseURL: "https://c.example.com", OAuth: &steps.SiteOAuth{ClientID: cidA}}}})
		if err != nil {
			t.Fatal(err)
		}
		reqs := plan.Requests()
		if len(reqs) != 1 || !strings.HasPrefix(reqs[0], "PUT https://jamf.example.test/JSSResource/mobiledeviceapplications/id/5\n") ||
			!strings.Contains(reqs[0], "<app_configuration><preferences>&lt;dict&gt;") || !strings.Contains(reqs[0], "https://c.example.com") {
			t.Errorf("requests %q", reqs)
		}
		if d := plan.Describe(); !strings.Contains(d, "Confluence Data Center (Confluence) (id 5)") {
			t.Errorf("describe %q", d)
		}
		if n := sim.Count(http.MethodPut, ""); n != 0 {
			t.Errorf("%d PUTs in a dry run", n)
		}
	})
}

func TestFindingTheAppInJamf(t *testing.T) {
	second := jamfsim.App{ID: 9, Name: "Jira Data Center", DisplayName: "Jira (site B)", StoreURL: "https://itunes.apple.com/de/app/jira-server/id1405353949?mt=8"}
	cases := []struct {
		name    string
		apps    func(s *jamfsim.Sim)
		app     steps.App
		pick    string
		wantID  string
		wantErr string
	}{
		{name: "Jira by App Store id", app: steps.AppJira, wantID: "3"},
		{name: "Confluence by App Store id", app: steps.AppConfluence, wantID: "5"},
		{name: "two records: both listed", app: steps.AppJira, apps: func(s *jamfsim.Sim) { s.SetApp(second) }, wantErr: "2 app records"},
		{name: "two records, one picked", app: steps.AppJira, apps: func(s *jamfsim.Sim) { s.SetApp(second) }, pick: "9", wantID: "9"},
		{name: "Jira Cloud picked: refused", app: steps.AppJira, pick: "7", wantErr: "another App Store app"},
		{name: "unknown pick", app: steps.AppJira, pick: "99", wantErr: "no app with the id 99"},
		{name: "a pick that is not an id", app: steps.AppJira, pick: "jira", wantErr: "no app with the id jira"},
		{name: "none: says to add the app", app: steps.AppConfluence, apps: func(s *jamfsim.Sim) {
			a, _ := s.App(jamfsim.ConfluenceDataCenterAppID)
			a.StoreURL = jamfsim.StoreURL("jira-cloud", jamfsim.JiraCloudStoreID)
			s.SetApp(a)
		}, wantErr: "no iOS app whose App Store id is 1288365159"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sim := jamfsim.New(jamfsim.Config{})
				if tc.apps != nil {
					tc.apps(sim)
				}
				rec, err := jamfMDM(t, sim, jamfsim.DefaultClientSecret).FindApp(t.Context(), tc.app, tc.pick)
				if tc.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
						t.Fatalf("err = %v, want %q", err, tc.wantErr)
					}
					var choice *steps.AppChoiceError
					if errors.As(err, &choice) && fix.Of(err).Kind != fix.PickMDMApp {
						t.Errorf("no pick remedy for %v", err)
					}
					return
				}
				if err != nil || rec.ID != tc.wantID {
					t.Fatalf("rec = %+v, %v", rec, err)
				}
			})
		})
	}
}

// The critical path of a first push, on the bubble's clock with 100 ms per
// request: token, app list, the record reads (concurrent; the configuration
// comes with the record, not read again), the PUT and the read-back: 5 round
// trips.
func TestJamfPushRoundTrips(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := jamfsim.New(jamfsim.Config{})
		sim.Inject(jamfsim.Fault{Kind: jamfsim.FaultLatency, Latency: 100 * time.Millisecond})
		m := jamfMDM(t, sim, jamfsim.DefaultClientSecret)
		if got := firstJiraPush(t, m); got > 500*time.Millisecond {
			t.Errorf("a push took %v at 100 ms per request: more than 5 round trips: %v", got, sim.Requests())
		}
	})
}
