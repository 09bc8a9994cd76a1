package ui

import (
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
)

// reply carries the outcome of a request made by one visit to a screen.
type reply[T any] struct {
	gen int
	val T
	err error
}

func (r reply[T]) generation() int { return r.gen }

// request runs fn in a tea.Cmd (never in Update) and tags its reply with the
// current visit, so a reply to a screen the user has left is dropped.
func request[T any](m *Model, fn func() (T, error)) tea.Cmd {
	gen := m.gen
	return func() tea.Msg {
		v, err := fn()
		return reply[T]{gen: gen, val: v, err: err}
	}
}

// loader is the spinner a screen shows while its request is under way.
type loader struct {
	spin spinner.Model
	busy bool
}

func newLoader() loader { return loader{spin: spinner.New(spinner.WithSpinner(spinner.Line))} }

func (l *loader) start() tea.Cmd {
	l.busy = true
	return l.spin.Tick
}

func (l *loader) stop() { l.busy = false }

// update keeps the spinner turning while busy; its ticks stop when the work ends.
func (l *loader) update(msg tea.Msg) tea.Cmd {
	t, ok := msg.(spinner.TickMsg)
	if !ok || !l.busy {
		return nil
	}
	var cmd tea.Cmd
	l.spin, cmd = l.spin.Update(t)
	return cmd
}

func (l *loader) view(text string) string { return l.spin.View() + " " + text }
