package simulator

import (
	"net/http"
	"testing"
)

func TestBasicAuth(t *testing.T) {
	tests := []struct {
		name        string
		cfg         Config
		user, pass  string
		wantStatus  int
		wantUser    string
		wantMessage string
		wantReason  string
	}{
		{"right password", Config{}, "admin", "admin", 200, "admin", "", ""},
		{"wrong password", Config{}, "admin", "nope", 401, "anonymous", "Client must be authenticated to access this resource.", "AUTHENTICATED_FAILED"},
		{"unknown user", Config{}, "ghost", "ghost", 401, "anonymous", "Client must be authenticated to access this resource.", "AUTHENTICATED_FAILED"},
		{"disabled", Config{BasicAuthDisabled: true}, "admin", "admin", 403, "anonymous", "Basic Authentication has been disabled on this instance.", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := start(t, tt.cfg)
			// serverInfo allows anonymous callers: the failure must come from the credentials.
			res := call{Path: "/rest/api/2/serverInfo", User: tt.user, Pass: tt.pass}.send(t, srv)
			wantStatus(t, res, tt.wantStatus)
			wantJSONType(t, res)
			if got := res.Header.Get("X-AUSERNAME"); got != tt.wantUser {
				t.Errorf("X-AUSERNAME = %q, want %q", got, tt.wantUser)
			}
			if got := res.Header.Get("X-Seraph-LoginReason"); got != tt.wantReason {
				t.Errorf("X-Seraph-LoginReason = %q, want %q", got, tt.wantReason)
			}
			if tt.wantMessage != "" {
				if m := res.json(t); m["message"] != tt.wantMessage {
					t.Errorf("message = %v, want %q", m["message"], tt.wantMessage)
				}
			}
		})
	}
}

func TestTokensStillWorkWithBasicDisabled(t *testing.T) {
	_, srv := start(t, Config{BasicAuthDisabled: true})
	res := call{Path: "/rest/api/2/myself", Token: "admin-token"}.send(t, srv)
	wantStatus(t, res, 200)
	if got := res.Header.Get("X-AUSERNAME"); got != "jadmin" {
		t.Errorf("X-AUSERNAME = %q, want jadmin", got)
	}
}

// Every response names the user it ran as, whatever the endpoint and outcome.
func TestEveryResponseCarriesXAUSERNAME(t *testing.T) {
	_, srv := start(t, Config{Product: "jira"})
	paths := []string{
		"/rest/applinks/1.0/manifest",
		"/rest/api/2/serverInfo",
		"/rest/api/2/myself",
		"/rest/oauth2/latest/.well-known/oauth-authorization-server",
		"/rest/oauth2/latest/client",
		"/rest/oauth2/latest/client/0b0e4fd0-0000-4000-8000-000000000000",
		"/rest/plugins/1.0/" + OAuth2PluginKey + "-key",
		"/rest/plugins/1.0/com.example.missing-key",
		"/rest/nativemobile/1.1/info/login",
		"/rest/nope",
		"/secure/Dashboard.jspa",
	}
	creds := []struct {
		token, want string
	}{{"", "anonymous"}, {"bogus", "anonymous"}, {"user-token", "user"}, {"sysadmin-token", "admin"}}
	for _, p := range paths {
		for _, c := range creds {
			res := call{Path: p, Token: c.token}.send(t, srv)
			if got := res.Header.Get("X-AUSERNAME"); got != c.want {
				t.Errorf("GET %s with token %q: X-AUSERNAME = %q (status %d), want %q", p, c.token, got, res.Status, c.want)
			}
		}
	}
}

func TestRequestLog(t *testing.T) {
	sim, srv := start(t, Config{})
	call{Path: "/rest/api/2/myself", Token: "sysadmin-token"}.send(t, srv)
	call{Path: "/rest/api/2/myself", Token: "bad"}.send(t, srv)
	call{Path: "/rest/applinks/1.0/manifest?x=1"}.send(t, srv)

	got := sim.Requests()
	want := []Request{
		{Method: "GET", Path: "/rest/api/2/myself", User: "admin", Status: 200},
		{Method: "GET", Path: "/rest/api/2/myself", User: "anonymous", Status: 401},
		{Method: "GET", Path: "/rest/applinks/1.0/manifest", Query: "x=1", User: "anonymous", Status: 200},
	}
	if len(got) != len(want) {
		t.Fatalf("logged %d requests, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g := got[i]
		if g.Method != want[i].Method || g.Path != want[i].Path || g.Query != want[i].Query || g.User != want[i].User || g.Status != want[i].Status {
			t.Errorf("request %d = %+v, want %+v", i, g, want[i])
		}
		if g.Start.IsZero() || g.End.Before(g.Start) {
			t.Errorf("request %d times: start %v end %v", i, g.Start, g.End)
		}
	}
	sim.ResetRequests()
	if n := len(sim.Requests()); n != 0 {
		t.Errorf("after ResetRequests: %d requests logged", n)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	_, srv := start(t, Config{})
	res := call{Method: http.MethodDelete, Path: "/rest/api/2/serverInfo", Token: "sysadmin-token"}.send(t, srv)
	wantStatus(t, res, http.StatusMethodNotAllowed)
}
