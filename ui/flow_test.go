package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// connectTyped types the URL and token the way a user does.
func connectTyped(h *harness, token string) {
	h.waitFor("Welcome", "It will:")
	h.pressWait("enter")
	h.waitFor("Base URL:")
	h.typeText(h.srv.URL)
	h.pressWait("enter")
	h.waitFor("Token:")
	h.typeText(token)
	h.pressWait("enter")
}

func TestWholeMDMRunCreatesOneLink(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	out := filepath.Join(t.TempDir(), "sites.json")
	h := start(t, sim, srv, Options{Output: out})

	connectTyped(h, "sysadmin-token")
	s := h.waitFor("Product:", "Jira", "10.3.0")
	checkFits(t, s.view, 80)
	h.pressWait("enter")
	s = h.waitFor("Checks passed, 1 warning: HTTPS.")
	checkFits(t, s.view, 80)
	h.pressWait("enter")
	h.waitFor(steps.ModeMDM.Describe()[:40], "2. No MDM")
	h.pressWait("enter")

	s = h.waitFor("Create an incoming link", "jira-server://oauth-callback")
	if n := len(sim.Clients()); n != 0 {
		t.Fatalf("a link exists before the user confirmed: %d clients", n)
	}
	checkFits(t, s.view, 80)
	h.pressWait("enter")
	h.waitFor("Title:", "cacheSessionInMobileBrowser")
	h.pressWait("enter") // title as prefilled
	h.pressWait("space") // cache the session
	h.pressWait("enter")
	s = h.waitFor("Created the incoming link", `"clientID"`, `"cacheSessionInMobileBrowser": true`)
	checkFits(t, s.view, 80)

	clients := sim.Clients()
	if len(clients) != 1 {
		t.Fatalf("want exactly one client on the instance, got %d", len(clients))
	}
	c := clients[0]
	if len(c.Redirects) != 1 || c.Redirects[0] != "jira-server://oauth-callback" || c.Scope != "WRITE" {
		t.Errorf("client = %+v, want redirect jira-server://oauth-callback and scope WRITE", c)
	}
	if !strings.Contains(s.view, c.ClientID) {
		t.Errorf("result does not show the client ID %s:\n%s", c.ClientID, s.view)
	}
	if strings.Contains(s.view, c.ClientSecret) {
		t.Error("the client secret is on screen")
	}

	// Save merges into the file, 0600.
	h.pressWait("s")
	h.waitFor("Save to: " + out)
	h.pressWait("enter")
	h.waitFor("Saved " + out)
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	var saved []steps.Site
	data, _ := os.ReadFile(out)
	if err := json.Unmarshal(data, &saved); err != nil || len(saved) != 1 || saved[0].OAuth.ClientID != c.ClientID {
		t.Errorf("saved %s (%v), want the site with client %s", data, err, c.ClientID)
	}

	m := h.finish()
	if !m.Done() {
		t.Error("Done() = false after the result screen")
	}
	sum := m.Summary()
	for _, want := range []string{"Created the incoming link", c.ClientID, `"baseURL"`} {
		if !strings.Contains(sum, want) {
			t.Errorf("Summary() lacks %q:\n%s", want, sum)
		}
	}
}

func TestWholeNonMDMRunCreatesNothing(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeNonMDM})
	h.waitFor("Welcome")
	h.pressWait("enter")
	h.waitFor("Product:") // connect was pre-answered
	h.pressWait("enter")
	h.waitFor("Checks passed, 1 warning: HTTPS.")
	h.pressWait("enter") // mode was pre-answered: straight to the reachability check
	s := h.waitFor("Non-MDM", "The app can reach the instance")
	if !strings.Contains(s.view, "Mobile login info") {
		t.Errorf("reachability check does not show the mobile login check:\n%s", s.view)
	}
	h.pressWait("enter")
	h.waitFor(steps.MobileAdminPath("jira")[:30], "checked 1 time")
	h.pressWait("r")
	h.waitFor("checked 2 time")

	sim.SetMobileOAuth(true) // the admin flips the switch
	h.pressWait("r")
	h.waitFor("Found it")
	h.pressWait("enter")
	s = h.waitFor("hands the app the client ID", `"baseURL"`)
	if strings.Contains(s.view, `"oauth"`) {
		t.Errorf("non-MDM site list carries an oauth block:\n%s", s.view)
	}
	for _, r := range sim.Requests() {
		if r.Method == "POST" {
			t.Errorf("the wizard wrote to the instance in non-MDM: %s %s", r.Method, r.Path)
		}
	}
	if n := len(sim.Clients()); n != 1 {
		t.Errorf("want only the plugin's client, got %d", n)
	}
	if sum := h.finish().Summary(); !strings.Contains(sum, "carries the iOS app's redirect") || !strings.Contains(sum, "hands the app the client ID") {
		t.Errorf("Summary() = %q", sum)
	}
}

func TestNonMDMWaitPollsByItself(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeNonMDM,
		PollEvery: 10_000_000}) // 10ms
	h.pressWait("enter")
	h.waitFor("Product:")
	h.pressWait("enter")
	h.waitFor("Checks passed, 1 warning: HTTPS.")
	h.pressWait("enter")
	h.waitFor("The app can reach the instance")
	h.pressWait("enter")
	sim.SetMobileOAuth(true)
	h.waitFor("Found it") // no key pressed: the ticker found it
}

func TestFailedCheckStopsUntilFixedAndRechecked(t *testing.T) {
	old := simulator.DefaultPlugins("jira", "10.3.0")
	old[0].Version = "4.0.0" // the OAuth 2.0 provider plugin is too old for Jira 10.3
	sim, srv := newSim(t, simulator.Config{Plugins: old})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}})
	h.pressWait("enter")
	h.waitFor("Product:")
	h.pressWait("enter")
	s := h.waitFor("1 check failed", "OAuth 2.0 provider plugin", "press r to check again")
	checkFits(t, s.view, 80)

	s = h.pressWait("enter")
	if s.state != stChecks {
		t.Fatalf("enter moved on past a failed check (state %d)", s.state)
	}
	sim.SetPlugin(simulator.Plugin{Key: simulator.OAuth2PluginKey, Version: "4.1.0", Enabled: true})
	h.pressWait("r")
	h.waitFor("Checks passed, 1 warning: HTTPS.")
	h.pressWait("enter")
	h.waitState(stMode)
}

func TestPlainUserIsToldToUseASysadmin(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "user-token"}})
	h.pressWait("enter")
	h.waitFor("Product:")
	h.pressWait("enter")
	// The verdict names the failed check and what to do; the credentials
	// themselves work (the user is signed in), so they are not blamed.
	s := h.waitFor("checks failed", "• System administrator: Use the token of a user with the System")
	if strings.Contains(s.view, "• Credentials") {
		t.Errorf("the credentials are blamed although they work:\n%s", s.view)
	}
}

func TestBackNavigation(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{})
	connectTyped(h, "sysadmin-token")
	h.waitFor("Product:")
	h.pressWait("enter")
	h.waitFor("Checks passed, 1 warning: HTTPS.")
	h.pressWait("enter")
	h.waitState(stMode)

	for _, want := range []state{stChecks, stDetect, stConnect} {
		if s := h.pressWait("esc"); s.state != want {
			t.Fatalf("esc went to state %d, want %d", s.state, want)
		}
	}
	h.waitFor("Token:")
	h.pressWait("esc") // from the token field back to the URL field, same screen
	s := h.waitFor("Base URL:")
	if strings.Contains(s.view, "Token:") || s.state != stConnect {
		t.Fatalf("esc on the token field should go to the URL field:\n%s", s.view)
	}
	if s := h.pressWait("esc"); s.state != stWelcome {
		t.Fatalf("esc from the URL field went to %d, want welcome", s.state)
	}
	// And forward again with the answers kept: the URL is known, so the
	// token field comes first, already filled.
	h.pressWait("enter")
	h.waitFor("Token:", "(14 characters, hidden)")
	h.pressWait("enter")
	h.waitFor("Product:", "10.3.0")
}

func TestPreansweredScreenCanBeReturnedTo(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM,
		Title: "Pre Title", CacheSession: boolPtr(false)})
	h.pressWait("enter")
	h.waitFor("Product:")
	if s := h.pressWait("esc"); s.state != stConnect {
		t.Fatalf("esc from detect went to %d, want the skipped connect screen", s.state)
	}
	h.waitFor("Token:", "(14 characters, hidden)")
	h.pressWait("enter")
	h.waitFor("Product:")
	h.pressWait("enter")
	h.waitFor("Checks passed, 1 warning: HTTPS.")
	h.pressWait("enter")
	h.waitFor("Create an incoming link") // mode skipped
	h.pressWait("enter")
	s := h.waitFor(`"title": "Pre Title"`) // site skipped
	if s.state != stResult {
		t.Fatalf("state %d, want result", s.state)
	}
	if s := h.pressWait("esc"); s.state != stSite {
		t.Fatalf("esc from result went to %d, want the skipped site screen", s.state)
	}
}

func TestPasteOfLongTokenArrivesIntact(t *testing.T) {
	token := strings.Repeat("Ab3-", 50) // 200 characters
	users := simulator.DefaultUsers()
	users[0].Token = token
	sim, srv := newSim(t, simulator.Config{Users: users})
	h := start(t, sim, srv, Options{BaseURL: srv.URL})
	h.pressWait("enter")
	h.waitFor("Token:")
	h.tm.Send(pasteMsg(token + "\n"))
	s := h.waitFor("(200 characters, hidden)")
	if strings.Contains(s.view, token[:20]) {
		t.Fatal("the token is visible")
	}
	checkFits(t, s.view, 80)
	h.pressWait("enter")
	h.waitFor("Product:")
	h.pressWait("enter")
	// Only the whole token signs in as the system administrator.
	h.waitFor("Checks passed, 1 warning: HTTPS.", "signed in as admin")
}

func TestNetworkErrorIsPlainWords(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	url := srv.URL
	srv.Close() // nothing listens there any more
	h := start(t, sim, srv, Options{BaseURL: url, Creds: Credentials{Token: "sysadmin-token"}})
	h.pressWait("enter")
	s := h.waitFor("Error:", "connection was refused", "What to do:")
	for _, raw := range []string{"dial tcp", `Get "`, "connect:"} {
		if strings.Contains(s.view, raw) {
			t.Errorf("raw Go error text %q on screen:\n%s", raw, s.view)
		}
	}
}

func TestQuitAfterCreatingNamesTheLink(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM,
		LinkName: "Mobile via wizard"})
	h.pressWait("enter")
	h.waitFor("Product:")
	h.pressWait("enter")
	h.waitFor("Checks passed, 1 warning: HTTPS.")
	h.pressWait("enter")
	h.waitFor(`"Mobile via wizard"`)
	h.pressWait("enter")
	h.waitState(stSite)
	m := h.finish()
	if m.Done() {
		t.Error("Done() = true before the result screen")
	}
	cl := sim.Clients()[0]
	if sum := m.Summary(); !strings.Contains(sum, `"Mobile via wizard"`) || !strings.Contains(sum, cl.ClientID) {
		t.Errorf("Summary() does not name the created link:\n%s", sum)
	}
}

func TestExistingLinkIsReused(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	existing := sim.AddClient("Old mobile link", []string{"jira-server://oauth-callback"}, "WRITE")
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM,
		Title: "T", CacheSession: boolPtr(false)})
	h.pressWait("enter")
	h.waitFor("Product:")
	h.pressWait("enter")
	h.waitFor("Checks passed, 1 warning: HTTPS.")
	h.pressWait("enter")
	h.waitFor("Reuse the existing link", "nothing is written")
	h.pressWait("enter")
	h.waitFor("Reused the existing link", "nothing changed", existing.ClientID)
	if n := len(sim.Clients()); n != 1 {
		t.Errorf("%d clients, want the existing one only", n)
	}
}

func TestServerTextCannotDriveTheTerminal(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{Title: "Evil\x1b]52;c;aGk=\x07 Jira\x1b[2J"})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}})
	h.pressWait("enter")
	h.waitFor("Name:", "Evil")
	m := h.finish()
	raw := m.View().Content
	for _, seq := range []string{"\x1b]52", "\x1b[2J", "\a"} {
		if strings.Contains(raw, seq) {
			t.Errorf("server text put %q on the screen", seq)
		}
	}
}

func TestWrongProductIsExplained(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Product: "confluence"})
	h.pressWait("enter")
	h.waitFor("Error:", "not Confluence", "--product jira")
}

func TestQuitCancelsRequestsInFlight(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	sim.Inject(simulator.Fault{Kind: simulator.FaultHang, PathPrefix: "/rest/applinks"})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}})
	h.press("enter")
	deadline := time.Now().Add(5 * time.Second)
	for s := h.rec.snap(); s.state != stDetect || !s.busy; s = h.rec.snap() {
		if time.Now().After(deadline) {
			t.Fatal("detection never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	m := h.finish()
	if m.ctx.Err() == nil {
		t.Error("the requests' context is still live after quitting")
	}
	if sum := m.Summary(); !strings.Contains(sum, "Nothing was changed") {
		t.Errorf("Summary() = %q", sum)
	}
}

func TestBasicAuthentication(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{BaseURL: srv.URL})
	h.pressWait("enter")
	h.waitFor("Token:")
	h.pressWait("tab")
	h.waitFor("User:", "Password:")
	h.typeText("admin")
	h.pressWait("enter")
	h.typeText("admin")
	s := h.pressWait("enter")
	if strings.Contains(s.view, "Password: admin") {
		t.Fatal("the password is visible")
	}
	h.waitFor("Product:")
	h.pressWait("enter")
	h.waitFor("Checks passed, 1 warning: HTTPS.", "signed in as admin")
}

// TestNonMDMStartsFromTheChecksList: when the plugin's client exists already, the
// wait screen finds it in the list the checks made, without asking again.
func TestNonMDMStartsFromTheChecksList(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{MobileOAuth: true})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeNonMDM})
	h.waitFor("Welcome")
	h.pressWait("enter")
	h.waitFor("Product:")
	h.pressWait("enter")
	h.waitFor("Checks passed, 1 warning: HTTPS.")
	h.pressWait("enter")
	h.waitFor("The app can reach the instance")
	h.pressWait("enter")
	h.waitFor("Found it", "carries the iOS app's redirect")
	if n := simtest.ListsBeyondChecks(sim); n != 0 {
		t.Errorf("the clients were listed %d more time(s) than the checks needed", n)
	}
}

// An earlier MDM link with the app's redirect is no evidence of the switch: the
// wait screen says what it saw and keeps waiting; once the switch is on, the
// client info/login hands out is the one found.
func TestNonMDMWaitIgnoresAnEarlierLink(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	mdm := sim.AddClient("Jira iOS app", []string{"jira-server://oauth-callback"}, "WRITE")
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeNonMDM})
	h.waitFor("Welcome")
	h.pressWait("enter")
	h.waitFor("Product:")
	h.pressWait("enter")
	h.waitFor("Checks passed, 1 warning: HTTPS.")
	h.pressWait("enter")
	h.waitFor("The app can reach the instance")
	h.pressWait("enter")
	s := h.waitFor("does not hand it out", "checked 1 time")
	if strings.Contains(s.view, "Found it") {
		t.Fatalf("an earlier link counted as the switch:\n%s", s.view)
	}
	h.pressWait("r")
	h.waitFor("checked 2 time")
	sim.SetMobileOAuth(true)
	h.pressWait("r")
	s = h.waitFor("Found it", "Jira mobile app")
	if strings.Contains(s.view, mdm.ClientID) {
		t.Errorf("the earlier link was reported:\n%s", s.view)
	}
}
