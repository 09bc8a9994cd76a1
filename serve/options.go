package serve

import (
	"errors"
	"fmt"
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

	// handshakeTimeout bounds how long an unauthenticated connection may hold
	// a socket: without it a client that never finishes the handshake stays
	// forever.
	handshakeTimeout = 30 * time.Second
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

	// IdleTimeout closes a connection after this long without any traffic.
	// 0 means DefaultIdleTimeout.
	IdleTimeout time.Duration

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
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxSessions == 0 {
		o.MaxSessions = DefaultMaxSessions
	}
	if o.ShutdownTimeout == 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return o, nil
}
