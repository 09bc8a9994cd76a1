package jamfsim_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/jamfsim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

const base = "https://jamf.example.test"

type env struct {
	t   *testing.T
	sim *jamfsim.Sim
	hc  *http.Client
}

func newEnv(t *testing.T, cfg jamfsim.Config) *env {
	sim := jamfsim.New(cfg)
	t.Cleanup(sim.Close)
	return &env{t: t, sim: sim, hc: &http.Client{Transport: &simtest.Transport{Handler: sim}}}
}

func (e *env) token(id, secret string) (int, map[string]any) {
	e.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	resp, err := e.hc.PostForm(base+jamfsim.PathToken, form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func (e *env) goodToken() string {
	e.t.Helper()
	status, m := e.token(jamfsim.DefaultClientID, jamfsim.DefaultClientSecret)
	if status != http.StatusOK {
		e.t.Fatalf("token: %d %v", status, m)
	}
	return m["access_token"].(string)
}

func (e *env) do(method, path, token, accept, body string) (int, http.Header, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/xml")
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestToken(t *testing.T) {
	tests := []struct {
		name, id, secret string
		grant            string
		status           int
		errCode          string
	}{
		{"good", jamfsim.DefaultClientID, jamfsim.DefaultClientSecret, "client_credentials", 200, ""},
		{"wrong secret", jamfsim.DefaultClientID, "nope", "client_credentials", 401, "invalid_client"},
		{"unknown client", "other", jamfsim.DefaultClientSecret, "client_credentials", 401, "invalid_client"},
		{"password grant", jamfsim.DefaultClientID, jamfsim.DefaultClientSecret, "password", 400, "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, jamfsim.Config{})
			form := url.Values{"grant_type": {tt.grant}, "client_id": {tt.id}, "client_secret": {tt.secret}}
			resp, err := e.hc.PostForm(base+jamfsim.PathToken, form)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var m map[string]any
			json.NewDecoder(resp.Body).Decode(&m)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, tt.status, m)
			}
			if tt.errCode != "" {
				if m["error"] != tt.errCode {
					t.Errorf("error %v, want %s", m["error"], tt.errCode)
				}
				return
			}
			if m["token_type"] != "Bearer" || m["expires_in"] != float64(599) || m["access_token"] == "" {
				t.Errorf("token answer %v", m)
			}
		})
	}
}

func TestTokensExpire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, jamfsim.Config{TokenLifetime: time.Minute})
		tok := e.goodToken()
		if status, _, _ := e.do("GET", jamfsim.PathApps, tok, "application/json", ""); status != 200 {
			t.Fatalf("fresh token: %d", status)
		}
		time.Sleep(time.Minute)
		if status, _, body := e.do("GET", jamfsim.PathApps, tok, "application/json", ""); status != 401 || !strings.Contains(body, "requires user authentication") {
			t.Errorf("expired token: %d %s", status, body)
		}
		tok = e.goodToken()
		e.sim.ExpireTokens()
		if status, _, _ := e.do("GET", jamfsim.PathApps, tok, "", ""); status != 401 {
			t.Errorf("after ExpireTokens: %d", status)
		}
		if status, _, _ := e.do("GET", jamfsim.PathApps, "", "", ""); status != 401 {
			t.Errorf("no token: %d", status)
		}
	})
}

func TestReadsByAccept(t *testing.T) {
	e := newEnv(t, jamfsim.Config{})
	tok := e.goodToken()

	status, h, body := e.do("GET", jamfsim.PathApps, tok, "application/json", "")
	var list struct {
		Apps []struct {
			ID          int    `json:"id"`
			Name        string `json:"name"`
			InternalApp bool   `json:"internal_app"`
		} `json:"mobile_device_applications"`
	}
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") || json.Unmarshal([]byte(body), &list) != nil {
		t.Fatalf("JSON list: %d %s %s", status, h.Get("Content-Type"), body)
	}
	if len(list.Apps) != 6 || list.Apps[0].ID != 1 || !list.Apps[0].InternalApp || strings.Contains(body, "itunes_store_url") {
		t.Errorf("JSON list %s", body)
	}

	// Without Accept: JSON the Classic API's default, XML.
	status, h, body = e.do("GET", jamfsim.PathApps, tok, "", "")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/xml") || !strings.Contains(body, "<size>6</size>") ||
		!strings.Contains(body, "<mobile_device_application><id>1</id><name>Jamf Self Service</name>") {
		t.Errorf("XML list: %d %s", status, body)
	}

	status, _, body = e.do("GET", jamfsim.PathApps+"/id/3", tok, "application/json", "")
	var rec struct {
		App struct {
			General struct {
				ITunesStoreURL string `json:"itunes_store_url"`
			} `json:"general"`
			AppConfiguration struct {
				Preferences string `json:"preferences"`
			} `json:"app_configuration"`
		} `json:"mobile_device_application"`
	}
	if status != 200 || json.Unmarshal([]byte(body), &rec) != nil {
		t.Fatalf("JSON record: %d %s", status, body)
	}
	seeded, _ := e.sim.App(3)
	if rec.App.AppConfiguration.Preferences != seeded.Preferences || !strings.HasSuffix(rec.App.General.ITunesStoreURL, "/id1405353949?uo=4") {
		t.Errorf("JSON record %+v", rec)
	}
	status, _, body = e.do("GET", jamfsim.PathApps+"/id/3", tok, "application/xml", "")
	if status != 200 || !strings.Contains(body, "<itunes_store_url>https://apps.apple.com/us/app/jira-data-center/id1405353949?uo=4</itunes_store_url>") ||
		!strings.Contains(body, "&lt;string&gt;$EMAIL&lt;/string&gt;") {
		t.Errorf("XML record: %d %s", status, body)
	}
	if status, _, _ := e.do("GET", jamfsim.PathApps+"/id/99", tok, "", ""); status != 404 {
		t.Errorf("missing record: %d", status)
	}
}

func TestPutUpdatesOnlyTheConfiguration(t *testing.T) {
	seeded := jamfsim.DefaultApps()[2] // Jira Data Center
	tests := []struct {
		name   string
		body   string
		status int
		prefs  string // "" = unchanged
	}{
		{"preferences", "<mobile_device_application><app_configuration><preferences>&lt;dict/&gt;</preferences></app_configuration></mobile_device_application>", 201, "<dict/>"},
		{"other sections are left alone", "<mobile_device_application><general><name>Renamed</name></general><app_configuration><preferences>A</preferences></app_configuration></mobile_device_application>", 201, "A"},
		{"an unknown element is dropped", "<mobile_device_application><app_configuration><sites>x</sites></app_configuration></mobile_device_application>", 201, ""},
		{"preferences in the wrong place are dropped", "<mobile_device_application><preferences>x</preferences></mobile_device_application>", 201, ""},
		{"an unknown section is dropped", "<mobile_device_application><config><app_configuration><preferences>x</preferences></app_configuration></config></mobile_device_application>", 201, ""},
		{"a section out of order is dropped", "<mobile_device_application><app_configuration><preferences>B</preferences></app_configuration><general><name>x</name></general><app_configuration><preferences>C</preferences></app_configuration></mobile_device_application>", 201, "C"},
		{"line ends are normalised by the XML parser", "<mobile_device_application><app_configuration><preferences>a\r\nb&#xD;</preferences></app_configuration></mobile_device_application>", 201, "a\nb\r"},
		{"not XML", "<mobile_device_application><app_configuration>", 409, ""},
		{"another root", "<computer><app_configuration><preferences>x</preferences></app_configuration></computer>", 409, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, jamfsim.Config{})
			status, _, body := e.do("PUT", jamfsim.PathApps+"/id/3", e.goodToken(), "", tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if status == 201 && !strings.Contains(body, "<id>3</id>") {
				t.Errorf("201 body %s", body)
			}
			got, _ := e.sim.App(3)
			want := tt.prefs
			if want == "" {
				want = seeded.Preferences
			}
			if got.Preferences != want || got.Name != seeded.Name {
				t.Errorf("stored %q (name %q), want %q", got.Preferences, got.Name, want)
			}
		})
	}
}

func TestPrivileges(t *testing.T) {
	e := newEnv(t, jamfsim.Config{NoUpdate: true})
	tok := e.goodToken()
	if status, _, _ := e.do("GET", jamfsim.PathApps, tok, "", ""); status != 200 {
		t.Errorf("read without update privilege: %d", status)
	}
	put := "<mobile_device_application><app_configuration><preferences>x</preferences></app_configuration></mobile_device_application>"
	if status, _, _ := e.do("PUT", jamfsim.PathApps+"/id/3", tok, "", put); status != 401 {
		t.Errorf("write without update privilege: %d", status)
	}
	e.sim.SetPrivileges(false, true)
	if status, _, _ := e.do("GET", jamfsim.PathApps, tok, "", ""); status != 401 {
		t.Errorf("read without read privilege: %d", status)
	}
	if status, _, _ := e.do("PUT", jamfsim.PathApps+"/id/3", tok, "", put); status != 201 {
		t.Errorf("write with update privilege: %d", status)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name       string
		fault      jamfsim.Fault
		status     int
		retryAfter string
	}{
		{"429 with Retry-After", jamfsim.Fault{Kind: jamfsim.FaultRateLimit, RetryAfter: 2 * time.Second}, 429, "2"},
		{"429 without", jamfsim.Fault{Kind: jamfsim.FaultRateLimit}, 429, ""},
		{"503 with Retry-After", jamfsim.Fault{Kind: jamfsim.FaultUnavailable, RetryAfter: time.Second}, 503, "1"},
		{"503 without", jamfsim.Fault{Kind: jamfsim.FaultUnavailable}, 503, ""},
		{"a status", jamfsim.Fault{Kind: jamfsim.FaultStatus, Status: 502}, 502, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, jamfsim.Config{})
			tok := e.goodToken()
			tt.fault.PathPrefix, tt.fault.Times = jamfsim.PathApps, 1
			e.sim.Inject(tt.fault)
			status, h, _ := e.do("GET", jamfsim.PathApps, tok, "", "")
			if status != tt.status || h.Get("Retry-After") != tt.retryAfter {
				t.Errorf("got %d Retry-After %q, want %d %q", status, h.Get("Retry-After"), tt.status, tt.retryAfter)
			}
			if status, _, _ := e.do("GET", jamfsim.PathApps, tok, "", ""); status != 200 {
				t.Errorf("after Times ran out: %d", status)
			}
			if n := e.sim.Count("GET", jamfsim.PathApps); n != 2 {
				t.Errorf("counted %d reads", n)
			}
		})
	}
}

func TestLostAnswerAppliesTheWrite(t *testing.T) {
	e := newEnv(t, jamfsim.Config{})
	tok := e.goodToken()
	e.sim.Inject(jamfsim.Fault{Method: "PUT", Kind: jamfsim.FaultLostAnswer})
	req, _ := http.NewRequest("PUT", base+jamfsim.PathApps+"/id/5",
		strings.NewReader("<mobile_device_application><app_configuration><preferences>L</preferences></app_configuration></mobile_device_application>"))
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp, err := e.hc.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the answer arrived")
	}
	if got, _ := e.sim.App(5); got.Preferences != "L" {
		t.Errorf("stored %q: the write should have happened", got.Preferences)
	}
}

func TestLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, jamfsim.Config{})
		tok := e.goodToken()
		e.sim.Inject(jamfsim.Fault{Kind: jamfsim.FaultLatency, Latency: 100 * time.Millisecond})
		start := time.Now()
		if status, _, _ := e.do("GET", jamfsim.PathApps, tok, "", ""); status != 200 {
			t.Fatal(status)
		}
		if got := time.Since(start); got != 100*time.Millisecond {
			t.Errorf("took %v", got)
		}
	})
}
