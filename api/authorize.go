package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// Paths of the OAuth 2.0 provider's sign-in hops, the ones the app's browser takes.
const (
	PathAuthorize = "/rest/oauth2/latest/authorize"
	PathConsent   = "/plugins/servlet/oauth2/consent"
)

// AuthorizeRequest is the request the app sends to start its sign-in: the
// authorization code flow with a PKCE S256 challenge.
type AuthorizeRequest struct {
	ClientID    string
	RedirectURI string
	Scope       string
	State       string
	// CodeChallenge is the S256 challenge of a verifier nobody keeps: the
	// probes never exchange a code.
	CodeChallenge string
}

// NewAuthorizeRequest makes a request with a fresh state and challenge.
func NewAuthorizeRequest(clientID, redirectURI, scope string) AuthorizeRequest {
	verifier := rand.Text() + rand.Text() // 52 base32 characters: within PKCE's 43..128
	sum := sha256.Sum256([]byte(verifier))
	return AuthorizeRequest{
		ClientID: clientID, RedirectURI: redirectURI, Scope: scope,
		State:         rand.Text(),
		CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]),
	}
}

// Query is the request's query string parameters.
func (a AuthorizeRequest) Query() url.Values {
	return url.Values{
		"client_id":             {a.ClientID},
		"redirect_uri":          {a.RedirectURI},
		"response_type":         {"code"},
		"scope":                 {a.Scope},
		"state":                 {a.State},
		"code_challenge":        {a.CodeChallenge},
		"code_challenge_method": {"S256"},
	}
}

// ProbeResult is the answer to a request sent as the app's browser sends it,
// without credentials and without following a redirect.
type ProbeResult struct {
	Status int
	// Location is where a redirect points, resolved against the request; nil
	// when the answer has none or it cannot be parsed.
	Location *url.URL
	// ContentType is the media type of the body, without parameters.
	ContentType string
}

// Where names the redirect target for a person: scheme, host and path, no query.
func (p *ProbeResult) Where() string {
	if p == nil || p.Location == nil {
		return ""
	}
	return redactLocation(p.Location.String(), nil)
}

// Authorize sends the app's first sign-in request to the authorization endpoint.
func (c *Client) Authorize(ctx context.Context, a AuthorizeRequest) (*ProbeResult, error) {
	return c.Probe(ctx, "send the app's sign-in request ("+PathAuthorize+", scope "+a.Scope+")", PathAuthorize, a.Query().Encode())
}

// Probe GETs path?query on the base URL the client was built with, without
// credentials and without following redirects, and reports what came back:
// any status is an answer, only a transport failure is an error. It is for the
// pages the app's browser visits, where a redirect is the expected answer.
func (c *Client) Probe(ctx context.Context, op, path, rawQuery string) (*ProbeResult, error) {
	cl := call{op: op, method: http.MethodGet, path: path, anon: true}
	req := c.anon.R().SetContext(ctx).SetHeader("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
	if c.debugW != nil {
		c.logRequest(cl, req)
	}
	target := path
	if rawQuery != "" {
		target += "?" + rawQuery
	}
	resp, err := req.Execute(http.MethodGet, target)
	if err != nil {
		return nil, c.transportError(cl, err)
	}
	out := &ProbeResult{Status: resp.StatusCode()}
	mt, _, _ := mime.ParseMediaType(resp.Header().Get("Content-Type"))
	out.ContentType = termsafe.String(mt)
	if loc := strings.TrimSpace(resp.Header().Get("Location")); loc != "" {
		if u, err := url.Parse(loc); err == nil {
			out.Location = resp.RawResponse.Request.URL.ResolveReference(u)
		}
	}
	return out, nil
}
