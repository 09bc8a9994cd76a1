package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkSessionStart is what the wizard costs an SSH server before a
// session's first frame: on a goroutine of its own, as a session's handler
// is (its stack grows from small), the wizard is built, gets the messages a
// session's start brings (the size, the environment, the flow's first
// question, Bubble Tea's background colour request) and is asked for a View
// after each, as Bubble Tea does.
func BenchmarkSessionStart(b *testing.B) {
	b.ReportAllocs()
	done := make(chan struct{})
	for b.Loop() {
		go func() {
			defer func() { done <- struct{}{} }()
			m := New(Options{})
			m.Init()
			_ = m.View()
			for _, msg := range []tea.Msg{
				tea.WindowSizeMsg{Width: 80, Height: 24},
				tea.EnvMsg{"TERM=xterm-256color", "LANG=en_US.UTF-8"},
				<-m.msgs,
				tea.RequestBackgroundColor(),
			} {
				m.Update(msg)
				_ = m.View()
			}
			m.cancel()
		}()
		<-done
	}
}
