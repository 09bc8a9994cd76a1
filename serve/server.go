// Package serve runs the wizard over SSH: admins ssh into a jump host and get
// the same terminal UI without installing anything.
//
// Only public-key logins listed in an authorized_keys file get in. Each
// session runs its own Bubble Tea program, built by Options.NewModel, on that
// session's terminal; sessions share nothing.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	gossh "golang.org/x/crypto/ssh"
)

// connectionGrace is how long shutdown waits, once every session has said
// goodbye, for clients to hang up by themselves before their connections are
// closed under them.
const connectionGrace = time.Second

// connectionIdleGrace is added to the idle timeout for the connection as a
// whole, so that a session's own timer, which says why, fires first.
const connectionIdleGrace = 30 * time.Second

// Server serves the wizard over SSH. Create it with New.
type Server struct {
	opts      Options
	log       *slog.Logger
	ssh       *ssh.Server
	keys      *authorizedKeys
	hostKey   gossh.PublicKey
	admission *admission
	gate      *preauthGate
	channels  channelCounts
	handlers  handlers
	addr      atomic.Pointer[net.Addr]
	started   atomic.Bool
}

// New checks the options, loads the authorized keys (refusing a missing,
// empty or malformed file) and loads or creates the host key. Nothing listens
// until Serve or ListenAndServe.
func New(opts Options) (*Server, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Logger, admission: newAdmission(opts.MaxSessions),
		gate: newPreauthGate(opts.MaxUnauthenticated, opts.MaxUnauthenticatedPerSource, opts.HandshakeTimeout, opts.Logger)}

	if s.keys, err = loadAuthorizedKeys(opts.AuthorizedKeysFile, s.log); err != nil {
		return nil, err
	}
	signer, err := loadOrCreateHostKey(opts.HostKeyFile, s.log)
	if err != nil {
		return nil, err
	}
	s.hostKey = signer.PublicKey()

	s.ssh, err = wish.NewServer(
		func(srv *ssh.Server) error {
			srv.AddHostKey(signer)
			return nil
		},
		// Only public keys: with no password or keyboard-interactive handler
		// those methods are refused, and with a public-key handler set the
		// library no longer lets everyone in.
		ssh.PublicKeyAuth(s.allowKey),
		// A backstop for connections without a session; sessions end
		// earlier, with a message, by their own idle timer.
		wish.WithIdleTimeout(opts.IdleTimeout+connectionIdleGrace),
		func(srv *ssh.Server) error {
			srv.HandshakeTimeout = opts.HandshakeTimeout
			srv.ConnectionFailedCallback = s.connectionFailed
			srv.ConnCallback = s.gate.connCallback
			srv.ServerConfigCallback = s.gate.serverConfig
			// Sessions only: no port forwarding, no agent channels.
			srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": s.sessionChannel}
			return nil
		},
		// Last listed runs first.
		wish.WithMiddleware(
			s.runWizard,
			s.admit,
			s.requirePTY,
			s.runCommand,
			s.recoverPanics,
			s.logSessions,
		),
	)
	if err != nil {
		return nil, fmt.Errorf("ssh server: %w", err)
	}
	return s, nil
}

// HostKeyFingerprint is the SHA256 fingerprint of the host key, for admins to
// compare with what their ssh client shows on first connect.
func (s *Server) HostKeyFingerprint() string {
	return gossh.FingerprintSHA256(s.hostKey)
}

// Addr is the address being listened on, or nil before Serve starts.
func (s *Server) Addr() net.Addr {
	if a := s.addr.Load(); a != nil {
		return *a
	}
	return nil
}

// ListenAndServe listens on Options.Listen and serves until ctx is cancelled.
// See Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	l, err := s.Listen(ctx)
	if err != nil {
		return err
	}
	return s.Serve(ctx, l)
}

// Listen opens Options.Listen, so that a caller can report a busy port before
// announcing anything, then Serve on it.
func (s *Server) Listen(ctx context.Context) (net.Listener, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", s.opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	return l, nil
}

// Serve accepts connections on l until ctx is cancelled, then shuts down
// gracefully: no new sessions, every open session is stopped and told
// "server shutting down", and connections still open after
// Options.ShutdownTimeout are closed. It returns nil after a shutdown caused
// by ctx, or the listener's error. A Server serves once.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	if !s.started.CompareAndSwap(false, true) {
		_ = l.Close()
		return errors.New("serve: Serve called twice")
	}
	addr := l.Addr()
	s.addr.Store(&addr)
	s.log.Info("serving the wizard over SSH", "addr", addr.String(), "host_key", s.HostKeyFingerprint(),
		"authorized_keys", s.opts.AuthorizedKeysFile, "max_sessions", s.opts.MaxSessions, "idle_timeout", s.opts.IdleTimeout)

	served := make(chan error, 1)
	go func() { served <- s.ssh.Serve(gateListener{Listener: l, gate: s.gate}) }()

	var serveErr error
	select {
	case serveErr = <-served:
		served = nil
	case <-ctx.Done():
		s.log.Info("shutting down", "timeout", s.opts.ShutdownTimeout)
	}
	s.shutdown()
	// The library forgets a Close that comes before its Serve has registered
	// the listener; closing it here too makes sure Serve returns.
	_ = l.Close()
	if served != nil {
		<-served
	}
	if errors.Is(serveErr, ssh.ErrServerClosed) {
		serveErr = nil
	}
	return serveErr
}

// shutdown stops accepting, stops every session and waits for them (bounded),
// then closes whatever connections remain.
func (s *Server) shutdown() {
	started := time.Now()
	deadline, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
	defer cancel()

	s.admission.shutdown()
	// Shutdown closes the listeners at once and then waits for connections.
	connsClosed := make(chan struct{})
	go func() {
		_ = s.ssh.Shutdown(deadline)
		close(connsClosed)
	}()

	select {
	case <-s.admission.drained():
		// Every session has ended and said why; give clients a moment to
		// hang up themselves so that nothing they have not read yet is lost
		// to a reset.
		select {
		case <-connsClosed:
		case <-time.After(connectionGrace):
		case <-deadline.Done():
		}
	case <-deadline.Done():
		s.log.Warn("sessions still open after the shutdown timeout; closing their connections")
	}
	_ = s.ssh.Close()
	<-connsClosed

	// Every session's end is logged before Serve returns: the connections are
	// closed now, so a handler still running is only finishing its lines.
	// The wait shares the shutdown's deadline, with at least connectionGrace
	// left for it, so that Serve still returns within about ShutdownTimeout.
	if n := s.handlers.count(); n > 0 {
		s.log.Debug("waiting for sessions to log their end", "sessions", n)
		last := time.NewTimer(max(time.Until(started.Add(s.opts.ShutdownTimeout)), connectionGrace))
		defer last.Stop()
		select {
		case <-s.handlers.ended():
		case <-last.C:
			s.log.Warn("sessions did not end after their connections were closed; their end is not logged",
				"sessions", s.handlers.count())
		}
	}
	s.log.Info("stopped")
}

func (s *Server) allowKey(ctx ssh.Context, key ssh.PublicKey) bool {
	if s.keys.allows(key) {
		return true
	}
	s.log.Info("public key not authorized", "user", ctx.User(), "key", fingerprint(key), "remote", ctx.RemoteAddr().String())
	return false
}

// connectionFailed logs connections that never got a session: failed logins,
// port scanners, handshakes that timed out.
func (s *Server) connectionFailed(conn net.Conn, err error) {
	if s.gate.wasEvicted(conn.RemoteAddr().String()) {
		return // counted in the gate's own line
	}
	s.log.Info("connection refused", "remote", conn.RemoteAddr().String(), "reason", err.Error())
}
