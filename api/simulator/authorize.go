package simulator

import (
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Paths of the OAuth 2.0 provider's browser-facing servlets. The authorization
// endpoint is under /rest/ (it passes the REST filters, a proxy included); the
// consent and error pages are plugin servlets.
const (
	pathAuthorize = "/rest/oauth2/latest/authorize"
	pathConsent   = "/plugins/servlet/oauth2/consent"
	pathAuthError = "/plugins/servlet/oauth2/error"
)

// customSchemeSince is where this simulator draws the line for the consent
// page's 412. 3.1.5 refuses a redirect that is not an http, https or ftp URL;
// the versions the compatibility matrix asks for accept the apps'
// jira-server:// and confluence-server://. ASSUMPTION: the change came in 3.1.14,
// the matrix's lowest version. Where it really came is not known; this is the
// one place that assumes it.
var customSchemeSince = []int{3, 1, 14}

// serveAuthorize is GET /rest/oauth2/latest/authorize, the first request the
// app's browser makes. It never shows a page: every answer is a 303, and none
// of them may be cached.
func (s *Sim) serveAuthorize(w http.ResponseWriter, r *http.Request, base string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET")
		return
	}
	q := r.URL.Query()
	w.Header().Set("Cache-Control", "no-store")
	// The scope is checked against an existing client first, before the
	// required parameters, and the requested redirect is used as it came: it
	// has not been checked against the client's redirects at this point.
	if granted, ok := s.clientScope(q.Get("client_id")); ok && scopeAbove(q.Get("scope"), granted) {
		v := url.Values{
			"error":             {"invalid_scope"},
			"error_description": {"The requested scope is higher than the scope of the client."},
		}
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		seeOther(w, withQuery(q.Get("redirect_uri"), v))
		return
	}
	// Empty, not blank: a value of spaces passes this check.
	for _, p := range []string{"client_id", "redirect_uri", "response_type", "scope"} {
		if q.Get(p) == "" {
			seeOther(w, base+pathAuthError+"?"+url.Values{
				"errorName":        {"invalid_request"},
				"errorDescription": {"Missing required parameter: " + p},
			}.Encode())
			return
		}
	}
	// No client or redirect check yet: the consent page does that once the user
	// has logged in.
	seeOther(w, base+pathConsent+"?"+r.URL.RawQuery)
}

// serveConsent is GET /plugins/servlet/oauth2/consent. Its checks run in the
// provider's order: the whole redirect URL (old providers only), the HTTPS
// rule, then the login; only a logged-in user learns whether the client
// exists. The PKCE parameters are not checked here for a logged-in user.
func (s *Sim) serveConsent(w http.ResponseWriter, r *http.Request, id identity, base string) {
	q := r.URL.Query()
	if s.refusesCustomSchemes() && !oldProviderURL(q.Get("redirect_uri")) {
		s.mu.Lock()
		s.warnings = append(s.warnings, "WARN [o.a.oauth2.provider] Invalid redirect URI for client "+q.Get("client_id"))
		s.mu.Unlock()
		writeHTML(w, http.StatusPreconditionFailed, errorPage("Invalid redirect URI", "The redirect URI must be an http, https or ftp URL."))
		return
	}
	if !s.devMode && !(strings.HasPrefix(strings.ToLower(base), "https://") && secureRequest(r)) {
		writeHTML(w, http.StatusBadRequest, errorPage("HTTPS required",
			"OAuth 2.0 authorization requires the base URL to use HTTPS and the request to arrive over HTTPS."))
		return
	}
	if id.user == nil {
		// The servlet keeps the request in a new HTTP session (getSession()):
		// every anonymous visit, a probe's included, leaves one behind.
		s.mu.Lock()
		s.sessions++
		s.mu.Unlock()
		w.Header().Set("Set-Cookie", "JSESSIONID="+randomHex(16)+"; Path=/; HttpOnly")
		w.Header().Set("Location", base+s.loginPath()+"?os_destination="+url.QueryEscape(r.URL.RequestURI()))
		w.WriteHeader(http.StatusFound)
		return
	}
	if _, ok := s.clientScope(q.Get("client_id")); !ok {
		writeHTML(w, http.StatusBadRequest, errorPage("Invalid client", "There is no client with this client ID."))
		return
	}
	writeHTML(w, http.StatusOK, errorPage("Allow access?", "An application asks for access to your account."))
}

// oldProviderURL is the old providers' test of a redirect: the whole string
// must be a URL of a scheme the JVM knows (http, https, ftp), with a host.
func oldProviderURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Host != "" && slices.Contains([]string{"http", "https", "ftp"}, strings.ToLower(u.Scheme))
}

// Sessions is how many HTTP sessions anonymous consent requests have created.
func (s *Sim) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Warnings are the WARN lines the provider has logged, oldest first.
func (s *Sim) Warnings() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.warnings)
}

// serveAuthError is the page the authorization endpoint sends a malformed request to.
func (s *Sim) serveAuthError(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	writeHTML(w, http.StatusOK, errorPage("OAuth 2.0 error: "+q.Get("errorName"), q.Get("errorDescription")))
}

// secureRequest is the provider's test for a request that arrived over HTTPS,
// directly or through a proxy that says so: X-Forwarded-Proto starting with
// https, or a Forwarded header whose proto=https is NOT its first parameter.
// The provider's parser reads the parameters after the first ";" only, so
// "Forwarded: for=192.0.2.60;proto=https" counts and "Forwarded: proto=https"
// does not.
func secureRequest(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto"))), "https") {
		return true
	}
	for _, v := range r.Header.Values("Forwarded") {
		pairs := strings.Split(v, ";")
		for _, pair := range pairs[1:] {
			k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if ok && strings.EqualFold(k, "proto") && strings.EqualFold(strings.Trim(val, `"`), "https") {
				return true
			}
		}
	}
	return false
}

// clientScope is the scope of the client with that OAuth client ID.
func (s *Sim) clientScope(clientID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.clients {
		if c.ClientID == clientID {
			return c.Scope, true
		}
	}
	return "", false
}

// scopeAbove reports whether any requested scope (space-separated) is above the
// granted one, or unknown. Scope names are case-sensitive: "write" is unknown.
func scopeAbove(requested, granted string) bool {
	g := slices.Index(scopes, maxScope(granted))
	for _, sc := range strings.Fields(requested) {
		if i := slices.Index(scopes, sc); i < 0 || i > g {
			return true
		}
	}
	return false
}

func (s *Sim) refusesCustomSchemes() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.plugins {
		if p.Key == OAuth2PluginKey {
			return versionLess(versionNumbers(p.Version), customSchemeSince)
		}
	}
	return false
}

func versionLess(a, b []int) bool {
	for i := range max(len(a), len(b)) {
		x, y := 0, 0
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return x < y
		}
	}
	return false
}

// loginPath is the product's login page, which takes the page to return to in os_destination.
func (s *Sim) loginPath() string {
	if s.product == productConfluence {
		return "/login.action"
	}
	return "/login.jsp"
}

func seeOther(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusSeeOther)
}

// withQuery adds parameters to a URL that may already have a query.
func withQuery(raw string, v url.Values) string {
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	return raw + sep + v.Encode()
}

func errorPage(title, msg string) string {
	t := html.EscapeString(title)
	return "<!DOCTYPE html>\n<html><head><meta charset=\"UTF-8\"><title>" + t + "</title></head><body><h1>" + t +
		"</h1><p>" + html.EscapeString(msg) + "</p></body></html>\n"
}
