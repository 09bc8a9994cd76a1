package serve

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"
)

// Defaults applied by New when the matching Options field is zero.
const (
	DefaultListen          = ":2222"
	DefaultIdleTimeout     = 15 * time.Minute
	DefaultMaxSessions     = 20
	DefaultShutdownTimeout = 10 * time.Second

	// DefaultHandshakeTimeout bounds how long an unauthenticated connection
	// may hold a socket and a pre-authentication slot. Public-key logins take
	// well under a second; the margin is for slow links and security keys
	// that wait for a touch.
	DefaultHandshakeTimeout = 10 * time.Second

	// DefaultMaxUnauthenticated and DefaultMaxUnauthenticatedPerSource bound
	// connections that have not logged in yet (like OpenSSH's MaxStartups):
	// per source address, that many are in their handshake and the rest
	// wait, newest first; in total, that many handshake or wait, and past it
	// one of the source holding the most is closed (one that has not begun
	// its key exchange, the oldest, first). Connections that stall, from a
	// few addresses or from many, can then neither use up the file handles
	// nor keep out a valid key that comes after them.
	DefaultMaxUnauthenticated          = 256
	DefaultMaxUnauthenticatedPerSource = 32
)

// Options configures a Server. Only AuthorizedKeysFile and NewModel are
// required.
type Options struct {
	// Listen is the TCP address for ListenAndServe. Empty means
	// DefaultListen (all interfaces, port 2222).
	Listen string

	// AuthorizedKeysFile lists the public keys allowed in, in OpenSSH
	// authorized_keys format. It is re-read when it changes, so keys can be
	// added or removed without a restart.
	AuthorizedKeysFile string

	// HostKeyFile holds the server's ed25519 host key (OpenSSH PEM). It is
	// created with mode 0600 when missing. Empty means DefaultHostKeyFile().
	HostKeyFile string

	// IdleTimeout ends a session, with a message first, after this long
	// without a key press (for a command: without input or output). Window
	// changes and keep-alives do not count. 0 means DefaultIdleTimeout.
	IdleTimeout time.Duration

	// HandshakeTimeout bounds the SSH handshake, login included. 0 means
	// DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration

	// MaxUnauthenticated bounds connections that have not logged in yet
	// (in their handshake or waiting for it); MaxUnauthenticatedPerSource
	// bounds those in their handshake per source IP address, the others
	// wait. 0 means the defaults.
	MaxUnauthenticated, MaxUnauthenticatedPerSource int

	// MaxSessions bounds concurrent wizard sessions; past it a new session is
	// refused politely. 0 means DefaultMaxSessions.
	MaxSessions int

	// ShutdownTimeout bounds the graceful shutdown after the context given to
	// Serve is cancelled; connections still open after it are closed.
	// 0 means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration

	// Logger receives one line per session and per refused connection.
	// nil means a text logger on stderr.
	Logger *slog.Logger

	// NewModel builds the wizard for one session. It is called once per
	// session, on that session's goroutine, and nothing may be shared between
	// the models it returns. The returned options may override the
	// environment, window size and colour profile the server sets from the
	// session; the server's input, output, context, signal handling and
	// message filter are applied after them and win (filter messages in
	// Update instead). If the final model has an ExitCode() int method, its
	// result becomes the session's exit status.
	NewModel func(s Session) (tea.Model, []tea.ProgramOption)

	// Exec runs a command line sent with the session (ssh host setup …) on
	// the session's own input and output, and returns its exit status. args
	// is the command line split as a shell would. nil refuses commands with
	// a hint. It must not touch the server's files or environment: s.Environ
	// is what the client sent. ctx ends when the session does.
	Exec func(ctx context.Context, s Session, args []string, stdio ExecIO) int

	// LineMode reports whether a session without a command gets line
	// prompts instead of NewModel's full-screen program: its terminal cannot
	// redraw (TERM=dumb), or it asked for them. Such a session runs Exec
	// with no arguments. nil, or Exec nil, is never.
	LineMode func(s Session) bool
}

// ExecIO is a command's input and output: the session's channel and its
// stderr stream. On a terminal (ssh -t), whose client sends each key as it
// is pressed, In gives what a terminal's line discipline would: lines ended
// by Enter, Backspace and Ctrl-U to edit, Ctrl-D at the start of a line ends
// the input, Ctrl-C ends the command's context. What is typed is echoed only
// while the reader asks for it: In then has a SetEcho(on bool) method, and
// a reader that does not call it (a token read from standard input) shows
// nothing.
type ExecIO struct {
	In       io.Reader
	Out, Err io.Writer
}

// DefaultHostKeyFile is where the host key lives when Options.HostKeyFile is
// empty: $XDG_STATE_HOME/mobile-oauth-wizard/host_ed25519, or
// ~/.local/state/mobile-oauth-wizard/host_ed25519 without XDG_STATE_HOME. A
// state directory rather than the working directory, so that the key (and so
// the fingerprint admins have accepted) survives running from elsewhere.
func DefaultHostKeyFile() (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(dir) {
		// The XDG spec says relative values are invalid and must be ignored.
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no host key file given and no home directory for the default: %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "mobile-oauth-wizard", "host_ed25519"), nil
}

// withDefaults validates opts and fills in the zero values.
func (o Options) withDefaults() (Options, error) {
	if o.AuthorizedKeysFile == "" {
		return o, errors.New("an authorized keys file is required (--authorized-keys FILE): the server only lets in the public keys listed there")
	}
	if o.NewModel == nil {
		return o, errors.New("serve: Options.NewModel is required")
	}
	if o.IdleTimeout < 0 {
		return o, fmt.Errorf("idle timeout must not be negative (got %s)", o.IdleTimeout)
	}
	if o.MaxSessions < 0 {
		return o, fmt.Errorf("max sessions must not be negative (got %d)", o.MaxSessions)
	}
	if o.HandshakeTimeout < 0 || o.MaxUnauthenticated < 0 || o.MaxUnauthenticatedPerSource < 0 {
		return o, errors.New("handshake timeout and unauthenticated connection caps must not be negative")
	}
	if o.ShutdownTimeout < 0 {
		return o, fmt.Errorf("shutdown timeout must not be negative (got %s)", o.ShutdownTimeout)
	}
	if o.HostKeyFile == "" {
		p, err := DefaultHostKeyFile()
		if err != nil {
			return o, err
		}
		o.HostKeyFile = p
	}
	o.Listen = cmp.Or(o.Listen, DefaultListen)
	o.IdleTimeout = cmp.Or(o.IdleTimeout, DefaultIdleTimeout)
	o.MaxSessions = cmp.Or(o.MaxSessions, DefaultMaxSessions)
	o.HandshakeTimeout = cmp.Or(o.HandshakeTimeout, DefaultHandshakeTimeout)
	o.MaxUnauthenticated = cmp.Or(o.MaxUnauthenticated, DefaultMaxUnauthenticated)
	o.MaxUnauthenticatedPerSource = cmp.Or(o.MaxUnauthenticatedPerSource, DefaultMaxUnauthenticatedPerSource)
	o.ShutdownTimeout = cmp.Or(o.ShutdownTimeout, DefaultShutdownTimeout)
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return o, nil
}
