package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

var mobileRedirect = []string{"jira-server://oauth-callback"}

func TestClientsNeedSysadmin(t *testing.T) {
	sim, srv := start(t, Config{})
	seeded := sim.AddClient("Seeded", mobileRedirect, "WRITE")
	calls := []call{
		{Path: "/rest/oauth2/latest/client"},
		create("x", mobileRedirect, "WRITE"),
		{Path: "/rest/oauth2/latest/client/" + seeded.ID},
		{Method: http.MethodDelete, Path: "/rest/oauth2/latest/client/" + seeded.ID},
		{Method: http.MethodPut, Path: "/rest/oauth2/latest/client/reset/" + seeded.ClientID},
	}
	// A logged-in admin who is not a system admin gets 401, not 403: the
	// wizard has to tell "not sysadmin" apart from "not logged in" itself.
	for _, token := range []string{"", "expired", "user-token", "admin-token"} {
		for _, c := range calls {
			c.Token = token
			res := c.send(t, srv)
			if res.Status != http.StatusUnauthorized {
				t.Errorf("%s %s as %q: status %d, want 401", c.Method, c.Path, token, res.Status)
				continue
			}
			wantJSONType(t, res)
			var body struct {
				Errors      []string            `json:"errors"`
				FieldErrors map[string][]string `json:"fieldErrors"`
			}
			if err := json.Unmarshal([]byte(res.Body), &body); err != nil || len(body.Errors) == 0 || body.FieldErrors == nil {
				t.Errorf("401 body = %s, want {errors:[...],fieldErrors:{}}", res.Body)
			}
		}
	}
	if n := len(sim.Clients()); n != 1 {
		t.Errorf("refused calls changed the clients: %d now", n)
	}
}

func TestClientLifecycle(t *testing.T) {
	sim, srv := start(t, Config{})
	res := create("Jira iOS", []string{"jira-server://oauth-callback", "https://b.example.com/cb", "jira-server://oauth-callback", "https://a.example.com/cb"}, "WRITE").send(t, srv)
	wantStatus(t, res, http.StatusOK) // not 201
	wantJSONType(t, res)
	c := decodeClient(t, res.Body)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(c.ID) {
		t.Errorf("id %q is not a UUID v4", c.ID)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(c.ClientID) {
		t.Errorf("clientId %q is not 32 lowercase hex", c.ClientID)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(c.ClientSecret) {
		t.Error("clientSecret is not 64 lowercase hex")
	}
	wantRedirects := []string{"https://a.example.com/cb", "https://b.example.com/cb", "jira-server://oauth-callback"}
	if !reflect.DeepEqual(c.Redirects, wantRedirects) {
		t.Errorf("redirects = %v, want sorted and de-duplicated %v", c.Redirects, wantRedirects)
	}
	if c.Name != "Jira iOS" || c.Scope != "WRITE" || c.UserKey != "JIRAUSER10000" {
		t.Errorf("client = %+v", c)
	}

	admin := call{Token: "sysadmin-token", Header: map[string]string{"X-Atlassian-Token": "no-check"}}
	get := admin
	get.Path = "/rest/oauth2/latest/client/" + c.ID
	if got := decodeClient(t, get.send(t, srv).Body); !reflect.DeepEqual(got, c) {
		t.Errorf("GET by id = %+v, want %+v", got, c)
	}

	list := admin
	list.Path = "/rest/oauth2/latest/client"
	var all []Client
	if err := json.Unmarshal([]byte(list.send(t, srv).Body), &all); err != nil || len(all) != 1 || all[0].ID != c.ID {
		t.Errorf("list = %+v (%v)", all, err)
	}

	put := admin
	put.Method, put.Path, put.ContentType = http.MethodPut, "/rest/oauth2/latest/client/"+c.ID, "application/json"
	put.Body = createBody("Renamed", mobileRedirect, "READ")
	res = put.send(t, srv)
	wantStatus(t, res, http.StatusNoContent)
	if got := sim.Clients()[0]; got.Name != "Renamed" || got.Scope != "READ" || !reflect.DeepEqual(got.Redirects, mobileRedirect) {
		t.Errorf("after PUT: %+v", got)
	}

	reset := admin
	reset.Method, reset.Path = http.MethodPut, "/rest/oauth2/latest/client/reset/"+c.ClientID
	res = reset.send(t, srv)
	wantStatus(t, res, http.StatusOK)
	if got := decodeClient(t, res.Body); got.ClientSecret == c.ClientSecret || got.ClientID != c.ClientID {
		t.Error("reset did not issue a new secret for the same client ID")
	}
	byID := reset
	byID.Path = "/rest/oauth2/latest/client/reset/" + c.ID // the record id is the wrong key here
	wantStatus(t, byID.send(t, srv), http.StatusNotFound)

	del := admin
	del.Method, del.Path = http.MethodDelete, "/rest/oauth2/latest/client/"+c.ID
	res = del.send(t, srv)
	wantStatus(t, res, http.StatusOK)
	if got := decodeClient(t, res.Body); got.ID != c.ID || got.Name != "Renamed" {
		t.Errorf("DELETE returned %+v, want the deleted client", got)
	}
	if n := len(sim.Clients()); n != 0 {
		t.Errorf("%d clients after delete", n)
	}
	wantStatus(t, get.send(t, srv), http.StatusNotFound)
	wantStatus(t, del.send(t, srv), http.StatusNotFound)
	wantStatus(t, put.send(t, srv), http.StatusNotFound)
}

func TestClientValidation(t *testing.T) {
	long := strings.Repeat("n", 256)
	longRedirect := "https://example.com/" + strings.Repeat("p", 431)
	tests := []struct {
		name       string
		body       string
		wantFields []string
	}{
		{"ok", createBody("Fine", mobileRedirect, "WRITE"), nil},
		{"duplicate name", createBody("Existing", mobileRedirect, "WRITE"), []string{"name"}},
		{"missing name", createBody("", mobileRedirect, "WRITE"), []string{"name"}},
		{"blank name", createBody("   ", mobileRedirect, "WRITE"), []string{"name"}},
		{"name of 255 is fine", createBody(long[:255], mobileRedirect, "WRITE"), nil},
		{"name too long", createBody(long, mobileRedirect, "WRITE"), []string{"name"}},
		{"no redirects", createBody("A", []string{}, "WRITE"), []string{"redirects"}},
		{"relative redirect", createBody("B", []string{"/callback"}, "WRITE"), []string{"redirects"}},
		{"fragment", createBody("C", []string{"https://example.com/cb#x"}, "WRITE"), []string{"redirects"}},
		{"redirect too long", createBody("D", []string{longRedirect}, "WRITE"), []string{"redirects"}},
		{"bad scope", createBody("E", mobileRedirect, "write"), []string{"scope"}},
		{"everything wrong", createBody("", nil, ""), []string{"name", "redirects", "scope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := start(t, Config{})
			sim.AddClient("Existing", mobileRedirect, "WRITE")
			c := create("", nil, "")
			c.Body = tt.body
			res := c.send(t, srv)
			if tt.wantFields == nil {
				wantStatus(t, res, http.StatusOK)
				return
			}
			wantStatus(t, res, http.StatusBadRequest)
			wantJSONType(t, res)
			var body errorBody
			if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
				t.Fatal(err)
			}
			if body.Errors == nil || len(body.Errors) != 0 {
				t.Errorf("errors = %v, want []", body.Errors)
			}
			var fields []string
			for _, f := range []string{"name", "redirects", "scope"} {
				if len(body.FieldErrors[f]) > 0 {
					fields = append(fields, f)
				}
			}
			if !reflect.DeepEqual(fields, tt.wantFields) || len(body.FieldErrors) != len(tt.wantFields) {
				t.Errorf("fieldErrors = %v, want errors on %v", body.FieldErrors, tt.wantFields)
			}
			if n := len(sim.Clients()); n != 1 {
				t.Errorf("a rejected create changed the clients: %d", n)
			}
		})
	}
}

func TestUpdateKeepsOwnNameButNotAnother(t *testing.T) {
	sim, srv := start(t, Config{})
	a := sim.AddClient("A", mobileRedirect, "WRITE")
	sim.AddClient("B", mobileRedirect, "WRITE")
	put := create("A", []string{"https://x.example.com/cb"}, "WRITE")
	put.Method, put.Path = http.MethodPut, "/rest/oauth2/latest/client/"+a.ID
	wantStatus(t, put.send(t, srv), http.StatusNoContent)
	put.Body = createBody("B", mobileRedirect, "WRITE")
	res := put.send(t, srv)
	wantStatus(t, res, http.StatusBadRequest)
	if !strings.Contains(res.Body, `"name"`) {
		t.Errorf("renaming onto another client's name: %s", res.Body)
	}
}

func TestMalformedAndNonJSONBodies(t *testing.T) {
	_, srv := start(t, Config{})
	bad := create("", nil, "")
	bad.Body = `{"name": "x", "redirects": `
	wantStatus(t, bad.send(t, srv), http.StatusBadRequest)
	bad.Body = `{"name": "x", "redirects": "jira-server://oauth-callback", "scope": "WRITE"}`
	wantStatus(t, bad.send(t, srv), http.StatusBadRequest)

	// With the XSRF header a form passes the filter but the resource only consumes JSON.
	form := create("x", mobileRedirect, "WRITE")
	form.ContentType = "application/x-www-form-urlencoded"
	form.Body = "name=x"
	wantStatus(t, form.send(t, srv), http.StatusUnsupportedMediaType)
}

// The provider does not look at HTTPS when a client is created: an http base
// URL gets its link; the sign-in is what the HTTPS rule refuses later.
func TestHTTPSNotCheckedAtCreate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"production, http base URL", Config{BaseURL: "http://jira.example.com"}},
		{"production, base derived from an http request", Config{}},
		{"production, https base URL", Config{BaseURL: "https://jira.example.com"}},
		{"development mode, http base URL", Config{DevMode: true, BaseURL: "http://jira.example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := start(t, tt.cfg)
			res := create("Mobile", mobileRedirect, "WRITE").send(t, srv)
			wantStatus(t, res, http.StatusOK)
			wantJSONType(t, res)
			c := decodeClient(t, res.Body)
			if c.Name != "Mobile" || len(c.ClientID) != 32 || !slices.Equal(c.Redirects, mobileRedirect) || c.Scope != "WRITE" {
				t.Errorf("created %+v", c)
			}
			if len(sim.Clients()) != 1 {
				t.Errorf("%d clients stored, want 1", len(sim.Clients()))
			}
		})
	}
}

func TestXSRF(t *testing.T) {
	const browser = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15"
	tests := []struct {
		name        string
		contentType string
		noCheck     bool
		userAgent   string
		origin      string
		wantXSRF    bool
	}{
		{"form without header", "application/x-www-form-urlencoded", false, "", "", true},
		{"multipart without header", "multipart/form-data; boundary=x", false, "", "", true},
		{"text/plain without header", "text/plain", false, "", "", true},
		{"form with no-check", "application/x-www-form-urlencoded", true, "", "", false},
		{"JSON without header", "application/json", false, "", "", false},
		{"no content type without header", "", false, "", "", true},
		{"no content type with no-check", "", true, "", "", false},
		{"browser from another origin", "application/json", true, browser, "https://evil.example.com", true},
		{"browser from the instance", "application/json", true, browser, "SELF", false},
		{"browser without Origin", "application/json", true, browser, "", false},
		{"tool with foreign Origin", "application/json", true, "", "https://evil.example.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := start(t, Config{})
			c := create("Mobile", mobileRedirect, "WRITE")
			c.ContentType = tt.contentType
			c.Header = map[string]string{}
			if tt.noCheck {
				c.Header["X-Atlassian-Token"] = "no-check"
			}
			if tt.userAgent != "" {
				c.Header["User-Agent"] = tt.userAgent
			}
			switch tt.origin {
			case "":
			case "SELF":
				c.Header["Origin"] = srv.URL
			default:
				c.Header["Origin"] = tt.origin
			}
			res := c.send(t, srv)
			if !tt.wantXSRF {
				if res.Status == http.StatusForbidden {
					t.Fatalf("XSRF check failed unexpectedly: %s", res.Body)
				}
				return
			}
			wantStatus(t, res, http.StatusForbidden)
			if !strings.HasPrefix(res.contentType(), "text/plain") || res.Body != "XSRF check failed" {
				t.Errorf("403: %q %q", res.contentType(), res.Body)
			}
			if len(sim.Clients()) != 0 {
				t.Error("the client was created anyway")
			}
		})
	}
}

// Names stay unique however many wizards race to create the same link.
func TestConcurrentCreatesKeepNamesUnique(t *testing.T) {
	sim, srv := start(t, Config{})
	const names, perName = 5, 8
	var wg sync.WaitGroup
	statuses := make(chan int, names*perName)
	for i := range names * perName {
		wg.Go(func() {
			res, err := create(fmt.Sprintf("link-%d", i%names), mobileRedirect, "WRITE").sendWith(noRedirects, srv.URL)
			if err != nil {
				t.Error(err)
				return
			}
			statuses <- res.Status
		})
	}
	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for s := range statuses {
		counts[s]++
	}
	if counts[200] != names || counts[400] != names*(perName-1) {
		t.Errorf("statuses = %v, want %d×200 and %d×400", counts, names, names*(perName-1))
	}
	seen := map[string]bool{}
	for _, c := range sim.Clients() {
		if seen[c.Name] {
			t.Errorf("duplicate name %q", c.Name)
		}
		seen[c.Name] = true
	}
	if len(seen) != names {
		t.Errorf("%d clients, want %d", len(seen), names)
	}
}
