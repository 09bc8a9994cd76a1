package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	h := start(t, sim, srv, Options{Output: outputTo(t, out)})

	connectTyped(h, "sysadmin-token")
	// The checks move on by themselves; the mode screen names the instance
	// and carries the warning.
	s := h.waitFor("Jira 10.3.0", "Checks passed, 1 warning: HTTPS.", "! HTTPS", steps.ModeMDM.Describe()[:40], "2. No MDM")
	checkFits(t, s.view, 80)
	h.pressWait("enter")

	// One confirmation shows the link and the site entry, both still editable.
	s = h.waitFor("Create an incoming link", "jira-server://oauth-callback", "Title: Jira", "cacheSessionInMobileBrowser")
	if n := len(sim.Clients()); n != 0 {
		t.Fatalf("a link exists before the user confirmed: %d clients", n)
	}
	checkFits(t, s.view, 80)
	h.pressWait("tab")   // to the session caching
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
	s = h.waitFor("Saved "+out, "with 1 site")
	if strings.Contains(s.view, "kept") {
		t.Errorf("a new file had no other sites to keep:\n%s", s.view)
	}
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
	checkFits(t, sum, 80)
	sum = flat(sum)
	// The warning the checks screen moved past is in the summary, and no
	// line is wider than 80 columns.
	for _, want := range []string{"Created the incoming link", c.ClientID, `"baseURL"`, "Warning: HTTPS: the base URL uses http://"} {
		if !strings.Contains(sum, want) {
			t.Errorf("Summary() lacks %q:\n%s", want, sum)
		}
	}
}

func TestWholeNonMDMRunCreatesNothing(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeNonMDM})
	// URL, token and mode pre-answered: no Welcome; the checks ran for
	// non-MDM (the mode is settled) and move on by themselves, straight to
	// the switch. The checks' look counts, and the flow looks once more.
	// The plugin's page is named by its menus, and the screen says why it is not a link.
	h.waitFor("Non-MDM", steps.MobileAdminPath("jira")[:30], "no URL of this page is known", "checked 2 times;")
	h.pressWait("r")
	h.waitFor("checked 3 times;")

	sim.SetMobileOAuth(true) // the admin flips the switch
	h.pressWait("r")
	s := h.waitFor("hands the app the client ID", `"baseURL"`, "Users add the site in the iOS app by typing "+srv.URL)
	if strings.Contains(s.view, `"oauth"`) {
		t.Errorf("non-MDM site list carries an oauth block:\n%s", s.view)
	}
	if strings.Contains(s.view, "Paste this into your MDM") {
		t.Errorf("the non-MDM result asks for an MDM:\n%s", s.view)
	}
	for _, r := range sim.Requests() {
		if r.Method == "POST" {
			t.Errorf("the wizard wrote to the instance in non-MDM: %s %s", r.Method, r.Path)
		}
	}
	if n := len(sim.Clients()); n != 1 {
		t.Errorf("want only the plugin's client, got %d", n)
	}
	if sum := flat(h.finish().Summary()); !strings.Contains(sum, "carries the iOS app's redirect") || !strings.Contains(sum, "hands the app the client ID") {
		t.Errorf("Summary() = %q", sum)
	}
}

// TestNonMDMEnterSaysWhatItDoes: back on the reachability checks, enter is
// said to show where the admin turns the switch on: the wizard cannot.
func TestNonMDMEnterSaysWhatItDoes(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{MobileOAuth: true})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeNonMDM})
	h.waitFor("hands the app the client ID")
	h.pressWait("esc")
	s := h.waitFor("The app can reach the instance")
	if v := flat(s.view); !strings.Contains(v, "Press enter to see where you turn on OAuth 2.0") || strings.Contains(v, "Press enter to turn on") {
		t.Errorf("enter reads as if the wizard flipped the switch:\n%s", s.view)
	}
}

func TestNonMDMWaitPollsByItself(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeNonMDM,
		PollEvery: 10_000_000}) // 10ms
	h.waitFor(steps.MobileAdminPath("jira")[:30])
	sim.SetMobileOAuth(true)
	h.waitFor("OAuth 2.0 is on", "The wizard created nothing") // no key pressed: the flow's looks found it
}

func TestFailedCheckStopsUntilFixedAndRechecked(t *testing.T) {
	old := simulator.DefaultPlugins("jira", "10.3.0")
	old[0].Version = "4.0.0" // the OAuth 2.0 provider plugin is too old for Jira 10.3
	sim, srv := newSim(t, simulator.Config{Plugins: old})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}})
	s := h.waitFor("1 check failed", "OAuth 2.0 provider plugin", "press r to check again")
	checkFits(t, s.view, 80)

	s = h.pressWait("enter")
	if s.state != stChecks {
		t.Fatalf("enter moved on past a failed check (state %d)", s.state)
	}
	sim.SetPlugin(simulator.Plugin{Key: simulator.OAuth2PluginKey, Version: "4.1.0", Enabled: true})
	h.pressWait("r")
	h.waitState(stMode) // fixed: the checks move on by themselves
}

func TestPlainUserIsToldToUseASysadmin(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "user-token"}})
	// The verdict names the failed check and what to do; the credentials
	// themselves work (the user is signed in), so they are not blamed.
	// One cause, one failure: the plugin checks it kept from being made are
	// skipped, not failed again.
	s := h.waitFor("1 check failed: System administrator", "• System administrator: Use the token of a user")
	if strings.Contains(s.view, "• Credentials") {
		t.Errorf("the credentials are blamed although they work:\n%s", s.view)
	}
	// The fix is another token, given in the wizard: the screen says esc,
	// not "fix it on the instance, then press r", and says the remedy once.
	if v := flat(s.view); strings.Count(v, "Use the token of a user") != 1 || strings.Contains(v, "press r") || !strings.Contains(v, "Go back (esc)") {
		t.Errorf("the remedy is not said once, with esc:\n%s", s.view)
	}
	if s = h.pressWait("esc"); s.state != stConnect {
		t.Errorf("esc went to state %d, not back to the token", s.state)
	}
}

func TestBackNavigation(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{})
	connectTyped(h, "sysadmin-token")
	h.waitState(stMode)

	for _, want := range []state{stChecks, stConnect} {
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
	// The cursor is at the end of the URL (https:// was added): typing appends.
	h.typeText("/x")
	h.waitFor(h.srv.URL + "/x")
	h.pressWait("ctrl+u") // clears the field
	h.typeText(h.srv.URL)
	if s := h.pressWait("esc"); s.state != stWelcome {
		t.Fatalf("esc from the URL field went to %d, want welcome", s.state)
	}
	// And forward again with the answers kept: the URL is known, so the
	// token field comes first, already filled.
	h.pressWait("enter")
	h.waitFor("Token:", "(14 characters, hidden)")
	h.pressWait("enter")
	h.waitFor("Jira 10.3.0", "How will the iOS app")
}

func TestPreansweredScreenCanBeReturnedTo(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM,
		Title: "Pre Title", CacheSession: boolPtr(false)})
	h.waitFor("Create an incoming link", "Title: Pre Title") // welcome, connect, checks and mode passed
	// The mode the command line settled is not asked (as in every front-end):
	// esc goes back to the checks.
	if s := h.pressWait("esc"); s.state != stChecks {
		t.Fatalf("esc from the confirmation went to %d, want the checks", s.state)
	}
	h.waitFor("Checks passed", "Press enter to continue") // back: the checks wait for enter
	if s := h.pressWait("esc"); s.state != stConnect {
		t.Fatalf("esc from the checks went to %d, want the skipped connect screen", s.state)
	}
	h.waitFor("Token:", "(14 characters, hidden)")
	h.pressWait("enter")
	h.waitFor("Create an incoming link", "Title: Pre Title")
	h.pressWait("enter")
	s := h.waitFor(`"title": "Pre Title"`)
	if s.state != stResult {
		t.Fatalf("state %d, want result", s.state)
	}
	if s := h.pressWait("esc"); s.state != stLink {
		t.Fatalf("esc from result went to %d, want the confirmation", s.state)
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
	// Only the whole token signs in as the system administrator: the checks pass and move on.
	h.waitFor("Jira 10.3.0", "How will the iOS app")
}

func TestNetworkErrorIsPlainWords(t *testing.T) {
	sim, srv := newLoopbackSim(t, simulator.Config{})
	url := srv.URL
	srv.Close() // nothing listens there any more
	h := start(t, sim, &simServer{URL: url}, Options{BaseURL: url, Creds: Credentials{Token: "sysadmin-token"}})
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
		LinkName: "Mobile via wizard", NoVerify: true})
	h.waitFor(`"Mobile via wizard"`)
	h.pressWait("enter")
	h.waitState(stResult)
	m := h.finish()
	cl := sim.Clients()[0]
	if sum := flat(m.Summary()); !strings.Contains(sum, `"Mobile via wizard"`) || !strings.Contains(sum, cl.ClientID) {
		t.Errorf("Summary() does not name the created link:\n%s", sum)
	}
}

func TestExistingLinkIsReused(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	existing := sim.AddClient("Old mobile link", []string{"jira-server://oauth-callback"}, "WRITE")
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM,
		Title: "T", CacheSession: boolPtr(false)})
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
	h.waitFor("Evil", "How will the iOS app")
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
	h.waitFor("Error:", "not Confluence", "--product jira")
}

func TestQuitCancelsRequestsInFlight(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	sim.Inject(simulator.Fault{Kind: simulator.FaultHang, PathPrefix: "/rest/applinks"})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}})
	if _, ok := h.until(func(s snapshot) bool { return s.state == stWork && s.busy }); !ok {
		t.Fatal("detection never started")
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
	h.waitFor("Jira 10.3.0", "How will the iOS app") // signed in: the checks passed
}

// TestNonMDMStartsFromTheChecksList: when the plugin's client exists already, the
// wait screen finds it in the list the checks made, without asking again.
func TestNonMDMStartsFromTheChecksList(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{MobileOAuth: true})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeNonMDM})
	h.waitFor("hands the app the client ID", "carries the iOS app's redirect")
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
	s := h.waitFor("does not hand it out", "checked 2 times;")
	if strings.Contains(s.view, "Found it") {
		t.Fatalf("an earlier link counted as the switch:\n%s", s.view)
	}
	h.pressWait("r")
	h.waitFor("checked 3 times;")
	sim.SetMobileOAuth(true)
	h.pressWait("r")
	s = h.waitFor("hands the app the client ID", "Jira mobile app")
	if strings.Contains(s.view, mdm.ClientID) {
		t.Errorf("the earlier link was reported:\n%s", s.view)
	}
}

// A wrong token: one message, then the token field again, empty and focused;
// typing the right token there goes on. r (check again with the same token)
// is not the way out.
func TestWrongTokenAsksForAnotherOnce(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{BaseURL: srv.URL})
	h.waitFor("Welcome")
	h.pressWait("enter")
	h.waitFor("Token:")
	h.typeText("expired-or-revoked-token")
	h.pressWait("enter")
	s := h.waitFor("Token:", "The instance ran the request as anonymous: the token is wrong,")
	if s.state != stConnect {
		t.Fatalf("state %d, want the token field", s.state)
	}
	if n := strings.Count(s.view, "anonymous"); n != 1 {
		t.Errorf("the reason is said %d times:\n%s", n, s.view)
	}
	if strings.Contains(s.view, "characters, hidden") || strings.Contains(s.view, "check failed") {
		t.Errorf("the token field is not empty, or the failed checks are listed:\n%s", s.view)
	}
	if !strings.Contains(s.view, "ctrl+u clear field") {
		t.Errorf("the help line does not say how to clear a field:\n%s", s.view)
	}
	// The cursor is in the token field: typing goes there.
	h.typeText("sysadmin-token")
	h.waitFor("(14 characters, hidden)")
	h.pressWait("enter")
	s = h.waitFor("How will the iOS app")
	if strings.Contains(s.view, "anonymous") {
		t.Errorf("the old message stayed:\n%s", s.view)
	}
	if n := len(sim.Clients()); n != 0 {
		t.Errorf("%d clients", n)
	}
}

// Behind a proxy that redirects anonymous requests the app cannot read its
// login info: the mode screen says non-MDM is unavailable, and why, before it
// is picked; MDM still works.
func TestProxyMarksNonMDMUnavailable(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{Proxy: simulator.ProxyLoginRedirect})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}})
	s := h.waitFor("How will the iOS app", "Unavailable on this instance: see “Mobile login info without a login”", "! Mobile login info without a login: a proxy")
	checkFits(t, s.view, 80)
	h.pressWait("down")
	if s := h.pressWait("enter"); s.state != stMode {
		t.Fatalf("non-MDM was chosen although unavailable (state %d)", s.state)
	}
	h.pressWait("up")
	h.pressWait("enter")
	h.waitFor("Create an incoming link")
}

// The exit summary says what the session did, from the flow's record: a link
// created, then reused after a step back, is still the link this session
// created; a first instance is not forgotten when another is started.
func TestSummaryKeepsWhatTheSessionDid(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{DevMode: true})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM})
	h.waitFor("Create an incoming link")
	h.pressWait("enter")
	h.waitFor("Created the incoming link", `"clientID"`)
	h.pressWait("esc") // back to the confirmation: the link exists now
	h.waitFor("Reuse the existing link")
	h.pressWait("enter")
	h.waitFor(`"clientID"`)
	h.pressWait("a") // another instance, then stop before it is set up
	h.waitFor("Base URL:")
	sum := flat(h.finish().Summary())
	if !strings.Contains(sum, "Created the incoming link") || strings.Contains(sum, "Nothing was changed") {
		t.Errorf("the summary forgets the link the session created:\n%s", sum)
	}
	if n := len(sim.Clients()); n != 1 {
		t.Errorf("%d links, want 1", n)
	}
}
