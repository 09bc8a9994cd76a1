package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

// BenchmarkSessionStart is what an SSH session costs the server before its first
// frame: building the wizard, its first size and its first View.
func BenchmarkSessionStart(b *testing.B) {
	for b.Loop() {
		m := New(Options{})
		m.Init()
		m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		_ = m.View()
	}
}
