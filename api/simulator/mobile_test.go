package simulator

import (
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

const infoLogin = "/rest/nativemobile/1.1/info/login"

func TestInfoLogin(t *testing.T) {
	tests := []struct {
		name       string
		cfg        Config
		change     func(*Sim)
		wantStatus int
	}{
		{"jira", Config{Product: "jira", Title: "Acme Jira"}, nil, 200},
		{"confluence", Config{Product: "confluence", Title: "Acme Wiki"}, nil, 200},
		{"plugin disabled", Config{Product: "jira"}, func(s *Sim) {
			s.SetPlugin(Plugin{Key: JiraMobilePluginKey, Version: "5.1.2"})
		}, 404},
		{"plugin missing", Config{Product: "confluence"}, func(s *Sim) { s.RemovePlugin(ConfluenceMobilePluginKey) }, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := start(t, tt.cfg)
			if tt.change != nil {
				tt.change(sim)
			}
			res := call{Path: infoLogin}.send(t, srv) // no credentials: that is the point
			wantStatus(t, res, tt.wantStatus)
			wantJSONType(t, res)
			if tt.wantStatus != 200 {
				return
			}
			m := res.json(t)
			want := map[string]any{"instance-name": tt.cfg.Title, "base-url": srv.URL}
			if !reflect.DeepEqual(m, want) {
				t.Errorf("info/login = %v, want exactly %v", m, want)
			}
		})
	}
}

func TestMobileSwitchCreatesOneClient(t *testing.T) {
	tests := []struct {
		product, name, redirect string
	}{
		{"jira", "Jira mobile app", "jira-server://oauth-callback"},
		{"confluence", "Confluence mobile app", "confluence-server://oauth-callback"},
	}
	for _, tt := range tests {
		t.Run(tt.product, func(t *testing.T) {
			sim := New(Config{Product: tt.product})
			defer sim.Close()
			if n := len(sim.Clients()); n != 0 {
				t.Fatalf("%d clients before the switch", n)
			}
			sim.SetMobileOAuth(true)
			sim.SetMobileOAuth(true)
			sim.SetMobileOAuth(false)
			sim.SetMobileOAuth(true)
			got := sim.Clients()
			if len(got) != 1 {
				t.Fatalf("%d clients after flipping the switch, want 1: %+v", len(got), got)
			}
			if got[0].Name != tt.name || !reflect.DeepEqual(got[0].Redirects, []string{tt.redirect}) || got[0].Scope != "WRITE" {
				t.Errorf("plugin client = %+v", got[0])
			}
		})
	}
}

func TestMobileSwitchOnAtStart(t *testing.T) {
	sim := New(Config{MobileOAuth: true})
	defer sim.Close()
	if n := len(sim.Clients()); n != 1 {
		t.Errorf("%d clients with the switch on at start, want 1", n)
	}
}

func TestMobileSwitchWaitsForPlugins(t *testing.T) {
	sim := New(Config{Plugins: []Plugin{}})
	defer sim.Close()
	sim.SetMobileOAuth(true)
	if n := len(sim.Clients()); n != 0 {
		t.Fatalf("client created without the plugins: %d", n)
	}
	sim.SetPlugin(Plugin{Key: OAuth2PluginKey, Version: "4.1.0", Enabled: true})
	sim.SetPlugin(Plugin{Key: JiraMobilePluginKey, Version: "5.1.2", Enabled: true})
	if n := len(sim.Clients()); n != 1 {
		t.Errorf("%d clients once both plugins are enabled, want 1", n)
	}
}

func TestMobileSwitchRecreatesDeletedClient(t *testing.T) {
	sim, srv := start(t, Config{MobileOAuth: true})
	c := sim.Clients()[0]
	wantStatus(t, call{Method: "DELETE", Path: "/rest/oauth2/latest/client/" + c.ID, Token: "sysadmin-token"}.send(t, srv), 200)
	sim.SetMobileOAuth(true)
	if got := sim.Clients(); len(got) != 1 || got[0].ID == c.ID {
		t.Errorf("after deleting the plugin's client and switching on again: %+v", got)
	}
}

// The switch's timer runs on the bubble's clock: "not before an info/login
// request" and "once after it" are exact, not a race against the machine.
func TestEnableMobileOAuthAfterStartsOnInfoLogin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim, send := startInBubble(t, Config{})
		sim.EnableMobileOAuthAfter(time.Millisecond)
		// Other calls do not start the clock, however long they take.
		send(call{Path: "/rest/api/2/serverInfo"})
		time.Sleep(20 * time.Millisecond)
		synctest.Wait()
		if n := len(sim.Clients()); n != 0 {
			t.Fatalf("switch turned on before any info/login request: %d clients", n)
		}
		send(call{Path: infoLogin})
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if n := len(sim.Clients()); n != 1 {
			t.Fatalf("%d clients 1 ms after the first info/login call, want the plugin's", n)
		}
		send(call{Path: infoLogin})
		time.Sleep(5 * time.Millisecond)
		synctest.Wait()
		if n := len(sim.Clients()); n != 1 {
			t.Errorf("%d clients after more info/login calls, want 1", n)
		}
	})
}

func TestEnableMobileOAuthAfterAnEarlierInfoLogin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim, send := startInBubble(t, Config{})
		send(call{Path: infoLogin})
		sim.EnableMobileOAuthAfter(time.Millisecond)
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if n := len(sim.Clients()); n != 1 {
			t.Errorf("%d clients 1 ms after the switch, want the plugin's", n)
		}
	})
}

func TestCloseStopsDemoTimer(t *testing.T) {
	sim, srv := start(t, Config{})
	sim.EnableMobileOAuthAfter(time.Hour)
	call{Path: infoLogin}.send(t, srv)
	sim.mu.Lock()
	armed := sim.demoTimer != nil
	sim.mu.Unlock()
	if !armed {
		t.Fatal("info/login did not start the timer")
	}
	sim.Close()
	sim.mu.Lock()
	defer sim.mu.Unlock()
	if sim.demoTimer != nil {
		t.Error("Close left the timer running")
	}
}

// With the switch on, info/login hands the app the clientId of the client the
// plugin made (and only that one: an earlier link with the same redirect is not
// handed out); with the switch off, or the plugin's client deleted, it does not.
func TestInfoLoginHandsOutThePluginsClient(t *testing.T) {
	sim, srv := start(t, Config{Product: "confluence", Title: "Acme Wiki"})
	earlier := sim.AddClient("Confluence iOS app", []string{"confluence-server://oauth-callback"}, "WRITE")

	off := call{Path: infoLogin}.send(t, srv)
	wantStatus(t, off, 200)
	wantJSONType(t, off)
	want := map[string]any{"instance-name": "Acme Wiki", "base-url": srv.URL}
	if m := off.json(t); !reflect.DeepEqual(m, want) {
		t.Fatalf("switch off: info/login = %v, want exactly %v", off.Body, want)
	}

	sim.SetMobileOAuth(true)
	var plugin Client
	for _, c := range sim.Clients() {
		if c.ID != earlier.ID {
			plugin = c
		}
	}
	on := call{Path: infoLogin}.send(t, srv)
	wantStatus(t, on, 200)
	wantJSONType(t, on)
	if got := on.contentType(); got != "application/json;charset=UTF-8" {
		t.Errorf("Content-Type = %q", got)
	}
	m := on.json(t)
	if m["instance-name"] != "Acme Wiki" || m["base-url"] != srv.URL {
		t.Errorf("the older fields changed: %v", m)
	}
	if !strings.Contains(on.Body, `"`+plugin.ClientID+`"`) || plugin.ClientID == "" {
		t.Errorf("switch on: info/login %s does not hand out the plugin's client %q", on.Body, plugin.ClientID)
	}
	if strings.Contains(on.Body, earlier.ClientID) {
		t.Errorf("info/login hands out the earlier link %q: %s", earlier.ClientID, on.Body)
	}
	if strings.Contains(on.Body, plugin.ClientSecret) {
		t.Error("info/login hands out the client secret")
	}

	wantStatus(t, call{Method: "DELETE", Path: "/rest/oauth2/latest/client/" + plugin.ID, Token: "sysadmin-token"}.send(t, srv), 200)
	gone := call{Path: infoLogin}.send(t, srv)
	if strings.Contains(gone.Body, plugin.ClientID) {
		t.Errorf("info/login hands out a deleted client: %s", gone.Body)
	}
	sim.SetMobileOAuth(false)
	wantStatus(t, call{Path: infoLogin}.send(t, srv), 200)
}
