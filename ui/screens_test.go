package ui

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/screentest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

func TestDemoReachesTheSiteListWithEnterAlone(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{Title: "Demo Jira"})
	opts := Options{Demo: true}
	opts.DemoDefaults.BaseURL, opts.DemoDefaults.Token = srv.URL, "sysadmin-token"
	h := start(t, sim, srv, opts)
	s := h.waitFor("This is a demo")

	// Welcome, the URL, the token, the mode, the confirmation: five presses
	// of enter, and nothing is written before the last.
	presses, confirmed := 0, false
	for s.state != stResult {
		if presses == 5 {
			t.Fatalf("5 presses of enter did not reach the site list; stuck on:\n%s", s.view)
		}
		if n := len(sim.Clients()); n != 0 && !confirmed {
			t.Fatalf("a link was created before the confirmation (press %d):\n%s", presses, s.view)
		}
		if s.state == stLink {
			s = h.waitFor("Create an incoming link", "Title: Demo Jira", "cacheSessionInMobileBrowser")
			confirmed = true
		}
		s = h.pressWait("enter")
		presses++
		if s.state != stResult && s.state != stLink {
			s = h.waitFor("enter")
		}
	}
	if !confirmed {
		t.Fatal("the site list came without the confirmation screen")
	}
	t.Logf("enter pressed %d times", presses)
	s = h.waitFor("[1 JSON site list]", `"title": "Demo Jira"`, `"clientID"`)
	checkFits(t, s.view, 80)
	if n := len(sim.Clients()); n != 1 {
		t.Errorf("demo made %d clients, want 1", n)
	}
}

func TestResultFormatsCopyAndMerge(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	out := filepath.Join(t.TempDir(), "sites.json")
	other := `[{"title":"Wiki","baseURL":"https://wiki.example.com","oauth":{"clientID":"abc","cacheSessionInMobileBrowser":false}}]`
	if err := os.WriteFile(out, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM,
		Title: "My Jira", CacheSession: boolPtr(false), Output: outputTo(t, out), Format: steps.FormatPlist})
	h.waitFor("Create an incoming link")
	h.pressWait("enter")

	// --format plist is shown first; 1 2 3 and tab switch.
	h.waitFor("[2 AppConfig plist", "<key>sites</key>")
	h.pressWait("3")
	h.waitFor("Configuration key: sites", "Value type: String")
	h.pressWait("tab")
	h.waitFor("[1 JSON site list]", `"title": "My Jira"`)

	h.pressWait("c")
	h.waitFor("Copied to the clipboard", `"title": "My Jira"`) // the text stays visible
	teatest.WaitFor(t, h.tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("\x1b]52;c;"))
	}, teatest.WithDuration(5*time.Second))

	h.pressWait("s")
	h.waitFor("Save to: " + out)
	h.pressWait("enter")
	h.waitFor("with 2 sites", "1 other site already in it was kept")
	data, _ := os.ReadFile(out)
	if !strings.Contains(string(data), "wiki.example.com") || !strings.Contains(string(data), "My Jira") {
		t.Errorf("merge lost a site:\n%s", data)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after save, want 0600", fi.Mode().Perm())
	}
}

func TestResizeKeepsEveryLineInside(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}})
	h.waitFor("Checks passed", "How will the iOS app")
	h.tm.Send(tea.WindowSizeMsg{Width: 50, Height: 20})
	// Wait for a screen drawn for the new size, then judge that screen.
	s, ok := h.until(func(s snapshot) bool { return s.w == 50 && s.h == 20 })
	if !ok {
		t.Fatalf("no screen drawn at 50x20 (last at %dx%d)", s.w, s.h)
	}
	if !strings.Contains(s.view, "Checks passed") {
		t.Errorf("the verdict went missing at 50x20:\n%s", s.view)
	}
	checkFits(t, s.view, 50)
	if n := strings.Count(s.view, "\n") + 1; n > 20 {
		t.Errorf("%d lines on a 20-line terminal:\n%s", n, s.view)
	}
}

var colourSGR = regexp.MustCompile(`\x1b\[[0-9;]*(3[0-9]|38;|9[0-7])[0-9;]*m`)

func TestNoColorOptionForcesASCII(t *testing.T) {
	for _, tc := range []struct {
		name    string
		noColor bool
	}{{"colour by default", false}, {"--no-color", true}} {
		t.Run(tc.name, func(t *testing.T) {
			inR, inW := io.Pipe()
			out := &simtest.Buffer{}
			done := make(chan error, 1)
			go func() {
				// The caller pins true colour; --no-color must still win.
				_, err := Run(context.Background(), Options{NoColor: tc.noColor}, inR, out,
					tea.WithColorProfile(colorprofile.TrueColor), tea.WithEnvironment([]string{"TERM=xterm-256color"}), tea.WithWindowSize(80, 24))
				done <- err
			}()
			out.WaitFor(t, "Welcome")
			_, _ = inW.Write([]byte("q"))
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			_ = inW.Close()
			if got := colourSGR.MatchString(out.String()); got == tc.noColor {
				t.Errorf("colour sequences in output = %v with NoColor %v", got, tc.noColor)
			}
		})
	}
}

func TestNoColorInTheEnvironmentTurnsColourOff(t *testing.T) {
	m := New(Options{})
	if !colourSGR.MatchString(m.View().Content) {
		t.Fatal("no colour to begin with: the test proves nothing")
	}
	_, cmd := m.Update(tea.EnvMsg{"TERM=xterm", "NO_COLOR=anything"})
	if cmd == nil {
		t.Fatal("no colour profile change asked for")
	}
	if msg, ok := cmd().(tea.ColorProfileMsg); !ok || msg.Profile != colorprofile.ASCII {
		t.Errorf("command gave %#v, want the ASCII colour profile", msg)
	}
	if colourSGR.MatchString(m.View().Content) {
		t.Error("the screen still has colour with NO_COLOR set")
	}
}

func TestWelcomeRendersOnTheTerminal(t *testing.T) {
	tm := screentest.Start(t, New(Options{Demo: true}), 80, 24)
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("This is a demo")) && bytes.Contains(b, []byte("enter start"))
	}, teatest.WithDuration(5*time.Second))
	tm.Send(keyMsg("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestLightBackgroundIsHonoured(t *testing.T) {
	m := New(Options{})
	dark := m.View().Content
	m.Update(tea.BackgroundColorMsg{Color: lightGrey{}})
	if m.dark {
		t.Fatal("a light background was not noticed")
	}
	if light := m.View().Content; light == dark {
		t.Error("the screen looks the same on light and dark backgrounds")
	}
}

type lightGrey struct{}

func (lightGrey) RGBA() (r, g, b, a uint32) { return 0xeeee, 0xeeee, 0xeeee, 0xffff }

// atMDMResult is the wizard at the result of an MDM setup of "Acme Jira"
// (without the verification), with the link's client ID.
func atMDMResult(t *testing.T) (*harness, string) {
	t.Helper()
	sim, srv := newSim(t, simulator.Config{Title: "Acme Jira"})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM,
		Title: "Acme Jira", CacheSession: boolPtr(false), NoVerify: true})
	h.waitFor("Create an incoming link")
	h.pressWait("enter")
	h.waitFor("[1 JSON site list]")
	return h, sim.Clients()[0].ClientID
}

// The plist and Intune values are one long line each: never broken by a line
// break (a copied value would not work), they scroll sideways, and the screen
// says where it is cut.
func TestResultValuesScrollSidewaysUnbroken(t *testing.T) {
	h, id := atMDMResult(t)
	for _, tc := range []struct{ key, start, key2, value string }{
		{"2", `<string>[{"title"`, "</dict>", `clientID":"` + id},
		{"3", "Configuration value: [{", "", `"clientID":"` + id},
	} {
		s := h.pressWait(tc.key)
		s = h.waitFor(tc.start, "→ more to the right")
		checkFits(t, s.view, 80)
		lines := strings.Split(s.view, "\n")
		for i, l := range lines {
			if !strings.Contains(l, tc.start) {
				continue
			}
			if next := strings.TrimSpace(lines[i+1]); tc.key2 != "" && !strings.HasPrefix(next, tc.key2) {
				t.Errorf("the value goes on on the next line (%q):\n%s", next, s.view)
			}
		}
		if strings.Contains(s.view, tc.value) {
			t.Fatalf("the client ID fits the first screen: the test shows nothing:\n%s", s.view)
		}
		for i := 0; !strings.Contains(s.view, tc.value); i++ {
			if i == 10 {
				t.Fatalf("10 presses of → did not bring the client ID into view:\n%s", s.view)
			}
			s = h.pressWait("right")
		}
		s = h.waitFor(tc.value, "← more to the left")
		checkFits(t, s.view, 80)
	}
}

// TestProbeDetailsStartAtTheLeft: scrolled sideways on the Intune tab, v's
// probe details still start at the left edge.
func TestProbeDetailsStartAtTheLeft(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{Title: "Acme Jira"})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM,
		Title: "Acme Jira", CacheSession: boolPtr(false)})
	h.waitFor("Create an incoming link")
	h.pressWait("enter")
	h.waitFor("v details")
	h.pressWait("3")
	h.waitFor("Configuration value: [{")
	h.pressWait("right")
	h.pressWait("right")
	h.waitFor("← more to the left")
	h.pressWait("v")
	s := h.waitFor("Link with the app's redirect")
	if strings.Contains(s.view, "more to the left") {
		t.Errorf("the probe details are scrolled sideways:\n%s", s.view)
	}
}

// TestValuesUseTheWholeWidth: on a 200-column terminal the Intune value is
// whole on the screen (the text above it stays about 100 columns), and the
// summary printed on quitting is the format shown last, whole: a way to copy
// it where the clipboard (OSC 52) does not reach.
func TestValuesUseTheWholeWidth(t *testing.T) {
	h, id := atMDMResult(t)
	h.tm.Send(tea.WindowSizeMsg{Width: 200, Height: 40})
	h.pressWait("3")
	s := h.waitFor("Configuration value: [{", `"clientID":"`+id)
	if strings.Contains(s.view, "more to the right") {
		t.Errorf("the Intune value is cut on a 200-column terminal:\n%s", s.view)
	}
	h.pressWait("2")
	h.waitFor(`<string>[{"title"`)
	sum := h.finish().Summary()
	if !strings.Contains(sum, "AppConfig plist") || !strings.Contains(sum, `<key>sites</key>`) || !strings.Contains(sum, `"clientID":"`+id+`"`) {
		t.Errorf("the summary is not the plist shown last:\n%s", sum)
	}
	for _, l := range strings.Split(sum, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "<string>") && !strings.HasSuffix(l, "</string>") {
			t.Errorf("the value is broken in the summary: %q", l)
		}
	}
}

// On a wide terminal the text stays about 100 columns wide: long lines are
// hard to read.
func TestTextWidthIsCappedOnWideTerminals(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM})
	h.waitFor("Create an incoming link")
	h.tm.Send(tea.WindowSizeMsg{Width: 200, Height: 40})
	s, ok := h.until(func(s snapshot) bool { return s.w == 200 })
	if !ok {
		t.Fatal("no screen drawn at 200 columns")
	}
	widest := 0
	for _, l := range strings.Split(s.view, "\n") {
		widest = max(widest, ansi.StringWidth(strings.TrimRight(l, " ")))
	}
	if widest > 100 || widest < 70 {
		t.Errorf("the widest line is %d columns at 200, want about 100:\n%s", widest, s.view)
	}
}

// The Application links page is a hyperlink (OSC 8) whose text is the whole
// URL, so a terminal that cannot follow it still shows it; without colour
// it is plain text.
func TestApplicationLinksPageIsAHyperlink(t *testing.T) {
	for _, noColor := range []bool{false, true} {
		sim, srv := newSim(t, simulator.Config{})
		h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM, NoColor: noColor})
		page := steps.ApplicationLinksPage(srv.URL)
		h.waitFor("Create an incoming link", page)
		raw := h.finish().View().Content
		osc8 := "\x1b]8;;" + page
		if has := strings.Contains(raw, osc8); has == noColor {
			t.Errorf("no colour %v: OSC 8 hyperlink present %v:\n%q", noColor, has, raw)
		}
	}
}

// TestTokenPageIsAHyperlink: asked for another token, the wizard links the
// product's personal access tokens page (OSC 8; too long for the line, its
// text is the page's name).
func TestTokenPageIsAHyperlink(t *testing.T) {
	for _, product := range []string{"jira", "confluence"} {
		sim, srv := newSim(t, simulator.Config{Product: product})
		h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "wrong-token"}})
		h.waitFor("Token:", "Create one")
		raw := h.finish().View().Content
		page := steps.PersonalAccessTokensPage(api.Product(product), srv.URL)
		if !strings.Contains(raw, "\x1b]8;;"+page) {
			t.Errorf("%s: no hyperlink to %s:\n%q", product, page, raw)
		}
	}
}

// A screen cut by a short window says so on its last line.
func TestCutScreenSaysMoreBelow(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM})
	s := h.waitFor("Create an incoming link", "Press enter to create the link")
	if strings.Contains(s.view, "more below") {
		t.Fatalf("cut at 80x24:\n%s", s.view)
	}
	h.tm.Send(tea.WindowSizeMsg{Width: 80, Height: 14})
	s = h.waitFor("Create an incoming link", "↓ more below: the window is too small")
	if n := strings.Count(s.view, "\n") + 1; n > 14 {
		t.Errorf("%d lines on a 14-line terminal:\n%s", n, s.view)
	}
}

// firstQuestion hands the model the flow's first question, as the program
// does while Welcome shows.
func firstQuestion(t *testing.T, m *Model) {
	t.Helper()
	m.Init()
	t.Cleanup(m.cancel)
	msg := <-m.msgs
	if a, ok := msg.(ask); !ok {
		t.Fatalf("the flow's first message is %T, want its first question", msg)
	} else if _, ok := a.q.(askConnect); !ok {
		t.Fatalf("the flow's first question is %T, want the connection", a.q)
	}
	m.Update(msg)
}

// Nothing comes before Welcome: its help line offers no esc, before and
// after the flow has asked its first question behind it.
func TestWelcomeOffersNoWayBack(t *testing.T) {
	m := New(Options{})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	before := ansi.Strip(m.View().Content)
	firstQuestion(t, m)
	after := ansi.Strip(m.View().Content)
	if m.state != stWelcome {
		t.Fatalf("the first question left Welcome:\n%s", after)
	}
	if strings.Contains(after, "esc") || after != before {
		t.Errorf("Welcome changed when the flow asked behind it:\n%s\nthen:\n%s", before, after)
	}
}
