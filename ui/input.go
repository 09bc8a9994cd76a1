package ui

import (
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// maxInput bounds a field: personal access tokens and some URLs are long.
const maxInput = 4096

func newInput(prompt string, secret bool) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.CharLimit = maxInput
	if secret {
		in.EchoMode = textinput.EchoPassword
		in.EchoCharacter = '•'
	}
	return in
}

// updateInput hands a message (keys, paste, cursor blink) to a field.
func updateInput(in *textinput.Model, msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	return cmd
}

func sizeInput(in *textinput.Model, w int) {
	in.SetWidth(max(w-len([]rune(in.Prompt))-2, 10))
}
