package api_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

func TestNewAuthorizeRequestIsFreshPKCE(t *testing.T) {
	a, b := api.NewAuthorizeRequest("id", api.Jira.MobileRedirect(), "WRITE"), api.NewAuthorizeRequest("id", api.Jira.MobileRedirect(), "WRITE")
	if a.State == b.State || a.CodeChallenge == b.CodeChallenge {
		t.Error("two requests share a state or a challenge")
	}
	q := a.Query()
	if !regexp.MustCompile(`^[0-9a-zA-Z~._-]{43,128}$`).MatchString(q.Get("code_challenge")) || q.Get("code_challenge_method") != "S256" {
		t.Errorf("challenge %q (%s) is not a PKCE S256 challenge", q.Get("code_challenge"), q.Get("code_challenge_method"))
	}
	if q.Get("response_type") != "code" || q.Get("redirect_uri") != "jira-server://oauth-callback" || q.Get("scope") != "WRITE" {
		t.Errorf("query %v", q)
	}
	// The challenge is S256 of some verifier: 32 bytes, base64url without padding.
	if raw, err := base64.RawURLEncoding.DecodeString(a.CodeChallenge); err != nil || len(raw) != sha256.Size {
		t.Errorf("challenge %q is not a base64url SHA-256", a.CodeChallenge)
	}
}

// The probes go out as the app's browser sends them: never with the wizard's
// credentials, and a redirect is the answer, not something to follow.
func TestProbesAreAnonymousAndDoNotFollowRedirects(t *testing.T) {
	env := simtest.Start(t, simulator.Config{BaseURL: "https://jira.example.com"})
	cl := env.Sim.AddClient("Jira iOS app", []string{api.Jira.MobileRedirect()}, "WRITE")
	c := env.Client(t, simtest.SysadminToken)

	res, err := c.Authorize(ctx, api.NewAuthorizeRequest(cl.ClientID, api.Jira.MobileRedirect(), "WRITE"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusSeeOther || res.Location == nil || res.Location.Host != "jira.example.com" || res.Location.Path != api.PathConsent {
		t.Fatalf("authorize: %d to %v", res.Status, res.Location)
	}
	if got := res.Location.Query().Get("client_id"); got != cl.ClientID {
		t.Errorf("consent URL carries client_id %q", got)
	}
	consent, err := c.Probe(ctx, "open the consent page", res.Location.Path, res.Location.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	// The simulator is on plain http with an https base URL and no proxy header.
	if consent.Status != http.StatusBadRequest || consent.ContentType != "text/html" {
		t.Errorf("consent: %d %s", consent.Status, consent.ContentType)
	}

	admin, err := c.Authorize(ctx, api.NewAuthorizeRequest(cl.ClientID, api.Jira.MobileRedirect(), "ADMIN"))
	if err != nil {
		t.Fatal(err)
	}
	if admin.Location == nil || admin.Location.Scheme != "jira-server" || admin.Location.Query().Get("error") != "invalid_scope" {
		t.Errorf("ADMIN: %d to %v", admin.Status, admin.Location)
	}
	if w := admin.Where(); w != "jira-server://oauth-callback" {
		t.Errorf("Where() = %q: want the target without its query", w)
	}
	for _, r := range env.Sim.Requests() {
		if r.User != "anonymous" {
			t.Errorf("%s %s ran as %q", r.Method, r.Path, r.User)
		}
	}
	if n := len(env.Sim.Requests()); n != 3 {
		t.Errorf("%d requests, want 3 (no redirect followed)", n)
	}
}

func TestProbeTransportErrorIsTyped(t *testing.T) {
	env := simtest.Start(t, simulator.Config{})
	c := env.Client(t, "")
	env.Srv.Close()
	_, err := c.Probe(ctx, "open the consent page", api.PathConsent, "")
	if api.KindOf(err) != api.KindNetwork {
		t.Fatalf("error %v (kind %v), want a network error", err, api.KindOf(err))
	}
}
