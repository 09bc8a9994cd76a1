package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/eventually"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

func TestAccessibleMDMWithPlainPrompts(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	out := filepath.Join(t.TempDir(), "sites.json")
	answers := strings.Join([]string{
		srv.URL,          // base URL
		"",               // sign in with: Enter for the token
		"sysadmin-token", // token
		"",               // yes, this instance
		"",               // mode: Enter for MDM
		"Field Jira",     // title
		"2",              // cache the session: yes
		"",               // create the link (and the entry): Enter for yes
		"",               // save: Enter for the default path
	}, "\n") + "\n"
	var buf bytes.Buffer
	err := RunAccessible(context.Background(), Options{NewClient: testClient, Output: outputTo(t, out)}, strings.NewReader(answers), &buf)
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	text := buf.String()
	if strings.Contains(text, "\x1b") {
		t.Errorf("ANSI sequence in accessible output:\n%q", text)
	}
	for _, want := range []string{"1. ", "(Press Enter for 1)", "Checks passed, 1 warning: HTTPS.", "Created the incoming link",
		`Site list entry: title "Field Jira", cacheSessionInMobileBrowser true`,
		`"title": "Field Jira"`, `"cacheSessionInMobileBrowser": true`, "(Press Enter for " + out + ")"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "sysadmin-token") {
		t.Error("the token was printed")
	}
	if cl := sim.Clients(); len(cl) != 1 || cl[0].Scope != "WRITE" || cl[0].Redirects[0] != "jira-server://oauth-callback" {
		t.Errorf("clients = %+v, want one WRITE client with the mobile redirect", cl)
	}
	if data, err := os.ReadFile(out); err != nil || !strings.Contains(string(data), "Field Jira") {
		t.Errorf("saved file: %s %v", data, err)
	}
}

func TestAccessibleDemoTakesEveryDefault(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	opts := Options{Demo: true, NewClient: testClient, Output: outputTo(t, filepath.Join(t.TempDir(), "s.json"))}
	opts.DemoDefaults.BaseURL, opts.DemoDefaults.Token = srv.URL, "sysadmin-token"
	var buf bytes.Buffer
	if err := RunAccessible(context.Background(), opts, strings.NewReader(strings.Repeat("\n", 12)), &buf); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if !strings.Contains(buf.String(), `"clientID"`) || len(sim.Clients()) != 1 {
		t.Errorf("demo did not finish with one link:\n%s", buf.String())
	}
}

func TestAccessibleFailedCheckThenRecheck(t *testing.T) {
	old := simulator.DefaultPlugins("jira", "10.3.0")
	old[0].Version = "4.0.0"
	sim, srv := newSim(t, simulator.Config{Plugins: old})
	// The fix happens while the wizard waits at "What now?": the reader
	// below fixes the instance just before it hands over the answer.
	in := newHookReader(t, "", "1", "", "-", "")
	in.before = map[int]func(){
		1: func() {
			sim.SetPlugin(simulator.Plugin{Key: simulator.OAuth2PluginKey, Version: "4.1.0", Enabled: true})
		},
	}
	var buf bytes.Buffer
	opts := Options{NewClient: testClient, BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM,
		Title: "T", CacheSession: boolPtr(false)}
	if err := RunAccessible(context.Background(), opts, in, &buf); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	text := buf.String()
	if !strings.Contains(text, "1 check failed: OAuth 2.0 provider plugin.") || !strings.Contains(text, "Checks passed, 1 warning: HTTPS.") {
		t.Errorf("want a failure and then a pass:\n%s", text)
	}
}

func TestAccessibleNonMDMWaitsForThePlugin(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	buf := &simtest.Buffer{}
	in := newHookReader(t, "", "", "-", "")
	// The admin turns the switch on while the wizard waits, and presses Enter.
	// The wizard's own looks are an hour apart here: only the Enter can see
	// the switch, so the Enter is never left over for the next question (a
	// look of its own that beat it would hand the Enter to "Save the …?").
	in.answers(buf, 1, "press Enter to check now", "Save the", "What now?")
	in.before = map[int]func(){1: func() { sim.SetMobileOAuth(true) }}
	opts := Options{NewClient: testClient, BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeNonMDM,
		PollEvery: time.Hour}
	if err := RunAccessible(context.Background(), opts, in, buf); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	checkNonMDMDone(t, sim, buf.String())
}

// With no key pressed, the wizard's own looks find the switch turned on.
func TestAccessibleNonMDMLooksByItself(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	buf := &simtest.Buffer{}
	in := newHookReader(t, "", "-", "")
	in.answers(buf, 1, "Save the", "What now?")
	turnedOn := make(chan struct{})
	go func() {
		defer close(turnedOn)
		if _, ok := buf.Await(func(s string) bool { return strings.Contains(s, "press Enter to check now") }, in.end); ok {
			sim.SetMobileOAuth(true)
		}
	}()
	opts := Options{NewClient: testClient, BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeNonMDM,
		PollEvery: 10 * time.Millisecond}
	if err := RunAccessible(context.Background(), opts, in, buf); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	<-turnedOn
	checkNonMDMDone(t, sim, buf.String())
}

// checkNonMDMDone checks a non-MDM run that ended with the switch on: the
// admin page named, the plugin's client found, nothing created.
func checkNonMDMDone(t *testing.T, sim *simulator.Sim, text string) {
	t.Helper()
	if !strings.Contains(text, steps.MobileAdminPath("jira")+"\n"+noAdminURL) || !strings.Contains(text, "OAuth 2.0 is on") || !strings.Contains(text, "The wizard created nothing") {
		t.Errorf("output:\n%s", text)
	}
	for _, r := range sim.Requests() {
		if r.Method == "POST" {
			t.Errorf("the wizard wrote in non-MDM: %s %s", r.Method, r.Path)
		}
	}
}

func TestAccessibleNonMDMStartsFromTheChecksList(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{MobileOAuth: true})
	var buf bytes.Buffer
	opts := Options{NewClient: testClient, BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeNonMDM}
	if err := RunAccessible(context.Background(), opts, strings.NewReader("\n\n-\n"), &buf); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if !strings.Contains(buf.String(), "carries the iOS app's redirect") {
		t.Fatalf("output:\n%s", buf.String())
	}
	if n := simtest.ListsBeyondChecks(sim); n != 0 {
		t.Errorf("the clients were listed %d more time(s) than the checks needed", n)
	}
}

// hookReader hands out one line per Read, running a hook before line i, and
// (answers) line i only once the output shows its question, as a person
// would. After the last line it blocks, as a person who stopped typing does,
// until the test ends; then the input ends.
type hookReader struct {
	lines  []string
	before map[int]func()
	out    *simtest.Buffer
	asks   map[int]string
	mark   int // the output's length when the last line was handed out
	n      int
	end    chan struct{}
}

// answers holds back line from, and each line after it, until out shows the
// question it answers: a line read early would go to whatever asks first (a
// wait that turns each line into a look).
func (r *hookReader) answers(out *simtest.Buffer, from int, questions ...string) {
	r.out, r.asks = out, map[int]string{}
	for i, q := range questions {
		r.asks[from+i] = q
	}
}

func newHookReader(t *testing.T, lines ...string) *hookReader {
	r := &hookReader{lines: lines, end: make(chan struct{})}
	t.Cleanup(func() { close(r.end) })
	return r
}

func (r *hookReader) Read(p []byte) (int, error) {
	if r.n >= len(r.lines) {
		<-r.end
		return 0, io.EOF
	}
	if q, ok := r.asks[r.n]; ok {
		// Asked since the last line was handed out.
		if _, ok := r.out.Await(func(s string) bool { return strings.Contains(s[min(r.mark, len(s)):], q) }, r.end); !ok {
			return 0, io.EOF
		}
	}
	if f := r.before[r.n]; f != nil {
		f()
	}
	line := r.lines[r.n] + "\n"
	r.n++
	if r.out != nil {
		r.mark = len(r.out.String())
	}
	return copy(p, line), nil
}

// Non-MDM with Enter only: every question has a default, and Enter during the
// wait only asks for a look at once.
func TestAccessibleNonMDMWithEnterOnly(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	buf := &simtest.Buffer{}
	// The URL, how to sign in, the token, this instance; then Enter in the wait.
	in := newHookReader(t, "", "", "", "", "", "", "")
	in.answers(buf, 4, "press Enter to check now", "Save the", "What now?")
	in.before = map[int]func(){4: func() { sim.SetMobileOAuth(true) }}
	opts := Options{Demo: true, NewClient: testClient, Mode: steps.ModeNonMDM, PollEvery: time.Hour}
	opts.DemoDefaults.BaseURL, opts.DemoDefaults.Token = srv.URL, "sysadmin-token"
	if err := RunAccessible(context.Background(), opts, in, buf); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	text := buf.String()
	if !strings.Contains(text, "OAuth 2.0 is on") || !strings.Contains(text, "Done.") || strings.Contains(text, `"oauth"`) {
		t.Errorf("non-MDM did not finish with a site without an oauth block:\n%s", text)
	}
	if n := simtest.ListsBeyondChecks(sim); n == 0 {
		t.Errorf("Enter during the wait did not look at once (poll interval is an hour)")
	}
}

// Ctrl-C (a cancelled context) ends a question and the non-MDM wait at once.
func TestAccessibleCancelReturnsPromptly(t *testing.T) {
	_, srv := newSim(t, simulator.Config{})
	for _, tc := range []struct {
		name string
		mode steps.Mode
		// ready is the output that shows the wizard is waiting.
		ready string
	}{
		{"at a question", steps.ModeMDM, "Is this the instance"},
		{"in the non-MDM wait", steps.ModeNonMDM, "press Enter to check now"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := newHookReader(t, "")
			if tc.mode == steps.ModeMDM {
				in = newHookReader(t) // no line at all: the question waits
			}
			out := &simtest.Buffer{}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opts := Options{NewClient: testClient, BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: tc.mode, PollEvery: time.Hour}
			done := make(chan error, 1)
			go func() { done <- RunAccessible(ctx, opts, in, out) }()
			out.WaitFor(t, tc.ready)
			cancel()
			// No line ever comes and the poll is an hour away: only the
			// cancellation can end the run.
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want the cancellation", err)
				}
			case <-time.After(eventually.Timeout):
				t.Fatal("a cancelled wait did not return")
			}
		})
	}
}

// The last step probes the app's sign-in and says what it found, in words.
func TestAccessibleVerifiesTheSignIn(t *testing.T) {
	tests := []struct {
		name     string
		devMode  bool
		noVerify bool
		want     []string
		not      string
	}{
		{"healthy", true, false, []string{"Proving, as the app would", "ok    Consent page", "The app's sign-in can start"}, "will not work"},
		{"http base URL", false, false, []string{"fail  Consent page: the provider refused the sign-in (HTTP 400)", "What to do: Serve the instance over HTTPS", "The app's sign-in will not work: Consent page"}, "The app's sign-in can start"},
		{"skipped", false, true, []string{`"clientID"`}, "Proving"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := newSim(t, simulator.Config{DevMode: tt.devMode})
			opts := Options{Demo: true, NewClient: testClient, Output: outputTo(t, filepath.Join(t.TempDir(), "s.json")), NoVerify: tt.noVerify}
			opts.DemoDefaults.BaseURL, opts.DemoDefaults.Token = srv.URL, "sysadmin-token"
			var buf bytes.Buffer
			if err := RunAccessible(context.Background(), opts, strings.NewReader(strings.Repeat("\n", 12)), &buf); err != nil {
				t.Fatalf("%v\n%s", err, buf.String())
			}
			text := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
			if strings.Contains(text, tt.not) {
				t.Errorf("output says %q:\n%s", tt.not, text)
			}
		})
	}
}

// Accessible mode names the app over its list, and its save refuses a file
// that holds a site of the other app (its anonymous manifest says so).
func TestAccessibleSaveRefusesTheOtherAppsFile(t *testing.T) {
	_, srv := newSim(t, simulator.Config{DevMode: true})
	_, wikiSrv := newSim(t, simulator.Config{Product: "confluence", Version: "9.2.0", Title: "Wiki"})
	out := filepath.Join(t.TempDir(), "sites.json")
	before, _ := steps.RenderSites([]steps.Site{{Title: "Wiki", BaseURL: wikiSrv.URL}}, steps.FormatJSON)
	os.WriteFile(out, before, 0o600)
	opts := Options{NewClient: testClient, BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM,
		Title: "Jira", CacheSession: boolPtr(false), Output: outputTo(t, out), NoVerify: true}
	var buf bytes.Buffer
	err := RunAccessible(context.Background(), opts, strings.NewReader("\n\n\n"), &buf)
	text := flat(buf.String())
	if err == nil || !strings.Contains(text, `holds "Wiki" (`+wikiSrv.URL+"), a site of the Confluence Data Center app") {
		t.Fatalf("err %v\n%s", err, buf.String())
	}
	if !strings.Contains(text, `The Jira Data Center app's site list. Paste it into your MDM's managed app configuration for the Jira Data Center app (App Store id 1405353949), key "sites":`) {
		t.Errorf("the list is not labelled with its app:\n%s", buf.String())
	}
	if after, _ := os.ReadFile(out); string(after) != string(before) {
		t.Errorf("the file changed:\n%s", after)
	}
}

// Where the token is asked for, accessible mode names the page that creates
// one once the product is known (here --product), as plain text.
func TestAccessibleNamesTheTokenPage(t *testing.T) {
	_, srv := newSim(t, simulator.Config{})
	opts := Options{NewClient: testClient, BaseURL: srv.URL, Product: "jira", Mode: steps.ModeMDM, NoVerify: true}
	var buf bytes.Buffer
	_ = RunAccessible(context.Background(), opts, strings.NewReader("\n"), &buf)
	want := "Create one at: " + steps.PersonalAccessTokensPage("jira", srv.URL) + "\nPersonal access token (not shown)"
	if !strings.Contains(buf.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, buf.String())
	}
}
