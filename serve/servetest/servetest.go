// Package servetest drives an SSH-served terminal UI from tests with the real
// OpenSSH client, under a pseudo-terminal, and reads back what its screen
// shows.
//
//	key := servetest.NewKey(t)
//	// ... start the server with key.AuthorizedKey in its authorized_keys ...
//	c := servetest.Dial(t, addr, key.Path)
//	c.WaitFor(t, "Welcome")
//	c.Send(servetest.KeyEnter)
//	c.WaitFor(t, "Connect")
//	if code := c.Wait(t); code != 0 { ... }
package servetest

import (
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// Keys as a terminal sends them.
const (
	KeyEnter     = "\r"
	KeyTab       = "\t"
	KeyShiftTab  = "\x1b[Z"
	KeyEsc       = "\x1b"
	KeyBackspace = "\x7f"
	KeyUp        = "\x1b[A"
	KeyDown      = "\x1b[B"
	KeyRight     = "\x1b[C"
	KeyLeft      = "\x1b[D"
	KeyCtrlC     = "\x03"
)

// Conn is one OpenSSH client session. Its embedded Terminal shows what the
// server drew.
type Conn struct {
	*Terminal

	cmd  *exec.Cmd
	ptmx *os.File
	done chan struct{} // closed once ssh has exited and its output is read

	mu       sync.Mutex
	exitCode int
	waitErr  error
}

type dialConfig struct {
	user          string
	width, height int
	term          string
	env           []string
	args          []string
}

// Option adjusts Dial.
type Option func(*dialConfig)

// WithUser sets the SSH user name ("admin" by default).
func WithUser(user string) Option { return func(c *dialConfig) { c.user = user } }

// WithSize sets the terminal size (100x30 by default).
func WithSize(width, height int) Option {
	return func(c *dialConfig) { c.width, c.height = width, height }
}

// WithTerm sets TERM, which the client sends in its PTY request
// (xterm-256color by default).
func WithTerm(term string) Option { return func(c *dialConfig) { c.term = term } }

// WithEnv sends KEY=VALUE pairs to the server (ssh -o SetEnv).
func WithEnv(kv ...string) Option { return func(c *dialConfig) { c.env = append(c.env, kv...) } }

// WithArgs appends raw ssh arguments before the destination.
func WithArgs(args ...string) Option { return func(c *dialConfig) { c.args = append(c.args, args...) } }

// RequireSSH returns the path of the OpenSSH client, skipping the test when
// there is none.
func RequireSSH(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("ssh")
	if err != nil {
		tb.Skip("OpenSSH client (ssh) not installed")
	}
	return path
}

// Dial runs `ssh -tt` against addr (host:port) with the private key in
// keyFile, under a pseudo-terminal, ignoring the user's ssh config, agent and
// known hosts. The session is killed at the end of the test if still open.
func Dial(tb testing.TB, addr, keyFile string, opts ...Option) *Conn {
	tb.Helper()
	sshPath := RequireSSH(tb)
	cfg := dialConfig{user: "admin", width: 100, height: 30, term: "xterm-256color"}
	for _, o := range opts {
		o(&cfg)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		tb.Fatalf("servetest.Dial: address %q: %v", addr, err)
	}

	args := []string{
		"-tt",
		"-F", "/dev/null", // not the user's config
		"-e", "none", // "~." in typed text must not disconnect
		"-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR",
		"-o", "BatchMode=yes",
		"-o", "IdentitiesOnly=yes",
		"-o", "IdentityAgent=none",
		"-o", "PasswordAuthentication=no",
		"-o", "KbdInteractiveAuthentication=no",
		"-i", keyFile,
		"-p", port,
	}
	for _, kv := range cfg.env {
		args = append(args, "-o", "SetEnv="+kv)
	}
	args = append(args, cfg.args...)
	args = append(args, cfg.user+"@"+host)

	cmd := exec.Command(sshPath, args...)
	cmd.Env = clientEnv(cfg.term)
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cfg.width), Rows: uint16(cfg.height)})
	if err != nil {
		tb.Fatalf("servetest.Dial: start ssh: %v", err)
	}
	c := &Conn{
		Terminal: NewTerminal(cfg.width, cfg.height),
		cmd:      cmd,
		ptmx:     ptmx,
		done:     make(chan struct{}),
	}
	go c.pump()
	tb.Cleanup(c.Close)
	return c
}

// clientEnv is a minimal environment for ssh: no agent, no inherited TERM.
func clientEnv(term string) []string {
	env := []string{"TERM=" + term}
	for _, k := range []string{"HOME", "PATH", "USER", "LOGNAME"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// pump copies ssh's output to the screen until ssh exits.
func (c *Conn) pump() {
	// Reading the master fails with EIO once ssh has exited and closed the
	// terminal; everything it wrote before that has been read by then.
	_, _ = io.Copy(c.Terminal, c.ptmx)
	err := c.cmd.Wait()
	c.mu.Lock()
	c.waitErr = err
	c.exitCode = 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		c.exitCode = exit.ExitCode()
	case err != nil:
		c.exitCode = -1
	}
	c.mu.Unlock()
	c.Terminal.Close()
	close(c.done)
}

// Send types s, byte for byte, as if on the keyboard. Use the Key constants
// for special keys. Wait for the first frame before sending: until ssh has
// switched the local terminal to raw mode, the terminal may echo or edit
// what is typed.
func (c *Conn) Send(s string) {
	_, _ = io.WriteString(c.ptmx, s)
}

// Resize changes the terminal size; ssh tells the server (window-change).
func (c *Conn) Resize(tb testing.TB, width, height int) {
	tb.Helper()
	c.Terminal.Resize(width, height)
	if err := pty.Setsize(c.ptmx, &pty.Winsize{Cols: uint16(width), Rows: uint16(height)}); err != nil {
		tb.Fatalf("resize: %v", err)
	}
}

// Done is closed when ssh has exited.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Wait waits for ssh to exit and returns its exit status: the remote exit
// status, 255 for an ssh error. It fails the test if ssh has not exited
// within the Terminal's timeout.
func (c *Conn) Wait(tb testing.TB) int {
	tb.Helper()
	c.waitDone(tb, c.done, "ssh to exit")
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exitCode
}

// Close kills ssh if it is still running and releases the terminal.
func (c *Conn) Close() {
	select {
	case <-c.done:
	default:
		_ = c.cmd.Process.Kill()
		<-c.done
	}
	_ = c.ptmx.Close()
}

// Result is what a command run over ssh left: its output and exit status.
type Result struct {
	Stdout, Stderr string
	Code           int // the remote exit status; 255 for an ssh error
}

// Run runs `ssh HOST command...` without a terminal, as a script would
// (ssh host setup … > sites.plist), with stdin as its input, and waits for it.
func Run(tb testing.TB, addr, keyFile string, stdin string, opts []Option, command ...string) Result {
	tb.Helper()
	sshPath := RequireSSH(tb)
	cfg := dialConfig{user: "admin", term: "dumb"}
	for _, o := range opts {
		o(&cfg)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		tb.Fatalf("servetest.Run: address %q: %v", addr, err)
	}
	args := []string{
		"-T", "-F", "/dev/null",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "LogLevel=ERROR", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
		"-o", "IdentityAgent=none", "-i", keyFile, "-p", port,
	}
	for _, kv := range cfg.env {
		args = append(args, "-o", "SetEnv="+kv)
	}
	args = append(args, cfg.args...)
	args = append(args, cfg.user+"@"+host, "--")
	args = append(args, command...)
	cmd := exec.Command(sshPath, args...)
	cmd.Env = clientEnv(cfg.term)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("servetest.Run: start ssh: %v", err)
	}
	go func() { done <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		tb.Fatalf("servetest.Run: ssh %v did not finish; stderr %q", command, errb.String())
	}
	r := Result{Stdout: out.String(), Stderr: errb.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(werr, &exit):
		r.Code = exit.ExitCode()
	case werr != nil:
		tb.Fatalf("servetest.Run: %v", werr)
	}
	return r
}
