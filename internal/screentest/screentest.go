// Package screentest runs a Bubble Tea model under teatest with what its
// screens depend on pinned (size, colour profile, environment), and lets a
// test wait for a frame the model drew: on the program's own frames, not on
// the clock. The ui and cli tests share it, so a full-screen test is written
// one way wherever it lives.
package screentest

import (
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// Env is the environment every program under test sees.
var Env = []string{"TERM=xterm-256color"}

// Timeout bounds a wait for a frame. It only ends a test that would hang, so
// it is generous: a loaded 2-core machine under the race detector is slow.
const Timeout = 10 * time.Second

// Start runs m in a width x height terminal with the ASCII colour profile
// and Env. When the test ends the program is quit and waited for.
func Start(t testing.TB, m tea.Model, width, height int) *teatest.TestModel {
	t.Helper()
	tm := teatest.NewTestModel(t, m,
		teatest.WithInitialTermSize(width, height),
		teatest.WithProgramOptions(
			tea.WithColorProfile(colorprofile.ASCII),
			tea.WithEnvironment(Env),
		))
	t.Cleanup(func() {
		_ = tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	})
	return tm
}

// Frame is one screen as the model drew it.
type Frame[S any] struct {
	// View is the screen's text without escape sequences.
	View string
	// Info is what the recorder's probe read from the model for this frame.
	Info S
	// Keys is how many key presses the model had handled when it drew it.
	Keys int
}

// Recorder wraps a model and publishes every frame it draws. View runs on
// the program's goroutine after every Update, so a frame is always the
// screen as the user would see it, without the renderer's cursor moves.
type Recorder[S any] struct {
	model tea.Model
	probe func(tea.Model) S
	seen  int // key presses Update has had (only the program's goroutine touches it)

	mu      sync.Mutex
	frame   Frame[S]
	history []string // every distinct screen, in order
	// changed is closed (and replaced) by every frame: waiting tests wake on it.
	changed chan struct{}
}

// NewRecorder wraps m; probe reads what a test waits on besides the text
// (the step, whether a request is under way), on the program's goroutine.
func NewRecorder[S any](m tea.Model, probe func(tea.Model) S) *Recorder[S] {
	if probe == nil {
		probe = func(tea.Model) S { var zero S; return zero }
	}
	return &Recorder[S]{model: m, probe: probe, changed: make(chan struct{})}
}

// Model is the wrapped model as it is now; read it only after the program ended.
func (r *Recorder[S]) Model() tea.Model { return r.model }

func (r *Recorder[S]) Init() tea.Cmd { return r.model.Init() }

func (r *Recorder[S]) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	r.model, cmd = r.model.Update(msg)
	if _, ok := msg.(tea.KeyPressMsg); ok {
		r.seen++
	}
	return r, cmd
}

func (r *Recorder[S]) View() tea.View {
	v := r.model.View()
	text := ansi.Strip(v.Content)
	info := r.probe(r.model)
	r.mu.Lock()
	// Published together, so a frame never pairs a new key count with an old screen.
	r.frame = Frame[S]{View: text, Info: info, Keys: r.seen}
	if n := len(r.history); n == 0 || r.history[n-1] != text {
		r.history = append(r.history, text)
	}
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	return v
}

// Last is the latest frame.
func (r *Recorder[S]) Last() Frame[S] {
	f, _ := r.next()
	return f
}

// History is every distinct screen drawn so far: a step that moves on by
// itself is said on a screen no test waited for.
func (r *Recorder[S]) History() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.history...)
}

// next is the latest frame and a channel closed by the one after it.
func (r *Recorder[S]) next() (Frame[S], <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.frame, r.changed
}

// Until waits for a frame for which ok holds and returns it; after Timeout
// it returns the last frame and false.
func (r *Recorder[S]) Until(ok func(Frame[S]) bool) (Frame[S], bool) {
	deadline := time.NewTimer(Timeout)
	defer deadline.Stop()
	for {
		f, next := r.next()
		if ok(f) {
			return f, true
		}
		select {
		case <-next:
		case <-deadline.C:
			return r.Last(), false
		}
	}
}
