package simulator

import (
	"net/http"
	"strconv"
	"time"
)

// serveInfoLogin is the mobile plugin's anonymous GET /rest/nativemobile/1.1/info/login.
// Older plugins answer with "instance-name" and "base-url" only. With the "Turn on
// OAuth 2.0" switch on, newer ones also hand the app the clientId of the client the
// plugin made; the name of that field is not public, so the one used here is made
// up and nested on purpose: a wizard that finds the value only by its field name
// fails against the simulator.
func (s *Sim) serveInfoLogin(w http.ResponseWriter, r *http.Request, base string) {
	s.mu.Lock()
	enabled := s.pluginEnabledLocked(s.mobilePluginKey())
	if !s.sawInfoLogin {
		s.sawInfoLogin = true
		if s.demoArmed {
			s.startDemoTimerLocked()
		}
	}
	handOut := ""
	if s.mobileOAuth && s.mobileClientID != "" {
		if i := s.indexByIDLocked(s.mobileClientID); i >= 0 {
			handOut = s.clients[i].ClientID
		}
	}
	s.mu.Unlock()
	if !enabled {
		notFound(w, r, base)
		return
	}
	body := map[string]any{"instance-name": s.title, "base-url": base}
	if handOut != "" {
		body["simulatedMobileOAuth"] = map[string]any{"enabled": true, "publicClient": handOut}
	}
	writeJSON(w, http.StatusOK, body)
}

// SetMobileOAuth is the admin flipping the mobile plugin's "Turn on OAuth 2.0"
// switch. Turning it on makes the plugin create its own incoming client if it
// has none; turning it off leaves the client alone.
func (s *Sim) SetMobileOAuth(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mobileOAuth = on
	s.ensureMobileClientLocked()
}

// EnableMobileOAuthAfter turns the switch on d after the first info/login
// request, which is when a --demo user has reached the "turn it on" step. A
// request a proxy intercepts never reaches the plugin and does not count.
func (s *Sim) EnableMobileOAuthAfter(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.isClosed {
		return
	}
	s.demoArmed = true
	s.demoDelay = d
	if s.sawInfoLogin {
		s.startDemoTimerLocked()
	}
}

func (s *Sim) startDemoTimerLocked() {
	if s.demoTimer != nil || s.isClosed {
		return
	}
	s.demoTimer = time.AfterFunc(s.demoDelay, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.isClosed {
			return
		}
		s.mobileOAuth = true
		s.ensureMobileClientLocked()
	})
}

// ensureMobileClientLocked creates the plugin's client when the switch is on,
// both plugins are there, and the client it made earlier is gone (or never was).
func (s *Sim) ensureMobileClientLocked() {
	if !s.mobileOAuth || !s.pluginEnabledLocked(OAuth2PluginKey) || !s.pluginEnabledLocked(s.mobilePluginKey()) {
		return
	}
	if s.mobileClientID != "" && s.indexByIDLocked(s.mobileClientID) >= 0 {
		return
	}
	name := productTitle(s.product) + " mobile app"
	for n := 2; s.nameTakenLocked(name, ""); n++ {
		name = productTitle(s.product) + " mobile app (" + strconv.Itoa(n) + ")"
	}
	c := s.addClientLocked(name, []string{s.product + "-server://oauth-callback"}, "WRITE", s.sysadminKey())
	s.mobileClientID = c.ID
}
