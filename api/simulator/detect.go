package simulator

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

type manifest struct {
	XMLName         xml.Name `xml:"manifest" json:"-"`
	ID              string   `xml:"id" json:"id"`
	Name            string   `xml:"name" json:"name"`
	TypeID          string   `xml:"typeId" json:"typeId"`
	Version         string   `xml:"version" json:"version"`
	BuildNumber     int64    `xml:"buildNumber" json:"buildNumber"`
	ApplinksVersion string   `xml:"applinksVersion" json:"applinksVersion"`
	PublicSignup    bool     `xml:"publicSignup" json:"publicSignup"`
	URL             string   `xml:"url" json:"url"`
	IconURL         string   `xml:"iconUrl" json:"iconUrl"`
	IconURI         string   `xml:"iconUri" json:"iconUri"`
}

// serveManifest is GET /rest/applinks/1.0/manifest: XML unless JSON is asked for.
func (s *Sim) serveManifest(w http.ResponseWriter, r *http.Request, base string) {
	version := s.currentVersion()
	icon := base + "/s/en_US/-/_/download/resources/com.atlassian.applinks.applinks-plugin:applinks-images/images/types/16" + s.product + ".png"
	m := manifest{
		ID:              s.manifestID,
		Name:            s.title,
		TypeID:          s.product,
		Version:         version,
		BuildNumber:     buildNumber(s.product, version),
		ApplinksVersion: applinksVersion(s.product, version),
		URL:             base,
		IconURL:         icon,
		IconURI:         icon,
	}
	if strings.Contains(strings.ToLower(strings.Join(r.Header.Values("Accept"), ",")), "application/json") {
		writeJSON(w, http.StatusOK, m)
		return
	}
	body, err := xml.Marshal(m)
	if err != nil {
		panic("simulator: manifest: " + err.Error())
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`))
	w.Write(body)
}

func (s *Sim) currentVersion() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
}

// buildDate is fixed per version so repeated calls agree, as on a real instance.
func buildDate(v string) time.Time {
	sum := sha1.Sum([]byte(v))
	return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(sum[0])+int(sum[1]))
}

const jiraTime = "2006-01-02T15:04:05.000-0700"

// serveServerInfo is Jira's GET /rest/api/2/serverInfo.
func (s *Sim) serveServerInfo(w http.ResponseWriter, base string) {
	version := s.currentVersion()
	scm := sha1.Sum([]byte("scm|" + version))
	numbers := versionNumbers(version)
	if numbers == nil {
		numbers = []int{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"baseUrl":        base,
		"version":        version,
		"versionNumbers": numbers,
		"deploymentType": "Server",
		"buildNumber":    buildNumber(s.product, version),
		"buildDate":      buildDate(version).Format(jiraTime),
		"serverTime":     time.Now().Format(jiraTime),
		"scmInfo":        hex.EncodeToString(scm[:]),
		"serverTitle":    s.title,
	})
}

// serveBuildInfo is Confluence's GET /rest/prototype/1/buildInfo. Its
// buildDate is a java.util.Date, which Confluence's REST layer writes as a
// number: milliseconds since the epoch, not a date string.
func (s *Sim) serveBuildInfo(w http.ResponseWriter) {
	version := s.currentVersion()
	writeJSON(w, http.StatusOK, map[string]any{
		"versionNumber": version,
		"buildNumber":   strconv.FormatInt(buildNumber(s.product, version), 10),
		"buildDate":     buildDate(version).UnixMilli(),
	})
}

// serveMyself is Jira's GET /rest/api/2/myself.
func (s *Sim) serveMyself(w http.ResponseWriter, id identity, base string) {
	if id.user == nil {
		writeJSON(w, http.StatusUnauthorized, generic401())
		return
	}
	u := id.user
	writeJSON(w, http.StatusOK, map[string]any{
		"self":         base + "/rest/api/2/user?username=" + url.QueryEscape(u.Name),
		"key":          s.userKeys[u.Name],
		"name":         u.Name,
		"emailAddress": u.Name + "@example.com",
		"displayName":  u.DisplayName,
		"active":       true,
		"timeZone":     "UTC",
	})
}

// serveCurrentUser is Confluence's GET /rest/api/user/current, which answers an
// anonymous caller with 200 and an anonymous user rather than a 401.
func (s *Sim) serveCurrentUser(w http.ResponseWriter, id identity) {
	if id.user == nil {
		writeJSON(w, http.StatusOK, map[string]any{"type": "anonymous", "displayName": "Anonymous"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"type":        "known",
		"username":    id.user.Name,
		"userKey":     s.userKeys[id.user.Name],
		"displayName": id.user.DisplayName,
	})
}

// serveOAuthMetadata is the provider's RFC 8414 document, with the fields
// 3.1.5 serves: no refresh_token grant and no code_challenge_methods_supported
// although it takes PKCE, and only client_secret_post for the token endpoint.
func serveOAuthMetadata(w http.ResponseWriter, base string) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base,
		"authorization_endpoint":                base + "/rest/oauth2/latest/authorize",
		"token_endpoint":                        base + "/rest/oauth2/latest/token",
		"revocation_endpoint":                   base + "/rest/oauth2/latest/revoke",
		"scopes_supported":                      scopes,
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"grant_types_supported":                 []string{"authorization_code"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post"},
	})
}
