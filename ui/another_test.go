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

func TestSetUpAnotherInstanceGrowsOneSiteList(t *testing.T) {
	jira, jiraSrv := newSim(t, simulator.Config{DevMode: true, Title: "Jira"})
	wiki, wikiSrv := newSim(t, simulator.Config{DevMode: true, Product: "confluence", Version: "9.2.0", Title: "Wiki"})
	out := filepath.Join(t.TempDir(), "sites.json")
	h := start(t, jira, jiraSrv, Options{Mode: steps.ModeMDM, Output: outputTo(t, out)})

	h.waitFor("Welcome")
	h.pressWait("enter")
	s := setUpTyped(h, jiraSrv.URL, "sysadmin-token")
	if !strings.Contains(s.view, "a another") || !strings.Contains(s.view, "Press a to") || strings.Contains(s.view, "holds 2 sites") {
		t.Fatalf("the first result:\n%s", s.view)
	}

	// Another instance: the URL and its token are asked afresh.
	h.pressWait("a")
	s = h.waitFor("Base URL:")
	if strings.Contains(s.view, jiraSrv.URL) {
		t.Errorf("the first instance's URL is offered again:\n%s", s.view)
	}
	s = setUpTyped(h, wikiSrv.URL, "sysadmin-token")
	checkFits(t, s.view, 80)
	if !strings.Contains(s.view, "q quit • esc back") {
		t.Errorf("the help line does not fit:\n%s", s.view)
	}
	if !strings.Contains(s.view, "The site list holds 2 sites: Jira, Wiki.") {
		t.Errorf("the result does not show the grown list:\n%s", s.view)
	}
	jiraID, wikiID := jira.Clients()[0].ClientID, wiki.Clients()[0].ClientID
	if !strings.Contains(s.view, jiraID) || !strings.Contains(s.view, wikiID) {
		t.Errorf("the list on screen lacks a client ID:\n%s", s.view)
	}

	// One list, saved once.
	h.pressWait("s")
	h.waitFor("Save to:") // the long path scrolls in the field
	h.pressWait("enter")
	h.waitFor("Saved ")
	var saved []steps.Site
	data, _ := os.ReadFile(out)
	if err := json.Unmarshal(data, &saved); err != nil || len(saved) != 2 ||
		saved[0].BaseURL != jiraSrv.URL || saved[0].OAuth.ClientID != jiraID ||
		saved[1].BaseURL != wikiSrv.URL || saved[1].OAuth.ClientID != wikiID {
		t.Errorf("saved %s (%v)", data, err)
	}

	sum := flat(h.finish().Summary())
	for _, want := range []string{jiraSrv.URL + ": Created the incoming link", wikiSrv.URL + ": Created the incoming link", jiraID, wikiID} {
		if !strings.Contains(sum, want) {
			t.Errorf("Summary() lacks %q:\n%s", want, sum)
		}
	}
	if len(jira.Clients()) != 1 || len(wiki.Clients()) != 1 {
		t.Errorf("links: %d on Jira, %d on Confluence; want one each", len(jira.Clients()), len(wiki.Clients()))
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
