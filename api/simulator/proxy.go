package simulator

import (
	"net/http"
	"net/url"
)

const idpLoginURL = "https://idp.example.com/sso/saml"

// intercept plays the proxy or SSO layer in front of the instance. It answers
// every path, not just /rest/, because a real proxy does not know the REST API.
func (s *Sim) intercept(w http.ResponseWriter, r *http.Request, id identity, base string) bool {
	if s.proxy == ProxyNone || (id.user != nil && !s.proxyAll) {
		return false
	}
	switch s.proxy {
	case ProxyLoginRedirect:
		// The login page itself must be reachable, or a client that follows
		// redirects loops instead of seeing the HTML it should recognise.
		if r.URL.Path == "/login.jsp" {
			return false
		}
		w.Header().Set("Location", base+"/login.jsp?permissionViolation=true&os_destination="+url.QueryEscape(r.URL.RequestURI()))
		w.WriteHeader(http.StatusFound)
	case ProxySSORedirect:
		w.Header().Set("Location", idpLoginURL+"?RelayState="+url.QueryEscape(base+r.URL.RequestURI()))
		w.WriteHeader(http.StatusFound)
	case ProxySSOHTML:
		writeHTML(w, http.StatusOK, loginPage("Sign in - Example Corp SSO", "username"))
	}
	return true
}
