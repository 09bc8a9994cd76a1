package simulator

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestProxyModes(t *testing.T) {
	const path = "/rest/nativemobile/1.1/info/login?x=1"
	tests := []struct {
		name         string
		cfg          Config
		token        string
		wantStatus   int
		wantLocation string
		wantHTML     bool
	}{
		{
			name:         "login redirect",
			cfg:          Config{Proxy: ProxyLoginRedirect, BaseURL: "https://jira.example.com"},
			wantStatus:   302,
			wantLocation: "https://jira.example.com/login.jsp?permissionViolation=true&os_destination=%2Frest%2Fnativemobile%2F1.1%2Finfo%2Flogin%3Fx%3D1",
		},
		{
			name:         "SSO redirect",
			cfg:          Config{Proxy: ProxySSORedirect, BaseURL: "https://jira.example.com"},
			wantStatus:   302,
			wantLocation: "https://idp.example.com/sso/saml?RelayState=" + url.QueryEscape("https://jira.example.com"+path),
		},
		{name: "SSO login page", cfg: Config{Proxy: ProxySSOHTML}, wantStatus: 200, wantHTML: true},
		{name: "bad token is intercepted too", cfg: Config{Proxy: ProxySSOHTML}, token: "expired", wantStatus: 200, wantHTML: true},
		{name: "authenticated call passes", cfg: Config{Proxy: ProxySSORedirect}, token: "sysadmin-token", wantStatus: 200},
		{name: "authenticated call intercepted", cfg: Config{Proxy: ProxySSOHTML, ProxyAuthenticatedToo: true}, token: "sysadmin-token", wantStatus: 200, wantHTML: true},
		{name: "no proxy", cfg: Config{}, wantStatus: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := start(t, tt.cfg)
			res := call{Path: path, Token: tt.token, Accept: "application/json"}.send(t, srv)
			wantStatus(t, res, tt.wantStatus)
			if got := res.Header.Get("Location"); got != tt.wantLocation {
				t.Errorf("Location = %q, want %q", got, tt.wantLocation)
			}
			isHTML := res.contentType() == "text/html;charset=UTF-8"
			if isHTML != tt.wantHTML {
				t.Errorf("Content-Type = %q, HTML wanted: %v", res.contentType(), tt.wantHTML)
			}
			if tt.wantHTML && !strings.Contains(res.Body, "<form") {
				t.Errorf("HTML body is not a login page: %s", res.Body)
			}
			if tt.wantStatus == 200 && !tt.wantHTML {
				wantJSONType(t, res)
			}
		})
	}
}

// The proxy sits in front of everything: detection calls are intercepted as
// well, while an MDM setup with a token still reaches the client API.
func TestProxyInterceptsEveryPathButLetsTokensThrough(t *testing.T) {
	_, srv := start(t, Config{Proxy: ProxyLoginRedirect})
	for _, p := range []string{"/rest/applinks/1.0/manifest", "/rest/api/2/serverInfo", "/rest/oauth2/latest/.well-known/oauth-authorization-server", "/secure/Dashboard.jspa"} {
		if res := (call{Path: p}).send(t, srv); res.Status != http.StatusFound {
			t.Errorf("anonymous GET %s: %d, want 302", p, res.Status)
		}
	}
	wantStatus(t, create("MDM link", mobileRedirect, "WRITE").send(t, srv), 200)

	// Following the redirect ends on an HTML page, not in a loop.
	res, err := call{Path: "/rest/api/2/serverInfo"}.sendWith(http.DefaultClient, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || !strings.HasPrefix(res.contentType(), "text/html") {
		t.Errorf("after following the redirect: %d %q", res.Status, res.contentType())
	}
}
