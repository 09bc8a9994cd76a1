package api

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
)

// Manifest is the application links manifest (GET /rest/applinks/1.0/manifest).
type Manifest struct {
	ID              string `json:"id" xml:"id"`
	Name            string `json:"name" xml:"name"`
	TypeID          string `json:"typeId" xml:"typeId"`
	Version         string `json:"version" xml:"version"`
	BuildNumber     int64  `json:"buildNumber" xml:"buildNumber"`
	ApplinksVersion string `json:"applinksVersion" xml:"applinksVersion"`
	PublicSignup    bool   `json:"publicSignup" xml:"publicSignup"`
	URL             string `json:"url" xml:"url"`
	IconURL         string `json:"iconUrl" xml:"iconUrl"`
	IconURI         string `json:"iconUri" xml:"iconUri"`
}

// ServerInfo is Jira's GET /rest/api/2/serverInfo.
type ServerInfo struct {
	BaseURL        string `json:"baseUrl"`
	Version        string `json:"version"`
	VersionNumbers []int  `json:"versionNumbers"`
	DeploymentType string `json:"deploymentType"`
	BuildNumber    int64  `json:"buildNumber"`
	BuildDate      string `json:"buildDate"`
	ServerTime     string `json:"serverTime"`
	ScmInfo        string `json:"scmInfo"`
	ServerTitle    string `json:"serverTitle"`
}

// BuildInfo is Confluence's GET /rest/prototype/1/buildInfo.
type BuildInfo struct {
	VersionNumber string `json:"versionNumber"`
	BuildNumber   string `json:"buildNumber"`
	// BuildDate is kept as sent: Confluence writes a number (milliseconds
	// since the epoch); nothing depends on it, so no type of it fails detection.
	BuildDate json.RawMessage `json:"buildDate"`
}

// User is the caller as the instance sees them (Jira myself, Confluence user/current).
type User struct {
	Name        string `json:"name"`     // Jira
	Username    string `json:"username"` // Confluence
	Key         string `json:"key"`      // Jira
	UserKey     string `json:"userKey"`  // Confluence
	DisplayName string `json:"displayName"`
}

// Login is the user name, whichever product answered.
func (u User) Login() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Username
}

// OAuthServerMetadata is the OAuth 2.0 provider's RFC 8414 document.
type OAuthServerMetadata struct {
	Issuer                        string   `json:"issuer"`
	AuthorizationEndpoint         string   `json:"authorization_endpoint"`
	TokenEndpoint                 string   `json:"token_endpoint"`
	RevocationEndpoint            string   `json:"revocation_endpoint"`
	ScopesSupported               []string `json:"scopes_supported"`
	ResponseTypesSupported        []string `json:"response_types_supported"`
	GrantTypesSupported           []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
	ResponseModesSupported        []string `json:"response_modes_supported"`
	// TokenEndpointAuthMethodsSupported is how clients may authenticate at the
	// token endpoint; 3.1.5 lists only client_secret_post, although the app
	// has no secret: how newer versions let it exchange its code is not known.
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
}

// Plugin is an installed app as the Universal Plugin Manager reports it.
type Plugin struct {
	Key           string `json:"key"`
	Name          string `json:"name"`
	Version       string `json:"version"`
	Enabled       bool   `json:"enabled"`
	UserInstalled bool   `json:"userInstalled"`
}

// OAuthClient is an incoming OAuth 2.0 client ("External application, Incoming" link).
// The secret is deliberately not kept: the mobile app is a public client and the
// wizard never shows or stores it.
type OAuthClient struct {
	ID        string   `json:"id"`
	ClientID  string   `json:"clientId"`
	Name      string   `json:"name"`
	Redirects []string `json:"redirects"`
	Scope     string   `json:"scope"`
	UserKey   string   `json:"userKey"`
}

// ValidClientID reports whether s is a plain token: 1 to 255 letters, digits,
// '-' and '_'. The provider issues 32 hex digits; anything else did not come
// from it, and must reach neither a terminal nor a site list an MDM hands to
// every phone. (A loop, not a regular expression: compiling ^[…]{1,255}$
// took 3,300 allocations at every start.)
func ValidClientID(s string) bool {
	if len(s) < 1 || len(s) > 255 {
		return false
	}
	for _, c := range []byte(s) {
		if !isAlnum(c) && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// QuoteClientID shows a refused client ID safely: at most 40 characters,
// quoted, escape sequences and other non-ASCII written as \x and \u escapes.
func QuoteClientID(s string) string {
	if r := []rune(s); len(r) > 40 {
		return strconv.QuoteToASCII(string(r[:40])) + "…"
	}
	return strconv.QuoteToASCII(s)
}

// checkClientIDs refuses a decoded answer carrying a client ID that is not a
// plain token: the ID is printed, saved and handed to every phone, so a
// control sequence or a bidirectional override in it is an attack, not a value.
func checkClientIDs(out any) error {
	var clients []OAuthClient
	switch v := out.(type) {
	case *OAuthClient:
		clients = []OAuthClient{*v}
	case *[]OAuthClient:
		clients = *v
	}
	for _, oc := range clients {
		if !ValidClientID(oc.ClientID) {
			return fmt.Errorf("a client ID is not a plain token (letters, digits, - and _): %s", QuoteClientID(oc.ClientID))
		}
	}
	return nil
}

// HasRedirect reports whether the client lists the redirect URL.
func (c OAuthClient) HasRedirect(u string) bool {
	return slices.Contains(c.Redirects, u)
}

// NewOAuthClient is the body of a create.
type NewOAuthClient struct {
	Name      string   `json:"name"`
	Redirects []string `json:"redirects"`
	Scope     string   `json:"scope"`
}

// MobileLoginInfo is the mobile plugin's anonymous GET /rest/nativemobile/1.1/info/login.
// Only the fields older plugins are known to return are typed; newer ones add OAuth
// fields whose names are not public, so nothing depends on a field name: the
// string values of the whole document are kept to be searched by value.
type MobileLoginInfo struct {
	InstanceName string `json:"instance-name"`
	BaseURL      string `json:"base-url"`

	values map[string]bool
}

// UnmarshalJSON decodes the known fields and collects every string value, at any
// depth (object keys excluded).
func (m *MobileLoginInfo) UnmarshalJSON(b []byte) error {
	type known MobileLoginInfo
	var k known
	if err := json.Unmarshal(b, &k); err != nil {
		return err
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	*m = MobileLoginInfo(k)
	m.values = map[string]bool{}
	collectStrings(doc, m.values)
	return nil
}

// HandsOut reports whether the document holds a string value equal to s
// (exactly, not as a part of a longer string).
func (m *MobileLoginInfo) HandsOut(s string) bool {
	return m != nil && s != "" && m.values[s]
}

func collectStrings(v any, into map[string]bool) {
	switch v := v.(type) {
	case string:
		into[v] = true
	case []any:
		for _, e := range v {
			collectStrings(e, into)
		}
	case map[string]any:
		for _, e := range v {
			collectStrings(e, into)
		}
	}
}
