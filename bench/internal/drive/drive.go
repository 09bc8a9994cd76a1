// Package drive runs a Bubble Tea model in-process under a tea.Program with no
// terminal: Bubble Tea itself runs the commands (batches, sequences and all)
// and calls Update and View, and every frame is diffed into terminal bytes by
// the same cell renderer Bubble Tea uses. It exists to time what a key press
// costs the program, free of terminal and scheduler noise: the time is taken
// on the program's own goroutine, from the key's Update to its rendered frame.
package drive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// Driver owns a running model; its methods are not safe for concurrent use.
type Driver struct {
	p      *tea.Program
	frames chan frame
	done   chan struct{} // closed when the program has ended
	cancel context.CancelFunc
	quit   bool
	text   string // the last frame's text, as the driver has seen it
	title  string // the last frame's window title

	out atomic.Int64 // bytes the renderer wrote
}

// frame is what the probe reports after each Update and View.
type frame struct {
	text  string
	title string
	press time.Duration // for the frame of a key sent by Press: Update to rendered frame
	key   bool
	sized bool // the window size has reached the model
}

// pressed marks the key a Press sent, so that the probe times exactly its frame.
type pressed struct{ tea.KeyPressMsg }

// New starts m on a w x h terminal, as tea.Program does (Init, then the window
// size), and returns once the first sized frame is drawn.
func New(m tea.Model, w, h int) *Driver {
	ctx, cancel := context.WithCancel(context.Background())
	d := &Driver{frames: make(chan frame, 4096), done: make(chan struct{}), cancel: cancel}
	pr := &probe{inner: m, d: d, w: w, h: h}
	pr.screen = uv.NewScreenBuffer(w, h)
	pr.term = uv.NewTerminalRenderer(writerFunc(func(b []byte) (int, error) {
		d.out.Add(int64(len(b)))
		return len(b), nil
	}), []string{"TERM=xterm-256color"})
	pr.term.SetColorProfile(colorprofile.ANSI256)
	pr.term.SetRelativeCursor(true) // programs start inline
	d.p = tea.NewProgram(pr,
		tea.WithContext(ctx),
		tea.WithInput(nil),
		tea.WithOutput(io.Discard),
		tea.WithoutRenderer(), // the probe renders, synchronously, on the program's goroutine
		tea.WithoutSignalHandler(),
		tea.WithWindowSize(w, h),
		tea.WithEnvironment([]string{"TERM=xterm-256color"}),
		tea.WithColorProfile(colorprofile.ANSI256),
	)
	go func() {
		defer close(d.done)
		_, _ = d.p.Run()
	}()
	for !d.quit {
		if f, ok := d.next(nil); !ok || f.sized {
			break
		}
	}
	return d
}

// Close stops the program and waits for it to end.
func (d *Driver) Close() {
	d.cancel()
	for {
		select {
		case <-d.frames:
		case <-d.done:
			return
		}
	}
}

// next takes the next frame, or reports false when the program has ended or
// stop fired first.
func (d *Driver) next(stop <-chan time.Time) (frame, bool) {
	select {
	case f := <-d.frames:
		d.text, d.title = f.text, f.title
		return f, true
	case <-d.done:
		d.quit = true
		return frame{}, false
	case <-stop:
		return frame{}, false
	}
}

// probe sits between the program and the model.
type probe struct {
	inner  tea.Model
	d      *Driver
	w, h   int
	screen uv.ScreenBuffer
	term   *uv.TerminalRenderer

	lastView string
	alt      bool
	sized    bool
	keyStart time.Time // set while a Press's key is between Update and View
}

func (p *probe) Init() tea.Cmd { return p.inner.Init() }

func (p *probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch m := msg.(type) {
	case pressed:
		p.keyStart = time.Now()
		msg = m.KeyPressMsg
	case tea.WindowSizeMsg:
		p.sized = true
	}
	var cmd tea.Cmd
	p.inner, cmd = p.inner.Update(msg)
	return p, cmd
}

func (p *probe) View() tea.View {
	v := p.inner.View()
	p.render(v)
	f := frame{text: ansi.Strip(v.Content), title: v.WindowTitle, sized: p.sized}
	if !p.keyStart.IsZero() {
		f.press, f.key = time.Since(p.keyStart), true
		p.keyStart = time.Time{}
	}
	p.d.frames <- f
	return v
}

// render is what the program's renderer does with a view on its frame ticker:
// draw the content into the cell buffer and diff it against the terminal's.
// An unchanged view is skipped, as the renderer skips it.
func (p *probe) render(v tea.View) {
	if v.Content == p.lastView {
		return
	}
	if v.AltScreen != p.alt {
		// As the cursed renderer does on entering or leaving the alternate screen.
		p.alt = v.AltScreen
		p.term.SetFullscreen(p.alt)
		p.term.SetRelativeCursor(!p.alt)
		p.term.Erase()
	}
	p.lastView = v.Content
	content := uv.NewStyledString(v.Content)
	// Inline programs get a buffer as tall as their frame, as in the cursed
	// renderer; the alternate screen is always the whole terminal.
	height := p.h
	if !v.AltScreen {
		height = min(content.Height(), p.h)
	}
	if b := p.screen.Bounds(); b.Dx() != p.w || b.Dy() != height {
		p.screen.Resize(p.w, height)
		p.screen.Touched = nil
	}
	p.screen.Clear()
	content.Draw(p.screen, p.screen.Bounds())
	p.term.Render(p.screen.RenderBuffer)
	_ = p.term.Flush()
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// Text is the last frame without escape sequences.
func (d *Driver) Text() string { return d.text }

// Bytes is how much the renderer has written to the terminal so far.
func (d *Driver) Bytes() int64 { return d.out.Load() }

// ErrQuit: the model quit while it was being driven.
var ErrQuit = errors.New("the model quit")

// WaitFor takes frames until the screen shows every one of want and then stays
// quiet (no new frame) for a moment, so that a measurement starts from a still
// screen.
func (d *Driver) WaitFor(timeout time.Duration, want ...string) error {
	return d.wait(timeout, func() bool { return containsAll(d.text, want) }, fmt.Sprintf("showed %q", want))
}

// WaitTitle is WaitFor for a frame whose window title is title: the wizard's
// names its step, so a driver follows the screens by what they are.
func (d *Driver) WaitTitle(timeout time.Duration, title string) error {
	return d.wait(timeout, func() bool { return d.title == title }, fmt.Sprintf("had the title %q (last: %q)", title, d.title))
}

func (d *Driver) wait(timeout time.Duration, ok func() bool, what string) error {
	const quiet = 20 * time.Millisecond
	deadline := time.After(timeout)
	for {
		if d.quit {
			return ErrQuit
		}
		var idle <-chan time.Time
		if ok() {
			idle = time.After(quiet)
		}
		select {
		case f := <-d.frames:
			d.text, d.title = f.text, f.title
		case <-d.done:
			d.quit = true
		case <-idle:
			return nil
		case <-deadline:
			return fmt.Errorf("the screen never %s:\n%s", what, d.text)
		}
	}
}

func containsAll(s string, want []string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// Press sends one key and returns how long the program took from its Update to
// its rendered frame. Frames of other messages that arrive meanwhile are taken
// too; commands the key starts run on, and their frames are taken by the next
// WaitFor, Press or Drain.
func (d *Driver) Press(k tea.KeyPressMsg) time.Duration {
	if d.quit {
		return 0
	}
	d.p.Send(pressed{k})
	for {
		f, ok := d.next(nil)
		if !ok {
			return 0
		}
		if f.key {
			return f.press
		}
	}
}

// Drain takes the frames that are already waiting.
func (d *Driver) Drain() {
	for {
		select {
		case f := <-d.frames:
			d.text, d.title = f.text, f.title
		default:
			return
		}
	}
}

// Key builds a key press by name: "enter", "tab", "up", "down", "esc",
// "space", or one character.
func Key(name string) tea.KeyPressMsg {
	switch name {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	r := []rune(name)
	return tea.KeyPressMsg{Code: r[0], Text: name}
}
