package ui

import (
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
)

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
