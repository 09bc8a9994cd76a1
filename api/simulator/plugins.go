package simulator

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Plugin keys, as the Universal Plugin Manager knows them.
const (
	OAuth2PluginKey           = "com.atlassian.oauth2.oauth2-provider-plugin"
	JiraMobilePluginKey       = "com.atlassian.jira.mobile.jira-mobile-rest"
	ConfluenceMobilePluginKey = "com.atlassian.confluence.plugins.confluence-mobile-plugin"
)

var pluginNames = map[string]string{
	OAuth2PluginKey:           "OAuth 2.0 Provider Plugin",
	JiraMobilePluginKey:       "Jira Mobile REST Plugin",
	ConfluenceMobilePluginKey: "Confluence Mobile Plugin",
}

// Plugin is an installed app.
type Plugin struct {
	Key, Name, Version string
	Enabled            bool
}

// DefaultPlugins is the OAuth 2.0 provider and the mobile plugin at the
// versions the compatibility matrix (steps/compat.go) requires for that
// product and version, enabled.
func DefaultPlugins(product, version string) []Plugin {
	oauth, mobile, mobileKey := "4.1.0", "5.1.2", JiraMobilePluginKey
	switch {
	case strings.EqualFold(product, productConfluence):
		oauth, mobile, mobileKey = "4.1.1", "19.1.47", ConfluenceMobilePluginKey
	case versionAt(version, 0) < 10:
		oauth, mobile = "3.1.14", "4.2.0"
	}
	return []Plugin{
		{Key: OAuth2PluginKey, Name: pluginNames[OAuth2PluginKey], Version: oauth, Enabled: true},
		{Key: mobileKey, Name: pluginNames[mobileKey], Version: mobile, Enabled: true},
	}
}

// ParsePluginFlag reads KEY=VERSION (enabled) or KEY=VERSION:disabled.
func ParsePluginFlag(s string) (Plugin, error) {
	key, rest, ok := strings.Cut(strings.TrimSpace(s), "=")
	if !ok || key == "" {
		return Plugin{}, fmt.Errorf("plugin %q: want KEY=VERSION or KEY=VERSION:disabled", s)
	}
	version, state, hasState := strings.Cut(rest, ":")
	if version == "" {
		return Plugin{}, fmt.Errorf("plugin %q: the version is missing", s)
	}
	enabled := true
	if hasState {
		switch state {
		case "disabled":
			enabled = false
		case "enabled":
		default:
			return Plugin{}, fmt.Errorf("plugin %q: unknown state %q (want disabled)", s, state)
		}
	}
	return Plugin{Key: key, Name: cmp.Or(pluginNames[key], key), Version: version, Enabled: enabled}, nil
}

// SetPlugin installs, upgrades, enables or disables a plugin.
func (s *Sim) SetPlugin(p Plugin) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.Name = cmp.Or(p.Name, pluginNames[p.Key])
	replaced := false
	for i := range s.plugins {
		if s.plugins[i].Key == p.Key {
			s.plugins[i] = p
			replaced = true
		}
	}
	if !replaced {
		s.plugins = append(s.plugins, p)
	}
	// A switch left on while the plugins were missing takes effect now.
	s.ensureMobileClientLocked()
}

// RemovePlugin uninstalls a plugin.
func (s *Sim) RemovePlugin(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.plugins[:0]
	for _, p := range s.plugins {
		if p.Key != key {
			kept = append(kept, p)
		}
	}
	s.plugins = kept
}

func (s *Sim) pluginEnabledLocked(key string) bool {
	for _, p := range s.plugins {
		if p.Key == key {
			return p.Enabled
		}
	}
	return false
}

func (s *Sim) pluginEnabled(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pluginEnabledLocked(key)
}

func (s *Sim) mobilePluginKey() string {
	if s.product == productConfluence {
		return ConfluenceMobilePluginKey
	}
	return JiraMobilePluginKey
}

const (
	contentTypeUPMPlugin = "application/vnd.atl.plugins.plugin+json"
	contentTypeUPMError  = "application/vnd.atl.plugins.error+json"
)

// serveUPM answers GET /rest/plugins/1.0/{key}-key.
func (s *Sim) serveUPM(w http.ResponseWriter, r *http.Request, id identity, key string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, "GET")
		return
	}
	// Jersey negotiates before the resource runs, so a plain JSON Accept is a 406
	// even for an anonymous caller.
	if !acceptsUPM(r.Header.Values("Accept")) {
		w.WriteHeader(http.StatusNotAcceptable)
		return
	}
	// Websudo is checked before UPM's own permission, and only Basic auth
	// bypasses it: anonymous callers and non-admins get this 401 too.
	if s.upmWebSudo && (id.user == nil || id.viaToken) {
		w.Header().Set("Content-Type", contentTypeUPMError)
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"errorMessage":null,"subCode":"upm.websudo.error"}`)
		return
	}
	if !id.atLeast(RoleAdmin) {
		body, _ := json.Marshal("Must have admin permission")
		w.Header().Set("Content-Type", contentTypeUPMError)
		w.WriteHeader(http.StatusUnauthorized)
		w.Write(body)
		return
	}
	s.mu.Lock()
	var found *Plugin
	for i := range s.plugins {
		if s.plugins[i].Key == key {
			p := s.plugins[i]
			found = &p
		}
	}
	s.mu.Unlock()
	if found == nil {
		w.WriteHeader(http.StatusNotFound) // UPM sends no body here
		return
	}
	self := "/rest/plugins/1.0/" + found.Key + "-key"
	body, _ := json.Marshal(map[string]any{
		"key":           found.Key,
		"name":          found.Name,
		"version":       found.Version,
		"enabled":       found.Enabled,
		"userInstalled": false,
		"optional":      true,
		"links": map[string]string{
			"self":           self,
			"modify":         self,
			"plugin-summary": self + "/summary",
			"manage":         "/plugins/servlet/upm#manage/" + found.Key,
		},
	})
	w.Header().Set("Content-Type", contentTypeUPMPlugin)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

func acceptsUPM(values []string) bool {
	if len(values) == 0 {
		return true
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, _, _ := strings.Cut(part, ";")
			switch strings.ToLower(strings.TrimSpace(mt)) {
			case "", "*/*", "application/*", contentTypeUPMPlugin:
				return true
			}
		}
	}
	return false
}
