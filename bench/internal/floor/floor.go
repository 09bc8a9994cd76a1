// Package floor is the smallest Bubble Tea v2 program that draws a frame and
// answers keys: the floor the wizard is measured against, in-process and as
// the minimaltea binary.
package floor

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// Marker is the text of the first frame.
const Marker = "minimal bubbletea ready"

// Title is the window title every frame carries. The drivers wait for a
// program's window title, which the wizard sets to its step: the floor sets
// one too, so both are timed to the same kind of frame.
const Title = "minimal bubbletea: ready"

// Model counts key presses; q or Ctrl-C quits.
type Model struct{ keys int }

// Init starts nothing.
func (m Model) Init() tea.Cmd { return nil }

// Update counts the key, so that every key press changes the frame, as it
// does on the wizard's busy screens.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "q", "ctrl+c":
			return m, tea.Quit
		}
		m.keys++
	}
	return m, nil
}

// View is one line, and the window title.
func (m Model) View() tea.View {
	v := tea.NewView(fmt.Sprintf("%s (%d keys)", Marker, m.keys))
	v.WindowTitle = Title
	return v
}
