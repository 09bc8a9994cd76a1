package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// setUpTyped walks one MDM setup from the URL screen: the URL and token typed,
// every other screen taken as offered.
func setUpTyped(h *harness, url, token string) snapshot {
	h.t.Helper()
	h.waitFor("Base URL:")
	h.typeText(url)
	h.pressWait("enter")
	h.waitFor("Token:")
	h.typeText(token)
	h.pressWait("enter")
	// The checks move on by themselves and --mode answered the mode: the
	// confirmation, with the title as offered and the session not kept.
	h.waitFor("Create an incoming link", "Title:")
	h.pressWait("enter")
	return h.waitFor("Created the incoming link", "[1 JSON site list]")
}

// readSites is the site list in path (nil when there is none).
func readSites(t *testing.T, path string) []steps.Site {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var sites []steps.Site
	if err := json.Unmarshal(data, &sites); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, data)
	}
	return sites
}

// Another instance of the same product joins its app's list.
func TestSetUpAnotherInstanceGrowsItsAppsList(t *testing.T) {
	jira, jiraSrv := newSim(t, simulator.Config{DevMode: true, Title: "Jira"})
	staging, stagingSrv := newSim(t, simulator.Config{DevMode: true, Title: "Jira staging"})
	out := filepath.Join(t.TempDir(), "sites.json")
	h := start(t, jira, jiraSrv, Options{Mode: steps.ModeMDM, Output: outputTo(t, out)})

	h.waitFor("Welcome")
	h.pressWait("enter")
	s := setUpTyped(h, jiraSrv.URL, "sysadmin-token")
	if !strings.Contains(s.view, "a another") || !strings.Contains(s.view, "Press a to") || strings.Contains(s.view, "holds 2 sites") {
		t.Fatalf("the first result:\n%s", s.view)
	}
	if !strings.Contains(flat(s.view), "managed app configuration for the Jira Data Center app") || strings.Contains(s.view, "o other app") {
		t.Errorf("the result does not name its app, or offers another app's list:\n%s", s.view)
	}

	// Another instance: the URL and its token are asked afresh.
	h.pressWait("a")
	s = h.waitFor("Base URL:")
	if strings.Contains(s.view, jiraSrv.URL) {
		t.Errorf("the first instance's URL is offered again:\n%s", s.view)
	}
	s = setUpTyped(h, stagingSrv.URL, "sysadmin-token")
	checkFits(t, s.view, 80)
	if !strings.Contains(s.view, "q quit · esc back") {
		t.Errorf("the help line does not fit:\n%s", s.view)
	}
	if !strings.Contains(flat(s.view), "The Jira Data Center app's site list holds 2 sites: Jira, Jira staging.") {
		t.Errorf("the result does not show the grown list:\n%s", s.view)
	}
	jiraID, stagingID := jira.Clients()[0].ClientID, staging.Clients()[0].ClientID
	if !strings.Contains(s.view, jiraID) || !strings.Contains(s.view, stagingID) {
		t.Errorf("the list on screen lacks a client ID:\n%s", s.view)
	}

	// One list, saved once.
	h.pressWait("s")
	h.waitFor("Save to:") // the long path scrolls in the field
	h.pressWait("enter")
	h.waitFor("Saved ")
	if saved := readSites(t, out); len(saved) != 2 || saved[0].OAuth.ClientID != jiraID || saved[1].OAuth.ClientID != stagingID {
		t.Errorf("saved %+v", saved)
	}
	sum := flat(h.finish().Summary())
	for _, want := range []string{jiraSrv.URL + ": Created the incoming link", stagingSrv.URL + ": Created the incoming link", "The Jira Data Center app's site list", jiraID, stagingID} {
		if !strings.Contains(sum, want) {
			t.Errorf("Summary() lacks %q:\n%s", want, sum)
		}
	}
}

// After a Jira, another instance that is a Confluence gets the Confluence
// app's own list: a tab per app (o switches), each copied and saved on its
// own, never one list with both; a save into the other app's file is refused.
func TestAnotherInstanceOfTheOtherAppGetsItsOwnList(t *testing.T) {
	jira, jiraSrv := newSim(t, simulator.Config{DevMode: true, Title: "Jira"})
	wiki, wikiSrv := newSim(t, simulator.Config{DevMode: true, Product: "confluence", Version: "9.2.0", Title: "Wiki"})
	dir := t.TempDir()
	h := start(t, jira, jiraSrv, Options{Mode: steps.ModeMDM, Output: outputTo(t, filepath.Join(dir, "sites.json"))})

	h.waitFor("Welcome")
	h.pressWait("enter")
	setUpTyped(h, jiraSrv.URL, "sysadmin-token")
	h.pressWait("a")
	s := setUpTyped(h, wikiSrv.URL, "sysadmin-token")
	jiraID, wikiID := jira.Clients()[0].ClientID, wiki.Clients()[0].ClientID
	checkFits(t, s.view, 80)
	for _, want := range []string{"[Confluence Data Center app (1 site)]", "Jira Data Center app (1 site)", wikiID, "o other app", "q quit · esc back"} {
		if !strings.Contains(s.view, want) {
			t.Errorf("the Confluence result lacks %q:\n%s", want, s.view)
		}
	}
	if strings.Contains(s.view, jiraID) || strings.Contains(s.view, "holds 2 sites") {
		t.Errorf("the Confluence app's list shows the Jira site:\n%s", s.view)
	}
	if !strings.Contains(flat(s.view), "managed app configuration for the Confluence Data Center app") {
		t.Errorf("the hint does not name the Confluence app:\n%s", s.view)
	}

	// Each list is saved on its own: with both apps, the name gets the app's key.
	h.pressWait("s")
	h.waitFor("sites-confluence.json")
	h.pressWait("enter")
	h.waitFor("Saved ")
	s = h.pressWait("o")
	// The line above the tabs still says what was done on the instance just set up.
	list := s.view[strings.Index(s.view, "Intune"):]
	if !strings.Contains(s.view, "[Jira Data Center app (1 site)]") || !strings.Contains(list, jiraID) || strings.Contains(list, wikiID) {
		t.Fatalf("o does not show the Jira app's list alone:\n%s", s.view)
	}
	// Each app's list has its own format.
	h.pressWait("2")
	if s = h.pressWait("o"); !strings.Contains(s.view, "[1 JSON site list]") {
		t.Errorf("the Confluence list took the Jira list's format:\n%s", s.view)
	}
	if s = h.pressWait("o"); !strings.Contains(s.view, "[2 AppConfig plist]") {
		t.Errorf("the Jira list lost its format:\n%s", s.view)
	}
	h.pressWait("1")
	h.pressWait("s")
	h.waitFor("sites-jira.json")
	h.pressWait("enter")
	h.waitFor("Saved ")
	if w := readSites(t, filepath.Join(dir, "sites-confluence.json")); len(w) != 1 || w[0].OAuth.ClientID != wikiID {
		t.Errorf("the Confluence file holds %+v", w)
	}
	if j := readSites(t, filepath.Join(dir, "sites-jira.json")); len(j) != 1 || j[0].OAuth.ClientID != jiraID {
		t.Errorf("the Jira file holds %+v", j)
	}

	// The Jira list into the Confluence app's file: refused, nothing written.
	before, _ := os.ReadFile(filepath.Join(dir, "sites-confluence.json"))
	h.pressWait("s")
	h.waitFor("Save to:")
	h.pressWait("ctrl+u")
	h.typeText(filepath.Join(dir, "sites-confluence.json"))
	h.pressWait("enter")
	s = h.waitFor("a site of the Confluence")
	if after, _ := os.ReadFile(filepath.Join(dir, "sites-confluence.json")); string(after) != string(before) {
		t.Errorf("the Confluence file changed:\n%s", after)
	}

	// The exit summary: each app's list under its name.
	sum := h.finish().Summary()
	ji, wi := strings.Index(sum, "The Jira Data Center app's site list"), strings.Index(sum, "The Confluence Data Center app's site list")
	if ji < 0 || wi < ji {
		t.Fatalf("Summary() does not give each app its list:\n%s", sum)
	}
	if jl, wl := sum[ji:wi], sum[wi:]; !strings.Contains(jl, jiraID) || strings.Contains(jl, wikiID) || !strings.Contains(wl, wikiID) || strings.Contains(wl, jiraID) {
		t.Errorf("a list in the summary mixes the apps:\n%s", sum)
	}
}

func TestNoOtherInstanceWhenTheURLIsPinned(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{DevMode: true})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, PinURL: true, Creds: Credentials{Token: "sysadmin-token"},
		Mode: steps.ModeMDM, Title: "Jira", CacheSession: boolPtr(false)})
	h.waitFor("Create an incoming link")
	h.pressWait("enter")
	s := h.waitFor("Created the incoming link")
	if strings.Contains(s.view, "a another") || strings.Contains(s.view, "another instance") {
		t.Errorf("a pinned session offers another instance:\n%s", s.view)
	}
	s = h.pressWait("a")
	if s.state != stResult {
		t.Errorf("a left the result screen of a pinned session (state %d)", s.state)
	}
}

// TestEscAfterAnotherComesBack: esc on another instance's URL field comes
// back to the result before it, which still works (saves, quits with exit
// 0), and a second a asks again.
func TestEscAfterAnotherComesBack(t *testing.T) {
	jira, jiraSrv := newSim(t, simulator.Config{DevMode: true, Title: "Jira"})
	out := filepath.Join(t.TempDir(), "sites.json")
	h := start(t, jira, jiraSrv, Options{Mode: steps.ModeMDM, Output: outputTo(t, out)})
	h.waitFor("Welcome")
	h.pressWait("enter")
	setUpTyped(h, jiraSrv.URL, "sysadmin-token")
	h.pressWait("a")
	s := h.waitFor("Base URL:")
	if !strings.Contains(s.view, "esc back") {
		t.Errorf("the help line offers no way back:\n%s", s.view)
	}
	h.pressWait("esc")
	s = h.waitFor("Created the incoming link", "[1 JSON site list]")
	if s.state != stResult {
		t.Fatalf("esc went to state %d, not back to the result", s.state)
	}
	h.pressWait("s")
	h.waitFor("Save to:")
	h.pressWait("enter")
	h.waitFor("Saved ")
	if saved := readSites(t, out); len(saved) != 1 || saved[0].OAuth.ClientID != jira.Clients()[0].ClientID {
		t.Errorf("saved %+v", saved)
	}
	h.pressWait("a")
	h.waitFor("Base URL:")
	h.pressWait("esc")
	h.waitFor("Created the incoming link")
	m := h.finish()
	if !m.Done() || strings.Count(m.Summary(), "Created the incoming link") != 1 {
		t.Errorf("done %v; summary:\n%s", m.Done(), m.Summary())
	}
}
