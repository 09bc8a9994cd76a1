package serve

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"

	"charm.land/ssh"
	"github.com/charmbracelet/colorprofile"
	gossh "golang.org/x/crypto/ssh"
)

// Session describes one SSH session to Options.NewModel.
type Session struct {
	User       string // the SSH user name the client asked for (any name; the key is the identity)
	RemoteAddr string
	// KeyFingerprint is the SHA256 fingerprint of the key the client logged
	// in with, as ssh-keygen -l prints it; KeyComment is the comment of its
	// line in the authorized keys file (who it is, as the operator wrote it).
	KeyFingerprint, KeyComment string
	Width, Height              int    // the terminal size at the start; later changes arrive as tea.WindowSizeMsg
	Term                       string // the client's TERM
	// Environ is the client's environment as sent over SSH, plus TERM. It is
	// what the program sees instead of the server's own environment.
	Environ []string
	// Profile is the colour profile derived from Environ; NO_COLOR with any
	// non-empty value forces ASCII.
	Profile colorprofile.Profile
	// Log is the server's logger with this session's user, key fingerprint
	// and comment and remote address attached: for audit lines about changes
	// the session makes.
	Log *slog.Logger
	// SSH is the session itself, for what the fields above leave out (the
	// requested command, the connection's context). The program owns its
	// input and output.
	SSH ssh.Session
}

const defaultWidth, defaultHeight = 80, 24

// who is the identity a session's log lines carry: the key, as its
// fingerprint and as the operator named it, the user name the client asked
// for (any name) and the address.
func (s *Server) who(sess ssh.Session) []any {
	return []any{
		"user", sess.User(),
		"key", fingerprint(sess.PublicKey()),
		"key_comment", s.keys.comment(sess.PublicKey()),
		"remote", sess.RemoteAddr().String(),
	}
}

func (s *Server) newSession(sess ssh.Session) Session {
	pty, _, hasPTY := sess.Pty()
	env := sess.Environ()
	if hasPTY {
		env = append(env, "TERM="+pty.Term)
	}
	// The pty-req's size was clamped when it arrived; without one, the
	// classic size.
	size := pty.Window
	if !hasPTY {
		size = clampWindow(0, 0)
	}
	return Session{
		User:           sess.User(),
		RemoteAddr:     sess.RemoteAddr().String(),
		KeyFingerprint: fingerprint(sess.PublicKey()),
		KeyComment:     s.keys.comment(sess.PublicKey()),
		Width:          size.Width,
		Height:         size.Height,
		Term:           pty.Term,
		Environ:        env,
		Profile:        profileFor(env),
		Log:            s.log.With(s.who(sess)...),
		SSH:            sess,
	}
}

// profileFor is colorprofile.Env plus the no-color.org rule that any
// non-empty NO_COLOR turns colour off (colorprofile only honours values
// strconv.ParseBool accepts).
func profileFor(env []string) colorprofile.Profile {
	p := colorprofile.Env(env)
	noColor := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "NO_COLOR="); ok {
			noColor = v // the last assignment wins, as in a shell
		}
	}
	if noColor != "" && p > colorprofile.ASCII {
		p = colorprofile.ASCII
	}
	return p
}

func fingerprint(key ssh.PublicKey) string {
	if key == nil {
		return ""
	}
	return gossh.FingerprintSHA256(key)
}

// exitRecorder remembers the exit status a session ended with, for the log
// line.
type exitRecorder struct {
	ssh.Session
	mu     sync.Mutex
	status int
}

func (e *exitRecorder) Exit(code int) error {
	e.mu.Lock()
	e.status = code
	e.mu.Unlock()
	return e.Session.Exit(code)
}

func (e *exitRecorder) exitStatus() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status
}

// Messages a user may see. They go to the session's stderr, which is the
// same screen when there is a terminal and stays out of captured output when
// there is not.
const (
	msgInternalError = "the wizard stopped after an internal error; it has been logged on the server"
	msgShutdown      = "server shutting down"
)

func noPTYMessage(sess ssh.Session) string {
	return "this server runs an interactive wizard: connect with ssh -t (a terminal is required), e.g. " + noPTYExample(sess)
}

func noPTYExample(sess ssh.Session) string {
	example := "ssh -t"
	if _, port, err := net.SplitHostPort(sess.LocalAddr().String()); err == nil && port != "22" {
		example += " -p " + port
	}
	return example + " " + sess.User() + "@HOST"
}

// tell writes one line to the user. On a terminal it starts on a fresh line
// because a program that was just stopped may have left the cursor mid-line.
func tell(sess ssh.Session, msg string) {
	if _, _, ok := sess.Pty(); ok {
		msg = "\r\n" + msg + "\r"
	}
	_, _ = fmt.Fprintln(sess.Stderr(), msg)
}
