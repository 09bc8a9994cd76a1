package serve

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"github.com/charmbracelet/colorprofile"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve/servetest"
	gossh "golang.org/x/crypto/ssh"
)

func TestWithoutATerminalTheSessionExplainsAndFails(t *testing.T) {
	ts := startServer(t, nil)
	c := mustDial(t, ts.addr, "admin", ts.key)

	s := openSession(t, c, sessionOpts{pty: false})
	if code := s.exitStatus(t); code == 0 {
		t.Errorf("exit status 0, want non-zero")
	}
	msg := s.stderr.String()
	if !strings.Contains(msg, "this server runs an interactive wizard: connect with ssh -t") {
		t.Errorf("stderr %q does not explain how to connect", msg)
	}
	if _, port, _ := strings.Cut(ts.addr, ":"); !strings.Contains(msg, "-p "+port) {
		t.Errorf("stderr %q does not name the port", msg)
	}
	if strings.Contains(msg, "\r") {
		t.Errorf("stderr %q has terminal line endings although there is no terminal", msg)
	}
}

func TestWizardGetsKeysAndResizes(t *testing.T) {
	ts := startServer(t, nil)
	c := mustDial(t, ts.addr, "alice", ts.key)
	s := openWizard(t, c, 80, 24)

	screen := s.WaitFor(t, "size 80x24")
	if !strings.Contains(screen, "echo for alice") {
		t.Errorf("the model does not know the session's user:\n%s", screen)
	}
	s.send("hello wizard")
	s.WaitFor(t, "typed [hello wizard]")

	if err := s.sess.WindowChange(30, 100); err != nil {
		t.Fatal(err)
	}
	s.Resize(100, 30)
	s.WaitFor(t, "size 100x30")

	s.send("\x03") // ctrl+c
	if code := s.exitStatus(t); code != 0 {
		t.Errorf("exit status %d after a normal quit, want 0; stderr %q", code, s.stderr.String())
	}
}

func TestTerminalWithoutASizeGetsTheClassicOne(t *testing.T) {
	ts := startServer(t, nil)
	s := openSession(t, mustDial(t, ts.addr, "admin", ts.key), sessionOpts{pty: true, w: 0, h: 0})
	s.WaitFor(t, "size 80x24")
}

// sizeModel reports every size its program is given.
type sizeModel struct{ sizes chan<- tea.WindowSizeMsg }

func (m sizeModel) Init() tea.Cmd { return nil }

func (m sizeModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		m.sizes <- ws
	}
	return m, nil
}

func (m sizeModel) View() tea.View { return tea.NewView("sized") }

// TestTerminalSizesAreClampedAtTheDoor: one client asking for a terminal of
// 4294967295x4294967295 (pty-req or window change) would have the server
// allocate a screen buffer until the process dies, for every session. The
// program gets at most 512x256, and 0x0 gets the classic 80x24.
func TestTerminalSizesAreClampedAtTheDoor(t *testing.T) {
	const huge = 1<<32 - 1
	sizes := make(chan tea.WindowSizeMsg, 16)
	started := make(chan Session, 1)
	ts := startServer(t, func(o *Options) {
		o.NewModel = func(s Session) (tea.Model, []tea.ProgramOption) {
			started <- s
			return sizeModel{sizes: sizes}, nil
		}
	})
	c := mustDial(t, ts.addr, "admin", ts.key)
	ch, reqs, err := c.OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	go gossh.DiscardRequests(reqs)
	go func() { _, _ = io.Copy(io.Discard, ch) }()

	ptyReq := func(term string) []byte {
		return gossh.Marshal(struct {
			Term         string
			W, H, PW, PH uint32
			Modes        string
		}{term, huge, huge, huge, huge, "\x00"})
	}
	if ok, _ := ch.SendRequest("pty-req", true, ptyReq(strings.Repeat("x", 100_000))); ok {
		t.Error("a pty-req naming a 100 kB TERM was accepted")
	}
	if ok, err := ch.SendRequest("pty-req", true, ptyReq("xterm")); !ok || err != nil {
		t.Fatalf("pty-req: %v %v", ok, err)
	}
	if ok, err := ch.SendRequest("shell", true, nil); !ok || err != nil {
		t.Fatalf("shell: %v %v", ok, err)
	}
	want := func(what string, w, h int) {
		t.Helper()
		timeout := time.After(servetest.DefaultTimeout)
		for {
			select {
			case got := <-sizes:
				if got.Width == w && got.Height == h {
					return
				}
				if got.Width > maxColumns || got.Height > maxRows {
					t.Fatalf("%s: the program was given %dx%d", what, got.Width, got.Height)
				}
			case <-timeout:
				t.Fatalf("%s: the program was never given %dx%d", what, w, h)
			}
		}
	}
	select {
	case s := <-started:
		if s.Width != 512 || s.Height != 256 {
			t.Errorf("NewModel got %dx%d from a pty-req of %dx%d, want 512x256", s.Width, s.Height, uint32(huge), uint32(huge))
		}
	case <-time.After(servetest.DefaultTimeout):
		t.Fatal("no session started")
	}
	want("pty-req", 512, 256)
	for _, tt := range []struct {
		w, h         uint32
		wantW, wantH int
	}{
		{100, 30, 100, 30},
		{huge, huge, 512, 256},
		{0, 0, 80, 24},
		{65535, 40, 512, 40},
		{120, 0, 80, 24},
	} {
		change := gossh.Marshal(struct{ W, H, PW, PH uint32 }{tt.w, tt.h, huge, huge})
		if _, err := ch.SendRequest("window-change", false, change); err != nil {
			t.Fatal(err)
		}
		want(fmt.Sprintf("window change to %dx%d", tt.w, tt.h), tt.wantW, tt.wantH)
	}
}

func TestClampWindow(t *testing.T) {
	for _, tt := range []struct {
		cols, rows uint32
		want       ssh.Window
	}{
		{120, 40, ssh.Window{Width: 120, Height: 40}},
		{0, 0, ssh.Window{Width: 80, Height: 24}},
		{100, 0, ssh.Window{Width: 80, Height: 24}},
		{1<<32 - 1, 1<<32 - 1, ssh.Window{Width: 512, Height: 256}},
		{513, 257, ssh.Window{Width: 512, Height: 256}},
	} {
		if got := clampWindow(tt.cols, tt.rows); got != tt.want {
			t.Errorf("clampWindow(%d, %d) = %+v, want %+v", tt.cols, tt.rows, got, tt.want)
		}
	}
}

func TestExitStatus(t *testing.T) {
	tests := []struct {
		name string
		key  string
		want int
	}{
		{"quit", "\x03", 0},
		{"the final model's ExitCode", "q", 3},
		{"tea.Interrupt", "#", 130},
	}
	ts := startServer(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openWizard(t, mustDial(t, ts.addr, "admin", ts.key), 80, 24)
			s.send(tt.key)
			if code := s.exitStatus(t); code != tt.want {
				t.Errorf("exit status %d, want %d", code, tt.want)
			}
			if msg := s.stderr.String(); msg != "" {
				t.Errorf("unexpected message on stderr: %q", msg)
			}
		})
	}
}

func TestSessionEnvironmentAndColourProfile(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		profile colorprofile.Profile
	}{
		{"256-colour terminal", map[string]string{"WIZ_TEST": "hi"}, colorprofile.ANSI256},
		{"NO_COLOR with a non-boolean value", map[string]string{"WIZ_TEST": "hi", "NO_COLOR": "please"}, colorprofile.ASCII},
		{"COLORTERM truecolor", map[string]string{"WIZ_TEST": "hi", "COLORTERM": "truecolor"}, colorprofile.TrueColor},
	}
	ts := startServer(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openSession(t, mustDial(t, ts.addr, "admin", ts.key), sessionOpts{pty: true, w: 80, h: 24, env: tt.env})
			s.WaitFor(t, "env WIZ_TEST=hi")
			s.WaitFor(t, "profile "+tt.profile.String())
		})
	}
}

func TestConcurrentSessionsDoNotShareInput(t *testing.T) {
	ts := startServer(t, nil)
	a := openWizard(t, mustDial(t, ts.addr, "alice", ts.key), 80, 24)
	b := openWizard(t, mustDial(t, ts.addr, "bob", ts.key), 60, 20)

	a.send("aaa")
	b.send("bbb")
	// A last key each: once it shows, anything misrouted before it has
	// shown too.
	a.send("A")
	b.send("B")

	for _, tt := range []struct {
		s                      *session
		name, last, typed, own string
	}{
		{a, "alice", "A", "aaaA", "echo for alice\nsize 80x24"},
		{b, "bob", "B", "bbbB", "echo for bob\nsize 60x20"},
	} {
		screen := tt.s.WaitUntil(t, tt.name+"'s last key", func(screen string) bool {
			return strings.Contains(typedLine(screen), tt.last)
		})
		if got := typedLine(screen); got != "typed ["+tt.typed+"]" {
			t.Errorf("%s's screen shows %q, want only their own keys %q", tt.name, got, tt.typed)
		}
		if !strings.Contains(screen, tt.own) {
			t.Errorf("%s's screen is not their own session:\n%s", tt.name, screen)
		}
	}
}

func typedLine(screen string) string {
	for line := range strings.Lines(screen) {
		if strings.HasPrefix(line, "typed [") {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

func TestMaxSessionsRefusesPolitely(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.MaxSessions = 2 })
	c := mustDial(t, ts.addr, "admin", ts.key)
	first := openWizard(t, c, 80, 24)
	openWizard(t, c, 80, 24)

	third := openSession(t, c, sessionOpts{pty: true, w: 80, h: 24})
	if code := third.exitStatus(t); code == 0 {
		t.Error("the session past the limit ended with status 0")
	}
	if msg := third.stderr.String(); !strings.Contains(msg, "too many sessions (2); try again later") {
		t.Errorf("refusal message %q", msg)
	}

	// A slot frees up when a session ends.
	first.send("\x03")
	first.exitStatus(t)
	openWizard(t, c, 80, 24)
}

func TestPanicEndsOnlyThatSession(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.NewModel = func(s Session) (tea.Model, []tea.ProgramOption) {
			if s.User == "crash-on-start" {
				panic("NewModel: boom")
			}
			return newEchoModel(s)
		}
	})
	c := mustDial(t, ts.addr, "admin", ts.key)
	bystander := openWizard(t, c, 80, 24)

	tests := []struct {
		name, user string
		trigger    func(*session)
		wantLog    string
	}{
		{"panic in Update", "admin", func(s *session) { s.send("!") }, "wizard panicked"},
		{"panic in NewModel", "crash-on-start", func(*session) {}, "session panicked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openSession(t, mustDial(t, ts.addr, tt.user, ts.key), sessionOpts{pty: true, w: 80, h: 24})
			tt.trigger(s)
			if code := s.exitStatus(t); code == 0 {
				t.Error("the panicking session ended with status 0")
			}
			if msg := s.stderr.String(); !strings.Contains(msg, msgInternalError) {
				t.Errorf("stderr %q, want %q", msg, msgInternalError)
			}
			ts.waitForLog(t, tt.wantLog)
		})
	}

	bystander.send("still here")
	bystander.WaitFor(t, "typed [still here]")
	late := openWizard(t, mustDial(t, ts.addr, "admin", ts.key), 80, 24)
	late.send("x")
	late.WaitFor(t, "typed [x]")
}

func TestShutdownTellsOpenSessions(t *testing.T) {
	ts := startServer(t, nil)
	sessions := []*session{
		openWizard(t, mustDial(t, ts.addr, "alice", ts.key), 80, 24),
		openWizard(t, mustDial(t, ts.addr, "bob", ts.key), 80, 24),
	}

	if err := ts.stop(); err != nil {
		t.Fatalf("Serve returned %v after cancel, want nil", err)
	}
	for i, s := range sessions {
		if code := s.exitStatus(t); code == 0 {
			t.Errorf("session %d ended with status 0 on shutdown", i)
		}
		if msg := s.stderr.String(); !strings.Contains(msg, "server shutting down") {
			t.Errorf("session %d was not told: stderr %q", i, msg)
		}
	}
	if _, err := dial(t, ts.addr, "admin", gossh.PublicKeys(ts.key.Signer)); err == nil {
		t.Error("the server still accepts connections after shutdown")
	}
}

func TestIdleSessionIsClosed(t *testing.T) {
	// The session may idle out before its first frame on a loaded machine:
	// nothing here waits for the frame, so that cannot fail the test.
	ts := startServer(t, func(o *Options) { o.IdleTimeout = time.Second })
	s := openSession(t, mustDial(t, ts.addr, "admin", ts.key), sessionOpts{pty: true, w: 80, h: 24})
	// Window changes are not key presses: they do not keep a session alive.
	stopResizing := make(chan struct{})
	defer close(stopResizing)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stopResizing:
				return
			case <-time.After(50 * time.Millisecond):
				_ = s.sess.WindowChange(24, 80+i%2)
			}
		}
	}()
	select {
	case <-s.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("an idle session was never closed")
	}
	if msg := s.stderr.String(); !strings.Contains(msg, "no key pressed for 1s: session closed") {
		t.Errorf("the session was not told why it ended: stderr %q", msg)
	}
	ts.waitForLog(t, "session idle; closing it")
}

func TestSessionLogLines(t *testing.T) {
	ts := startServer(t, nil)
	s := openWizard(t, mustDial(t, ts.addr, "carol", ts.key), 80, 24)
	s.send("my-secret-token-123")
	s.WaitFor(t, "typed [my-secret-token-123]")
	s.send("\x03")
	s.exitStatus(t)

	logs := ts.waitForLog(t, "session ended")
	var ended string
	for line := range strings.Lines(logs) {
		if strings.Contains(line, "session ended") {
			ended = line
		}
	}
	for _, want := range []string{"user=carol", "key=" + ts.key.Fingerprint, "key_comment=servetest", "remote=127.0.0.1:", "duration=", "exit=0"} {
		if !strings.Contains(ended, want) {
			t.Errorf("session log line %q lacks %q", ended, want)
		}
	}
	if strings.Contains(logs, "my-secret-token-123") {
		t.Error("typed input reached the log")
	}
}

func TestProfileFor(t *testing.T) {
	tests := []struct {
		env  []string
		want colorprofile.Profile
	}{
		{[]string{"TERM=xterm-256color"}, colorprofile.ANSI256},
		{[]string{"TERM=xterm-256color", "NO_COLOR=1"}, colorprofile.ASCII},
		{[]string{"TERM=xterm-256color", "NO_COLOR=yes please"}, colorprofile.ASCII},
		{[]string{"TERM=xterm-256color", "NO_COLOR="}, colorprofile.ANSI256},
		{[]string{"TERM=dumb", "NO_COLOR=x"}, colorprofile.NoTTY},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.env), func(t *testing.T) {
			if got := profileFor(tt.env); got != tt.want {
				t.Errorf("profileFor(%q) = %s, want %s", tt.env, got, tt.want)
			}
		})
	}
}
