package simulator

import (
	"html"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// serveREST dispatches /rest/... to the resource a real instance has there.
func (s *Sim) serveREST(w http.ResponseWriter, r *http.Request, id identity, base string) {
	p := r.URL.Path
	jira := s.product == productJira
	get := func(serve func()) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET")
			return
		}
		serve()
	}
	switch {
	case p == "/rest/applinks/1.0/manifest":
		get(func() { s.serveManifest(w, r, base) })
	case jira && (p == "/rest/api/2/serverInfo" || p == "/rest/api/latest/serverInfo"):
		get(func() { s.serveServerInfo(w, base) })
	case jira && (p == "/rest/api/2/myself" || p == "/rest/api/latest/myself"):
		get(func() { s.serveMyself(w, id, base) })
	case !jira && p == "/rest/prototype/1/buildInfo":
		get(func() { s.serveBuildInfo(w) })
	case !jira && p == "/rest/api/user/current":
		get(func() { s.serveCurrentUser(w, id) })
	case strings.HasPrefix(p, "/rest/oauth2/latest/"):
		s.serveOAuth2(w, r, id, base, strings.TrimPrefix(p, "/rest/oauth2/latest/"))
	case strings.HasPrefix(p, "/rest/plugins/1.0/") && strings.HasSuffix(p, "-key"):
		key := strings.TrimSuffix(strings.TrimPrefix(p, "/rest/plugins/1.0/"), "-key")
		if key == "" || strings.Contains(key, "/") {
			notFound(w, r, base)
			return
		}
		s.serveUPM(w, r, id, key)
	case p == "/rest/nativemobile/1.1/info/login":
		get(func() { s.serveInfoLogin(w, r, base) })
	default:
		notFound(w, r, base)
	}
}

// serveOAuth2 is the OAuth 2.0 provider plugin's tree; without the plugin
// (or with it disabled) none of it exists.
func (s *Sim) serveOAuth2(w http.ResponseWriter, r *http.Request, id identity, base, rest string) {
	if !s.pluginEnabled(OAuth2PluginKey) {
		notFound(w, r, base)
		return
	}
	switch {
	case rest == ".well-known/oauth-authorization-server":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET")
			return
		}
		serveOAuthMetadata(w, base)
	case rest == "authorize":
		s.serveAuthorize(w, r, base)
	case rest == "client":
		s.serveClients(w, r, id, base)
	case strings.HasPrefix(rest, "client/reset/"):
		s.serveClientReset(w, r, id, base, strings.TrimPrefix(rest, "client/reset/"))
	case strings.HasPrefix(rest, "client/") && !strings.Contains(strings.TrimPrefix(rest, "client/"), "/"):
		s.serveClient(w, r, id, base, strings.TrimPrefix(rest, "client/"))
	default:
		notFound(w, r, base)
	}
}

// serveWeb covers the few non-REST pages a client can end up on.
func (s *Sim) serveWeb(w http.ResponseWriter, r *http.Request, id identity, base string) {
	switch p := r.URL.Path; {
	case (p == pathConsent || p == pathAuthError) && !s.pluginEnabled(OAuth2PluginKey):
		writeHTML(w, http.StatusNotFound, deadLinkPage)
	case p == pathConsent:
		s.serveConsent(w, r, id, base)
	case p == pathAuthError:
		s.serveAuthError(w, r)
	case p == "/login.jsp", p == "/login.action":
		writeHTML(w, http.StatusOK, loginPage(s.title+" login", "os_username"))
	default:
		writeHTML(w, http.StatusNotFound, deadLinkPage)
	}
}

const deadLinkPage = "<!DOCTYPE html><html><head><title>Oops, you&#39;ve found a dead link.</title></head><body><h1>Oops, you&#39;ve found a dead link.</h1></body></html>\n"

func loginPage(title, userField string) string {
	t := html.EscapeString(title)
	return "<!DOCTYPE html>\n<html><head><meta charset=\"UTF-8\"><title>" + t + "</title></head><body>" +
		"<h1>" + t + "</h1><form method=\"post\" action=\"login\">" +
		"<input name=\"" + userField + "\"><input type=\"password\" name=\"password\"><button>Log in</button>" +
		"</form></body></html>\n"
}

func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
		return true
	}
	return false
}

// xsrfOK models Atlassian's REST XSRF filter: browsers get an Origin check that
// no header bypasses, and content types a plain HTML form can send need
// X-Atlassian-Token: no-check. JSON bodies pass (a form cannot send them).
func xsrfOK(r *http.Request, base string) bool {
	if !isWrite(r.Method) {
		return true
	}
	if strings.Contains(r.UserAgent(), "Mozilla") {
		if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(origin, base) {
			return false
		}
	}
	if strings.EqualFold(r.Header.Get("X-Atlassian-Token"), "no-check") {
		return true
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	json := err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
	// A POST to a resource that takes one must prove it is not a browser
	// form: a JSON body (which a form cannot send) or the header. No content
	// type at all proves nothing. (A POST nothing takes is a 404 or 405 before
	// the filter runs.)
	if r.Method == http.MethodPost && r.URL.Path == "/rest/oauth2/latest/client" {
		return json
	}
	switch {
	case ct == "", err != nil:
		return true // not a type a form can send; the resource rejects it
	case mt == "application/x-www-form-urlencoded", mt == "text/plain", strings.HasPrefix(mt, "multipart/"):
		return false
	}
	return true
}

func sameOrigin(origin, base string) bool {
	o, err1 := url.Parse(origin)
	b, err2 := url.Parse(base)
	if err1 != nil || err2 != nil {
		return false
	}
	return strings.EqualFold(o.Scheme, b.Scheme) && strings.EqualFold(hostPort(o), hostPort(b))
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return u.Host + ":443"
	case "http":
		return u.Host + ":80"
	}
	return u.Host
}
