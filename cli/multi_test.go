package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve/servetest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

func siteList(t *testing.T, s string) []steps.Site {
	t.Helper()
	var sites []steps.Site
	if err := json.Unmarshal([]byte(s), &sites); err != nil {
		t.Fatalf("not a site list: %v\n%s", err, s)
	}
	return sites
}

// printedLists reads the site lists a run printed: each under the line that
// names its app ("# Jira Data Center app (App Store id …), key "sites":").
func printedLists(t *testing.T, s string) map[steps.App][]steps.Site {
	t.Helper()
	out := map[steps.App][]steps.Site{}
	var app steps.App
	var body strings.Builder
	flush := func() {
		if app != "" {
			out[app] = siteList(t, body.String())
		}
		body.Reset()
	}
	for line := range strings.Lines(s) {
		if !strings.HasPrefix(line, "# ") {
			body.WriteString(line)
			continue
		}
		flush()
		app = ""
		for _, a := range steps.Apps {
			if strings.HasPrefix(line, "# "+a.Label()+":") {
				app = a
			}
		}
		if app == "" {
			t.Fatalf("a heading that names no app: %q", line)
		}
	}
	flush()
	return out
}

func clientIDOf(t *testing.T, env *simtest.Env) string {
	t.Helper()
	cl := env.Sim.Clients()
	if len(cl) != 1 {
		t.Fatalf("%s has %d clients, want 1", env.URL, len(cl))
	}
	return cl[0].ClientID
}

// Jira and Confluence are two iOS apps with a managed configuration each: a
// run over both prints two lists, each under its app's name, never one.
func TestJiraAndConfluenceGiveOneListPerApp(t *testing.T) {
	jira := simtest.Start(t, simulator.Config{DevMode: true, Product: "jira", Title: "Jira"})
	wiki := simtest.Start(t, simulator.Config{DevMode: true, Product: "confluence", Title: "Wiki"})
	r := run(t, tokenEnv(simtest.SysadminToken), "setup", "--url", jira.URL, "--url", wiki.URL, "--mode", "mdm", "--yes")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	lists := printedLists(t, r.stdout)
	if len(lists) != 2 || len(lists[steps.AppJira]) != 1 || len(lists[steps.AppConfluence]) != 1 {
		t.Fatalf("want one list per app with its own site, got %+v\n%s", lists, r.stdout)
	}
	for _, want := range []struct {
		env   *simtest.Env
		app   steps.App
		title string
	}{{jira, steps.AppJira, "Jira"}, {wiki, steps.AppConfluence, "Wiki"}} {
		s := lists[want.app][0]
		if s.Title != want.title || s.BaseURL != want.env.URL || s.OAuth == nil || s.OAuth.ClientID != clientIDOf(t, want.env) {
			t.Errorf("%s's list = %+v, want %s at %s with its own client", want.app, s, want.title, want.env.URL)
		}
	}
	for _, name := range []string{displayName(jira.URL), displayName(wiki.URL)} {
		if !strings.Contains(r.stderr, name+": done") {
			t.Errorf("stderr lacks the progress line of %s:\n%s", name, r.stderr)
		}
	}
}

func TestIncompatibleInstanceAmongTwo(t *testing.T) {
	good := simtest.Start(t, simulator.Config{DevMode: true, Product: "jira", Title: "Good"})
	old := simtest.Start(t, simulator.Config{DevMode: true, Product: "jira", Version: "9.4.0", Title: "Old"})
	file := filepath.Join(t.TempDir(), "sites.json")
	r := run(t, tokenEnv(simtest.SysadminToken), "setup", "--url", old.URL, "--url", good.URL, "--product", "jira", "--mode", "mdm", "--yes", "--json", "--output", file)
	if r.code != ExitIncompatible {
		t.Fatalf("exit %d, want %d\n%s", r.code, ExitIncompatible, r.stderr)
	}
	var out struct {
		Instances []struct {
			URL        string `json:"url"`
			ExitCode   int    `json:"exitCode"`
			Compatible bool   `json:"compatible"`
			ClientID   string `json:"clientId"`
			Changed    *bool  `json:"changed"`
		} `json:"instances"`
		Sites    map[steps.App][]steps.Site `json:"sites"`
		Output   map[steps.App]string       `json:"output"`
		ExitCode int                        `json:"exitCode"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, r.stdout)
	}
	if len(out.Instances) != 2 || out.Instances[0].URL != old.URL || out.Instances[1].URL != good.URL {
		t.Fatalf("instances not in the order given: %+v", out.Instances)
	}
	if i := out.Instances[0]; i.ExitCode != ExitIncompatible || i.Compatible || i.ClientID != "" {
		t.Errorf("the old instance: %+v", i)
	}
	if i := out.Instances[1]; i.ExitCode != ExitOK || i.ClientID != clientIDOf(t, good) || i.Changed == nil || !*i.Changed {
		t.Errorf("the good instance: %+v", i)
	}
	if len(old.Sim.Clients()) != 0 {
		t.Error("a link was created on the incompatible instance")
	}
	if len(out.Sites) != 1 || len(out.Sites["jira"]) != 1 || out.Sites["jira"][0].BaseURL != good.URL || out.ExitCode != ExitIncompatible || out.Output["jira"] != file {
		t.Errorf("merged list %+v, output %q, exit %d", out.Sites, out.Output, out.ExitCode)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if saved := siteList(t, string(data)); len(saved) != 1 || saved[0].BaseURL != good.URL {
		t.Errorf("saved list = %s", data)
	}
	if !strings.Contains(r.stderr, displayName(old.URL)+": not done (exit 3) · Jira 9.4.0 · not ready: Jira version") {
		t.Errorf("the progress line does not say what is wrong:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "1 of 2 instances not done: "+displayName(old.URL)+" (exit 3)") {
		t.Errorf("stderr does not say which instance is not done:\n%s", r.stderr)
	}
}

// The two instances know different administrators; instance B also has a
// user whose token is A's. Had A's token reached B, B's log would show that
// user.
func TestInventoryWithTokenFilesKeepsEachTokenToItsInstance(t *testing.T) {
	const tokA, tokB = "token-of-jira-admin-A", "token-of-wiki-admin-B"
	a := simtest.Start(t, simulator.Config{DevMode: true, Product: "jira", Title: "A", Users: []simulator.User{
		{Name: "admin-a", Token: tokA, Role: simulator.RoleSysadmin},
		{Name: "spy-holding-b", Token: tokB, Role: simulator.RoleUser},
	}})
	b := simtest.Start(t, simulator.Config{DevMode: true, Product: "confluence", Title: "B", Users: []simulator.User{
		{Name: "admin-b", Token: tokB, Role: simulator.RoleSysadmin},
		{Name: "spy-holding-a", Token: tokA, Role: simulator.RoleUser},
	}})
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "tokens"), 0o700)
	os.WriteFile(filepath.Join(dir, "tokens", "a"), []byte(tokA+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "tokens", "b"), []byte(tokB+"\n"), 0o600)
	inv := filepath.Join(dir, "instances.yaml")
	os.WriteFile(inv, fmt.Appendf(nil, `defaults:
  mode: mdm
instances:
  - url: %s
    title: Jira A
    token_file: tokens/a
  - url: %s
    title: Wiki B
    token_file: tokens/b
`, a.URL, b.URL), 0o600)

	// The run's own token would be wrong for both: the inventory's win.
	r := run(t, tokenEnv(simtest.BadToken), "setup", "--inventory", inv, "--yes")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	lists := printedLists(t, r.stdout)
	if j, w := lists[steps.AppJira], lists[steps.AppConfluence]; len(j) != 1 || j[0].Title != "Jira A" || len(w) != 1 || w[0].Title != "Wiki B" {
		t.Fatalf("lists = %+v", lists)
	}
	for _, c := range []struct {
		env        *simtest.Env
		admin, spy string
	}{{a, "admin-a", "spy-holding-b"}, {b, "admin-b", "spy-holding-a"}} {
		users := map[string]int{}
		for _, req := range c.env.Sim.Requests() {
			users[req.User]++
		}
		if users[c.spy] != 0 {
			t.Errorf("%s received the other instance's token (%d requests as %s)", c.env.URL, users[c.spy], c.spy)
		}
		if users[c.admin] == 0 {
			t.Errorf("%s never saw its own administrator: %v", c.env.URL, users)
		}
	}
	for _, tok := range []string{tokA, tokB} {
		if strings.Contains(r.stdout+r.stderr, tok) {
			t.Errorf("a token appears in the output")
		}
	}
}

func TestInventoryCredentialProblems(t *testing.T) {
	good := simtest.Start(t, simulator.Config{DevMode: true})
	other := simtest.Start(t, simulator.Config{DevMode: true})
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, fmt.Sprintf("inv%d.yaml", time.Now().UnixNano()))
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	const secret = "pasted-token-0123456789"

	t.Run("a token in the file is refused before anything runs", func(t *testing.T) {
		inv := write("instances:\n  - url: " + good.URL + "\n    token: " + secret + "\n")
		r := run(t, nil, "check", "--inventory", inv)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "line 3") || !strings.Contains(r.stderr, "token_env") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Error("the error repeats the token")
		}
		if n := len(good.Sim.Requests()); n != 0 {
			t.Errorf("%d requests were made", n)
		}
	})

	t.Run("an unset variable fails that instance only", func(t *testing.T) {
		inv := write("instances:\n  - url: " + good.URL + "\n    token_env: GOOD_TOKEN\n  - url: " + other.URL + "\n    token_env: UNSET_TOKEN\n")
		r := run(t, map[string]string{"GOOD_TOKEN": simtest.SysadminToken}, "check", "--inventory", inv, "--json")
		if r.code != ExitUsage {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		m := decode(t, r.stdout)
		inst := m["instances"].([]any)
		first, second := inst[0].(map[string]any), inst[1].(map[string]any)
		if first["exitCode"] != float64(ExitOK) || first["compatible"] != true {
			t.Errorf("the instance with its token: %v", first)
		}
		if second["exitCode"] != float64(ExitUsage) || !strings.Contains(second["error"].(string), "UNSET_TOKEN is not set") {
			t.Errorf("the instance without: %v", second)
		}
	})

	t.Run("no shared token for entries without their own", func(t *testing.T) {
		inv := write("instances:\n  - url: " + good.URL + "\n")
		r := run(t, nil, "check", "--inventory", inv)
		if r.code != ExitUsage || !strings.Contains(r.stderr, EnvToken) {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
	})
}

func TestSeveralInstancesCheckJSON(t *testing.T) {
	a := simtest.Start(t, simulator.Config{DevMode: true, Product: "jira"})
	b := simtest.Start(t, simulator.Config{DevMode: true, Product: "confluence"})
	r := run(t, tokenEnv(simtest.SysadminToken), "check", "--url", a.URL, "--url", b.URL, "--json")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	m := decode(t, r.stdout)
	inst := m["instances"].([]any)
	if len(inst) != 2 || inst[0].(map[string]any)["product"] != "jira" || inst[1].(map[string]any)["product"] != "confluence" {
		t.Fatalf("instances = %v", inst)
	}
	if _, ok := m["sites"]; ok {
		t.Errorf("check has no site list: %v", m["sites"])
	}
	// The human reports go to stderr under a heading each.
	for _, env := range []*simtest.Env{a, b} {
		if !strings.Contains(r.stderr, "── "+displayName(env.URL)+" ──") {
			t.Errorf("stderr lacks the heading of %s", env.URL)
		}
	}
}

func TestFlagsGivenTwice(t *testing.T) {
	env := simtest.Start(t, simulator.Config{DevMode: true})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a one-value flag", []string{"check", "--url", env.URL, "--mode", "mdm", "--mode", "non-mdm"}, "given twice"},
		{"a boolean", []string{"setup", "--url", env.URL, "--mode", "mdm", "--yes", "--yes"}, "given twice"},
		{"--url on the wizard", []string{"--url", env.URL, "--url", env.URL + "/x"}, "works on one instance"},
		{"the same instance twice", []string{"check", "--url", env.URL, "--url", env.URL + "/"}, "listed twice"},
		{"--title with several", []string{"setup", "--url", env.URL, "--url", env.URL + "/x", "--mode", "mdm", "--yes", "--title", "T"}, "--title"},
		{"no mode for one of several", []string{"setup", "--url", env.URL, "--url", env.URL + "/x", "--yes"}, "no mode"},
		{"--parallel 0", []string{"check", "--url", env.URL, "--url", env.URL + "/x", "--parallel", "0"}, "--parallel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tokenEnv(simtest.SysadminToken), tt.args...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("exit %d, want %d with %q\n%s", r.code, ExitUsage, tt.want, r.stderr)
			}
			if n := len(env.Sim.Requests()); n != 0 {
				t.Errorf("%d requests were made", n)
			}
		})
	}
}

func TestMostSerious(t *testing.T) {
	tests := []struct {
		codes []int
		want  int
	}{
		{nil, ExitOK},
		{[]int{ExitOK, ExitOK}, ExitOK},
		{[]int{ExitOK, ExitIncompatible}, ExitIncompatible},
		{[]int{ExitIncompatible, ExitFailed}, ExitFailed},
		{[]int{ExitAuth, ExitFailed, ExitIncompatible}, ExitAuth},
		{[]int{ExitAuth, ExitNetwork}, ExitNetwork},
		{[]int{ExitNetwork, ExitUsage, ExitOK}, ExitUsage},
		{[]int{ExitOK, 42}, 42}, // an unknown code counts as a failure
		{[]int{42, ExitAuth}, ExitAuth},
	}
	for _, tt := range tests {
		if got := MostSerious(tt.codes...); got != tt.want {
			t.Errorf("MostSerious(%v) = %d, want %d", tt.codes, got, tt.want)
		}
	}
}

type recordProgress struct {
	mu      sync.Mutex
	done    []int
	stopped bool
}

func (p *recordProgress) started(int)           {}
func (p *recordProgress) step(int, steps.Event) {}
func (p *recordProgress) finished(i int, _ *outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = append(p.done, i)
}
func (p *recordProgress) stop() { p.stopped = true }

func TestRunInstancesIsBoundedAndKeepsGoing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		targets := make([]target, 7)
		var mu sync.Mutex
		inFlight, most := 0, 0
		p := &recordProgress{}
		outs := runInstances(context.Background(), targets, 3, p, func(_ context.Context, o *outcome) {
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			mu.Unlock()
			time.Sleep(time.Second)
			mu.Lock()
			inFlight--
			mu.Unlock()
			if o.target == &targets[2] {
				o.err = &ExitError{Code: ExitNetwork, Err: errors.New("unreachable")}
			}
		})
		if most != 3 {
			t.Errorf("at most %d ran at once, want 3", most)
		}
		if len(p.done) != 7 || !p.stopped {
			t.Errorf("finished %v, stopped %v", p.done, p.stopped)
		}
		for i, o := range outs {
			want := ExitOK
			if i == 2 {
				want = ExitNetwork
			}
			if o.code != want {
				t.Errorf("instance %d: exit %d, want %d", i, o.code, want)
			}
		}
	})
}

func TestSeveralInstancesDryRun(t *testing.T) {
	a := simtest.Start(t, simulator.Config{DevMode: true})
	b := simtest.Start(t, simulator.Config{DevMode: true, Product: "confluence"})
	r := run(t, tokenEnv(simtest.SysadminToken), "setup", "--url", a.URL, "--url", b.URL, "--mode", "mdm", "--dry-run")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, env := range []*simtest.Env{a, b} {
		if n := env.Count("POST", api.PathClients); n != 0 {
			t.Errorf("dry run posted to %s", env.URL)
		}
		if !strings.Contains(r.stderr, "POST "+env.URL+api.PathClients) {
			t.Errorf("the request for %s is not shown", env.URL)
		}
	}
	if r.stdout != "" {
		t.Errorf("a dry run printed a site list: %s", r.stdout)
	}
}

func TestLiveTableWhenStderrIsATerminal(t *testing.T) {
	a := simtest.Start(t, simulator.Config{Product: "jira"})
	b := simtest.Start(t, simulator.Config{Product: "confluence", Version: "8.5.0"})
	var out simtest.Buffer
	screen := servetest.NewTerminal(80, 24)
	stdio := &IO{
		In: strings.NewReader(""), Out: &out, Err: onlcr{screen},
		Getenv:        func(k string) string { return map[string]string{EnvToken: simtest.SysadminToken, "NO_COLOR": "1"}[k] },
		IsTerminal:    func() bool { return false },
		ErrIsTerminal: func() bool { return true },
	}
	root := NewRootCommand(BuildInfo{Version: "test"}, stdio)
	root.SetArgs([]string{"check", "--url", a.URL, "--url", b.URL})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	if code := ExitCode(err); code != ExitIncompatible {
		t.Fatalf("exit %d\n%s", code, screen.Screen())
	}
	lines := strings.Split(screen.Screen(), "\n")
	for i, want := range [][]string{
		{"Instance", "Status", "Result"},
		{displayName(a.URL), "✓ done", "Jira 10.3.0 · ready"},
		{displayName(b.URL), "✗ exit 3", "Confluence 8.5.0 · not ready: Confluence versi…"},
		{"1 done, 1 not done, 0 running, 0 waiting"},
	} {
		for _, w := range want {
			if i >= len(lines) || !strings.Contains(lines[i], w) {
				t.Fatalf("line %d lacks %q; the screen:\n%s", i, w, screen.Screen())
			}
		}
	}
	if strings.Contains(screen.Screen(), ": started") {
		t.Errorf("plain progress lines beside the table:\n%s", screen.Screen())
	}
	if strings.Contains(screen.Raw(), "\x1b[38") {
		t.Errorf("NO_COLOR, but the table has colours")
	}
}

// onlcr turns \n into \r\n on the way to the screen, as a terminal's line
// discipline does for a program that leaves it in cooked mode (the table
// reads no keys, so it never asks for raw mode).
type onlcr struct{ w io.Writer }

func (o onlcr) Write(p []byte) (int, error) {
	if _, err := o.w.Write(bytes.ReplaceAll(p, []byte("\n"), []byte("\r\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}

func TestRemedyNamesTheInstancesOwnToken(t *testing.T) {
	good := simtest.Start(t, simulator.Config{DevMode: true})
	bad := simtest.Start(t, simulator.Config{DevMode: true})
	inv := filepath.Join(t.TempDir(), "i.yaml")
	os.WriteFile(inv, []byte("instances:\n  - url: "+good.URL+"\n  - url: "+bad.URL+"\n    token_env: STAGING_TOKEN\n"), 0o600)
	env := map[string]string{EnvToken: simtest.SysadminToken, "STAGING_TOKEN": simtest.BadToken}
	r := run(t, env, "setup", "--inventory", inv, "--mode", "mdm", "--yes")
	if r.code != ExitAuth {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	block := r.stderr[strings.Index(r.stderr, "── "+displayName(bad.URL)):]
	if !strings.Contains(flat(block), "STAGING_TOKEN (token_env in the inventory)") || strings.Contains(block, EnvToken) {
		t.Errorf("the remedy should name the instance's own variable:\n%s", block)
	}
	if len(siteList(t, r.stdout)) != 1 {
		t.Errorf("site list: %s", r.stdout)
	}
}

// Several instances of one product share their app's list: merged into an
// existing file, whose other sites stay (one that cannot be asked which app
// it is for is kept, and the output says it was not checked).
func TestSeveralInstancesMergeIntoAnExistingList(t *testing.T) {
	jira := simtest.Start(t, simulator.Config{DevMode: true, Product: "jira", Title: "Jira"})
	staging := simtest.Start(t, simulator.Config{DevMode: true, Product: "jira", Title: "Jira staging"})
	file := filepath.Join(t.TempDir(), "sites.json")
	other := `[{"title":"Other","baseURL":"https://other.invalid","oauth":{"clientID":"0123456789abcdef0123456789abcdef","cacheSessionInMobileBrowser":false}}]`
	os.WriteFile(file, []byte(other), 0o600)
	r := run(t, tokenEnv(simtest.SysadminToken), "setup", "--url", jira.URL, "--url", staging.URL, "--product", "jira", "--mode", "mdm", "--yes", "--output", file)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	data, _ := os.ReadFile(file)
	sites := siteList(t, string(data))
	if len(sites) != 3 || sites[0].Title != "Other" || sites[1].BaseURL != jira.URL || sites[2].BaseURL != staging.URL {
		t.Fatalf("the file holds %s", data)
	}
	if r.stdout != "" {
		t.Errorf("with --output, stdout should be empty: %q", r.stdout)
	}
	if !strings.Contains(r.stderr, "Saved the Jira Data Center app's site list (3 sites) to "+file) {
		t.Errorf("stderr: %s", r.stderr)
	}
	if !strings.Contains(flat(r.stderr), "Not checked: Other (https://other.invalid) was kept in "+file) {
		t.Errorf("stderr does not say the other site was not checked: %s", r.stderr)
	}
}

// As with one instance, a failed verification fails the run but the link is in
// place: its site is in the list.
func TestSeveralInstancesListASiteWhoseVerificationFailed(t *testing.T) {
	good := simtest.Start(t, simulator.Config{DevMode: true, Title: "Good"})
	httpOnly := simtest.Start(t, simulator.Config{Product: "confluence", Title: "Plain"}) // the consent page refuses http
	r := run(t, tokenEnv(simtest.SysadminToken), "setup", "--url", good.URL, "--url", httpOnly.URL, "--mode", "mdm", "--yes")
	if r.code != ExitFailed {
		t.Fatalf("exit %d, want %d\n%s", r.code, ExitFailed, r.stderr)
	}
	lists := printedLists(t, r.stdout)
	if w := lists[steps.AppConfluence]; len(lists[steps.AppJira]) != 1 || len(w) != 1 || w[0].BaseURL != httpOnly.URL || w[0].OAuth.ClientID != clientIDOf(t, httpOnly) {
		t.Fatalf("lists = %+v", lists)
	}
	if !strings.Contains(r.stderr, displayName(httpOnly.URL)+": not done (exit 1) · Confluence 9.2.0 · the link is in place, but the app's sign-in will not work") {
		t.Errorf("stderr:\n%s", r.stderr)
	}
}

// While an instance works, its row says which step it is on; Ctrl-C (the
// context ending) ends the run and the table at once.
func TestLiveTableShowsTheStepAndStopsOnCancel(t *testing.T) {
	quick := simtest.Start(t, simulator.Config{DevMode: true, Product: "jira"})
	stuck := simtest.Start(t, simulator.Config{DevMode: true, Product: "confluence"})
	stuck.Sim.Inject(simulator.Fault{Method: "POST", Kind: simulator.FaultHang})
	var out simtest.Buffer
	screen := servetest.NewTerminal(80, 24)
	stdio := &IO{
		In: strings.NewReader(""), Out: &out, Err: onlcr{screen},
		Getenv:        func(k string) string { return map[string]string{EnvToken: simtest.SysadminToken}[k] },
		IsTerminal:    func() bool { return false },
		ErrIsTerminal: func() bool { return true },
	}
	root := NewRootCommand(BuildInfo{Version: "test"}, stdio)
	root.SetArgs([]string{"setup", "--url", quick.URL, "--url", stuck.URL, "--mode", "mdm", "--yes", "--timeout", "1m"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	screen.WaitUntil(t, "the stuck instance's step and the other done", func(s string) bool {
		return strings.Contains(s, displayName(stuck.URL)) && strings.Contains(s, "creating or reusing the link") &&
			strings.Contains(s, "✓ done")
	})
	cancel()
	select {
	case err := <-done:
		if code := ExitCode(err); code == ExitOK {
			t.Errorf("a cancelled run exited 0")
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("the run did not end after the cancel:\n%s", screen.Screen())
	}
	if len(quick.Sim.Clients()) != 1 {
		t.Errorf("the quick instance has %d links", len(quick.Sim.Clients()))
	}
}
