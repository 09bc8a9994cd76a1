// Package drive runs a Bubble Tea model in-process the way a tea.Program does,
// without a terminal: messages go to Update one at a time, commands run on
// their own goroutines, and every frame is View-ed and diffed into terminal
// bytes by the same renderer Bubble Tea uses. It exists to time what a key
// press costs the program, free of terminal and scheduler noise.
package drive

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// Driver owns a model; it is not safe for concurrent use.
type Driver struct {
	model tea.Model
	msgs  chan tea.Msg
	quit  bool

	w, h     int
	screen   uv.ScreenBuffer
	term     *uv.TerminalRenderer
	out      countWriter
	lastView string
	alt      bool
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

// New starts m on a w x h terminal as tea.Program does: Init, then the
// window size.
func New(m tea.Model, w, h int) *Driver {
	d := &Driver{model: m, msgs: make(chan tea.Msg, 1024), w: w, h: h}
	d.screen = uv.NewScreenBuffer(w, h)
	d.term = uv.NewTerminalRenderer(&d.out, []string{"TERM=xterm-256color"})
	d.term.SetColorProfile(colorprofile.ANSI256)
	d.term.SetRelativeCursor(true) // programs start inline
	d.exec(m.Init())
	d.update(tea.WindowSizeMsg{Width: w, Height: h})
	d.frame()
	return d
}

// exec runs cmd off the model's goroutine and posts what it returns.
func (d *Driver) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() { d.post(cmd()) }()
}

// post flattens batches and sequences into single messages (order within a
// sequence is kept; no model here depends on it across a batch).
func (d *Driver) post(msg tea.Msg) {
	switch m := msg.(type) {
	case nil:
		return
	case tea.BatchMsg:
		for _, c := range m {
			d.exec(c)
		}
		return
	}
	// tea.Sequence's message type is unexported: recognise it by shape.
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeFor[tea.Cmd]() {
		for i := range v.Len() {
			if c := v.Index(i).Interface().(tea.Cmd); c != nil {
				d.post(c())
			}
		}
		return
	}
	d.msgs <- msg
}

func (d *Driver) update(msg tea.Msg) {
	if _, ok := msg.(tea.QuitMsg); ok {
		d.quit = true
		return
	}
	m, cmd := d.model.Update(msg)
	d.model = m
	d.exec(cmd)
}

// frame is what tea.Program does after an Update: View, then (on its frame
// ticker) draw the content into the cell buffer and diff it against the
// terminal's. An unchanged view is skipped, as the renderer skips it.
func (d *Driver) frame() string {
	v := d.model.View()
	if v.Content == d.lastView {
		return v.Content
	}
	if v.AltScreen != d.alt {
		// As the cursed renderer does on entering or leaving the alternate screen.
		d.alt = v.AltScreen
		d.term.SetFullscreen(d.alt)
		d.term.SetRelativeCursor(!d.alt)
		d.term.Erase()
	}
	d.lastView = v.Content
	content := uv.NewStyledString(v.Content)
	// Inline programs get a buffer as tall as their frame, as in the cursed
	// renderer; the alternate screen is always the whole terminal.
	height := d.h
	if !v.AltScreen {
		height = min(content.Height(), d.h)
	}
	if b := d.screen.Bounds(); b.Dx() != d.w || b.Dy() != height {
		d.screen.Resize(d.w, height)
		d.screen.Touched = nil
	}
	d.screen.Clear()
	content.Draw(d.screen, d.screen.Bounds())
	d.term.Render(d.screen.RenderBuffer)
	_ = d.term.Flush()
	return v.Content
}

// Text is the last frame without escape sequences.
func (d *Driver) Text() string { return ansi.Strip(d.lastView) }

// Bytes is how much the renderer has written to the terminal so far.
func (d *Driver) Bytes() int64 { return d.out.n }

// ErrQuit: the model quit while it was being driven.
var ErrQuit = errors.New("the model quit")

// WaitFor processes messages until the screen shows every one of want and
// then stays quiet (no message) for a moment, so that a measurement starts
// from a still screen.
func (d *Driver) WaitFor(timeout time.Duration, want ...string) error {
	const quiet = 20 * time.Millisecond
	deadline := time.After(timeout)
	for {
		if d.quit {
			return ErrQuit
		}
		shown := containsAll(d.Text(), want)
		var idle <-chan time.Time
		if shown {
			idle = time.After(quiet)
		}
		select {
		case msg := <-d.msgs:
			d.update(msg)
			d.frame()
		case <-idle:
			return nil
		case <-deadline:
			return fmt.Errorf("the screen never showed %q:\n%s", want, d.Text())
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

// Press handles one key the way the program does (Update, View, render) and
// returns how long that took. Commands the key starts run afterwards; their
// messages are handled by the next WaitFor or Press.
func (d *Driver) Press(k tea.KeyPressMsg) time.Duration {
	t0 := time.Now()
	d.update(k)
	d.frame()
	return time.Since(t0)
}

// Drain handles the messages that are already waiting, without timing them.
func (d *Driver) Drain() {
	for {
		select {
		case msg := <-d.msgs:
			d.update(msg)
			d.frame()
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
