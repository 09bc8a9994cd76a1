package cli

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve/servetest"
)

// servedDemo is `serve --demo` started as a user would, in its own working
// folder, with the server's own token in its environment.
type servedDemo struct {
	addr, dir string
	key       servetest.Key
	log       *simtest.Buffer
	stop      func() result
}

const serverToken = "must-not-reach-sessions"

func startServe(t *testing.T, extra ...string) *servedDemo {
	t.Helper()
	servetest.RequireSSH(t)
	dir := t.TempDir()
	// The server's working folder: sessions must leave it alone.
	t.Chdir(dir)
	key := servetest.NewKey(t)
	keys := servetest.WriteAuthorizedKeys(t, filepath.Join(dir, "authorized_keys"), key)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	errb := &simtest.Buffer{}
	go func() {
		var out strings.Builder
		stdio := &IO{In: strings.NewReader(""), Out: &out, Err: errb,
			Getenv:     func(k string) string { return map[string]string{EnvToken: serverToken}[k] },
			IsTerminal: func() bool { return false }}
		root := NewRootCommand(BuildInfo{Version: "test"}, stdio)
		root.SetArgs(append([]string{"serve", "--demo", "--listen", addr, "--authorized-keys", keys,
			"--host-key", filepath.Join(dir, "host_key")}, extra...))
		err := root.ExecuteContext(ctx)
		done <- result{code: ExitCode(err), stderr: errb.String()}
	}()
	waitListening(t, errb, addr)
	var r *result
	stop := func() result {
		if r == nil {
			cancel()
			select {
			case got := <-done:
				r = &got
			case <-time.After(20 * time.Second):
				t.Fatal("serve did not shut down")
			}
		}
		return *r
	}
	t.Cleanup(func() { stop() })
	return &servedDemo{addr: addr, dir: dir, key: key, log: errb, stop: stop}
}

// files lists what is in the server's folder.
func (s *servedDemo) files(t *testing.T) []string {
	t.Helper()
	var names []string
	_ = filepath.WalkDir(s.dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, strings.TrimPrefix(path, s.dir))
		}
		return nil
	})
	return names
}

// TestServedSessionSavesNothingOnTheServer: on the result screen of a served
// session, s says why nothing is saved, and nothing typed after it lands in
// the server's folders. The session's wizard pushes its list to the demo's
// simulated Intune (p, then y) and shows what it read back.
func TestServedSessionSavesNothingOnTheServer(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the real ssh client")
	}
	srv := startServe(t)
	before := srv.files(t)
	c := servetest.Dial(t, srv.addr, srv.key.Path, servetest.WithSize(100, 30))
	c.WaitFor(t, "Welcome")
	for _, want := range []string{"Connect", "Token", "MDM or not", `Create an incoming link "Jira iOS app"`, `"clientID"`} {
		c.Send(servetest.KeyEnter)
		c.WaitFor(t, want)
	}
	if strings.Contains(c.Screen(), "s save") {
		t.Errorf("the result screen offers saving in a served session:\n%s", c.Screen())
	}
	c.Send("p")
	c.WaitFor(t, "Press y to write it")
	c.Send("y")
	c.WaitUntil(t, "the push read back", func(scr string) bool { return strings.Contains(flatText(scr), "read back and confirmed") })
	c.Send(servetest.KeyEsc)
	c.WaitFor(t, `"clientID"`)
	c.Send("s")
	c.WaitFor(t, "Nothing is saved on the SSH server")
	c.Send("sites.json" + servetest.KeyEnter)
	c.Send("q")
	if code := c.Wait(t); code != 0 {
		t.Errorf("exit %d", code)
	}
	if after := srv.files(t); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("the session changed the server's folder: before %v, after %v", before, after)
	}
	// One audit line for the link the session created, with who did it.
	r := srv.stop()
	var audit string
	for line := range strings.Lines(r.stderr) {
		if strings.Contains(line, "instance changed") {
			if audit != "" {
				t.Errorf("more than one audit line:\n%s", r.stderr)
			}
			audit = line
		}
	}
	for _, want := range []string{"user=admin", "key=" + srv.key.Fingerprint, "instance=https://jira.example.com", `action="client created"`, "client_id="} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit line %q lacks %q", audit, want)
		}
	}
	if strings.Contains(r.stderr, demoToken) || strings.Contains(r.stderr, "clientSecret") {
		t.Errorf("the server log shows a secret:\n%s", r.stderr)
	}
}

// TestServedCommandPrintsTheSiteList: `ssh host setup … > sites.plist` runs
// setup in the session with the token the client sent, and its stdout is the
// site list, exit 0.
func TestServedCommandPrintsTheSiteList(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the real ssh client")
	}
	srv := startServe(t, "--url", demoBaseURL)
	r := servetest.Run(t, srv.addr, srv.key.Path, "", []servetest.Option{servetest.WithEnv(EnvToken + "=" + demoToken)},
		"setup", "--mode", "mdm", "--yes", "--format", "plist")
	if r.Code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", r.Code, r.Stderr)
	}
	if !strings.HasPrefix(r.Stdout, "<dict>") || !strings.Contains(r.Stdout, "<key>sites</key>") || !strings.Contains(r.Stdout, "clientID") {
		t.Errorf("stdout is not the plist site list:\n%s", r.Stdout)
	}
	if strings.Contains(r.Stdout, "Created") {
		t.Errorf("human text on stdout:\n%s", r.Stdout)
	}

	// check signs in with the token the session sent: a wrong one fails.
	r = servetest.Run(t, srv.addr, srv.key.Path, "", []servetest.Option{servetest.WithEnv(EnvToken + "=wrong-token")}, "check", "--mode", "mdm")
	if r.Code == 0 || !strings.Contains(r.Stdout+r.Stderr, "token") {
		t.Errorf("check with a wrong token: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if strings.Contains(r.Stdout+r.Stderr, serverToken) {
		t.Error("the server's token reached a session")
	}
}

// TestServedCommandsCannotReachTheServersFilesOrOtherInstances: file flags,
// another instance and server-side commands are refused before anything runs.
func TestServedCommandsCannotReachTheServersFilesOrOtherInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the real ssh client")
	}
	srv := startServe(t, "--url", demoBaseURL)
	secret := filepath.Join(srv.dir, "server-token")
	if err := os.WriteFile(secret, []byte("server-file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := srv.files(t)
	env := []servetest.Option{servetest.WithEnv(EnvToken + "=" + demoToken)}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"setup", "--mode", "mdm", "--yes", "--output", filepath.Join(srv.dir, "sites.json")}, "--output (a file on the SSH server)"},
		{[]string{"check", "--token-file", secret}, "--token-file (a file on the SSH server)"},
		{[]string{"check", "--ca-cert", "/etc/ssl/certs/ca-certificates.crt"}, "--ca-cert (a file on the SSH server)"},
		{[]string{"check", "--url", "https://other.example.com"}, "works on https://jira.example.com only"},
		{[]string{"check", "--url", "http://127.0.0.1:22"}, "works on https://jira.example.com only"},
		{[]string{"check", "--allow-http"}, "--allow-http"},
		{[]string{"simulate"}, "not allowed in an SSH session"},
		{[]string{"serve", "--authorized-keys", "/dev/null"}, "not allowed in an SSH session"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := servetest.Run(t, srv.addr, srv.key.Path, "", env, tt.args...)
			if r.Code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr %q", r.Code, ExitUsage, r.Stderr)
			}
			if !strings.Contains(r.Stderr, tt.want) {
				t.Errorf("stderr %q lacks %q", r.Stderr, tt.want)
			}
			if strings.Contains(r.Stdout+r.Stderr, "server-file-token") {
				t.Error("a session read a server file")
			}
		})
	}
	// --token-file - reads the session's own input.
	r := servetest.Run(t, srv.addr, srv.key.Path, demoToken+"\n", nil, "check", "--mode", "mdm", "--token-file", "-")
	if r.Code != 0 {
		t.Errorf("check --token-file - exit %d: %s", r.Code, r.Stderr)
	}
	if after := srv.files(t); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("sessions changed the server's folder: before %v, after %v", before, after)
	}
}

// TestServedPinnedURLCannotBeChanged: with serve --url, the wizard starts on
// that instance and esc does not lead back to the URL field.
func TestServedPinnedURLCannotBeChanged(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the real ssh client")
	}
	srv := startServe(t, "--url", demoBaseURL)
	c := servetest.Dial(t, srv.addr, srv.key.Path, servetest.WithSize(100, 30))
	c.WaitFor(t, "Welcome")
	c.Send(servetest.KeyEnter)
	c.WaitFor(t, "Token")
	// esc leads back to the welcome screen, not to the URL field.
	c.Send(servetest.KeyEsc)
	c.WaitFor(t, "enter start")
	c.Send(servetest.KeyEnter)
	c.WaitFor(t, "Token")
	c.Send("x")
	c.WaitFor(t, "(1 characters, hidden)")
	if scr := c.Screen(); !strings.Contains(scr, "Base URL: "+demoBaseURL) {
		t.Errorf("the pinned URL is not shown:\n%s", scr)
	}
	c.Send(servetest.KeyCtrlC)
	c.Wait(t)
}

// TestServeOnABusyPortFailsBeforeAnnouncing: --listen on a port in use is an
// error, with no "Serving" line first.
func TestServeOnABusyPortFailsBeforeAnnouncing(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	dir := t.TempDir()
	key := servetest.NewKey(t)
	keys := servetest.WriteAuthorizedKeys(t, filepath.Join(dir, "authorized_keys"), key)
	r := run(t, nil, "serve", "--listen", l.Addr().String(), "--authorized-keys", keys, "--host-key", filepath.Join(dir, "host_key"))
	if r.code != ExitNetwork {
		t.Errorf("exit %d, want %d", r.code, ExitNetwork)
	}
	if strings.Contains(r.stderr, "Serving") || !strings.Contains(r.stderr, "address already in use") {
		t.Errorf("stderr %q", r.stderr)
	}
}

// TestServedWizardCtrlCExits130: over SSH, Ctrl-C in the wizard before the
// end is exit status 130, as locally (it was 0).
func TestServedWizardCtrlCExits130(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the real ssh client")
	}
	srv := startServe(t)
	c := servetest.Dial(t, srv.addr, srv.key.Path, servetest.WithSize(100, 30))
	c.WaitFor(t, "Welcome")
	c.Send("\x03")
	if code := c.Wait(t); code != ExitInterrupted {
		t.Errorf("exit %d, want %d", code, ExitInterrupted)
	}
}

// TestServedDumbTerminalGetsLinePrompts: a session whose terminal is dumb
// (ssh -t with TERM=dumb) gets accessible mode's line prompts, as the command
// line does locally: no alternate screen, no colour, no terminal queries;
// what is typed is echoed, a token is not, and the session ends with the
// summary. It writes nothing in the server's folder.
func TestServedDumbTerminalGetsLinePrompts(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the real ssh client")
	}
	srv := startServe(t)
	before := srv.files(t)
	c := servetest.Dial(t, srv.addr, srv.key.Path, servetest.WithTerm("dumb"), servetest.WithSize(100, 30))
	answerLines(t, c, []lineStep{
		{"Base URL of the instance", ""},
		{"Sign in with:", ""},
		{"Personal access token (not shown)", demoToken},
		{"Is this the instance to set up?", ""},
		{"How will the iOS app learn", ""},
		{"Title the app shows", "Field Jira"},
		{"Keep the sign-in session", ""},
		{"Create this link on the instance?", ""},
		{"Push the site list into an MDM?", ""},
		{"What now?", ""},
	})
	if code := c.Wait(t); code != 0 {
		t.Errorf("exit %d:\n%s", code, c.Screen())
	}
	raw := c.Raw()
	for _, want := range []string{"Field Jira\r\n", `"title": "Field Jira"`, "the text above stays on your terminal", "Done. Created the incoming link"} {
		if !strings.Contains(raw, want) {
			t.Errorf("the session lacks %q:\n%s", want, raw)
		}
	}
	if strings.Contains(raw, "\x1b") {
		t.Errorf("escape sequences (alternate screen, colour or queries) on a dumb terminal:\n%q", raw)
	}
	if strings.Contains(raw, demoToken) {
		t.Error("the token was echoed")
	}
	if after := srv.files(t); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("the session changed the server's folder: before %v, after %v", before, after)
	}
}
