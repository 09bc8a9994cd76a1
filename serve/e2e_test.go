package serve

import (
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve/servetest"
)

// TestOpenSSHClient drives the server with the real ssh client under a
// pseudo-terminal, as an admin would.
func TestOpenSSHClient(t *testing.T) {
	servetest.RequireSSH(t)
	ts := startServer(t, nil)

	t.Run("frame, keys, resize, clean exit", func(t *testing.T) {
		c := servetest.Dial(t, ts.addr, ts.key.Path, servetest.WithUser("dana"), servetest.WithSize(90, 25),
			servetest.WithEnv("WIZ_TEST=from-client"))
		screen := c.WaitFor(t, "echo for dana")
		for _, want := range []string{"size 90x25", "env WIZ_TEST=from-client", "profile ANSI256"} {
			if !strings.Contains(screen, want) {
				t.Errorf("first frame lacks %q:\n%s", want, screen)
			}
		}
		c.Send("hi there")
		c.WaitFor(t, "typed [hi there]")
		c.Resize(t, 120, 40)
		c.WaitFor(t, "size 120x40")
		c.Send(servetest.KeyCtrlC)
		if code := c.Wait(t); code != 0 {
			t.Errorf("ssh exited %d, want 0; screen:\n%s", code, c.Screen())
		}
	})

	t.Run("the model's exit status reaches ssh", func(t *testing.T) {
		c := servetest.Dial(t, ts.addr, ts.key.Path)
		c.WaitFor(t, "echo for admin")
		c.Send("q")
		if code := c.Wait(t); code != 3 {
			t.Errorf("ssh exited %d, want 3", code)
		}
	})

	t.Run("unknown key", func(t *testing.T) {
		c := servetest.Dial(t, ts.addr, servetest.NewKey(t).Path)
		if code := c.Wait(t); code != 255 {
			t.Errorf("ssh exited %d, want 255 (ssh's own error)", code)
		}
		if screen := c.Screen(); !strings.Contains(screen, "Permission denied (publickey)") {
			t.Errorf("ssh did not report a refused key:\n%s", screen)
		}
	})

	t.Run("ssh -T gets the hint", func(t *testing.T) {
		c := servetest.Dial(t, ts.addr, ts.key.Path, servetest.WithArgs("-T"))
		if code := c.Wait(t); code == 0 {
			t.Error("ssh -T exited 0")
		}
		if screen := c.Screen(); !strings.Contains(screen, "connect with ssh -t") {
			t.Errorf("no hint on the screen:\n%s", screen)
		}
	})

	t.Run("shutdown is announced", func(t *testing.T) {
		c := servetest.Dial(t, ts.addr, ts.key.Path)
		c.WaitFor(t, "echo for admin")
		if err := ts.stop(); err != nil {
			t.Fatalf("Serve: %v", err)
		}
		c.WaitFor(t, "server shutting down")
		if code := c.Wait(t); code == 0 {
			t.Error("ssh exited 0 after the server shut down mid-session")
		}
	})
}
