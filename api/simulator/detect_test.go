package simulator

import (
	"encoding/xml"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestManifestXMLByDefaultJSONOnRequest(t *testing.T) {
	_, srv := start(t, Config{Product: "jira", Version: "10.3.19", Title: "Acme Jira"})
	fields := []string{"id", "name", "typeId", "version", "buildNumber", "applinksVersion", "publicSignup", "url", "iconUrl", "iconUri"}

	xmlRes := call{Path: "/rest/applinks/1.0/manifest"}.send(t, srv)
	wantStatus(t, xmlRes, http.StatusOK)
	if got := xmlRes.contentType(); got != "application/xml" {
		t.Errorf("default Content-Type = %q, want application/xml", got)
	}
	var doc struct {
		XMLName  xml.Name
		Children []struct {
			XMLName xml.Name
			Value   string `xml:",chardata"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal([]byte(xmlRes.Body), &doc); err != nil {
		t.Fatalf("manifest is not XML: %v\n%s", err, xmlRes.Body)
	}
	if doc.XMLName.Local != "manifest" {
		t.Errorf("root = %q, want manifest", doc.XMLName.Local)
	}
	xmlFields := map[string]string{}
	var names []string
	for _, c := range doc.Children {
		xmlFields[c.XMLName.Local] = c.Value
		names = append(names, c.XMLName.Local)
	}
	if !reflect.DeepEqual(names, fields) {
		t.Errorf("XML children = %v, want %v", names, fields)
	}

	jsonRes := call{Path: "/rest/applinks/1.0/manifest", Accept: "application/json"}.send(t, srv)
	wantStatus(t, jsonRes, http.StatusOK)
	wantJSONType(t, jsonRes)
	m := jsonRes.json(t)
	for _, f := range fields {
		if _, ok := m[f]; !ok {
			t.Errorf("JSON manifest lacks %q: %s", f, jsonRes.Body)
		}
	}
	want := map[string]any{"name": "Acme Jira", "typeId": "jira", "version": "10.3.19", "buildNumber": float64(10030019), "url": srv.URL, "publicSignup": false}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("manifest %s = %v, want %v", k, m[k], v)
		}
	}
	if xmlFields["id"] != m["id"] || len(xmlFields["id"]) != 36 {
		t.Errorf("manifest id: XML %q, JSON %v, want the same UUID in both", xmlFields["id"], m["id"])
	}
	again := call{Path: "/rest/applinks/1.0/manifest", Accept: "application/json"}.send(t, srv).json(t)
	if again["id"] != m["id"] {
		t.Errorf("manifest id changed between calls: %v then %v", m["id"], again["id"])
	}
	if got := jsonRes.Header.Get("X-AUSERNAME"); got != "anonymous" {
		t.Errorf("X-AUSERNAME = %q, want anonymous", got)
	}
}

func TestJiraServerInfo(t *testing.T) {
	_, srv := start(t, Config{Product: "jira", Version: "10.3.19", Title: "Acme Jira", BaseURL: "https://jira.example.com/"})
	res := call{Path: "/rest/api/2/serverInfo", Accept: "application/json"}.send(t, srv)
	wantStatus(t, res, http.StatusOK)
	wantJSONType(t, res)
	m := res.json(t)
	want := map[string]any{
		"baseUrl":        "https://jira.example.com",
		"version":        "10.3.19",
		"versionNumbers": []any{float64(10), float64(3), float64(19)},
		"deploymentType": "Server",
		"buildNumber":    float64(10030019),
		"serverTitle":    "Acme Jira",
	}
	for k, v := range want {
		if !reflect.DeepEqual(m[k], v) {
			t.Errorf("serverInfo %s = %v, want %v", k, m[k], v)
		}
	}
	for _, k := range []string{"buildDate", "serverTime", "scmInfo"} {
		if s, _ := m[k].(string); s == "" {
			t.Errorf("serverInfo %s missing: %s", k, res.Body)
		}
	}
}

func TestSetVersionIsReported(t *testing.T) {
	sim, srv := start(t, Config{Product: "jira", Version: "9.12.14"})
	sim.SetVersion("10.1.0")
	m := call{Path: "/rest/api/2/serverInfo"}.send(t, srv).json(t)
	if m["version"] != "10.1.0" || m["buildNumber"] != float64(10010000) {
		t.Errorf("after SetVersion: version %v build %v, want 10.1.0 / 10010000", m["version"], m["buildNumber"])
	}
}

func TestJiraMyself(t *testing.T) {
	_, srv := start(t, Config{Product: "jira"})
	tests := []struct {
		name       string
		c          call
		wantStatus int
		wantUser   string
	}{
		{"no credentials", call{}, 401, "anonymous"},
		{"unknown token runs as anonymous", call{Token: "expired-token"}, 401, "anonymous"},
		{"sysadmin token", call{Token: "sysadmin-token"}, 200, "admin"},
		{"plain user token", call{Token: "user-token"}, 200, "user"},
		{"basic", call{User: "jadmin", Pass: "jadmin"}, 200, "jadmin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.Path = "/rest/api/2/myself"
			res := tt.c.send(t, srv)
			wantStatus(t, res, tt.wantStatus)
			wantJSONType(t, res)
			if got := res.Header.Get("X-AUSERNAME"); got != tt.wantUser {
				t.Errorf("X-AUSERNAME = %q, want %q", got, tt.wantUser)
			}
			m := res.json(t)
			if tt.wantStatus == 401 {
				if m["message"] != "Client must be authenticated to access this resource." || m["status-code"] != float64(401) {
					t.Errorf("401 body = %s", res.Body)
				}
				return
			}
			for _, k := range []string{"self", "key", "name", "emailAddress", "displayName", "timeZone"} {
				if s, _ := m[k].(string); s == "" {
					t.Errorf("myself %s missing: %s", k, res.Body)
				}
			}
			if m["name"] != tt.wantUser || m["active"] != true || !strings.HasPrefix(m["key"].(string), "JIRAUSER") {
				t.Errorf("myself = %s", res.Body)
			}
		})
	}
}

func TestProductSpecificPaths(t *testing.T) {
	_, jira := start(t, Config{Product: "jira"})
	_, conf := start(t, Config{Product: "confluence", Version: "9.1.0"})
	tests := []struct {
		srvName string
		path    string
		want    int
	}{
		{"jira", "/rest/api/2/serverInfo", 200},
		{"jira", "/rest/prototype/1/buildInfo", 404},
		{"jira", "/rest/api/user/current", 404},
		{"confluence", "/rest/api/2/serverInfo", 404},
		{"confluence", "/rest/api/2/myself", 404},
		{"confluence", "/rest/prototype/1/buildInfo", 200},
		{"confluence", "/rest/api/user/current", 200},
		{"jira", "/rest/no/such/thing", 404},
	}
	for _, tt := range tests {
		t.Run(tt.srvName+tt.path, func(t *testing.T) {
			srv := jira
			if tt.srvName == "confluence" {
				srv = conf
			}
			res := call{Path: tt.path, Token: "sysadmin-token"}.send(t, srv)
			wantStatus(t, res, tt.want)
			wantJSONType(t, res)
		})
	}
}

func TestConfluenceBuildInfoAndCurrentUser(t *testing.T) {
	_, srv := start(t, Config{Product: "confluence", Version: "9.1.0"})
	bi := call{Path: "/rest/prototype/1/buildInfo"}.send(t, srv)
	wantStatus(t, bi, 200)
	m := bi.json(t)
	if m["versionNumber"] != "9.1.0" || m["buildNumber"] == "" || m["buildDate"] == "" {
		t.Errorf("buildInfo = %s", bi.Body)
	}

	anon := call{Path: "/rest/api/user/current", Token: "not-a-token"}.send(t, srv)
	wantStatus(t, anon, 200) // Confluence answers anonymous callers, it does not 401
	if got, ok := anon.Header["X-Ausername"]; ok {
		t.Errorf("X-AUSERNAME = %q on an anonymous Confluence request, want none", got)
	}
	if m := anon.json(t); m["type"] != "anonymous" {
		t.Errorf("anonymous current user = %s", anon.Body)
	}

	known := call{Path: "/rest/api/user/current", Token: "sysadmin-token"}.send(t, srv)
	wantStatus(t, known, 200)
	m = known.json(t)
	if m["type"] != "known" || m["username"] != "admin" || m["displayName"] != "Administrator" || len(m["userKey"].(string)) != 32 {
		t.Errorf("known current user = %s", known.Body)
	}
	if got := known.Header.Get("X-AUSERNAME"); got != "admin" {
		t.Errorf("X-AUSERNAME = %q, want admin", got)
	}
}

func TestOAuthMetadata(t *testing.T) {
	_, srv := start(t, Config{Product: "jira", BaseURL: "https://jira.example.com"})
	res := call{Path: "/rest/oauth2/latest/.well-known/oauth-authorization-server"}.send(t, srv)
	wantStatus(t, res, 200)
	wantJSONType(t, res)
	m := res.json(t)
	want := map[string]any{
		"issuer":                                "https://jira.example.com",
		"authorization_endpoint":                "https://jira.example.com/rest/oauth2/latest/authorize",
		"token_endpoint":                        "https://jira.example.com/rest/oauth2/latest/token",
		"revocation_endpoint":                   "https://jira.example.com/rest/oauth2/latest/revoke",
		"scopes_supported":                      []any{"READ", "WRITE", "ADMIN", "SYSTEM_ADMIN"},
		"response_types_supported":              []any{"code"},
		"response_modes_supported":              []any{"query"},
		"grant_types_supported":                 []any{"authorization_code"},
		"token_endpoint_auth_methods_supported": []any{"client_secret_post"},
	}
	for k, v := range want {
		if !reflect.DeepEqual(m[k], v) {
			t.Errorf("%s = %v, want %v", k, m[k], v)
		}
	}
	// 3.1.5 takes PKCE but does not say so here.
	if _, ok := m["code_challenge_methods_supported"]; ok || len(m) != len(want) {
		t.Errorf("fields beyond 3.1.5's: %v", m)
	}
}

func TestOAuthTreeGoneWithoutProvider(t *testing.T) {
	paths := []string{"/rest/oauth2/latest/.well-known/oauth-authorization-server", "/rest/oauth2/latest/client"}
	tests := []struct {
		name   string
		change func(*Sim)
	}{
		{"disabled", func(s *Sim) { s.SetPlugin(Plugin{Key: OAuth2PluginKey, Version: "4.1.0", Enabled: false}) }},
		{"removed", func(s *Sim) { s.RemovePlugin(OAuth2PluginKey) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := start(t, Config{Product: "jira"})
			tt.change(sim)
			for _, p := range paths {
				res := call{Path: p, Token: "sysadmin-token"}.send(t, srv)
				wantStatus(t, res, 404)
				wantJSONType(t, res)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  Config
		fail bool
	}{
		{Config{}, false},
		{Config{Product: "Confluence", Version: "9.1.0"}, false},
		{Config{Product: "bamboo"}, true},
		{Config{Version: "ten"}, true},
		{Config{Proxy: ProxyMode(9)}, true},
	}
	for _, tt := range tests {
		if err := tt.cfg.Validate(); (err != nil) != tt.fail {
			t.Errorf("Validate(%+v) = %v, want failure %v", tt.cfg, err, tt.fail)
		}
	}
}

// Confluence sets X-AUSERNAME only for a logged-in user; Jira names anonymous too.
func TestUserHeaderForAnonymous(t *testing.T) {
	tests := []struct {
		product, path string
		token         string
		status        int
		header        []string // nil: no X-AUSERNAME at all
	}{
		{"confluence", "/rest/api/user/current", "", 200, nil},
		{"confluence", "/rest/api/user/current", "expired-or-revoked", 200, nil},
		{"confluence", "/rest/oauth2/latest/client", "", 401, nil},
		{"confluence", "/rest/api/user/current", "sysadmin-token", 200, []string{"admin"}},
		{"jira", "/rest/api/2/serverInfo", "", 200, []string{"anonymous"}},
		{"jira", "/rest/api/2/myself", "expired-or-revoked", 401, []string{"anonymous"}},
	}
	for _, tt := range tests {
		t.Run(tt.product+tt.path+"/"+tt.token, func(t *testing.T) {
			_, srv := start(t, Config{Product: tt.product})
			res := call{Path: tt.path, Token: tt.token}.send(t, srv)
			wantStatus(t, res, tt.status)
			if got := res.Header.Values("X-AUSERNAME"); !reflect.DeepEqual(got, tt.header) {
				t.Errorf("X-AUSERNAME = %q, want %q", got, tt.header)
			}
		})
	}
}
