package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
)

// exitCoder lets the wizard's final model choose the session's exit status.
type exitCoder interface{ ExitCode() int }

// summarizer lets the final model leave text on the session after the program
// has left the alternate screen: what was done, the site list. Locally the CLI
// prints it to stdout; over SSH it would otherwise vanish with the screen.
type summarizer interface{ Summary() string }

// logSessions writes one line when a session starts and one when it ends,
// with who, from where, which key, for how long and how it ended. Nothing
// the user typed is logged.
func (s *Server) logSessions(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		s.handlers.start()
		defer s.handlers.done()
		start := time.Now()
		rec := &exitRecorder{Session: sess}
		who := s.who(sess)
		pty, _, hasPTY := sess.Pty()
		started := append(who, "pty", hasPTY, "term", pty.Term, "width", pty.Window.Width, "height", pty.Window.Height)
		if args := sess.Command(); len(args) > 0 {
			// The command's name only: its arguments are the user's.
			started = append(started, "command", logSafe(args[0]))
		}
		s.log.Info("session started", started...)
		defer func() {
			s.log.Info("session ended", append(who,
				"duration", time.Since(start).Round(time.Millisecond),
				"exit", rec.exitStatus())...)
		}()
		next(rec)
	}
}

// recoverPanics keeps a panic in one session (in NewModel, say) from taking
// the server down, logs it, and ends that session with an error. Panics
// inside the Bubble Tea program are caught by Bubble Tea itself and handled
// in runWizard.
func (s *Server) recoverPanics(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("session panicked", "user", sess.User(), "remote", sess.RemoteAddr().String(),
					"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				tell(sess, msgInternalError)
				_ = sess.Exit(1)
			}
		}()
		next(sess)
	}
}

// requirePTY turns away sessions without a terminal (ssh host cmd, scp,
// scripts) with a hint instead of drawing a TUI into a pipe.
func (s *Server) requirePTY(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if _, _, ok := sess.Pty(); !ok {
			tell(sess, noPTYMessage(sess))
			_ = sess.Exit(1)
			return
		}
		next(sess)
	}
}

// admit applies the session bound and refuses sessions once shutdown began.
func (s *Server) admit(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		t, ok := s.enter(sess)
		if !ok {
			return
		}
		defer t.done()
		next(&slotFreeingSession{Session: sess, ticket: t})
	}
}

// enter takes a session slot, or tells the client why not and ends the
// session.
func (s *Server) enter(sess ssh.Session) (*ticket, bool) {
	t, err := s.admission.enter()
	if err != nil {
		s.log.Warn("session refused", "user", sess.User(), "remote", sess.RemoteAddr().String(), "reason", err.Error())
		tell(sess, err.Error())
		_ = sess.Exit(1)
		return nil, false
	}
	return t, true
}

// runCommand runs a command line sent with the session (ssh host setup …)
// through Options.Exec, on the session's input and output, with its exit
// status. Sessions without a command go on to the wizard.
func (s *Server) runCommand(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		args := sess.Command()
		_, _, hasPTY := sess.Pty()
		lines := len(args) == 0 && hasPTY && s.opts.Exec != nil && s.opts.LineMode != nil && s.opts.LineMode(s.newSession(sess))
		if len(args) == 0 && !lines {
			next(sess)
			return
		}
		if s.opts.Exec == nil {
			tell(sess, "this server runs the interactive wizard only: connect without a command ("+noPTYExample(sess)+")")
			_ = sess.Exit(1)
			return
		}
		t, ok := s.enter(sess)
		if !ok {
			return
		}
		defer t.done()
		sess = &slotFreeingSession{Session: sess, ticket: t}

		ctx, cancel := context.WithCancel(s.admission.closing)
		defer cancel()
		stop := context.AfterFunc(sess.Context(), cancel)
		defer stop()
		idle := s.watchIdle(ctx, cancel, sess)
		defer idle.finish()

		stdio := ExecIO{
			In:  idle.reader(sess),
			Out: idle.writer(sess),
			Err: idle.writer(sess.Stderr()),
		}
		if hasPTY {
			stdio.In = newLineDiscipline(stdio.In, stdio.Out, cancel)
		}
		code := s.opts.Exec(ctx, s.newSession(sess), args, stdio)
		switch {
		case idle.fired():
			tell(sess, fmt.Sprintf("no input or output for %s: the command was stopped", s.opts.IdleTimeout))
			code = max(code, 1)
		case s.admission.closing.Err() != nil:
			tell(sess, msgShutdown)
			code = max(code, 1)
		}
		_ = sess.Exit(code)
	}
}

// slotFreeingSession frees the session's slot as it sends the exit status.
type slotFreeingSession struct {
	ssh.Session
	ticket *ticket
}

func (s *slotFreeingSession) Exit(code int) error {
	s.ticket.freeSlot()
	return s.Session.Exit(code)
}

// runWizard runs one Bubble Tea program for the session, on the session's
// own input, output, size, environment and colour profile.
func (s *Server) runWizard(ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		info := s.newSession(sess)
		model, extra := s.opts.NewModel(info)
		if model == nil {
			s.log.Error("NewModel returned no model", "user", sess.User(), "remote", info.RemoteAddr)
			tell(sess, msgInternalError)
			_ = sess.Exit(1)
			return
		}

		// One context stops the program for every outside reason: server
		// shutdown (the parent), the connection dropping, or the session
		// channel closing.
		ctx, cancel := context.WithCancel(s.admission.closing)
		defer cancel()
		stop := context.AfterFunc(sess.Context(), cancel)
		defer stop()
		// Only key presses count as activity: a client that floods window
		// changes is still idle.
		idle := s.watchIdle(ctx, cancel, sess)
		defer idle.finish()

		// The model's own options may override the environment, size and
		// colour profile, but not what keeps sessions apart and the server
		// process safe, which comes last.
		opts := append([]tea.ProgramOption{
			tea.WithEnvironment(info.Environ),
			tea.WithWindowSize(info.Width, info.Height),
			tea.WithColorProfile(info.Profile),
		}, extra...)
		opts = append(opts,
			tea.WithContext(ctx),
			tea.WithInput(idle.reader(sess)),
			tea.WithOutput(sess),
			// Signals belong to the server process: a Ctrl-C on the server
			// must shut it down gracefully, not interrupt every session.
			tea.WithoutSignalHandler(),
			// tea.Suspend would send SIGTSTP to the server's own process
			// group, stopping every session; the client's terminal cannot be
			// suspended from here anyway.
			tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
				if _, ok := msg.(tea.SuspendMsg); ok {
					return tea.ResumeMsg{}
				}
				return msg
			}),
		)
		p := tea.NewProgram(model, opts...)

		forwardWindowChanges(ctx, cancel, sess, p)

		final, err := p.Run()
		p.Kill()

		code := 0
		switch {
		case err == nil:
			if ec, ok := final.(exitCoder); ok {
				code = ec.ExitCode()
			}
			if sm, ok := final.(summarizer); ok {
				writeSummary(sess, sm.Summary())
			}
		case errors.Is(err, tea.ErrInterrupted):
			// The user interrupted (tea.Interrupt): not an error, but not a
			// finished wizard either; 130 is what shells report for Ctrl-C.
			code = 130
		case idle.fired():
			tell(sess, fmt.Sprintf("no key pressed for %s: session closed", s.opts.IdleTimeout))
			code = 1
		case errors.Is(err, tea.ErrProgramPanic):
			// Bubble Tea has printed the stack to the server's stderr.
			s.log.Error("wizard panicked; session closed", "user", sess.User(), "remote", info.RemoteAddr, "err", err)
			tell(sess, msgInternalError)
			code = 1
		case s.admission.closing.Err() != nil:
			tell(sess, msgShutdown)
			code = 1
		case ctx.Err() != nil:
			// The client went away: there is nobody to tell.
			code = 1
		default:
			s.log.Error("wizard stopped", "user", sess.User(), "remote", info.RemoteAddr, "err", err)
			tell(sess, msgInternalError)
			code = 1
		}
		_ = sess.Exit(code)
	}
}

// writeSummary writes text with CRLF line ends: the client's terminal is still in
// raw mode, where a bare LF moves down without returning to the first column.
func writeSummary(sess ssh.Session, text string) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if text == "" {
		return
	}
	_, _ = io.WriteString(sess, strings.ReplaceAll(text, "\n", "\r\n")+"\r\n")
}

// forwardWindowChanges passes the client's window changes to the program.
// They are taken from the connection's mailbox, latest first, so reading
// them never waits for the program, which may itself be waiting for a client
// that does not read.
func forwardWindowChanges(ctx context.Context, cancel context.CancelFunc, sess ssh.Session, p *tea.Program) {
	_, winch, _ := sess.Pty()
	go func() {
		// Only the PTY request's size comes this way, and the program
		// started with it. winch is closed with the session channel: nothing
		// left to draw on.
		for range winch {
		}
		cancel()
	}()
	sizes := mailboxOf(sess)
	if sizes == nil {
		return
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-sizes.changed:
				if w, ok := sizes.take(); ok {
					p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
				}
			}
		}
	}()
}

// idleCloseGrace is how long a session that timed out may take to say so and
// end before its connection is closed under it (a client that does not read
// can keep it from ending).
const idleCloseGrace = 3 * time.Second

// idleWatch ends a session after Options.IdleTimeout without activity.
type idleWatch struct {
	last     atomic.Int64 // unix nanoseconds of the last activity
	idled    atomic.Bool
	finished chan struct{}
	once     sync.Once
}

func (s *Server) watchIdle(ctx context.Context, cancel context.CancelFunc, sess ssh.Session) *idleWatch {
	w := &idleWatch{finished: make(chan struct{})}
	w.touch()
	d := s.opts.IdleTimeout
	go func() {
		timer := time.NewTimer(d)
		defer timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			if rest := d - time.Since(time.Unix(0, w.last.Load())); rest > 0 {
				timer.Reset(rest)
				continue
			}
			w.idled.Store(true)
			s.log.Info("session idle; closing it", "user", sess.User(), "remote", sess.RemoteAddr().String(), "idle_timeout", d)
			cancel()
			select {
			case <-w.finished:
			case <-time.After(idleCloseGrace):
				s.log.Warn("idle session did not end; closing its connection", "user", sess.User(), "remote", sess.RemoteAddr().String())
				closeConnection(sess)
			}
			return
		}
	}()
	return w
}

func (w *idleWatch) touch()      { w.last.Store(time.Now().UnixNano()) }
func (w *idleWatch) fired() bool { return w.idled.Load() }

// finish tells the watch that the session's handler is done.
func (w *idleWatch) finish() { w.once.Do(func() { close(w.finished) }) }

// reader counts what the client sends as activity.
func (w *idleWatch) reader(r io.Reader) io.Reader { return activityReader{r: r, w: w} }

// writer counts output as activity (for commands, which may print progress
// without reading anything).
func (w *idleWatch) writer(wr io.Writer) io.Writer { return activityWriter{wr: wr, w: w} }

type activityReader struct {
	r io.Reader
	w *idleWatch
}

func (a activityReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if n > 0 {
		a.w.touch()
	}
	return n, err
}

type activityWriter struct {
	wr io.Writer
	w  *idleWatch
}

func (a activityWriter) Write(p []byte) (int, error) {
	n, err := a.wr.Write(p)
	if n > 0 {
		a.w.touch()
	}
	return n, err
}

// closeConnection closes the session's whole connection, which unblocks every
// write waiting for the client.
func closeConnection(sess ssh.Session) {
	if c, ok := sess.Context().Value(ssh.ContextKeyConn).(io.Closer); ok {
		_ = c.Close()
	}
}

// logSafe shortens a client-chosen string and makes it one inert line.
func logSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return s
}
