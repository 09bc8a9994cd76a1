package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

type result struct {
	code           int
	stdout, stderr string
}

// run executes the command line as a user would, with env and no terminal.
func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runWith(t, nil, env, args...)
}

// runOn runs the command line against sim: the arguments name its URL, and
// the requests reach it through its transport (in process when it has one).
func runOn(t *testing.T, sim *simtest.Env, env map[string]string, args ...string) result {
	t.Helper()
	return runWith(t, sim.Transport, env, args...)
}

func runWith(t *testing.T, tr http.RoundTripper, env map[string]string, args ...string) result {
	t.Helper()
	return runIO(t, tr, "", false, env, args...)
}

// runIO is the one way the tests run the command line: tr reaches the
// simulator (nil: over the network), stdin is what the user types, terminal
// says whether stdin and stdout are a terminal.
func runIO(t *testing.T, tr http.RoundTripper, stdin string, terminal bool, env map[string]string, args ...string) result {
	t.Helper()
	return runIOCtx(context.Background(), t, tr, stdin, terminal, env, args...)
}

// runIOCtx is runIO whose run ends with ctx (Ctrl-C).
func runIOCtx(ctx context.Context, t *testing.T, tr http.RoundTripper, stdin string, terminal bool, env map[string]string, args ...string) result {
	t.Helper()
	return runStdio(ctx, t, testIO(tr, stdin, terminal, env), args...)
}

// testIO is a command's input, output and environment in a test.
func testIO(tr http.RoundTripper, stdin string, terminal bool, env map[string]string) *IO {
	return &IO{
		In: strings.NewReader(stdin), Out: &bytes.Buffer{}, Err: &bytes.Buffer{},
		Getenv:     func(k string) string { return env[k] },
		IsTerminal: func() bool { return terminal },
		Transport:  tr,
	}
}

// runStdio runs the command line on stdio (from testIO) until ctx ends.
func runStdio(ctx context.Context, t *testing.T, stdio *IO, args ...string) result {
	t.Helper()
	out, errb := stdio.Out.(*bytes.Buffer), stdio.Err.(*bytes.Buffer)
	root := NewRootCommand(BuildInfo{Version: "test"}, stdio)
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)
	if err != nil && !isSilent(err) {
		errb.WriteString("Error: " + describe(err) + "\n")
	}
	return result{ExitCode(err), out.String(), errb.String()}
}

// flat is text with every run of spaces and line breaks made one space:
// reports wrap to the terminal's width, and a phrase may cross a line.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

func tokenEnv(token string) map[string]string { return map[string]string{EnvToken: token} }

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, s)
	}
	return m
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name   string
		cfg    simulator.Config
		token  string
		args   []string
		code   int
		stderr string
	}{
		{"ready", simulator.Config{}, simtest.SysadminToken, []string{"check"}, ExitOK, ""},
		{"no url", simulator.Config{}, simtest.SysadminToken, []string{"check", "--url", ""}, ExitUsage, "--url"},
		{"malformed url", simulator.Config{}, simtest.SysadminToken, []string{"check", "--url", "ht!tp://bad url"}, ExitUsage, "--url"},
		{"no credentials", simulator.Config{}, "", []string{"check"}, ExitUsage, EnvToken},
		{"unknown flag", simulator.Config{}, simtest.SysadminToken, []string{"check", "--frobnicate"}, ExitUsage, "unknown flag"},
		{"bad duration", simulator.Config{}, simtest.SysadminToken, []string{"check", "--timeout", "soon"}, ExitUsage, "invalid argument"},
		{"stray argument", simulator.Config{}, simtest.SysadminToken, []string{"check", "extra"}, ExitUsage, "unknown command"},
		{"setup without mode", simulator.Config{}, simtest.SysadminToken, []string{"setup"}, ExitUsage, "--mode"},
		{"setup without --yes", simulator.Config{}, simtest.SysadminToken, []string{"setup", "--mode", "mdm"}, ExitUsage, "--yes"},
		{"bad format", simulator.Config{}, simtest.SysadminToken, []string{"setup", "--mode", "mdm", "--yes", "--format", "yaml"}, ExitUsage, "--format"},
		{"incompatible", simulator.Config{Version: "9.12.13"}, simtest.SysadminToken, []string{"check"}, ExitIncompatible, "9.12.14"},
		{"bad token", simulator.Config{}, simtest.BadToken, []string{"check"}, ExitAuth, "token"},
		{"not sysadmin", simulator.Config{}, simtest.AdminToken, []string{"setup", "--mode", "mdm", "--yes"}, ExitAuth, "system administrator"},
		{"proxy in the way (non-MDM)", simulator.Config{Proxy: simulator.ProxyLoginRedirect}, simtest.SysadminToken, []string{"setup", "--mode", "non-mdm"}, ExitNetwork, "MDM"},
		{"proxy that lets credentials through: MDM works", simulator.Config{Proxy: simulator.ProxyLoginRedirect}, simtest.SysadminToken, []string{"setup", "--mode", "mdm", "--yes"}, ExitOK, "Created the incoming link"},
		{"sso in front of everything", simulator.Config{Proxy: simulator.ProxySSOHTML, ProxyAuthenticatedToo: true}, simtest.SysadminToken, []string{"check"}, ExitNetwork, "proxy"},
		{"wrong product", simulator.Config{Product: "confluence"}, simtest.SysadminToken, []string{"check", "--product", "jira"}, ExitFailed, "not Jira"},
		{"non-MDM switch off", simulator.Config{}, simtest.SysadminToken, []string{"setup", "--mode", "non-mdm"}, ExitFailed, "Turn on OAuth 2.0"},
		{"server error on create", simulator.Config{}, simtest.SysadminToken, []string{"setup", "--mode", "mdm", "--yes"}, ExitFailed, "server error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := simtest.New(t, tt.cfg)
			if tt.name == "server error on create" {
				env.Sim.Inject(simulator.Fault{Method: "POST", Kind: simulator.FaultStatus, Status: 500})
			}
			args := append(append([]string{}, tt.args...), "--url", env.URL)
			if tt.name == "no url" || tt.name == "malformed url" {
				args = tt.args
			}
			r := runOn(t, env, tokenEnv(tt.token), args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout+r.stderr, tt.stderr) {
				t.Errorf("output lacks %q:\n%s%s", tt.stderr, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, tt.token) && tt.token != "" {
				t.Errorf("the token appears in the output")
			}
			if tt.code != ExitOK && len(env.Sim.Clients()) != 0 {
				t.Errorf("a failed run left %d clients", len(env.Sim.Clients()))
			}
		})
	}
}

func TestSetupTwiceCreatesOneLink(t *testing.T) {
	env := simtest.New(t, simulator.Config{DevMode: true, Title: "Acme Jira"})
	args := []string{"setup", "--url", env.URL, "--mode", "mdm", "--yes", "--json"}
	first := decode(t, runOn(t, env, tokenEnv(simtest.SysadminToken), args...).stdout)
	second := decode(t, runOn(t, env, tokenEnv(simtest.SysadminToken), args...).stdout)
	if first["changed"] != true || second["changed"] != false {
		t.Fatalf("changed: first %v, second %v", first["changed"], second["changed"])
	}
	if first["clientId"] != second["clientId"] || first["clientId"] == "" {
		t.Fatalf("clientId: %v vs %v", first["clientId"], second["clientId"])
	}
	if n := len(env.Sim.Clients()); n != 1 {
		t.Fatalf("%d clients", n)
	}
	for _, k := range []string{"product", "version", "compatible", "checks", "mode", "clientId", "changed", "sites"} {
		if _, ok := first[k]; !ok {
			t.Errorf("--json lacks %q", k)
		}
	}
	// The site lists are keyed by app: a Jira run's list is at .sites.jira.
	lists := first["sites"].(map[string]any)
	if len(lists) != 1 || first["app"] != "jira" {
		t.Fatalf("sites = %v, app %v: want the Jira app's list only", lists, first["app"])
	}
	sites := lists["jira"].([]any)
	site := sites[0].(map[string]any)
	oauth := site["oauth"].(map[string]any)
	if site["title"] != "Acme Jira" || site["baseURL"] != env.URL || oauth["clientID"] != first["clientId"] || oauth["cacheSessionInMobileBrowser"] != false {
		t.Fatalf("site = %v", site)
	}
	if strings.Contains(runOn(t, env, tokenEnv(simtest.SysadminToken), args...).stdout, env.Sim.Clients()[0].ClientSecret) {
		t.Fatal("the client secret was printed")
	}
}

func TestSetupPrintsTheSiteListAsTheSeedsShowIt(t *testing.T) {
	env := simtest.New(t, simulator.Config{DevMode: true, Title: "My Jira Site"})
	r := runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "mdm", "--yes", "--cache-session")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var sites []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &sites); err != nil {
		t.Fatalf("stdout is not the site list: %v\n%s", err, r.stdout)
	}
	id := env.Sim.Clients()[0].ClientID
	want := `[{"title":"My Jira Site","baseURL":"` + env.URL + `","oauth":{"clientID":"` + id + `","cacheSessionInMobileBrowser":true}}]`
	compact, _ := json.Marshal(sites)
	var wantV, gotV any
	_ = json.Unmarshal([]byte(want), &wantV)
	_ = json.Unmarshal(compact, &gotV)
	if b1, _ := json.Marshal(wantV); string(b1) != string(compact) {
		t.Fatalf("site list\n got %s\nwant %s", compact, b1)
	}
	if !strings.Contains(r.stderr, "Created the incoming link") {
		t.Errorf("stderr should say what changed: %s", r.stderr)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	env := simtest.New(t, simulator.Config{DevMode: true})
	r := runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "mdm", "--dry-run", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	m := decode(t, r.stdout)
	reqs, _ := m["requests"].([]any)
	if len(reqs) != 2 || !strings.HasPrefix(reqs[0].(string), "POST "+env.URL+api.PathClients) || m["changed"] != true {
		t.Fatalf("dry run = %v", m)
	}
	if n := env.Count("POST", api.PathClients); n != 0 || len(env.Sim.Clients()) != 0 {
		t.Fatalf("dry run wrote: %d POSTs", n)
	}
}

func TestOutputFileIsMergedAndPrivate(t *testing.T) {
	jira := simtest.New(t, simulator.Config{DevMode: true, Product: "jira", Title: "Jira"})
	wiki := simtest.New(t, simulator.Config{DevMode: true, Product: "confluence", Title: "Wiki"})
	file := filepath.Join(t.TempDir(), "sites.json")
	for _, env := range []*simtest.Env{jira, wiki, jira} {
		r := runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "mdm", "--yes", "--output", file)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
	}
	fi, err := os.Stat(file)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v, %v", fi.Mode(), err)
	}
	var sites []map[string]any
	data, _ := os.ReadFile(file)
	if err := json.Unmarshal(data, &sites); err != nil || len(sites) != 2 {
		t.Fatalf("sites = %s", data)
	}
	if sites[0]["title"] != "Jira" || sites[1]["title"] != "Wiki" {
		t.Fatalf("order or content: %s", data)
	}
	// Not a site list: refused, untouched.
	other := filepath.Join(t.TempDir(), "notes.txt")
	_ = os.WriteFile(other, []byte("my notes\n"), 0o644)
	r := runOn(t, jira, tokenEnv(simtest.SysadminToken), "setup", "--url", jira.URL, "--mode", "mdm", "--yes", "--output", other)
	if r.code == 0 {
		t.Fatal("overwrote a file that is not a site list")
	}
	if b, _ := os.ReadFile(other); string(b) != "my notes\n" {
		t.Fatalf("file changed: %q", b)
	}
}

// The plugin's client appears a while after the wait began; the wait polls on
// the bubble's clock, so it takes no real time.
func TestNonMDMWaitsForThePluginsClient(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := simtest.New(t, simulator.Config{DevMode: true})
		env.Sim.EnableMobileOAuthAfter(100 * time.Millisecond)
		// The demo timer starts at the first info/login request, which the checks make.
		r := runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "non-mdm", "--wait", "20s", "--json")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		m := decode(t, r.stdout)
		if m["changed"] != false || m["clientId"] == "" || m["mode"] != "non-mdm" {
			t.Fatalf("result = %v", m)
		}
		if n := env.Count("POST", api.PathClients); n != 0 {
			t.Fatalf("the wizard created a client in non-MDM mode")
		}
		if !strings.Contains(r.stderr, "Settings → System → Jira mobile app") {
			t.Errorf("stderr lacks the admin path: %s", r.stderr)
		}
	})
}

func TestTokenFile(t *testing.T) {
	env := simtest.New(t, simulator.Config{DevMode: true})
	f := filepath.Join(t.TempDir(), "token")
	_ = os.WriteFile(f, []byte(simtest.SysadminToken+"\n"), 0o600)
	if r := runOn(t, env, nil, "check", "--url", env.URL, "--token-file", f); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if r := runOn(t, env, nil, "check", "--url", env.URL, "--token-file", filepath.Join(t.TempDir(), "missing")); r.code != ExitUsage {
		t.Fatalf("missing token file: exit %d", r.code)
	}
	both := map[string]string{EnvToken: simtest.SysadminToken, EnvPassword: "x"}
	if r := runOn(t, env, both, "check", "--url", env.URL, "--user", "admin"); r.code != ExitUsage {
		t.Fatalf("token and user: exit %d", r.code)
	}
	basic := map[string]string{EnvPassword: "admin"}
	if r := runOn(t, env, basic, "check", "--url", env.URL, "--user", "admin"); r.code != 0 {
		t.Fatalf("basic: exit %d: %s", r.code, r.stderr)
	}
}

func TestDemoCheckNeedsNothing(t *testing.T) {
	r := run(t, nil, "--demo", "check", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	m := decode(t, r.stdout)
	if m["product"] != "jira" || m["compatible"] != true || m["baseUrl"] != demoBaseURL {
		t.Fatalf("demo = %v", m)
	}
}

func TestNonMDMStartsFromTheChecksList(t *testing.T) {
	env := simtest.New(t, simulator.Config{DevMode: true, MobileOAuth: true})
	r := runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "non-mdm")
	if r.code != 0 || !strings.Contains(r.stderr, "carries the iOS app's redirect") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if n := simtest.ListsBeyondChecks(env.Sim); n != 0 {
		t.Errorf("the clients were listed %d more time(s) than the checks needed", n)
	}
}
