// Package ptyrun runs a terminal program under a pseudo-terminal and times what
// a user would see: the first frame after launch, and the next frame after a key.
package ptyrun

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/creack/pty"
)

// Keys as a terminal sends them.
const (
	KeyEnter = "\r"
	KeyTab   = "\t"
	KeyUp    = "\x1b[A"
	KeyDown  = "\x1b[B"
	KeyCtrlC = "\x03"
)

type chunk struct {
	at   time.Time
	data []byte
}

// Proc is a program running on a pseudo-terminal.
type Proc struct {
	cmd     *exec.Cmd
	ptmx    *os.File
	started time.Time
	chunks  chan chunk
	out     bytes.Buffer // everything read since the last ResetText
	last    time.Time    // when the last chunk was read
	exited  chan struct{}
}

// Env is a fixed terminal environment, so that both programs of a comparison
// see the same TERM and no colour settings leak in from the caller.
func Env(extra ...string) []string {
	env := []string{"TERM=xterm-256color", "LANG=C.UTF-8", "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	return append(env, extra...)
}

// Start launches path with args on a cols x rows terminal. The clock for
// WaitFor starts just before the fork.
func Start(path string, args, env []string, cols, rows int) (*Proc, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = env
	p := &Proc{cmd: cmd, chunks: make(chan chunk, 4096), exited: make(chan struct{})}
	p.started = time.Now()
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	p.ptmx = ptmx
	go p.read()
	go func() {
		_ = cmd.Wait() // how it ended is not measured; that it ended is
		close(p.exited)
	}()
	return p, nil
}

func (p *Proc) read() {
	defer close(p.chunks)
	buf := make([]byte, 64<<10)
	var tail []byte
	for {
		n, err := p.ptmx.Read(buf)
		if n > 0 {
			at := time.Now()
			data := append([]byte(nil), buf[:n]...)
			tail = p.answer(append(tail, data...))
			p.chunks <- chunk{at: at, data: data}
		}
		if err != nil {
			return // EIO once the program has exited and closed the terminal
		}
	}
}

// Queries a real terminal answers, and its answers: a dark background and a
// VT220. Without them lipgloss waits two seconds per query (fang asks twice on
// the way out of a failed command), which no user's terminal makes it do.
var answers = []struct{ query, reply string }{
	{"\x1b]11;?\x07", "\x1b]11;rgb:0000/0000/0000\x07"},
	{"\x1b]11;?\x1b\\", "\x1b]11;rgb:0000/0000/0000\x1b\\"},
	{"\x1b[c", "\x1b[?62;22c"},
}

// answer replies to the queries in b and returns what must be kept to find a
// query split across two reads.
func (p *Proc) answer(b []byte) []byte {
	for {
		first, which := -1, -1
		for i, a := range answers {
			if j := bytes.Index(b, []byte(a.query)); j >= 0 && (first < 0 || j < first) {
				first, which = j, i
			}
		}
		if first < 0 {
			break
		}
		_, _ = io.WriteString(p.ptmx, answers[which].reply)
		b = b[first+len(answers[which].query):]
	}
	const keep = 8 // longer than any query's prefix
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return append([]byte(nil), b...)
}

// Pid is the program's process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// WaitFor reads until the screen text (escape sequences removed) contains every
// marker and returns the time from launch to the read that completed them.
func (p *Proc) WaitFor(timeout time.Duration, markers ...string) (time.Duration, error) {
	if containsAll(p.Text(), markers) {
		return p.last.Sub(p.started), nil
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case c, ok := <-p.chunks:
			if !ok {
				return 0, fmt.Errorf("the program ended before showing %q; output:\n%s", markers, p.Text())
			}
			p.take(c)
			if containsAll(p.Text(), markers) {
				return c.at.Sub(p.started), nil
			}
		case <-deadline.C:
			return 0, fmt.Errorf("no %q within %s; output:\n%s", markers, timeout, p.Text())
		}
	}
}

// TitleSeq is the OSC 2 sequence that sets the window title to title, as
// Bubble Tea writes it. The wizard's title names its step (ui.TitlePrefix) and
// the floor's is floor.Title: the drivers follow the screens by it, never by
// their words.
func TitleSeq(title string) []byte { return []byte(ansi.SetWindowTitle(title)) }

// FrameGap: output that follows within this long belongs to the same frame.
// Bubble Tea writes the title first and the frame's cells after it, in one
// write; a pseudo-terminal hands a large write over in pieces, back to back.
const FrameGap = 2 * time.Millisecond

// WaitTitle reads until the program sets its window title to title and
// returns the time from launch to the end of the frame that carried it (the
// pieces of that write that follow at once).
func (p *Proc) WaitTitle(timeout time.Duration, title string) (time.Duration, error) {
	seq := TitleSeq(title)
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for !bytes.Contains(p.out.Bytes(), seq) {
		select {
		case c, ok := <-p.chunks:
			if !ok {
				return 0, fmt.Errorf("the program ended before its title was %q; output:\n%s", title, p.Text())
			}
			p.take(c)
		case <-deadline.C:
			return 0, fmt.Errorf("the title was not %q within %s (titles: %q); output:\n%s", title, timeout, Titles(p.out.Bytes()), p.Text())
		}
	}
	for {
		gap := time.NewTimer(FrameGap)
		select {
		case c, ok := <-p.chunks:
			gap.Stop()
			if !ok {
				return p.last.Sub(p.started), nil
			}
			p.take(c)
		case <-gap.C:
			return p.last.Sub(p.started), nil
		}
	}
}

// Titles lists the window titles set in out, in order: what a driver that
// waited in vain saw.
func Titles(out []byte) []string {
	var ts []string
	for {
		i := bytes.Index(out, []byte("\x1b]2;"))
		if i < 0 {
			return ts
		}
		out = out[i+4:]
		j := bytes.IndexAny(out, "\x07\x1b")
		if j < 0 {
			return ts
		}
		ts = append(ts, string(out[:j]))
		out = out[j:]
	}
}

func (p *Proc) take(c chunk) {
	p.out.Write(c.data)
	p.last = c.at
}

// Text is the output so far without escape sequences.
func (p *Proc) Text() string { return ansi.Strip(p.out.String()) }

// ResetText forgets the output read so far, so the next WaitFor only looks at
// what comes after.
func (p *Proc) ResetText() { p.out.Reset() }

func containsAll(s string, want []string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// Drain reads until no output has arrived for quiet (or limit has passed), so
// that the next measurement starts from a still screen.
func (p *Proc) Drain(quiet, limit time.Duration) {
	end := time.Now().Add(limit)
	for {
		left := time.Until(end)
		if left <= 0 {
			return
		}
		t := time.NewTimer(min(quiet, left))
		select {
		case c, ok := <-p.chunks:
			t.Stop()
			if !ok {
				return
			}
			p.take(c)
		case <-t.C:
			return
		}
	}
}

// ErrNoFrame: the key changed nothing on the screen.
var ErrNoFrame = errors.New("no frame after the key")

// Press sends key and returns the time until the program's next output: the
// key's frame (the renderer writes a frame in one go). Call Drain before, so
// the output is the key's answer and not the end of an earlier frame.
func (p *Proc) Press(key string, timeout time.Duration) (time.Duration, error) {
	t0 := time.Now()
	if _, err := io.WriteString(p.ptmx, key); err != nil {
		return 0, err
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	select {
	case c, ok := <-p.chunks:
		if !ok {
			return 0, errors.New("the program ended")
		}
		p.take(c)
		return c.at.Sub(t0), nil
	case <-deadline.C:
		return 0, ErrNoFrame
	}
}

// Exit is how a program ended.
type Exit struct {
	// PeakRSS is the kernel's high-water mark of the resident set (VmHWM),
	// last read just before the process went away. Not the parent's rusage:
	// a Go parent starts children with vfork semantics, and the kernel folds
	// the parent's own peak into the child's ru_maxrss.
	PeakRSS int64
	// After is the time from the quit keys to the end of the process.
	After time.Duration
}

// Stop sends the quit keys and waits for the program to end, killing it after
// timeout.
func (p *Proc) Stop(quitKeys string, timeout time.Duration) (Exit, error) {
	var ex Exit
	if m, err := ReadMemory(p.Pid()); err == nil {
		ex.PeakRSS = m.HWM
	}
	t0 := time.Now()
	if quitKeys != "" {
		_, _ = io.WriteString(p.ptmx, quitKeys)
	}
	// Keep reading, or a program blocked on a full terminal never exits.
	go func() {
		for range p.chunks {
		}
	}()
	var err error
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	kill := time.After(timeout)
wait:
	for {
		select {
		case <-p.exited:
			break wait
		case <-tick.C:
			// Gone (or a zombie without memory) once the reads fail or report 0.
			if m, err := ReadMemory(p.Pid()); err == nil && m.HWM > ex.PeakRSS {
				ex.PeakRSS = m.HWM
			}
		case <-kill:
			_ = p.cmd.Process.Kill()
			<-p.exited
			err = fmt.Errorf("did not exit within %s after %q; killed", timeout, quitKeys)
			break wait
		}
	}
	ex.After = time.Since(t0)
	_ = p.ptmx.Close()
	return ex, err
}

// Memory is a process's memory as /proc/<pid>/status reports it, in bytes.
type Memory struct {
	HWM  int64 `json:"hwm_bytes"`      // peak resident set so far
	RSS  int64 `json:"rss_bytes"`      // resident now
	Anon int64 `json:"rss_anon_bytes"` // private: heap, stacks, runtime
	File int64 `json:"rss_file_bytes"` // the binary's pages: shared, reclaimable
}

// ReadMemory samples /proc/<pid>/status.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	var m Memory
	fields := map[string]*int64{"VmHWM:": &m.HWM, "VmRSS:": &m.RSS, "RssAnon:": &m.Anon, "RssFile:": &m.File}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[2] == "kB" {
			if dst, ok := fields[f[0]]; ok {
				var kb int64
				if _, err := fmt.Sscan(f[1], &kb); err == nil {
					*dst = kb * 1024
				}
			}
		}
	}
	return m, nil
}
