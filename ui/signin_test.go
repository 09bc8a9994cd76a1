package ui

import (
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// toResult walks a pre-answered MDM run to the result screen; plan is what
// the link screen says (create or reuse).
func toResult(t *testing.T, cfg simulator.Config, opts Options, seed func(*simulator.Sim), plan string) *harness {
	t.Helper()
	sim, srv := newSim(t, cfg)
	if seed != nil {
		seed(sim)
	}
	opts.BaseURL, opts.Creds, opts.Mode, opts.Title, opts.CacheSession = srv.URL, Credentials{Token: "sysadmin-token"}, steps.ModeMDM, "T", boolPtr(false)
	h := start(t, sim, srv, opts)
	h.waitFor(plan) // URL, token and mode given: the checks move on to the confirmation
	h.pressWait("enter")
	h.waitState(stResult)
	return h
}

func TestResultScreenVerifiesTheSignIn(t *testing.T) {
	t.Run("healthy", func(t *testing.T) {
		h := toResult(t, simulator.Config{DevMode: true}, Options{}, nil, "Create an incoming link")
		s := h.waitFor("The app's sign-in can start", `"clientID"`)
		checkFits(t, s.view, 80)
		s = h.pressWait("v")
		h.waitFor("✓ Link with the app's redirect", "✓ Sign-in request")
		checkFits(t, s.view, 80)
		h.pressWait("v")
		h.waitFor(`"clientID"`)
	})
	t.Run("http base URL", func(t *testing.T) {
		h := toResult(t, simulator.Config{}, Options{}, nil, "Create an incoming link")
		h.waitFor("The app's sign-in will not work: Consent page")
		h.pressWait("v")
		s := h.waitFor("✗ Consent page", "→ Serve the instance over HTTPS")
		checkFits(t, s.view, 80)
		h.pressWait("esc")
		h.waitFor(`"clientID"`)
	})
	t.Run("skipped", func(t *testing.T) {
		h := toResult(t, simulator.Config{DevMode: true}, Options{NoVerify: true}, nil, "Create an incoming link")
		s := h.waitFor(`"clientID"`)
		if strings.Contains(s.view, "sign-in can start") || strings.Contains(s.view, "sign-in details") {
			t.Errorf("verification shown although skipped:\n%s", s.view)
		}
		if n := h.sim.Requests(); countPath(n, "/plugins/servlet/oauth2/consent") != 0 {
			t.Error("the consent page was probed although verification was skipped")
		}
	})
}

func TestResultScreenRemovesTheLink(t *testing.T) {
	h := toResult(t, simulator.Config{DevMode: true}, Options{}, nil, "Create an incoming link")
	h.waitFor("The app's sign-in can start")
	h.pressWait("d")
	s := h.waitFor("Delete the incoming link", "are signed out", "Press y to delete it")
	checkFits(t, s.view, 80)
	// esc keeps it.
	h.pressWait("esc")
	h.waitFor(`"clientID"`)
	if n := len(h.sim.Clients()); n != 1 {
		t.Fatalf("%d links after esc, want 1", n)
	}
	h.pressWait("d")
	h.waitFor("Press y to delete it")
	h.pressWait("y")
	s = h.waitFor("Deleted the incoming link", "Its site is out of the site list")
	// Said once, and nothing left to paste.
	if n := strings.Count(flat(s.view), "Deleted the incoming link"); n != 1 || strings.Contains(s.view, "Paste") {
		t.Errorf("the deletion is said %d times, or a paste is asked for:\n%s", n, s.view)
	}
	if n := len(h.sim.Clients()); n != 0 {
		t.Errorf("%d links after the deletion, want 0", n)
	}
	h.pressWait("esc")
	s = h.waitFor("The site list is empty.")
	if strings.Contains(s.view, `"clientID"`) || strings.Contains(s.view, "d delete") {
		t.Errorf("the deleted link's site, or the delete key, is still offered:\n%s", s.view)
	}
	if sum := flat(h.finish().Summary()); !strings.Contains(sum, "Created the incoming link") || !strings.Contains(sum, "Deleted the incoming link") {
		t.Errorf("summary does not say the link was deleted:\n%s", sum)
	}
}

func TestResultScreenRemoveChoosesAmongSeveralLinks(t *testing.T) {
	var other simulator.Client
	h := toResult(t, simulator.Config{DevMode: true}, Options{}, func(sim *simulator.Sim) {
		sim.AddClient("Jira iOS app", []string{"jira-server://oauth-callback"}, "WRITE")
		other = sim.AddClient("Old iOS link", []string{"jira-server://oauth-callback"}, "READ")
	}, "Reuse the existing link")
	h.pressWait("d")
	s := h.waitFor("2 incoming links carry", "2. \"Old iOS link\"")
	checkFits(t, s.view, 80)
	h.pressWait("2")
	h.waitFor("Delete the incoming link \"Old iOS link\"", "Press y")
	h.pressWait("y")
	h.waitFor("Deleted the incoming link \"Old iOS link\"")
	left := h.sim.Clients()
	if len(left) != 1 || left[0].ID == other.ID {
		t.Errorf("left %+v, want only the link that was not chosen", left)
	}
}

func countPath(reqs []simulator.Request, path string) int {
	n := 0
	for _, r := range reqs {
		if r.Path == path {
			n++
		}
	}
	return n
}
