package simulator

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestUPMPlugin(t *testing.T) {
	const pluginJSON = "application/vnd.atl.plugins.plugin+json"
	oauthPath := "/rest/plugins/1.0/" + OAuth2PluginKey + "-key"
	tests := []struct {
		name       string
		path       string
		token      string
		accept     string
		wantStatus int
		wantType   string
	}{
		{"vendor type", oauthPath, "sysadmin-token", pluginJSON, 200, pluginJSON},
		{"any type", oauthPath, "sysadmin-token", "*/*", 200, pluginJSON},
		{"no Accept", oauthPath, "sysadmin-token", "", 200, pluginJSON},
		{"admin is enough", oauthPath, "admin-token", pluginJSON, 200, pluginJSON},
		{"plain JSON is not acceptable", oauthPath, "sysadmin-token", "application/json", 406, ""},
		{"anonymous", oauthPath, "", pluginJSON, 401, "application/vnd.atl.plugins.error+json"},
		{"bad token is anonymous", oauthPath, "expired", pluginJSON, 401, "application/vnd.atl.plugins.error+json"},
		{"plain user", oauthPath, "user-token", pluginJSON, 401, "application/vnd.atl.plugins.error+json"},
		{"not installed", "/rest/plugins/1.0/com.example.absent-key", "sysadmin-token", pluginJSON, 404, ""},
	}
	_, srv := start(t, Config{Product: "jira", Version: "10.3.0"})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := call{Path: tt.path, Token: tt.token, Accept: tt.accept}.send(t, srv)
			wantStatus(t, res, tt.wantStatus)
			if tt.wantType != "" && res.contentType() != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", res.contentType(), tt.wantType)
			}
			switch tt.wantStatus {
			case 200:
				m := res.json(t)
				want := map[string]any{"key": OAuth2PluginKey, "version": "4.1.0", "enabled": true, "userInstalled": false}
				for k, v := range want {
					if m[k] != v {
						t.Errorf("%s = %v, want %v", k, m[k], v)
					}
				}
				if name, _ := m["name"].(string); name == "" {
					t.Errorf("name missing: %s", res.Body)
				}
				if _, ok := m["links"].(map[string]any); !ok {
					t.Errorf("links missing: %s", res.Body)
				}
			case 401:
				var msg string
				if err := json.Unmarshal([]byte(res.Body), &msg); err != nil || msg == "" {
					t.Errorf("401 body is not a bare JSON string: %q", res.Body)
				}
			case 404:
				if res.Body != "" {
					t.Errorf("404 body = %q, want empty", res.Body)
				}
			}
		})
	}
}

func TestUPMReportsDisabledAndUpgradedPlugins(t *testing.T) {
	sim, srv := start(t, Config{Product: "jira", Version: "9.12.14"})
	sim.SetPlugin(Plugin{Key: JiraMobilePluginKey, Version: "4.1.0", Enabled: false})
	m := call{Path: "/rest/plugins/1.0/" + JiraMobilePluginKey + "-key", Token: "sysadmin-token"}.send(t, srv).json(t)
	if m["version"] != "4.1.0" || m["enabled"] != false {
		t.Errorf("after SetPlugin: %v", m)
	}
	sim.RemovePlugin(JiraMobilePluginKey)
	wantStatus(t, call{Path: "/rest/plugins/1.0/" + JiraMobilePluginKey + "-key", Token: "sysadmin-token"}.send(t, srv), 404)
}

func TestDefaultPlugins(t *testing.T) {
	tests := []struct {
		product, version string
		oauth, mobileKey string
		mobileMinVersion string
	}{
		{"jira", "9.12.14", "3.1.14", JiraMobilePluginKey, "4.2.0"},
		{"jira", "10.3.0", "4.1.0", JiraMobilePluginKey, "5.1.2"},
		{"jira", "11.0.0", "4.1.0", JiraMobilePluginKey, "5.1.2"},
		{"confluence", "9.1.0", "4.1.1", ConfluenceMobilePluginKey, "19.1.47"},
	}
	for _, tt := range tests {
		got := DefaultPlugins(tt.product, tt.version)
		want := []Plugin{
			{Key: OAuth2PluginKey, Name: pluginNames[OAuth2PluginKey], Version: tt.oauth, Enabled: true},
			{Key: tt.mobileKey, Name: pluginNames[tt.mobileKey], Version: tt.mobileMinVersion, Enabled: true},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("DefaultPlugins(%s, %s) = %+v, want %+v", tt.product, tt.version, got, want)
		}
	}
}

func TestParsePluginFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    Plugin
		wantErr bool
	}{
		{in: OAuth2PluginKey + "=4.1.0", want: Plugin{Key: OAuth2PluginKey, Name: pluginNames[OAuth2PluginKey], Version: "4.1.0", Enabled: true}},
		{in: JiraMobilePluginKey + "=4.1.9:disabled", want: Plugin{Key: JiraMobilePluginKey, Name: pluginNames[JiraMobilePluginKey], Version: "4.1.9", Enabled: false}},
		{in: "com.example.thing=1.0", want: Plugin{Key: "com.example.thing", Name: "com.example.thing", Version: "1.0", Enabled: true}},
		{in: "no-version", wantErr: true},
		{in: "=1.0", wantErr: true},
		{in: "key=", wantErr: true},
		{in: "key=1.0:sleeping", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParsePluginFlag(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParsePluginFlag(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && got != tt.want {
			t.Errorf("ParsePluginFlag(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// UPM's own websudo answer is not the REST API's: its body carries a subCode
// and no message, in UPM's error media type. Basic authentication bypasses it;
// every other caller meets it, anonymous and non-admins too, because websudo is
// checked before UPM's own permission.
func TestUPMWebSudo(t *testing.T) {
	path := "/rest/plugins/1.0/" + OAuth2PluginKey + "-key"
	_, srv := start(t, Config{Product: "jira", UPMWebSudo: true})
	tests := []struct {
		name       string
		c          call
		wantStatus int
		wantBody   string
	}{
		{"token", call{Path: path, Token: "sysadmin-token"}, 401, `{"errorMessage":null,"subCode":"upm.websudo.error"}`},
		{"admin token", call{Path: path, Token: "admin-token"}, 401, `{"errorMessage":null,"subCode":"upm.websudo.error"}`},
		{"basic bypasses it", call{Path: path, User: "admin", Pass: "admin"}, 200, ""},
		{"not an admin: websudo first", call{Path: path, Token: "user-token"}, 401, `{"errorMessage":null,"subCode":"upm.websudo.error"}`},
		{"anonymous: websudo first", call{Path: path}, 401, `{"errorMessage":null,"subCode":"upm.websudo.error"}`},
		{"not an admin with Basic: the permission answer", call{Path: path, User: "user", Pass: "user"}, 401, `"Must have admin permission"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.Accept = "application/vnd.atl.plugins.plugin+json"
			res := tt.c.send(t, srv)
			wantStatus(t, res, tt.wantStatus)
			if tt.wantStatus != 401 {
				return
			}
			if ct := res.contentType(); ct != "application/vnd.atl.plugins.error+json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if res.Body != tt.wantBody {
				t.Errorf("body = %s, want %s", res.Body, tt.wantBody)
			}
		})
	}
}
