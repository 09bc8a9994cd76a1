package servetest

import (
	"cmp"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Session is one session of Go's SSH client (golang.org/x/crypto/ssh), in
// the test's process: no OpenSSH client and no pseudo-terminal on this
// machine. Its embedded Terminal shows what the server drew.
type Session struct {
	*Terminal
	stdin  io.Writer
	stderr Output        // written by the client's goroutine
	done   chan struct{} // closed once the session ended
	err    error         // from Wait, valid after done
}

// Output is where a session's stderr goes: a writer that can say what it
// holds (a strings.Builder read only once the session ended, or a buffer
// safe to read while it is written).
type Output interface {
	io.Writer
	String() string
}

// Shell is how Start opens a session's shell: with a terminal (Pty) of
// Width×Height and TERM Term, or without one.
type Shell struct {
	Pty           bool
	Term          string
	Width, Height int
}

// Open logs in to addr as Dial does, with key, asks for a terminal of the
// configured size and TERM, sends the configured environment (WithEnv, as
// ssh -o SetEnv does) and starts the shell (WithArgs does not apply).
func Open(tb testing.TB, addr string, key Key, opts ...Option) *Session {
	tb.Helper()
	cfg := dialConfig{user: "admin", width: 100, height: 30, term: "xterm-256color"}
	gs := inProcess(tb, addr, key, &cfg, opts)
	return Start(tb, gs, Shell{Pty: true, Term: cfg.term, Width: cfg.width, Height: cfg.height}, &strings.Builder{})
}

// Start starts the shell of gs, a session already opened (its environment
// sent), as sh says, its stderr into stderr; the screen is sh's size (80x24
// without one: the size a server promises a terminal that gave none).
func Start(tb testing.TB, gs *gossh.Session, sh Shell, stderr Output) *Session {
	tb.Helper()
	w, h := sh.Width, sh.Height
	if w <= 0 || h <= 0 {
		w, h = 80, 24
	}
	s := &Session{Terminal: NewTerminal(w, h), stderr: stderr, done: make(chan struct{})}
	gs.Stdout, gs.Stderr = s.Terminal, stderr
	var err error
	if s.stdin, err = gs.StdinPipe(); err != nil {
		tb.Fatalf("servetest: stdin: %v", err)
	}
	if sh.Pty {
		if err := gs.RequestPty(cmp.Or(sh.Term, "xterm-256color"), sh.Height, sh.Width, gossh.TerminalModes{}); err != nil {
			tb.Fatalf("servetest: pty: %v", err)
		}
	}
	if err := gs.Shell(); err != nil {
		tb.Fatalf("servetest: start: %v", err)
	}
	go func() {
		s.err = gs.Wait()
		s.Terminal.Close()
		close(s.done)
	}()
	return s
}

// Done is closed once the session ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// RunInProcess is Run with Go's SSH client in the test's process: the
// command without a terminal, stdin as its input; it waits for the end.
func RunInProcess(tb testing.TB, addr string, key Key, stdin string, opts []Option, command ...string) Result {
	tb.Helper()
	cfg := dialConfig{user: "admin"}
	gs := inProcess(tb, addr, key, &cfg, opts)
	var out, errb strings.Builder
	gs.Stdin, gs.Stdout, gs.Stderr = strings.NewReader(stdin), &out, &errb
	done := make(chan error, 1)
	go func() { done <- gs.Run(strings.Join(command, " ")) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		_ = gs.Close()
		<-done
		tb.Fatalf("servetest.RunInProcess: %v did not finish; stderr %q", command, errb.String())
	}
	r := Result{Stdout: out.String(), Stderr: errb.String()}
	r.Code = exitStatus(tb, err, r.Stderr)
	return r
}

// exitStatus is the remote exit status of a session that ended with err
// (from Run or Wait). It fails the test if the session ended without one.
func exitStatus(tb testing.TB, err error, stderr string) int {
	tb.Helper()
	var exit *gossh.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.ExitStatus()
	}
	tb.Fatalf("the session ended without an exit status: %v; stderr %q", err, stderr)
	return -1
}

// inProcess logs in to addr with key as cfg (after opts) says and opens a
// session that carries cfg's environment.
func inProcess(tb testing.TB, addr string, key Key, cfg *dialConfig, opts []Option) *gossh.Session {
	tb.Helper()
	for _, o := range opts {
		o(cfg)
	}
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            cfg.user,
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key.Signer)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         DefaultTimeout,
	})
	if err != nil {
		tb.Fatalf("servetest: dial %s: %v", addr, err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	gs, err := c.NewSession()
	if err != nil {
		tb.Fatalf("servetest: new session: %v", err)
	}
	for _, kv := range cfg.env {
		k, v, _ := strings.Cut(kv, "=")
		if err := gs.Setenv(k, v); err != nil {
			tb.Fatalf("servetest: setenv %s: %v", k, err)
		}
	}
	return gs
}

// Send types text.
func (s *Session) Send(text string) { _, _ = s.stdin.Write([]byte(text)) }

// Wait waits for the session to end and returns its exit status. It fails
// the test if the session has not ended within the Terminal's timeout.
func (s *Session) Wait(tb testing.TB) int {
	tb.Helper()
	s.waitDone(tb, s.done, "the session to end")
	return exitStatus(tb, s.err, s.stderr.String())
}
