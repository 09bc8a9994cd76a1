// Package sshload opens many concurrent SSH sessions with a terminal against a
// server process and measures what each costs the server: resident memory and
// the time until the session's first frame.
package sshload

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/crypto/ssh"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/ptyrun"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/stats"
)

// EnvHeapSignal, when set, makes Run send SIGUSR1 to the server while every
// session is open: benchserve -memprofile FILE writes its heap profile then.
const EnvHeapSignal = "BENCH_SSH_USR1"

// Server is how to start the server under test. Args may use {listen},
// {keys} and {hostkey}, which are filled in.
type Server struct {
	Name  string
	Path  string
	Args  []string
	Title string // the window title the first frame sets
}

// Result is one load run.
type Result struct {
	Server       string        `json:"server"`
	Sessions     int           `json:"sessions"`
	Failed       int           `json:"failed"`
	FirstErrors  []string      `json:"first_errors,omitempty"`
	FirstFrameMs stats.Summary `json:"first_frame_ms"`
	// Memory of the server process, idle after one warm-up session, and with
	// every session open on its first frame.
	Idle   ptyrun.Memory `json:"idle"`
	Loaded ptyrun.Memory `json:"loaded"`
	// PerSession is the growth of the resident set divided by the sessions.
	PerSessionBytes float64 `json:"per_session_bytes"`
	// CPUPerSessionMs is the server's CPU time (user + system) from the first
	// connect to the last first frame, divided by the sessions.
	CPUPerSessionMs float64 `json:"cpu_per_session_ms"`
}

// Run starts the server, opens n sessions at once, waits for every first
// frame (or failure), samples the server's memory and stops everything.
func Run(srv Server, n int) (Result, error) {
	res := Result{Server: srv.Name, Sessions: n}
	dir, err := os.MkdirTemp("", "bench-ssh-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)

	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return res, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return res, err
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return res, err
	}
	keys := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(keys, ssh.MarshalAuthorizedKey(sshPub), 0o600); err != nil {
		return res, err
	}
	addr, err := freeAddr()
	if err != nil {
		return res, err
	}
	r := strings.NewReplacer("{listen}", addr, "{keys}", keys, "{hostkey}", filepath.Join(dir, "host_ed25519"))
	var args []string
	for _, a := range srv.Args {
		args = append(args, r.Replace(a))
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return res, err
	}
	defer logf.Close()
	cmd := exec.Command(srv.Path, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = ptyrun.Env()
	if err := cmd.Start(); err != nil {
		return res, err
	}
	defer stop(cmd)
	if err := waitListening(addr, 15*time.Second); err != nil {
		log, _ := os.ReadFile(logf.Name())
		return res, fmt.Errorf("%s: %w\n%s", srv.Name, err, log)
	}

	cfg := &ssh.ClientConfig{
		User: "bench",
		Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		// The host key is the one the server just created in dir.
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		Timeout:         30 * time.Second,
	}
	// One session first: what the server allocates once (lazy tables, pools)
	// is not a per-session cost.
	warm := open(addr, cfg, srv.Title)
	if warm.err != nil {
		return res, fmt.Errorf("%s: warm-up session: %w", srv.Name, warm.err)
	}
	warm.close()
	time.Sleep(300 * time.Millisecond)
	if res.Idle, err = ptyrun.ReadMemory(cmd.Process.Pid); err != nil {
		return res, err
	}

	cpu0, err := cpuTime(cmd.Process.Pid)
	if err != nil {
		return res, err
	}
	sessions := make([]session, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range sessions {
		wg.Go(func() {
			<-start
			sessions[i] = open(addr, cfg, srv.Title)
		})
	}
	close(start)
	wg.Wait()
	cpu1, err := cpuTime(cmd.Process.Pid)
	if err != nil {
		return res, err
	}
	res.CPUPerSessionMs = float64(cpu1-cpu0) / float64(time.Millisecond) / float64(n)
	// Let the renderers' last ticks and any short-lived garbage settle the
	// same way for every server.
	time.Sleep(300 * time.Millisecond)
	if res.Loaded, err = ptyrun.ReadMemory(cmd.Process.Pid); err != nil {
		return res, err
	}
	if os.Getenv(EnvHeapSignal) != "" {
		_ = cmd.Process.Signal(syscall.SIGUSR1)
		time.Sleep(time.Second)
	}
	var ttff []time.Duration
	for _, s := range sessions {
		if s.err != nil {
			res.Failed++
			if len(res.FirstErrors) < 3 {
				res.FirstErrors = append(res.FirstErrors, s.err.Error())
			}
			continue
		}
		ttff = append(ttff, s.firstFrame)
	}
	for _, s := range sessions {
		s.close()
	}
	res.FirstFrameMs = stats.Summarize(stats.Millis(ttff))
	res.PerSessionBytes = float64(res.Loaded.RSS-res.Idle.RSS) / float64(n)
	return res, nil
}

type session struct {
	client     *ssh.Client
	sess       *ssh.Session
	firstFrame time.Duration
	err        error
}

func (s session) close() {
	if s.sess != nil {
		_ = s.sess.Close()
	}
	if s.client != nil {
		_ = s.client.Close()
	}
}

// open connects, asks for an 80x24 terminal and a shell, and reads until the
// first frame: the write that sets the window title to title, and what follows
// it at once. The clock starts before the TCP connect: the user's wait.
func open(addr string, cfg *ssh.ClientConfig, title string) session {
	var s session
	t0 := time.Now()
	if s.client, s.err = ssh.Dial("tcp", addr, cfg); s.err != nil {
		return s
	}
	if s.sess, s.err = s.client.NewSession(); s.err != nil {
		return s
	}
	modes := ssh.TerminalModes{ssh.ECHO: 0, ssh.TTY_OP_ISPEED: 38400, ssh.TTY_OP_OSPEED: 38400}
	if s.err = s.sess.RequestPty("xterm-256color", 24, 80, modes); s.err != nil {
		return s
	}
	out, err := s.sess.StdoutPipe()
	if err != nil {
		s.err = err
		return s
	}
	if s.err = s.sess.Shell(); s.err != nil {
		return s
	}
	// A reader that keeps draining, as a terminal does, so the server never
	// blocks on a full channel window while the others are measured.
	type chunk struct {
		at   time.Time
		data []byte
	}
	chunks := make(chan chunk, 64)
	go func() {
		defer close(chunks)
		buf := make([]byte, 32<<10)
		for {
			n, err := out.Read(buf)
			if n > 0 {
				chunks <- chunk{time.Now(), append([]byte(nil), buf[:n]...)}
			}
			if err != nil {
				return
			}
		}
	}()
	drain := func() {
		go func() {
			for range chunks {
			}
		}()
	}
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	seq := ptyrun.TitleSeq(title)
	var seen []byte
	var last time.Time
	for !bytes.Contains(seen, seq) {
		select {
		case c, ok := <-chunks:
			if !ok {
				s.err = fmt.Errorf("session ended before its first frame; it showed: %q", lastLine(ansi.Strip(string(seen))))
				return s
			}
			seen, last = append(seen, c.data...), c.at
		case <-deadline.C:
			_ = s.sess.Close()
			drain()
			s.err = fmt.Errorf("no first frame (title %q) within 30s; titles: %q", title, ptyrun.Titles(seen))
			return s
		}
	}
	// The rest of the frame's write.
	for gap := true; gap; {
		t := time.NewTimer(ptyrun.FrameGap)
		select {
		case c, ok := <-chunks:
			t.Stop()
			if ok {
				last = c.at
			} else {
				gap = false
			}
		case <-t.C:
			gap = false
		}
	}
	s.firstFrame = last.Sub(t0)
	drain()
	return s
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// cpuTime is the user and system time a process has used so far.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces: the fields start after its ')'.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	var utime, stime int64
	if _, err := fmt.Sscan(f[11], &utime); err != nil {
		return 0, err
	}
	if _, err := fmt.Sscan(f[12], &stime); err != nil {
		return 0, err
	}
	// USER_HZ is 100 on every Linux the kernel's ABI allows user space to see.
	return time.Duration(utime+stime) * (time.Second / 100), nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitListening(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("nothing listening on %s after %s", addr, timeout)
}

// stop asks the server to shut down and kills it if it takes too long.
func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}
