package cli

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/eventually"
)

// tmuxSession drives the real binary in a real terminal (tmux, 80x24).
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
}

func startTmux(t *testing.T, command string, env ...string) *tmuxSession {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (.ci/run installs it)")
	}
	s := &tmuxSession{t: t, socket: filepath.Join(t.TempDir(), "tmux.sock"), name: "e2e"}
	args := []string{"-S", s.socket, "new-session", "-d", "-s", s.name, "-x", "80", "-y", "24"}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	args = append(args, command+"; echo EXIT=$?; sleep 60")
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) send(keys ...string) {
	s.t.Helper()
	args := append([]string{"-S", s.socket, "send-keys", "-t", s.name}, keys...)
	if out, err := exec.Command("tmux", args...).CombinedOutput(); err != nil {
		s.t.Fatalf("send-keys: %v: %s", err, out)
	}
}

func (s *tmuxSession) screen() string {
	out, _ := exec.Command("tmux", "-S", s.socket, "capture-pane", "-p", "-t", s.name, "-S", "-200").Output()
	return string(out)
}

// waitFor waits until the screen shows text and returns the screen.
func (s *tmuxSession) waitFor(text string) string {
	s.t.Helper()
	var scr string
	eventually.Succeeds(s.t, fmt.Sprintf("the screen to show %q", text), func() error {
		if scr = s.screen(); !strings.Contains(scr, text) {
			return fmt.Errorf("the screen shows:\n%s", scr)
		}
		return nil
	})
	return scr
}

// TestDemoInARealTerminal walks --demo from launch to the printed site list with
// Enter alone, in an 80x24 terminal, pushes the list to the demo's simulated
// Intune (p, then y) and sees it read back, then quits and reads what was printed.
func TestDemoInARealTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the wizard in tmux")
	}
	bin, self := wizardBinary(t)
	s := startTmux(t, bin+" --demo", self, "TERM=xterm-256color", "NO_COLOR=")
	s.waitFor("Welcome")
	// Five presses of Enter: Welcome, the URL, the token, the mode (the
	// checks move on by themselves), the confirmation (link and site entry).
	screens := []string{"Connect", "Token", "MDM or not", "cacheSessionInMobileBrowser", "Result"}
	for _, want := range screens {
		s.send("Enter")
		checkWidth(t, s.waitFor(want), 80)
	}
	scr := s.waitFor(`"clientID"`)
	if !strings.Contains(scr, `"baseURL": "https://jira.example.com"`) {
		t.Fatalf("result screen:\n%s", scr)
	}
	// The push: the plan first, nothing written before y; then the outcome.
	s.send("p")
	s.waitFor("Press y to write it")
	s.send("y")
	scr = s.waitFor("read back and confirmed")
	checkWidth(t, scr, 80)
	s.send("q")
	out := s.waitFor("EXIT=")
	for _, want := range []string{"EXIT=0", `Created the incoming link "Jira iOS app"`, "Intune: created the app configuration"} {
		if !strings.Contains(flatText(out), want) {
			t.Fatalf("after quitting, no %q:\n%s", want, out)
		}
	}
}

// checkWidth fails when a line of a terminal's screen is wider than width.
func checkWidth(t *testing.T, screen string, width int) {
	t.Helper()
	for _, line := range strings.Split(screen, "\n") {
		if len([]rune(line)) > width {
			t.Fatalf("a line is wider than %d columns:\n%s", width, screen)
		}
	}
}
