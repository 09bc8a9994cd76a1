package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/eventually"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve/servetest"
	gossh "golang.org/x/crypto/ssh"
)

// fillModel writes a screenful of colour (512 KiB) on every resize: a client
// that resizes without reading soon has more output owed to it than the SSH
// window holds, and the program's writes wait.
type fillModel struct{}

func (m fillModel) Init() tea.Cmd { return nil }

func (m fillModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.WindowSizeMsg); ok {
		return m, tea.Raw(screenful)
	}
	return m, nil
}

func (m fillModel) View() tea.View { return tea.NewView("echo for flood") }

// screenful is 512 KiB of cells with a colour each (every cell costs an
// escape sequence).
var screenful = strings.Repeat("\x1b[38;5;208ma", 512<<10/len("\x1b[38;5;208ma"))

// channelWindow is the window x/crypto/ssh's client gives a channel it opens:
// the server may send that much before the client reads some.
const channelWindow = 2 << 20

// floodWindowChanges opens a PTY session and then only sends window changes,
// never reading what the server writes, until stop is closed. full is closed
// once the server has sent the channel's whole window (counted on the wire,
// where the client's SSH library takes every byte whether the session reads
// it or not): from then on the server's writes to it wait.
func floodWindowChanges(t *testing.T, ts *testServer, stop <-chan struct{}) (c *gossh.Client, full <-chan struct{}) {
	t.Helper()
	raw, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingConn{Conn: raw, at: channelWindow, reached: make(chan struct{})}
	conn, chans, reqs, err := gossh.NewClientConn(counted, ts.addr, &gossh.ClientConfig{
		User: "flood", Auth: []gossh.AuthMethod{gossh.PublicKeys(ts.key.Signer)}, HostKeyCallback: gossh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		t.Fatalf("dial as flood: %v", err)
	}
	c = gossh.NewClient(conn, chans, reqs)
	t.Cleanup(func() { _ = c.Close() })
	ch, chReqs, err := c.OpenChannel("session", nil)
	if err != nil {
		t.Fatalf("open session: %v", err)
	}
	go gossh.DiscardRequests(chReqs)
	pty := gossh.Marshal(struct {
		Term         string
		W, H, PW, PH uint32
		Modes        string
	}{"xterm", 200, 60, 0, 0, "\x00"})
	if ok, err := ch.SendRequest("pty-req", true, pty); !ok || err != nil {
		t.Fatalf("pty-req: %v %v", ok, err)
	}
	if ok, err := ch.SendRequest("shell", true, nil); !ok || err != nil {
		t.Fatalf("shell: %v %v", ok, err)
	}
	go func() {
		for i := 0; ; i++ {
			// Paced, not timed: the test waits for events, never for this
			// clock; the pause only keeps a flood from taking a loaded
			// machine's cores from the server it floods.
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			w := gossh.Marshal(struct{ W, H, PW, PH uint32 }{uint32(240 + i%10), 250, 0, 0})
			if _, err := ch.SendRequest("window-change", false, w); err != nil {
				return
			}
		}
	}()
	return c, counted.reached
}

// countingConn closes reached once at bytes have been read from it.
type countingConn struct {
	net.Conn
	n, at   int
	reached chan struct{}
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.n < c.at && c.n+n >= c.at {
		close(c.reached)
	}
	c.n += n
	return n, err
}

// TestClientsThatFloodWindowChangesWithoutReadingReleaseTheirSlots: two
// clients fill their SSH windows and keep resizing; once they go away, their
// slots are free again and a third login gets the wizard.
func TestClientsThatFloodWindowChangesWithoutReadingReleaseTheirSlots(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.MaxSessions = 2
		o.NewModel = func(s Session) (tea.Model, []tea.ProgramOption) {
			if s.User == "flood" {
				return fillModel{}, nil
			}
			return newEchoModel(s)
		}
	})
	stop := make(chan struct{})
	var floods []*gossh.Client
	for range 2 {
		c, full := floodWindowChanges(t, ts, stop)
		floods = append(floods, c)
		// Its window is full: the server's writes to it wait for a read that never comes.
		select {
		case <-full:
		case <-time.After(servetest.DefaultTimeout):
			t.Fatal("the flooding client's window never filled")
		}
	}
	// Both slots are taken meanwhile.
	third := openSession(t, mustDial(t, ts.addr, "third", ts.key), sessionOpts{pty: true, w: 80, h: 24})
	third.exitStatus(t)
	if !strings.Contains(third.stderr.String(), "too many sessions") {
		t.Fatalf("a third session while two flood: stderr %q, screen:\n%s", third.stderr.String(), third.Screen())
	}

	close(stop)
	for _, c := range floods {
		_ = c.Close()
	}
	// A session's slot is free before its end is logged.
	ts.waitForLogLines(t, 2, "session ended", "user=flood")
	s := openSession(t, mustDial(t, ts.addr, "admin", ts.key), sessionOpts{pty: true, w: 80, h: 24})
	s.WaitFor(t, "echo for admin")
}

// TestAgentForwardingIsRefused: nothing in a session needs the admin's keys.
func TestAgentForwardingIsRefused(t *testing.T) {
	ts := startServer(t, nil)
	c := mustDial(t, ts.addr, "admin", ts.key)
	gs, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer gs.Close()
	ok, err := gs.SendRequest("auth-agent-req@openssh.com", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ok {
		t.Error("the server accepted agent forwarding")
	}
	// The session still works after the refusal.
	if err := gs.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatalf("pty after the refusal: %v", err)
	}
}

// TestPortForwardingIsRefused: a session may only talk to the wizard, not
// reach the jump host's network.
func TestPortForwardingIsRefused(t *testing.T) {
	ts := startServer(t, nil)
	c := mustDial(t, ts.addr, "admin", ts.key)
	if conn, err := c.Dial("tcp", ts.addr); err == nil {
		conn.Close()
		t.Error("a direct-tcpip channel was opened")
	}
	if l, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		l.Close()
		t.Error("remote forwarding was accepted")
	}
}

// TestIdleConnectionBurstDoesNotLockOutAValidKey: a burst of connections that
// never say a word fills the pre-authentication limits; a valid key that
// comes after it still gets in at once, and the burst holds no more sockets
// than the total limit.
func TestIdleConnectionBurstDoesNotLockOutAValidKey(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.MaxUnauthenticated, o.MaxUnauthenticatedPerSource = 20, 5
		// Longer than any test: a valid key that waited for the burst's
		// handshakes to time out would never get in.
		o.HandshakeTimeout = time.Hour
	})
	var idle []net.Conn
	t.Cleanup(func() {
		for _, c := range idle {
			c.Close()
		}
	})
	for range 200 {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatalf("burst: %v", err)
		}
		idle = append(idle, c)
	}
	s := openWizard(t, mustDial(t, ts.addr, "admin", ts.key), 80, 24)
	s.send("\x03")
	s.exitStatus(t)

	open := 0
	for _, c := range idle {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
		buf := make([]byte, 256)
		for {
			if _, err := c.Read(buf); err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					open++
				}
				break
			}
		}
	}
	if open > 20 {
		t.Errorf("%d idle connections still open, want at most 20", open)
	}
	if n := strings.Count(ts.logs.String(), "connection refused"); n > 20 {
		t.Errorf("%d log lines for the burst; want a summary", n)
	}
	ts.waitForLog(t, "unauthenticated connections closed to make room")
}

// TestManyLoginsAtOnceFromOneAddress: the per-source limit makes logins
// wait their turn, not fail.
func TestManyLoginsAtOnceFromOneAddress(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.MaxUnauthenticated, o.MaxUnauthenticatedPerSource, o.MaxSessions = 100, 2, 100
	})
	errs := make(chan error, 20)
	for range 20 {
		go func() {
			c, err := gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{User: "admin",
				Auth: []gossh.AuthMethod{gossh.PublicKeys(ts.key.Signer)}, HostKeyCallback: gossh.InsecureIgnoreHostKey()})
			if err == nil {
				c.Close()
			}
			errs <- err
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Errorf("login: %v", err)
		}
	}
}

// TestHandshakeDeadline: a connection that never logs in is closed after the
// handshake timeout.
func TestHandshakeDeadline(t *testing.T) {
	ts := startServer(t, func(o *Options) { o.HandshakeTimeout = 300 * time.Millisecond })
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, c); err != nil {
		t.Fatalf("the server did not close a silent connection: %v", err)
	}
}

// TestExecRunsTheCommandOnTheSession: a command line sent with the session
// runs through Options.Exec, with the session's input, output, environment
// and exit status.
func TestExecRunsTheCommandOnTheSession(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.Exec = func(ctx context.Context, s Session, args []string, stdio ExecIO) int {
			in, _ := io.ReadAll(stdio.In)
			fmt.Fprintf(stdio.Out, "out %s in=%s env=%s\n", strings.Join(args, "|"), in, getenv(s.Environ, "WIZ_TEST"))
			fmt.Fprintln(stdio.Err, "to stderr")
			return 4
		}
	})
	c := mustDial(t, ts.addr, "admin", ts.key)
	gs, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	_ = gs.Setenv("WIZ_TEST", "from-client")
	gs.Stdin = strings.NewReader("typed")
	var out, errb strings.Builder
	gs.Stdout, gs.Stderr = &out, &errb
	err = gs.Run(`setup --url "https://jira.example.com" --yes`)
	var exit *gossh.ExitError
	if !errorsAs(err, &exit) || exit.ExitStatus() != 4 {
		t.Errorf("exit: %v, want status 4", err)
	}
	if want := "out setup|--url|https://jira.example.com|--yes in=typed env=from-client\n"; out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	if errb.String() != "to stderr\n" {
		t.Errorf("stderr %q", errb.String())
	}
	logs := ts.waitForLog(t, "session ended")
	if !strings.Contains(logs, "command=setup") || strings.Contains(logs, "jira.example.com") {
		t.Errorf("the log should name the command only:\n%s", logs)
	}
}

func TestExecWithoutAnExecFunctionGetsAHint(t *testing.T) {
	ts := startServer(t, nil)
	c := mustDial(t, ts.addr, "admin", ts.key)
	gs, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var errb strings.Builder
	gs.Stderr = &errb
	if err := gs.Run("setup"); err == nil {
		t.Error("a command the server cannot run exited 0")
	}
	if !strings.Contains(errb.String(), "interactive wizard only") {
		t.Errorf("no hint: %q", errb.String())
	}
}

// TestIdleCommandIsStopped: a command that neither reads nor writes is
// stopped after the idle timeout, with a message.
func TestIdleCommandIsStopped(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.IdleTimeout = time.Second
		o.Exec = func(ctx context.Context, s Session, args []string, stdio ExecIO) int {
			<-ctx.Done()
			return 0
		}
	})
	c := mustDial(t, ts.addr, "admin", ts.key)
	gs, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var errb strings.Builder
	gs.Stderr = &errb
	if err := gs.Run("check"); err == nil {
		t.Error("a command stopped for idling exited 0")
	}
	if !strings.Contains(errb.String(), "no input or output for 1s") {
		t.Errorf("no message: %q", errb.String())
	}
}

func errorsAs(err error, target **gossh.ExitError) bool {
	e, ok := err.(*gossh.ExitError)
	if ok {
		*target = e
	}
	return ok
}

// TestStalledConnectionsDoNotLockOutAValidKey: connections that send the
// start of a version line and stall, from a few addresses holding many
// places each or from many addresses holding one, fill the
// pre-authentication limit; a valid key that comes after them still gets in.
func TestStalledConnectionsDoNotLockOutAValidKey(t *testing.T) {
	const maxTotal, perSource = 16, 4
	for _, tt := range []struct {
		name             string
		sources, perConn int
	}{
		{"few addresses, many connections each", 5, perSource}, // 20 > 16, as 9 x 32 > 256
		{"many addresses, one connection each", 24, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, func(o *Options) {
				o.MaxUnauthenticated, o.MaxUnauthenticatedPerSource = maxTotal, perSource
			})
			for i := range tt.sources {
				local := &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(10+i))}
				for range tt.perConn {
					c, err := (&net.Dialer{LocalAddr: local}).Dial("tcp", ts.addr)
					if err != nil {
						t.Skipf("cannot dial from %s (loopback aliases): %v", local.IP, err)
					}
					t.Cleanup(func() { c.Close() })
					if _, err := c.Write([]byte("SSH-2.0-")); err != nil {
						t.Fatal(err)
					}
				}
			}
			// Every place is taken by a connection that has spoken.
			eventually.True(t, "the stalled connections to fill the gate", func() bool {
				g := ts.gate
				g.mu.Lock()
				defer g.mu.Unlock()
				if g.total < maxTotal {
					return false
				}
				for _, list := range g.active {
					for _, c := range list {
						if !c.spoke() {
							return false
						}
					}
				}
				return len(g.waiting) == 0
			})
			c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 1, 2)}}).Dial("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			sc, chans, reqs, err := gossh.NewClientConn(c, ts.addr, &gossh.ClientConfig{
				User: "admin", Auth: []gossh.AuthMethod{gossh.PublicKeys(ts.key.Signer)},
				HostKeyCallback: gossh.InsecureIgnoreHostKey(),
			})
			if err != nil {
				t.Fatalf("a valid key was kept out by stalled connections: %v", err)
			}
			client := gossh.NewClient(sc, chans, reqs)
			defer client.Close()
			s := openWizard(t, client, 80, 24)
			s.send("\x03")
			s.exitStatus(t)
		})
	}
}

// TestEnvironmentIsBounded: a session keeps the variables its client sends
// for its whole life; past 64 of them or 64 KiB in all, env requests are
// refused and the session goes on with the ones it has.
func TestEnvironmentIsBounded(t *testing.T) {
	ts := startServer(t, nil)
	c := mustDial(t, ts.addr, "admin", ts.key)
	gs, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer gs.Close()
	if err := gs.Setenv("WIZ_TEST", "kept"); err != nil {
		t.Fatalf("the first variable was refused: %v", err)
	}
	if err := gs.Setenv("BIG", strings.Repeat("x", 250_000)); err == nil {
		t.Error("a 250 kB variable was accepted")
	}
	for i := 1; i < maxEnvVars; i++ {
		if err := gs.Setenv(fmt.Sprintf("V%d", i), "1"); err != nil {
			t.Fatalf("variable %d of %d was refused: %v", i+1, maxEnvVars, err)
		}
	}
	if err := gs.Setenv("ONE_TOO_MANY", "1"); err == nil {
		t.Errorf("variable %d was accepted", maxEnvVars+1)
	}

	// Many variables whose sizes add up past the bound, on another session.
	gs2, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer gs2.Close()
	refused := 0
	for i := range 20 {
		if gs2.Setenv(fmt.Sprintf("V%d", i), strings.Repeat("y", 8<<10)) != nil {
			refused++
		}
	}
	if refused == 0 {
		t.Error("160 kB of variables were accepted")
	}

	// The first session still works, with what it was given.
	term := servetest.NewTerminal(80, 24)
	gs.Stdout = term
	stdin, _ := gs.StdinPipe()
	if err := gs.RequestPty("xterm", 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := gs.Shell(); err != nil {
		t.Fatal(err)
	}
	term.WaitFor(t, "env WIZ_TEST=kept")
	_, _ = stdin.Write([]byte("\x03"))
}

// TestSessionChannelsPerConnectionAreBounded: each open channel costs the
// server memory before any session starts; one connection may have 8.
func TestSessionChannelsPerConnectionAreBounded(t *testing.T) {
	ts := startServer(t, nil)
	c := mustDial(t, ts.addr, "admin", ts.key)
	var open []gossh.Channel
	for i := range maxChannelsPerConnection {
		ch, reqs, err := c.OpenChannel("session", nil)
		if err != nil {
			t.Fatalf("channel %d: %v", i+1, err)
		}
		go gossh.DiscardRequests(reqs)
		open = append(open, ch)
	}
	_, _, err := c.OpenChannel("session", nil)
	var refused *gossh.OpenChannelError
	if !errors.As(err, &refused) || refused.Reason != gossh.ResourceShortage {
		t.Fatalf("channel %d: got %v, want a refusal for lack of resources", maxChannelsPerConnection+1, err)
	}
	// A channel closed gives its place back.
	_ = open[0].Close()
	eventually.Succeeds(t, "a channel to open after one was closed", func() error {
		_, reqs, err := c.OpenChannel("session", nil)
		if err != nil {
			return err
		}
		go gossh.DiscardRequests(reqs)
		return nil
	})
	// Other connections have their own.
	if _, _, err := mustDial(t, ts.addr, "admin", ts.key).OpenChannel("session", nil); err != nil {
		t.Errorf("a second connection could not open a channel: %v", err)
	}
}
