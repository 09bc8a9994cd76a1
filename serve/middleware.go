package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
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
		start := time.Now()
		rec := &exitRecorder{Session: sess}
		who := []any{
			"user", sess.User(),
			"key", fingerprint(sess.PublicKey()),
			"remote", sess.RemoteAddr().String(),
		}
		pty, _, hasPTY := sess.Pty()
		s.log.Info("session started", append(who, "pty", hasPTY, "term", pty.Term,
			"width", pty.Window.Width, "height", pty.Window.Height)...)
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
		t, err := s.admission.enter()
		if err != nil {
			s.log.Warn("session refused", "user", sess.User(), "remote", sess.RemoteAddr().String(), "reason", err.Error())
			tell(sess, err.Error())
			_ = sess.Exit(1)
			return
		}
		defer t.done()
		next(&slotFreeingSession{Session: sess, ticket: t})
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
		info := newSession(sess)
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
			tea.WithInput(sess),
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

		_, winch, _ := sess.Pty()
		go func() {
			for w := range winch {
				p.Send(windowSize(w))
			}
			// winch is closed with the session channel: nothing left to
			// draw on.
			cancel()
		}()

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

// windowSize turns a window change into the program's size. The PTY request's
// size comes round again as the first window change; a client without a size of
// its own (ssh -tt from a script) sends 0x0 there, which would undo the default
// given at the start and leave the renderer drawing empty frames.
func windowSize(w ssh.Window) tea.WindowSizeMsg {
	if w.Width <= 0 || w.Height <= 0 {
		return tea.WindowSizeMsg{Width: defaultWidth, Height: defaultHeight}
	}
	return tea.WindowSizeMsg{Width: w.Width, Height: w.Height}
}
