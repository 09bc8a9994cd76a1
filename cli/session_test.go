package cli

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve"
)

// TestSessionPolicy: what a served session may connect to, decided before
// anything is sent.
func TestSessionPolicy(t *testing.T) {
	g := &globalOptions{}
	pinned, err := newSessionPolicy("https://jira.example.com", nil, g)
	if err != nil {
		t.Fatal(err)
	}
	open, err := newSessionPolicy("", nil, g)
	if err != nil {
		t.Fatal(err)
	}
	listed, err := newSessionPolicy("", []string{"jira.internal", "Confluence.Internal", "wiki.internal:8443"}, g)
	if err != nil {
		t.Fatal(err)
	}
	httpOK, err := newSessionPolicy("", []string{"jira.internal"}, &globalOptions{AllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		policy *sessionPolicy
		url    string
		refuse string // "" = allowed
	}{
		{"pinned instance", pinned, "https://jira.example.com", ""},
		{"another instance than the pinned one", pinned, "https://evil.example.com", "works on https://jira.example.com only"},
		{"the pinned host on another port", pinned, "https://jira.example.com:8443", "works on https://jira.example.com only"},
		{"public host, none listed", open, "https://jira.example.com", ""},
		{"loopback: no exemption for plain http", open, "http://127.0.0.1:8990", "plain http is not allowed"},
		{"loopback over https", open, "https://127.0.0.1:8443", "internal addresses"},
		{"localhost", open, "https://localhost", "its own host"},
		{"private address", open, "https://10.1.2.3", "internal addresses"},
		{"cloud metadata", open, "https://169.254.169.254", "internal addresses"},
		{"IPv6 loopback", open, "https://[::1]", "internal addresses"},
		{"IPv4-mapped loopback", open, "https://[::ffff:127.0.0.1]", "internal addresses"},
		{"shared address space", open, "https://100.64.0.1", "internal addresses"},
		{"listed host", listed, "https://jira.internal/jira", ""},
		{"listed host, case", listed, "https://confluence.internal", ""},
		{"unlisted host", listed, "https://jira.example.com", "only connects to jira.internal:443, confluence.internal:443, wiki.internal:8443"},
		{"listed host on another port", listed, "https://jira.internal:8443", "allow jira.internal:8443"},
		{"listed host:port", listed, "https://wiki.internal:8443/wiki", ""},
		{"listed host:port on the default port", listed, "https://wiki.internal", "allow wiki.internal:443"},
		{"plain http to a listed host", listed, "http://jira.internal", "plain http is not allowed"},
		{"plain http allowed by the operator", httpOK, "http://jira.internal", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.check(tt.url)
			switch {
			case tt.refuse == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.refuse != "" && err == nil:
				t.Errorf("allowed, want refused (%s)", tt.refuse)
			case tt.refuse != "" && !strings.Contains(err.Error(), tt.refuse):
				t.Errorf("error %q lacks %q", err, tt.refuse)
			}
		})
	}
	for _, bad := range []string{"https://jira.internal", "jira.internal:0", "jira.internal:http", "jira.internal/jira", ":443"} {
		if _, err := newSessionPolicy("", []string{bad}, g); err == nil {
			t.Errorf("--allow-host %s was accepted", bad)
		}
	}
}

// TestSessionDialAllowsOnlyListedPortsAndTheProxy: with hosts listed, a
// session connects to their listed ports only; the server's own proxy
// (HTTPS_PROXY, on an internal address) is reached with or without a list,
// since what goes through it is checked by name.
func TestSessionDialAllowsOnlyListedPortsAndTheProxy(t *testing.T) {
	var lc net.ListenConfig
	proxy, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	other, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	t.Setenv("HTTPS_PROXY", "http://"+proxy.Addr().String())
	t.Setenv("NO_PROXY", "")

	listed, _ := newSessionPolicy("", []string{"127.0.0.1:1"}, &globalOptions{})
	open, _ := newSessionPolicy("", nil, &globalOptions{})
	for _, p := range []*sessionPolicy{listed, open} {
		c, err := p.dial(context.Background(), "tcp", proxy.Addr().String())
		if err != nil {
			t.Errorf("hosts %v: the server's proxy was refused: %v", p.hosts, err)
			continue
		}
		c.Close()
		if c, err := p.dial(context.Background(), "tcp", other.Addr().String()); err == nil {
			c.Close()
			t.Errorf("hosts %v: dialled another port of the proxy's host", p.hosts)
		}
	}
}

// TestSessionDialRefusesInternalAddresses: with no host listed, a name that
// resolves to an internal address is refused at connect time.
func TestSessionDialRefusesInternalAddresses(t *testing.T) {
	open, _ := newSessionPolicy("", nil, &globalOptions{})
	for _, addr := range []string{"127.0.0.1:443", "localhost:443", "[::1]:443", "10.0.0.1:443"} {
		c, err := open.dial(context.Background(), "tcp", addr)
		if err == nil {
			c.Close()
			t.Errorf("dialled %s", addr)
			continue
		}
		if !strings.Contains(err.Error(), "internal address") {
			t.Errorf("%s: %v", addr, err)
		}
	}
}

// sessionRun runs a command line as `ssh HOST args…` would on a session
// served by serve --demo, in process.
func sessionRun(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return sessionRunOn(t, true, env, args...)
}

// sessionRunOn is sessionRun on a server with or without --demo.
func sessionRunOn(t *testing.T, demo bool, env map[string]string, args ...string) result {
	t.Helper()
	g := &globalOptions{io: &IO{Getenv: func(string) string { return "" }}, build: BuildInfo{Version: "test"}, Demo: demo}
	policy, err := newSessionPolicy(demoBaseURL, nil, g)
	if err != nil {
		t.Fatal(err)
	}
	var environ []string
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	var out, errb strings.Builder
	code := g.sessionCommand(context.Background(), policy.forSession(serve.Session{User: "admin", Environ: environ}), serve.Session{User: "admin", Environ: environ},
		args, serve.ExecIO{In: strings.NewReader(""), Out: &out, Err: &errb})
	return result{code, out.String(), errb.String()}
}

// TestHelpWorksInSessions: ssh HOST check --help, ssh HOST help and ssh HOST
// completion bash print what they print locally, exit 0.
func TestHelpWorksInSessions(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"check", "--help"}, "mobile-oauth-wizard check [flags]"},
		{[]string{"--help"}, "Commands:"},
		{[]string{"help"}, "Commands:"},
		{[]string{"help", "setup"}, "mobile-oauth-wizard setup [flags]"},
		{[]string{"completion", "bash"}, "bash completion"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := sessionRun(t, nil, tt.args...)
			if r.code != ExitOK || !strings.Contains(r.stdout, tt.want) {
				t.Errorf("exit %d; stdout lacks %q:\n%s\nstderr:\n%s", r.code, tt.want, r.stdout, r.stderr)
			}
		})
	}
}

// TestSessionMessagesFitSessions: inside a session, a refusal does not say
// "not in an SSH session", and the token advice names what a session can do
// (SendEnv, standard input), not --token-file FILE, which it refuses.
func TestSessionMessagesFitSessions(t *testing.T) {
	r := sessionRun(t, map[string]string{EnvToken: "wrong"}, "check", "--mode", "mdm")
	out := flat(r.stdout + r.stderr)
	if r.code != ExitAuth || !strings.Contains(out, "SendEnv="+EnvToken) || !strings.Contains(out, "--token-file -") || strings.Contains(out, "--token-file FILE") {
		t.Errorf("wrong token in a session: exit %d\n%s", r.code, out)
	}
	r = sessionRunOn(t, false, nil, "check", "--mode", "mdm")
	if out := flat(r.stderr); r.code != ExitUsage || !strings.Contains(out, "SendEnv="+EnvToken) || strings.Contains(out, "--token-file FILE") {
		t.Errorf("no token in a session: exit %d\n%s", r.code, out)
	}
	r = sessionRun(t, nil, "setup", "--output", "sites.json")
	if r.code != ExitUsage || strings.Contains(r.stderr, "not in an SSH session") || !strings.Contains(r.stderr, "not allowed in an SSH session: --output") {
		t.Errorf("a refused flag: exit %d\n%s", r.code, r.stderr)
	}
}

// TestSessionHintNamesThisServer: the hint for a file on the admin's machine
// is the ssh command that reaches this server, not PORT and HOST.
func TestSessionHintNamesThisServer(t *testing.T) {
	p := &sessionPolicy{host: "jump.example.com", port: "2222", user: "admin"}
	if got := p.noSave(); !strings.Contains(got, "ssh -p 2222 admin@jump.example.com setup --mode MODE") {
		t.Errorf("hint %q", got)
	}
	p.port = "22"
	if got := p.noSave(); !strings.Contains(got, "ssh admin@jump.example.com setup") {
		t.Errorf("hint on port 22 %q", got)
	}
}

// TestCompletionRequestsAreRefusedInSessions: __complete is what a shell runs
// for each Tab on its own machine; in a session it would run the command
// tree's completion code on the server for nobody's shell.
func TestCompletionRequestsAreRefusedInSessions(t *testing.T) {
	for _, args := range [][]string{{"__complete", "setup", "--"}, {"__completeNoDesc", "s"}, {"--no-color", "__complete", ""}} {
		for _, demo := range []bool{false, true} {
			r := sessionRunOn(t, demo, nil, args...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, "not allowed in an SSH session") || r.stdout != "" {
				t.Errorf("%v (demo %v): exit %d, stdout %q, stderr %q", args, demo, r.code, r.stdout, r.stderr)
			}
		}
	}
}
