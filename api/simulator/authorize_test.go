package simulator

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	prodBase       = "https://jira.example.com"
	appRedirect    = "jira-server://oauth-callback"
	testChallenge  = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	clientIDMarker = "{client}" // replaced by the seeded client's ID
)

// authorizeQuery is what the app sends.
func authorizeQuery(clientID, redirect, scope string) string {
	return url.Values{
		"client_id": {clientID}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {scope},
		"state": {"st4te"}, "code_challenge": {testChallenge}, "code_challenge_method": {"S256"},
	}.Encode()
}

func TestAuthorizeEndpoint(t *testing.T) {
	const invalidScope = "error=invalid_scope&error_description=The+requested+scope+is+higher+than+the+scope+of+the+client."
	blankResponseType := url.Values{"client_id": {clientIDMarker}, "redirect_uri": {appRedirect}, "response_type": {" "}, "scope": {"WRITE"}}.Encode()
	tests := []struct {
		name        string
		cfg         Config
		clientScope string // "" = no client seeded
		query       string
		method      string
		status      int
		location    string // with clientIDMarker for the seeded client's ID; "" = no Location
	}{
		{"healthy: to the consent page with the same parameters", Config{BaseURL: prodBase}, "WRITE",
			authorizeQuery(clientIDMarker, appRedirect, "WRITE"), "", http.StatusSeeOther,
			prodBase + "/plugins/servlet/oauth2/consent?" + authorizeQuery(clientIDMarker, appRedirect, "WRITE")},
		{"a lower scope is fine", Config{BaseURL: prodBase}, "WRITE",
			authorizeQuery(clientIDMarker, appRedirect, "READ"), "", http.StatusSeeOther,
			prodBase + "/plugins/servlet/oauth2/consent?" + authorizeQuery(clientIDMarker, appRedirect, "READ")},
		{"scope above the client's: invalid_scope on the requested redirect", Config{BaseURL: prodBase}, "WRITE",
			authorizeQuery(clientIDMarker, appRedirect, "ADMIN"), "", http.StatusSeeOther,
			appRedirect + "?error=invalid_scope&error_description=The+requested+scope+is+higher+than+the+scope+of+the+client.&state=st4te"},
		{"WRITE on a READ client", Config{BaseURL: prodBase}, "READ",
			authorizeQuery(clientIDMarker, appRedirect, "WRITE"), "", http.StatusSeeOther,
			appRedirect + "?error=invalid_scope&error_description=The+requested+scope+is+higher+than+the+scope+of+the+client.&state=st4te"},
		{"the redirect is not checked against the client's", Config{BaseURL: prodBase}, "WRITE",
			authorizeQuery(clientIDMarker, "https://elsewhere.example.com/cb?x=1", "ADMIN"), "", http.StatusSeeOther,
			"https://elsewhere.example.com/cb?x=1&error=invalid_scope&error_description=The+requested+scope+is+higher+than+the+scope+of+the+client.&state=st4te"},
		{"unknown client: no check yet, to the consent page", Config{BaseURL: prodBase}, "",
			authorizeQuery("0123456789abcdef0123456789abcdef", appRedirect, "ADMIN"), "", http.StatusSeeOther,
			prodBase + "/plugins/servlet/oauth2/consent?" + authorizeQuery("0123456789abcdef0123456789abcdef", appRedirect, "ADMIN")},
		{"client_id missing: the error page", Config{BaseURL: prodBase}, "WRITE",
			"redirect_uri=" + url.QueryEscape(appRedirect) + "&response_type=code&scope=WRITE", "", http.StatusSeeOther,
			prodBase + "/plugins/servlet/oauth2/error?errorDescription=Missing+required+parameter%3A+client_id&errorName=invalid_request"},
		{"redirect_uri empty: the error page", Config{BaseURL: prodBase}, "WRITE",
			authorizeQuery(clientIDMarker, "", "WRITE"), "", http.StatusSeeOther,
			prodBase + "/plugins/servlet/oauth2/error?errorDescription=Missing+required+parameter%3A+redirect_uri&errorName=invalid_request"},
		{"base derived from the request", Config{}, "WRITE",
			authorizeQuery(clientIDMarker, appRedirect, "WRITE"), "", http.StatusSeeOther,
			"{srv}/plugins/servlet/oauth2/consent?" + authorizeQuery(clientIDMarker, appRedirect, "WRITE")},
		{"POST is not the endpoint's", Config{BaseURL: prodBase}, "WRITE",
			authorizeQuery(clientIDMarker, appRedirect, "WRITE"), http.MethodPost, http.StatusMethodNotAllowed, ""},
		{"no provider plugin", Config{BaseURL: prodBase, Plugins: []Plugin{}}, "",
			authorizeQuery("x", appRedirect, "WRITE"), "", http.StatusNotFound, ""},
		// 3.1.5's order and rules: the scope against an existing client comes
		// before the required parameters; required means not empty (spaces
		// pass); scope names are case-sensitive; state goes back only when sent.
		{"the scope is judged before a missing parameter", Config{BaseURL: prodBase}, "WRITE",
			url.Values{"client_id": {clientIDMarker}, "redirect_uri": {appRedirect}, "scope": {"ADMIN"}}.Encode(), "", http.StatusSeeOther,
			appRedirect + "?" + invalidScope},
		{"a blank value is not missing", Config{BaseURL: prodBase}, "WRITE",
			blankResponseType, "", http.StatusSeeOther, prodBase + "/plugins/servlet/oauth2/consent?" + blankResponseType},
		{"scope names are case-sensitive", Config{BaseURL: prodBase}, "WRITE",
			authorizeQuery(clientIDMarker, appRedirect, "write"), "", http.StatusSeeOther, appRedirect + "?" + invalidScope + "&state=st4te"},
		{"no state, none sent back", Config{BaseURL: prodBase}, "WRITE",
			url.Values{"client_id": {clientIDMarker}, "redirect_uri": {appRedirect}, "response_type": {"code"}, "scope": {"ADMIN"}}.Encode(), "", http.StatusSeeOther,
			appRedirect + "?" + invalidScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := start(t, tt.cfg)
			var id string
			if tt.clientScope != "" {
				id = sim.AddClient("Jira iOS app", []string{appRedirect}, tt.clientScope).ClientID
			}
			q := strings.ReplaceAll(tt.query, url.QueryEscape(clientIDMarker), id)
			res := call{Method: tt.method, Path: "/rest/oauth2/latest/authorize?" + q}.send(t, srv)
			wantStatus(t, res, tt.status)
			want := strings.ReplaceAll(strings.ReplaceAll(tt.location, url.QueryEscape(clientIDMarker), id), "{srv}", srv.URL)
			if got := res.Header.Get("Location"); got != want {
				t.Errorf("Location\n got %s\nwant %s", got, want)
			}
			if tt.status == http.StatusSeeOther {
				if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("Cache-Control = %q, want no-store", cc)
				}
			}
			if r := sim.Requests(); len(r) != 1 || r[0].User != "anonymous" {
				t.Errorf("request log %+v", r)
			}
		})
	}
}

func TestConsentPage(t *testing.T) {
	oldProvider := []Plugin{{Key: OAuth2PluginKey, Version: "3.1.5", Enabled: true}, {Key: JiraMobilePluginKey, Version: "5.1.2", Enabled: true}}
	matrixProvider := []Plugin{{Key: OAuth2PluginKey, Version: "3.1.14", Enabled: true}}
	tests := []struct {
		name     string
		cfg      Config
		redirect string
		token    string
		header   map[string]string
		status   int
		location string // "" = no Location
		// unknown asks for a client ID the instance does not have.
		unknown bool
	}{
		{"behind a proxy that says https: to the login page", Config{BaseURL: prodBase}, appRedirect, "",
			map[string]string{"X-Forwarded-Proto": "https"}, http.StatusFound, prodBase + "/login.jsp?os_destination={dest}", false},
		{"X-Forwarded-Proto only has to start with https", Config{BaseURL: prodBase}, appRedirect, "",
			map[string]string{"X-Forwarded-Proto": "https, http"}, http.StatusFound, prodBase + "/login.jsp?os_destination={dest}", false},
		{"Forwarded: proto=https", Config{BaseURL: prodBase}, appRedirect, "",
			map[string]string{"Forwarded": `for=192.0.2.60;proto="https";by=203.0.113.43`}, http.StatusFound, prodBase + "/login.jsp?os_destination={dest}", false},
		{"Confluence's login page", Config{Product: "confluence", BaseURL: "https://wiki.example.com"}, "confluence-server://oauth-callback", "",
			map[string]string{"X-Forwarded-Proto": "https"}, http.StatusFound, "https://wiki.example.com/login.action?os_destination={dest}", false},
		{"proxy without X-Forwarded-Proto: refused", Config{BaseURL: prodBase}, appRedirect, "", nil, http.StatusBadRequest, "", false},
		{"proxy that says http: refused", Config{BaseURL: prodBase}, appRedirect, "",
			map[string]string{"X-Forwarded-Proto": "http", "Forwarded": "proto=http"}, http.StatusBadRequest, "", false},
		{"http base URL: refused even over a secure request", Config{BaseURL: "http://jira.example.com"}, appRedirect, "",
			map[string]string{"X-Forwarded-Proto": "https"}, http.StatusBadRequest, "", false},
		{"http base URL derived from the request: refused", Config{}, appRedirect, "", nil, http.StatusBadRequest, "", false},
		{"dev mode skips the HTTPS rule", Config{DevMode: true}, appRedirect, "", nil, http.StatusFound, "{srv}/login.jsp?os_destination={dest}", false},
		{"3.1.5 refuses the app's custom scheme first", Config{BaseURL: "http://jira.example.com", Plugins: oldProvider}, appRedirect, "",
			nil, http.StatusPreconditionFailed, "", false},
		{"3.1.5 lets an https redirect through", Config{BaseURL: prodBase, Plugins: oldProvider}, "https://app.example.com/cb", "",
			map[string]string{"X-Forwarded-Proto": "https"}, http.StatusFound, prodBase + "/login.jsp?os_destination={dest}", false},
		{"the matrix's provider accepts the custom scheme", Config{BaseURL: prodBase, Plugins: matrixProvider}, appRedirect, "",
			map[string]string{"X-Forwarded-Proto": "https"}, http.StatusFound, prodBase + "/login.jsp?os_destination={dest}", false},
		{"logged in: the consent page", Config{BaseURL: prodBase}, appRedirect, "sysadmin-token",
			map[string]string{"X-Forwarded-Proto": "https"}, http.StatusOK, "", false},
		{"logged in, unknown client", Config{BaseURL: prodBase}, appRedirect, "user-token",
			map[string]string{"X-Forwarded-Proto": "https"}, http.StatusBadRequest, "", true},
		{"no provider plugin", Config{BaseURL: prodBase, Plugins: []Plugin{}}, appRedirect, "",
			map[string]string{"X-Forwarded-Proto": "https"}, http.StatusNotFound, "", false},
		// 3.1.5: a Forwarded header counts only with proto after another
		// parameter; an old provider refuses any redirect that is not a whole
		// http, https or ftp URL, before the HTTPS rule.
		{"Forwarded with proto first is ignored", Config{BaseURL: prodBase}, appRedirect, "",
			map[string]string{"Forwarded": "proto=https"}, http.StatusBadRequest, "", false},
		{"3.1.5 refuses a redirect without a host before the HTTPS rule", Config{BaseURL: "http://jira.example.com", Plugins: oldProvider}, "https:///cb", "",
			nil, http.StatusPreconditionFailed, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := start(t, tt.cfg)
			id := sim.AddClient("App", []string{tt.redirect}, "WRITE").ClientID
			if tt.unknown {
				id = "0123456789abcdef0123456789abcdef"
			}
			uri := "/plugins/servlet/oauth2/consent?" + authorizeQuery(id, tt.redirect, "WRITE")
			res := call{Path: uri, Token: tt.token, Header: tt.header}.send(t, srv)
			wantStatus(t, res, tt.status)
			want := strings.NewReplacer("{srv}", srv.URL, "{dest}", url.QueryEscape(uri)).Replace(tt.location)
			if got := res.Header.Get("Location"); got != want {
				t.Errorf("Location\n got %s\nwant %s", got, want)
			}
			if tt.status != http.StatusFound && !strings.HasPrefix(res.contentType(), "text/html") {
				t.Errorf("Content-Type = %q, want an HTML page", res.contentType())
			}
		})
	}
}

// A request that arrives over TLS is secure without any proxy header.
func TestConsentOverTLS(t *testing.T) {
	sim := New(Config{})
	srv := httptest.NewTLSServer(sim)
	t.Cleanup(srv.Close)
	t.Cleanup(sim.Close)
	id := sim.AddClient("App", []string{appRedirect}, "WRITE").ClientID
	client := srv.Client()
	client.Timeout = 5 * time.Second
	client.CheckRedirect = noRedirects.CheckRedirect

	res, err := call{Path: "/rest/oauth2/latest/authorize?" + authorizeQuery(id, appRedirect, "WRITE")}.sendWith(client, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res, http.StatusSeeOther)
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || loc.Scheme+"://"+loc.Host != srv.URL || loc.Path != pathConsent {
		t.Fatalf("authorize went to %q", res.Header.Get("Location"))
	}
	res, err = call{Path: loc.RequestURI()}.sendWith(client, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res, http.StatusFound)
	if want := srv.URL + "/login.jsp?os_destination=" + url.QueryEscape(loc.RequestURI()); res.Header.Get("Location") != want {
		t.Errorf("Location = %s, want %s", res.Header.Get("Location"), want)
	}
}

// A login proxy in front of the instance answers the authorization endpoint
// itself, as it does every anonymous request.
func TestAuthorizeBehindLoginProxy(t *testing.T) {
	sim, srv := start(t, Config{BaseURL: prodBase, Proxy: ProxyLoginRedirect})
	id := sim.AddClient("App", []string{appRedirect}, "WRITE").ClientID
	res := call{Path: "/rest/oauth2/latest/authorize?" + authorizeQuery(id, appRedirect, "WRITE")}.send(t, srv)
	wantStatus(t, res, http.StatusFound)
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, prodBase+"/login.jsp?permissionViolation=true") {
		t.Errorf("Location = %s", loc)
	}
}

func TestAuthorizationErrorPage(t *testing.T) {
	_, srv := start(t, Config{})
	res := call{Path: "/plugins/servlet/oauth2/error?errorName=invalid_request&errorDescription=%3Cb%3Ex"}.send(t, srv)
	wantStatus(t, res, http.StatusOK)
	if !strings.Contains(res.Body, "invalid_request") || strings.Contains(res.Body, "<b>x") {
		t.Errorf("page does not name the error, or does not escape it:\n%s", res.Body)
	}
}

// A logged-in user's PKCE parameters are not checked on the consent page (3.1.5).
func TestConsentDoesNotCheckPKCE(t *testing.T) {
	sim, srv := start(t, Config{BaseURL: prodBase})
	id := sim.AddClient("App", []string{appRedirect}, "WRITE").ClientID
	q, _ := url.ParseQuery(authorizeQuery(id, appRedirect, "WRITE"))
	q.Set("code_challenge", "short")
	q.Set("code_challenge_method", "none")
	res := call{Path: "/plugins/servlet/oauth2/consent?" + q.Encode(), Token: "sysadmin-token", Header: map[string]string{"X-Forwarded-Proto": "https"}}.send(t, srv)
	wantStatus(t, res, http.StatusOK)
}
