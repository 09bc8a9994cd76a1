package cli

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve/servetest"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServeDemoOverRealSSH starts `serve --demo` as a user would and drives two
// concurrent OpenSSH sessions to the result screen with Enter alone. Each session
// has its own simulated instance, so each creates its own link: neither sees the
// other's work or input. After quitting, the summary is left on the terminal.
func TestServeDemoOverRealSSH(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the real ssh client")
	}
	servetest.RequireSSH(t)
	dir := t.TempDir()
	key := servetest.NewKey(t)
	keys := servetest.WriteAuthorizedKeys(t, filepath.Join(dir, "authorized_keys"), key)
	addr := freeAddr(t)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan result, 1)
	errb := &simtest.Buffer{}
	go func() {
		var out strings.Builder
		stdio := &IO{In: strings.NewReader(""), Out: &out, Err: errb,
			Getenv:     func(k string) string { return map[string]string{EnvToken: "must-not-reach-sessions"}[k] },
			IsTerminal: func() bool { return false }}
		root := NewRootCommand(BuildInfo{Version: "test"}, stdio)
		root.SetArgs([]string{"serve", "--demo", "--listen", addr, "--authorized-keys", keys, "--host-key", filepath.Join(dir, "host_key")})
		err := root.ExecuteContext(ctx)
		done <- result{code: ExitCode(err), stderr: errb.String()}
	}()
	t.Cleanup(cancel)
	waitListening(t, errb, addr)

	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			c := servetest.Dial(t, addr, key.Path, servetest.WithSize(80, 24))
			c.WaitFor(t, "Welcome")
			for _, want := range []string{"Connect", "Token", "MDM or not", `Create an incoming link "Jira iOS app"`, `"clientID"`} {
				c.Send(servetest.KeyEnter)
				c.WaitFor(t, want)
			}
			scr := c.Screen()
			if strings.Contains(scr, "must-not-reach-sessions") {
				t.Errorf("session %d: the server's token reached a session", i)
			}
			c.Send("q")
			if code := c.Wait(t); code != 0 {
				t.Errorf("session %d: exit %d", i, code)
			}
			if raw := c.Raw(); !strings.Contains(raw, "Created the incoming link") || !strings.Contains(raw, `"clientID"`) {
				t.Errorf("session %d: no summary after quitting:\n%s", i, c.Screen())
			}
		})
	}
	wg.Wait()
	// A client has its exit status before the server logs the session's end.
	errb.WaitUntil(t, "both sessions' end in the log", func(log string) bool { return strings.Count(log, "session ended") >= 2 })

	cancel()
	select {
	case r := <-done:
		if r.code != 0 {
			t.Fatalf("serve exit %d: %s", r.code, r.stderr)
		}
		if n := strings.Count(r.stderr, "session ended"); n != 2 {
			t.Errorf("%d 'session ended' log lines, want 2:\n%s", n, r.stderr)
		}
		if strings.Contains(r.stderr, demoToken) {
			t.Error("the server log shows a token")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

// waitListening waits for the command to say, on its stderr (log), that it
// listens on addr: it says so once it does.
func waitListening(t *testing.T, log *simtest.Buffer, addr string) {
	t.Helper()
	log.WaitFor(t, addr)
}
