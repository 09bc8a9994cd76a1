package ui

import (
	"sync"

	"charm.land/bubbles/v2/key"
)

// keyMap holds every binding; screens pick the ones their help line shows.
type keyMap struct {
	Enter, Back, Quit, QuitQ        key.Binding
	Up, Down, Tab, Toggle           key.Binding
	Recheck, Copy, Save, Formats    key.Binding
	Format1, Format2, Format3, Page key.Binding
	SwitchAuth, Another, Clear      key.Binding
	Details, Remove, Yes            key.Binding
	OtherApp                        key.Binding
}

// sharedKeys is the key map every wizard in the process reads (each SSH
// session has one); a binding shown with another text is a copy (withHelp),
// so nothing changes it.
var sharedKeys = sync.OnceValue(newKeyMap)

func newKeyMap() *keyMap {
	return &keyMap{
		Enter:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Quit:       key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		QuitQ:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/↓", "choose")),
		Down:       key.NewBinding(key.WithKeys("down", "j")),
		Tab:        key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "next field")),
		Toggle:     key.NewBinding(key.WithKeys("space", "y", "n"), key.WithHelp("space", "toggle")),
		Recheck:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "re-check")),
		Copy:       key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy")),
		Save:       key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save")),
		Formats:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab/1-3", "format")),
		Format1:    key.NewBinding(key.WithKeys("1")),
		Format2:    key.NewBinding(key.WithKeys("2")),
		Format3:    key.NewBinding(key.WithKeys("3")),
		Page:       key.NewBinding(key.WithKeys("up", "down", "pgup", "pgdown"), key.WithHelp("↑/↓", "scroll")),
		SwitchAuth: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "user+password")),
		Another:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "another")),
		Details:    key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "sign-in details")),
		Remove:     key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete the link")),
		Yes:        key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes, delete it")),
		Clear:      key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("ctrl+u", "clear field")),
		OtherApp:   key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "other app")),
	}
}

// withHelp returns b with another help text (the same key means different things per screen).
func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}
