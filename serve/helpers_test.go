package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve/servetest"
	gossh "golang.org/x/crypto/ssh"
)

// echoModel is the stand-in wizard: it shows who it serves, its window size
// and what was typed. "!" panics, "q" quits with exit status 3, "#"
// interrupts, ctrl+c quits with 0.
type echoModel struct {
	s        Session
	w, h     int
	typed    string
	exitCode int
}

func newEchoModel(s Session) (tea.Model, []tea.ProgramOption) {
	return echoModel{s: s, w: s.Width, h: s.Height}, nil
}

func (m echoModel) Init() tea.Cmd { return nil }

func (m echoModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tea.KeyPressMsg:
		switch msg.String() {
		case "ctrl+c":
			return m, tea.Quit
		case "q":
			m.exitCode = 3
			return m, tea.Quit
		case "#":
			return m, tea.Interrupt
		case "!":
			panic("echo model: boom")
		default:
			m.typed += msg.Text
		}
	}
	return m, nil
}

func (m echoModel) View() tea.View {
	return tea.NewView(fmt.Sprintf("echo for %s\nsize %dx%d\nprofile %s\nenv WIZ_TEST=%s\ntyped [%s]",
		m.s.User, m.w, m.h, m.s.Profile, getenv(m.s.Environ, "WIZ_TEST"), m.typed))
}

func (m echoModel) ExitCode() int { return m.exitCode }

func getenv(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if after, ok := strings.CutPrefix(kv, key+"="); ok {
			v = after
		}
	}
	return v
}

type testServer struct {
	*Server
	addr     string
	key      servetest.Key // listed in authorized_keys
	keysFile string
	logs     *simtest.Buffer
	stop     func() error // cancels Serve and returns what it returned
}

// startServer serves the echo model on 127.0.0.1:0 with one authorized key.
// configure may change the options before New.
func startServer(t *testing.T, configure func(*Options)) *testServer {
	t.Helper()
	dir := t.TempDir()
	key := servetest.NewKey(t)
	logs := &simtest.Buffer{}
	opts := Options{
		AuthorizedKeysFile: servetest.WriteAuthorizedKeys(t, filepath.Join(dir, "authorized_keys"), key),
		HostKeyFile:        filepath.Join(dir, "host_ed25519"),
		ShutdownTimeout:    5 * time.Second,
		Logger:             slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		NewModel:           newEchoModel,
	}
	if configure != nil {
		configure(&opts)
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var lc net.ListenConfig
	l, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, l) }()
	var once sync.Once
	var serveErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case serveErr = <-served:
			case <-time.After(servetest.DefaultTimeout):
				serveErr = errors.New("Serve did not return after cancel")
			}
		})
		return serveErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &testServer{Server: srv, addr: l.Addr().String(), key: key, keysFile: opts.AuthorizedKeysFile, logs: logs, stop: stop}
}

func dial(t *testing.T, addr string, user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	t.Helper()
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            user,
		Auth:            auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         servetest.DefaultTimeout,
	})
	if err == nil {
		t.Cleanup(func() { _ = c.Close() })
	}
	return c, err
}

func mustDial(t *testing.T, addr string, user string, key servetest.Key) *gossh.Client {
	t.Helper()
	c, err := dial(t, addr, user, gossh.PublicKeys(key.Signer))
	if err != nil {
		t.Fatalf("dial as %s: %v", user, err)
	}
	return c
}

// session is one x/crypto/ssh client session with its screen and stderr.
type session struct {
	*servetest.Session
	sess   *gossh.Session
	stderr *simtest.Buffer
}

type sessionOpts struct {
	pty  bool
	w, h int
	env  map[string]string
	term string // the pty-req's TERM; xterm-256color when empty
}

func openSession(t *testing.T, c *gossh.Client, o sessionOpts) *session {
	t.Helper()
	gs, err := c.NewSession()
	if err != nil {
		t.Fatalf("new session: %v", err)
	}
	t.Cleanup(func() { _ = gs.Close() })
	for k, v := range o.env {
		if err := gs.Setenv(k, v); err != nil {
			t.Fatalf("setenv %s: %v", k, err)
		}
	}
	s := &session{sess: gs, stderr: &simtest.Buffer{}}
	s.Session = servetest.Start(t, gs, servetest.Shell{Pty: o.pty, Term: o.term, Width: o.w, Height: o.h}, s.stderr)
	return s
}

// openWizard opens a PTY session and waits for the model's first frame.
func openWizard(t *testing.T, c *gossh.Client, w, h int) *session {
	t.Helper()
	s := openSession(t, c, sessionOpts{pty: true, w: w, h: h})
	s.WaitFor(t, "echo for")
	return s
}

func (s *session) send(text string) { s.Send(text) }

// exitStatus waits for the session to end and returns its exit status.
func (s *session) exitStatus(t *testing.T) int {
	t.Helper()
	return s.Wait(t)
}

// waitForLog waits until the server log contains text and returns the log.
func (ts *testServer) waitForLog(t *testing.T, text string) string {
	t.Helper()
	return ts.logs.WaitFor(t, text)
}

// waitForLogLines waits until n lines of the server log contain every one of
// parts, and returns the log.
func (ts *testServer) waitForLogLines(t *testing.T, n int, parts ...string) string {
	t.Helper()
	return ts.logs.WaitUntil(t, fmt.Sprintf("%d log lines with %q", n, parts), func(logs string) bool {
		found := 0
		for line := range strings.Lines(logs) {
			if !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(line, p) }) {
				found++
			}
		}
		return found >= n
	})
}
