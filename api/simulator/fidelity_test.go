package simulator

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// The provider takes a list of scopes separated by spaces; each must be known.
func TestCreateScopes(t *testing.T) {
	tests := []struct {
		scope, want string
		status      int
	}{
		{"WRITE", "WRITE", 200},
		{"READ WRITE", "READ WRITE", 200},
		{"  READ   WRITE ", "READ WRITE", 200},
		{"READ BOGUS", "", 400},
		{"", "", 400},
		{"write", "", 400},
	}
	for _, tt := range tests {
		t.Run(tt.scope, func(t *testing.T) {
			_, srv := start(t, Config{})
			res := create("Mobile", mobileRedirect, tt.scope).send(t, srv)
			wantStatus(t, res, tt.status)
			wantJSONType(t, res)
			if tt.status == 200 {
				if c := decodeClient(t, res.Body); c.Scope != tt.want {
					t.Errorf("scope = %q, want %q", c.Scope, tt.want)
				}
				return
			}
			var body errorBody
			decodeInto(t, res.Body, &body)
			if len(body.FieldErrors["scope"]) != 1 || len(body.Errors) != 0 {
				t.Errorf("400 body = %s", res.Body)
			}
		})
	}
}

// A client with several scopes is judged by the highest at sign-in.
func TestAuthorizeWithScopeList(t *testing.T) {
	sim, srv := start(t, Config{BaseURL: "https://jira.example.com"})
	c := sim.AddClient("Mobile", mobileRedirect, "READ WRITE")
	for _, tt := range []struct {
		scope      string
		wantScoped bool
	}{{"WRITE", false}, {"READ", false}, {"ADMIN", true}} {
		q := url.Values{"client_id": {c.ClientID}, "redirect_uri": {mobileRedirect[0]}, "response_type": {"code"}, "scope": {tt.scope}}
		res := call{Path: "/rest/oauth2/latest/authorize?" + q.Encode()}.send(t, srv)
		wantStatus(t, res, http.StatusSeeOther)
		if got := strings.Contains(res.Header.Get("Location"), "error=invalid_scope"); got != tt.wantScoped {
			t.Errorf("scope %s: Location %s", tt.scope, res.Header.Get("Location"))
		}
	}
}

// Plain-http redirects are refused unless their host is localhost (by name:
// the provider does not look at loopback addresses).
func TestCreateRedirectSchemes(t *testing.T) {
	tests := []struct {
		redirect string
		status   int
	}{
		{"jira-server://oauth-callback", 200},
		{"https://app.example.com/cb", 200},
		{"http://localhost:8080/cb", 200},
		{"http://127.0.0.1/cb", 400},
		{"http://[::1]:9/cb", 400},
		{"http://app.example.com/cb", 400},
		{"HTTP://app.example.com/cb", 400},
	}
	for _, tt := range tests {
		t.Run(tt.redirect, func(t *testing.T) {
			sim, srv := start(t, Config{})
			res := create("Mobile", []string{tt.redirect}, "WRITE").send(t, srv)
			wantStatus(t, res, tt.status)
			wantJSONType(t, res)
			if tt.status != 400 {
				return
			}
			var body errorBody
			decodeInto(t, res.Body, &body)
			if len(body.FieldErrors["redirects"]) != 1 || !strings.Contains(body.FieldErrors["redirects"][0], "https") {
				t.Errorf("400 body = %s", res.Body)
			}
			if len(sim.Clients()) != 0 {
				t.Error("created anyway")
			}
		})
	}
}

// PUT updates what it is given: a blank field keeps its old value.
func TestUpdateKeepsBlankFields(t *testing.T) {
	tests := []struct {
		name, body string
		want       Client
	}{
		{"blank name", `{"name":"","redirects":["https://new.example.com/cb"],"scope":"READ"}`,
			Client{Name: "Mobile", Redirects: []string{"https://new.example.com/cb"}, Scope: "READ"}},
		{"no redirects", `{"name":"Renamed","scope":""}`,
			Client{Name: "Renamed", Redirects: mobileRedirect, Scope: "WRITE"}},
		{"empty redirects, blank scope", `{"name":"  ","redirects":[],"scope":" "}`,
			Client{Name: "Mobile", Redirects: mobileRedirect, Scope: "WRITE"}},
		{"everything", `{"name":"New","redirects":["b://x","a://y"],"scope":"ADMIN"}`,
			Client{Name: "New", Redirects: []string{"a://y", "b://x"}, Scope: "ADMIN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := start(t, Config{})
			c := sim.AddClient("Mobile", mobileRedirect, "WRITE")
			put := call{Method: http.MethodPut, Path: "/rest/oauth2/latest/client/" + c.ID, Token: "sysadmin-token",
				ContentType: "application/json", Header: map[string]string{"X-Atlassian-Token": "no-check"}, Body: tt.body}
			res := put.send(t, srv)
			wantStatus(t, res, http.StatusNoContent)
			if res.Body != "" {
				t.Errorf("204 with a body: %q", res.Body)
			}
			got := decodeClient(t, call{Path: "/rest/oauth2/latest/client/" + c.ID, Token: "sysadmin-token"}.send(t, srv).Body)
			if got.Name != tt.want.Name || !reflect.DeepEqual(got.Redirects, tt.want.Redirects) || got.Scope != tt.want.Scope ||
				got.ClientID != c.ClientID || got.ClientSecret != c.ClientSecret {
				t.Errorf("after PUT %s: %+v, want %+v", tt.body, got, tt.want)
			}
		})
	}
}

// Confluence writes buildDate as a number (milliseconds since the epoch).
func TestConfluenceBuildDateIsANumber(t *testing.T) {
	_, srv := start(t, Config{Product: "confluence", Version: "9.2.0"})
	res := call{Path: "/rest/prototype/1/buildInfo"}.send(t, srv)
	wantStatus(t, res, 200)
	wantJSONType(t, res)
	m := res.json(t)
	ms, ok := m["buildDate"].(float64)
	if !ok || ms < 1.6e12 || ms > 4e12 {
		t.Errorf("buildDate = %#v, want epoch milliseconds", m["buildDate"])
	}
	if _, ok := m["buildNumber"].(string); !ok {
		t.Errorf("buildNumber = %#v, want a string", m["buildNumber"])
	}
}

func decodeInto(t *testing.T, body string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
}

// The provider trims each redirect before it checks and stores it.
func TestCreateTrimsRedirects(t *testing.T) {
	_, srv := start(t, Config{})
	res := create("Mobile", []string{"  jira-server://oauth-callback\t", "jira-server://oauth-callback", " https://app.example.com/cb "}, "WRITE").send(t, srv)
	wantStatus(t, res, http.StatusOK)
	if c := decodeClient(t, res.Body); !reflect.DeepEqual(c.Redirects, []string{"https://app.example.com/cb", "jira-server://oauth-callback"}) {
		t.Errorf("redirects = %q", c.Redirects)
	}
}
