package jamf_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/jamf"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/jamfsim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

const jamfURL = "https://jamf.example.test"

// newClient builds a simulator and a client that reaches it in process: run
// it inside synctest.Test, where waits (Retry-After, back-off, token expiry)
// take no wall-clock time.
func newClient(t *testing.T, cfg jamfsim.Config, tweak ...func(*jamf.Options)) (*jamfsim.Sim, *jamf.Client) {
	t.Helper()
	sim := jamfsim.New(cfg)
	t.Cleanup(sim.Close)
	opts := jamf.Options{
		BaseURL: jamfURL, ClientID: jamfsim.DefaultClientID, ClientSecret: jamfsim.DefaultClientSecret,
		Transport: &simtest.Transport{Handler: sim},
	}
	for _, f := range tweak {
		f(&opts)
	}
	c, err := jamf.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

func TestTokenIsReusedAndRenewed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim, c := newClient(t, jamfsim.Config{})
		ctx := t.Context()
		for range 3 {
			if _, err := c.ListApps(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := sim.Count(http.MethodPost, jamfsim.PathToken); n != 1 {
			t.Errorf("3 reads asked for %d tokens, want 1", n)
		}

		// Near its expiry the token is renewed before a request leaves with it.
		time.Sleep(jamfsim.DefaultTokenLifetime - 10*time.Second)
		sim.ResetRequests()
		if _, err := c.ListApps(ctx); err != nil {
			t.Fatal(err)
		}
		if got := sim.Requests(); len(got) != 2 || got[0].Path != jamfsim.PathToken {
			t.Errorf("a read near expiry sent %v, want a token request and the read", got)
		}

		// A token the server dropped early: one 401, a new token, the read again.
		sim.ExpireTokens()
		sim.ResetRequests()
		if _, err := c.ListApps(ctx); err != nil {
			t.Fatalf("after the token expired: %v", err)
		}
		if n, m := sim.Count(http.MethodGet, jamfsim.PathApps), sim.Count(http.MethodPost, jamfsim.PathToken); n != 2 || m != 1 {
			t.Errorf("an expired token took %d reads and %d token requests, want 2 and 1", n, m)
		}
	})
}

func TestErrorsAreTyped(t *testing.T) {
	tests := []struct {
		name    string
		cfg     jamfsim.Config
		secret  string
		faults  []jamfsim.Fault
		setup   func(*jamfsim.Sim, *jamf.Client)
		call    func(context.Context, *jamf.Client) error
		want    error
		tokens  int // token requests
		reads   int // GET requests to the Classic API
		inText  string
		retryIn time.Duration
	}{
		{
			name: "wrong secret", secret: "wrong",
			call: list, want: jamf.ErrCredentials, tokens: 1, reads: 0, inText: "did not accept the API client's ID and secret",
		},
		{
			name: "token endpoint 400 invalid_client",
			faults: []jamfsim.Fault{{PathPrefix: jamfsim.PathToken, Kind: jamfsim.FaultStatus, Status: 400,
				Body: "x"}},
			call: list, want: jamf.ErrServer, tokens: 1,
		},
		{
			name: "role without read privilege", cfg: jamfsim.Config{NoRead: true},
			call: list, want: jamf.ErrPermission, tokens: 1, reads: 1, inText: "lacks a privilege",
		},
		{
			name: "privilege taken after the token was issued",
			setup: func(sim *jamfsim.Sim, c *jamf.Client) {
				c.ListApps(context.Background())
				sim.SetPrivileges(false, true)
				sim.ResetRequests()
			},
			call: list, want: jamf.ErrPermission, tokens: 1, reads: 2,
		},
		{
			name:   "403",
			faults: []jamfsim.Fault{{PathPrefix: jamfsim.PathApps, Kind: jamfsim.FaultStatus, Status: 403}},
			call:   list, want: jamf.ErrPermission, tokens: 1, reads: 1,
		},
		{
			name: "no such record",
			call: func(ctx context.Context, c *jamf.Client) error { _, err := c.App(ctx, 99); return err },
			want: jamf.ErrNotFound, tokens: 1, reads: 1, inText: "/JSSResource/mobiledeviceapplications/id/99",
		},
		{
			name:   "server error is not retried",
			faults: []jamfsim.Fault{{PathPrefix: jamfsim.PathApps, Kind: jamfsim.FaultStatus, Status: 500, Body: "Error: database \x1b]52;c;aGk=\x07down"}},
			call:   list, want: jamf.ErrServer, tokens: 1, reads: 1, inText: "Error: database down",
		},
		{
			name:   "429 after every retry",
			faults: []jamfsim.Fault{{PathPrefix: jamfsim.PathApps, Kind: jamfsim.FaultRateLimit, RetryAfter: time.Second}},
			call:   list, want: jamf.ErrRateLimited, tokens: 1, reads: 4, retryIn: time.Second,
		},
		{
			name:   "a Retry-After too long to wait for",
			faults: []jamfsim.Fault{{PathPrefix: jamfsim.PathApps, Kind: jamfsim.FaultRateLimit, RetryAfter: 2 * time.Minute}},
			call:   list, want: jamf.ErrRateLimited, tokens: 1, reads: 1, retryIn: 2 * time.Minute, inText: "wait 2m0s",
		},
		{
			name:   "a login page instead of JSON",
			faults: []jamfsim.Fault{{PathPrefix: jamfsim.PathApps, Kind: jamfsim.FaultStatus, Status: 200, Body: "Sign in"}},
			call:   list, want: jamf.ErrIntercepted, tokens: 1, reads: 1,
		},
		{
			name:   "an answer over the size bound",
			faults: []jamfsim.Fault{{PathPrefix: jamfsim.PathApps, Kind: jamfsim.FaultStatus, Status: 500, Body: strings.Repeat("x", jamf.MaxBodyBytes+1)}},
			call:   list, want: jamf.ErrServer, tokens: 1, reads: 1, inText: "too large",
		},
		{
			name:   "connection reset on every try",
			faults: []jamfsim.Fault{{PathPrefix: jamfsim.PathApps, Kind: jamfsim.FaultReset}},
			call:   list, want: jamf.ErrNetwork, tokens: 1, reads: 4, inText: "reset",
		},
		{
			name:   "no answer in time",
			faults: []jamfsim.Fault{{PathPrefix: jamfsim.PathApps, Kind: jamfsim.FaultLatency, Latency: time.Hour}},
			call:   list, want: jamf.ErrTimeout, tokens: 1, reads: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sim, c := newClient(t, tt.cfg, func(o *jamf.Options) {
					if tt.secret != "" {
						o.ClientSecret = tt.secret
					}
				})
				if tt.setup != nil {
					tt.setup(sim, c)
				}
				for _, f := range tt.faults {
					sim.Inject(f)
				}
				err := tt.call(t.Context(), c)
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v (kind %v), want kind %v", err, jamf.KindOf(err), jamf.KindOf(tt.want))
				}
				if n := sim.Count(http.MethodPost, jamfsim.PathToken); n != tt.tokens {
					t.Errorf("%d token requests, want %d", n, tt.tokens)
				}
				if n := sim.Count(http.MethodGet, jamfsim.PathApps); n != tt.reads {
					t.Errorf("%d reads, want %d", n, tt.reads)
				}
				if !strings.Contains(err.Error(), tt.inText) {
					t.Errorf("error %q does not say %q", err, tt.inText)
				}
				if strings.ContainsAny(err.Error(), "\x1b\x07") || strings.Contains(err.Error(), jamfsim.DefaultClientSecret) {
					t.Errorf("error text carries a control character or the secret: %q", err)
				}
				var je *jamf.Error
				if errors.As(err, &je) {
					if je.RetryAfter != tt.retryIn {
						t.Errorf("RetryAfter = %v, want %v", je.RetryAfter, tt.retryIn)
					}
					if je.Remedy() == "" {
						t.Error("no remedy")
					}
				}
			})
		})
	}
}

func list(ctx context.Context, c *jamf.Client) error { _, err := c.ListApps(ctx); return err }

// Reads wait as asked (Retry-After) or back off, then succeed; the waits are
// measured on the bubble's clock, so they are exact.
func TestReadsWaitAndRetry(t *testing.T) {
	tests := []struct {
		name  string
		fault jamfsim.Fault
		wait  time.Duration
	}{
		{"429 with Retry-After", jamfsim.Fault{Kind: jamfsim.FaultRateLimit, RetryAfter: 2 * time.Second, Times: 2}, 4 * time.Second},
		{"429 without Retry-After backs off", jamfsim.Fault{Kind: jamfsim.FaultRateLimit, Times: 2}, 1500 * time.Millisecond},
		{"503 with Retry-After", jamfsim.Fault{Kind: jamfsim.FaultUnavailable, RetryAfter: 3 * time.Second, Times: 1}, 3 * time.Second},
		{"503 without Retry-After", jamfsim.Fault{Kind: jamfsim.FaultUnavailable, Times: 3}, 3500 * time.Millisecond},
		{"a reset", jamfsim.Fault{Kind: jamfsim.FaultReset, Times: 1}, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sim, c := newClient(t, jamfsim.Config{})
				tt.fault.Method, tt.fault.PathPrefix = http.MethodGet, jamfsim.PathApps
				sim.Inject(tt.fault)
				start := time.Now()
				app, err := c.App(t.Context(), jamfsim.JiraDataCenterAppID)
				if err != nil {
					t.Fatal(err)
				}
				if app.Name != "Jira Data Center" {
					t.Errorf("read %q", app.Name)
				}
				if got := time.Since(start); got != tt.wait {
					t.Errorf("waited %v, want %v", got, tt.wait)
				}
			})
		})
	}
}

func TestSetPreferencesRoundTrip(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim, c := newClient(t, jamfsim.Config{})
		ctx := t.Context()
		app, err := c.App(ctx, jamfsim.JiraDataCenterAppID)
		if err != nil {
			t.Fatal(err)
		}
		seeded, _ := sim.App(jamfsim.JiraDataCenterAppID)
		if app.Preferences != seeded.Preferences || app.StoreID != jamf.JiraDataCenterStoreID {
			t.Fatalf("read %q (store id %q), want the record's %q", app.Preferences, app.StoreID, seeded.Preferences)
		}
		sites := `[{"title":"R&D <Jira>","baseURL":"https://jira.example.com"}]`
		prefs, err := jamf.SetSites(app.Preferences, sites)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.SetPreferences(ctx, app.ID, prefs); err != nil {
			t.Fatal(err)
		}
		back, err := c.App(ctx, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		if back.Preferences != prefs {
			t.Errorf("read back\n%q\nwant\n%q", back.Preferences, prefs)
		}
		if got, _, _ := jamf.Sites(back.Preferences); got != sites {
			t.Errorf("sites read back %q", got)
		}
		if !strings.Contains(back.Preferences, "<string>$EMAIL</string>") || !strings.Contains(back.Preferences, "<!-- device name for support -->") {
			t.Errorf("other keys or the comment were lost: %q", back.Preferences)
		}
		if n := sim.Count(http.MethodPut, jamfsim.PathApps); n != 1 {
			t.Errorf("%d PUTs, want 1", n)
		}
	})
}

// Line ends and markup survive the trip through XML exactly.
func TestSetPreferencesKeepsEveryByte(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim, c := newClient(t, jamfsim.Config{})
		prefs := "<dict>\r\n\t<key>a</key>\r\n\t<string>x &amp; y\r\nz</string>\r\n\t<key>b</key><string><![CDATA[<b>]]></string>\n</dict>"
		if err := c.SetPreferences(t.Context(), 2, prefs); err != nil {
			t.Fatal(err)
		}
		if got, _ := sim.App(2); got.Preferences != prefs {
			t.Errorf("stored\n%q\nwant\n%q", got.Preferences, prefs)
		}
		if err := c.SetPreferences(t.Context(), 2, "bad \x01 char"); err == nil {
			t.Error("a control character was sent")
		}
	})
}

func TestPutIsNeverSentTwice(t *testing.T) {
	tests := []struct {
		name      string
		fault     jamfsim.Fault
		applied   bool
		unsettled bool
		want      error
	}{
		{"answer lost after the write", jamfsim.Fault{Kind: jamfsim.FaultLostAnswer}, true, true, jamf.ErrNetwork},
		{"reset before the write", jamfsim.Fault{Kind: jamfsim.FaultReset}, false, true, jamf.ErrNetwork},
		{"503", jamfsim.Fault{Kind: jamfsim.FaultUnavailable}, false, true, jamf.ErrServer},
		{"429", jamfsim.Fault{Kind: jamfsim.FaultRateLimit, RetryAfter: time.Second}, false, false, jamf.ErrRateLimited},
		{"no answer in time", jamfsim.Fault{Kind: jamfsim.FaultLatency, Latency: time.Hour}, false, true, jamf.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sim, c := newClient(t, jamfsim.Config{})
				tt.fault.Method = http.MethodPut
				sim.Inject(tt.fault)
				prefs := "<dict><key>sites</key><string>new</string></dict>"
				err := c.SetPreferences(t.Context(), jamfsim.ConfluenceDataCenterAppID, prefs)
				var je *jamf.Error
				if !errors.As(err, &je) || !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want kind %v", err, jamf.KindOf(tt.want))
				}
				if je.Unsettled() != tt.unsettled {
					t.Errorf("Unsettled = %v, want %v", je.Unsettled(), tt.unsettled)
				}
				if n := sim.Count(http.MethodPut, jamfsim.PathApps); n != 1 {
					t.Errorf("%d PUTs, want exactly 1", n)
				}
				got, _ := sim.App(jamfsim.ConfluenceDataCenterAppID)
				if (got.Preferences == prefs) != tt.applied {
					t.Errorf("stored %q; applied should be %v", got.Preferences, tt.applied)
				}
			})
		})
	}
}

// A PUT refused with 401 (an expired token) did nothing: it is sent once more
// with a new token.
func TestPutRenewsAnExpiredToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim, c := newClient(t, jamfsim.Config{})
		if _, err := c.ListApps(t.Context()); err != nil {
			t.Fatal(err)
		}
		sim.ExpireTokens()
		if err := c.SetPreferences(t.Context(), 2, "<dict/>"); err != nil {
			t.Fatal(err)
		}
		if n := sim.Count(http.MethodPut, jamfsim.PathApps); n != 2 {
			t.Errorf("%d PUTs, want the refused one and one more", n)
		}
		if got, _ := sim.App(2); got.Preferences != "<dict/>" {
			t.Errorf("stored %q", got.Preferences)
		}
	})
}

func TestFindApp(t *testing.T) {
	many := jamfsim.DefaultApps()
	for i := range 40 {
		many = append(many, jamfsim.App{ID: 100 + i, Name: "Tool", BundleID: "com.example.tool", StoreURL: jamfsim.StoreURL("tool", "5000")})
	}
	renamed := []jamfsim.App{
		{ID: 1, Name: "Tracker", BundleID: "com.example.t", StoreURL: jamfsim.StoreURL("jira-data-center", jamfsim.JiraDataCenterStoreID)},
		{ID: 2, Name: "Jira Cloud by Atlassian", StoreURL: jamfsim.StoreURL("jira-cloud", jamfsim.JiraCloudStoreID)},
	}
	twice := append(jamfsim.DefaultApps(), jamfsim.App{ID: 9, Name: "Jira Data Center (site B)",
		StoreURL: "https://itunes.apple.com/de/app/jira-server/id1405353949?mt=8"})
	noConfluence := []jamfsim.App{}
	for _, a := range jamfsim.DefaultApps() {
		if a.ID != jamfsim.ConfluenceDataCenterAppID {
			noConfluence = append(noConfluence, a)
		}
	}
	custom := append(slices.Clone(noConfluence),
		jamfsim.App{ID: 20, Name: "Confluence (in-house build)", Internal: true},
		jamfsim.App{ID: 21, Name: "Wiki", BundleID: "com.example.confluence"})
	tests := []struct {
		name    string
		apps    []jamfsim.App
		storeID string
		wantID  int
		check   func(*testing.T, error)
		maxGets int
	}{
		{name: "Jira Data Center", storeID: jamf.JiraDataCenterStoreID, wantID: jamfsim.JiraDataCenterAppID},
		{name: "Confluence Data Center", storeID: jamf.ConfluenceDataCenterStoreID, wantID: jamfsim.ConfluenceDataCenterAppID},
		{name: "a record renamed", apps: renamed, storeID: jamf.JiraDataCenterStoreID, wantID: 1},
		{name: "Jira Cloud is never a target", storeID: jamf.JiraCloudStoreID, check: func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "Jira Cloud") {
				t.Errorf("err = %v", err)
			}
		}},
		{name: "none", apps: noConfluence, storeID: jamf.ConfluenceDataCenterStoreID, check: func(t *testing.T, err error) {
			var nf *jamf.AppNotFoundError
			if !errors.As(err, &nf) || len(nf.Candidates) != 0 {
				t.Fatalf("err = %v, want *AppNotFoundError without candidates: every record is another App Store app", err)
			}
		}},
		{name: "none: records without an App Store URL are offered", apps: custom, storeID: jamf.ConfluenceDataCenterStoreID, check: func(t *testing.T, err error) {
			var nf *jamf.AppNotFoundError
			if !errors.As(err, &nf) || len(nf.Candidates) != 2 || nf.Candidates[0].ID != 20 || nf.Candidates[1].ID != 21 {
				t.Fatalf("err = %v, want records 20 and 21 offered", err)
			}
			if !strings.Contains(err.Error(), "20 (Confluence (in-house build)), 21 (Wiki)") {
				t.Errorf("error %q", err)
			}
		}},
		{name: "several", apps: twice, storeID: jamf.JiraDataCenterStoreID, check: func(t *testing.T, err error) {
			var amb *jamf.AppAmbiguousError
			if !errors.As(err, &amb) || len(amb.Matches) != 2 || amb.Matches[0].ID != 3 || amb.Matches[1].ID != 9 {
				t.Fatalf("err = %v, want both records", err)
			}
			if !strings.Contains(err.Error(), "3 (Jira Data Center), 9 (Jira Data Center (site B))") {
				t.Errorf("error %q does not list them", err)
			}
		}},
		{name: "the reads are bounded", apps: many, storeID: jamf.ConfluenceDataCenterStoreID, wantID: jamfsim.ConfluenceDataCenterAppID, maxGets: jamf.MaxAppReads + 1},
		{name: "bounded and not found", apps: append(noConfluence, many[len(jamfsim.DefaultApps()):]...), storeID: jamf.ConfluenceDataCenterStoreID,
			maxGets: jamf.MaxAppReads + 1, check: func(t *testing.T, err error) {
				var nf *jamf.AppNotFoundError
				if !errors.As(err, &nf) || nf.Checked != jamf.MaxAppReads || nf.Total != 44 {
					t.Fatalf("err = %v, want read 25 of 44", err)
				}
				if !strings.Contains(err.Error(), "read 25 of 44") {
					t.Errorf("error %q", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sim, c := newClient(t, jamfsim.Config{Apps: tt.apps})
				app, err := c.FindApp(t.Context(), tt.storeID)
				if tt.check != nil {
					tt.check(t, err)
				} else if err != nil || app.ID != tt.wantID {
					t.Fatalf("FindApp = %+v, %v; want record %d", app, err, tt.wantID)
				}
				if tt.maxGets > 0 {
					if n := sim.Count(http.MethodGet, jamfsim.PathApps); n > tt.maxGets {
						t.Errorf("%d reads, want at most %d", n, tt.maxGets)
					}
				}
			})
		})
	}
}

func TestAppByID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, c := newClient(t, jamfsim.Config{})
		ctx := t.Context()
		if app, err := c.AppByID(ctx, jamfsim.JiraDataCenterAppID, jamf.JiraDataCenterStoreID); err != nil || app.ID != 3 {
			t.Errorf("AppByID(3) = %+v, %v", app, err)
		}
		var wrong *jamf.WrongAppError
		if _, err := c.AppByID(ctx, jamfsim.JiraCloudAppID, jamf.JiraDataCenterStoreID); !errors.As(err, &wrong) || !strings.Contains(err.Error(), "Jira Cloud") {
			t.Errorf("picking Jira Cloud: %v", err)
		}
		// An in-house record has no App Store URL: taken as picked.
		if _, err := c.AppByID(ctx, 1, jamf.JiraDataCenterStoreID); err != nil {
			t.Errorf("picking an in-house record: %v", err)
		}
	})
}

func TestServerStringsAreCleaned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		apps := []jamfsim.App{{ID: 4, Name: "Jira\x1b]0;pwned\x07 DC", StoreURL: jamfsim.StoreURL("x", "1")}}
		_, c := newClient(t, jamfsim.Config{Apps: apps})
		list, err := c.ListApps(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if list[0].Name != "Jira DC" {
			t.Errorf("name %q", list[0].Name)
		}
	})
}

var tokenRE = regexp.MustCompile(`sim-[0-9a-f]{16,}`)

func TestDebugLogHoldsNoSecret(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var debug bytes.Buffer
		sim, c := newClient(t, jamfsim.Config{}, func(o *jamf.Options) { o.Debug = &debug })
		ctx := t.Context()
		if _, err := c.FindApp(ctx, jamf.JiraDataCenterStoreID); err != nil {
			t.Fatal(err)
		}
		sim.ExpireTokens()
		if err := c.SetPreferences(ctx, 2, "<dict/>"); err != nil {
			t.Fatal(err)
		}
		out := debug.String()
		for _, secret := range []string{jamfsim.DefaultClientSecret, jamfsim.DefaultClientID} {
			if strings.Contains(out, secret) {
				t.Errorf("the log holds %q", secret)
			}
		}
		if tok := tokenRE.FindString(out); tok != "" {
			t.Errorf("the log holds a token: %s", tok)
		}
		for _, want := range []string{"POST " + jamfURL + "/api/oauth/token", "client_secret=[redacted]", "Authorization: Bearer [redacted]", "PUT ", "<-- 201", `"access_token":"[redacted]"`} {
			if !strings.Contains(out, want) {
				t.Errorf("the log lacks %q", want)
			}
		}
	})
}

func TestNewRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts jamf.Options
		want string
	}{
		{"no URL", jamf.Options{ClientID: "a", ClientSecret: "b"}, "not an http(s) URL"},
		{"plain http", jamf.Options{BaseURL: "http://jamf.example.com", ClientID: "a", ClientSecret: "b"}, "clear text"},
		{"no secret", jamf.Options{BaseURL: jamfURL, ClientID: "a"}, "both needed"},
		{"pasted line break", jamf.Options{BaseURL: jamfURL, ClientID: "a", ClientSecret: "b\n"}, "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jamf.New(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "b\n") {
				t.Error("the secret is in the error")
			}
		})
	}
}

// Over a real TLS socket: the certificate is verified, and an answer lost
// after the PUT is a reset the client reports as unsettled.
func TestOverTLS(t *testing.T) {
	sim := jamfsim.New(jamfsim.Config{})
	srv := httptest.NewUnstartedServer(sim)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted client's handshake failure
	srv.StartTLS()
	t.Cleanup(srv.Close)
	t.Cleanup(sim.Close)

	untrusted, err := jamf.New(jamf.Options{BaseURL: srv.URL, ClientID: jamfsim.DefaultClientID, ClientSecret: jamfsim.DefaultClientSecret, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := untrusted.ListApps(t.Context()); !errors.Is(err, jamf.ErrTLS) {
		t.Errorf("an untrusted certificate: %v", err)
	}

	c, err := jamf.New(jamf.Options{BaseURL: srv.URL, ClientID: jamfsim.DefaultClientID, ClientSecret: jamfsim.DefaultClientSecret,
		Transport: srv.Client().Transport})
	if err != nil {
		t.Fatal(err)
	}
	app, err := c.FindApp(t.Context(), jamf.ConfluenceDataCenterStoreID)
	if err != nil || app.ID != jamfsim.ConfluenceDataCenterAppID {
		t.Fatalf("FindApp = %+v, %v", app, err)
	}
	sim.Inject(jamfsim.Fault{Method: http.MethodPut, Kind: jamfsim.FaultLostAnswer, Times: 1})
	prefs, _ := jamf.SetSites(app.Preferences, `[]`)
	err = c.SetPreferences(t.Context(), app.ID, prefs)
	var je *jamf.Error
	if !errors.As(err, &je) || !je.Unsettled() {
		t.Fatalf("lost answer: %v", err)
	}
	back, err := c.App(t.Context(), app.ID)
	if err != nil || back.Preferences != prefs {
		t.Errorf("read back %+v, %v: the write should have happened", back, err)
	}
	if n := sim.Count(http.MethodPut, jamfsim.PathApps); n != 1 {
		t.Errorf("%d PUTs", n)
	}
}
