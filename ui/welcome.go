package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// welcome says what the wizard will do before it does anything.
type welcome struct {
	m    *Model
	w, h int
	// drawn is the text as last drawn, at drawnW columns with drawnSt: it
	// changes with nothing else, and Bubble Tea asks for a frame after every
	// message (a session's start brings several before the first key).
	drawn   string
	drawnW  int
	drawnSt *styles
}

func newWelcome(m *Model) *welcome { return &welcome{m: m} }

func (s *welcome) back() bool       { return false }
func (s *welcome) SetSize(w, h int) { s.w, s.h = w, h }
func (s *welcome) heading() string  { return "Welcome" }

func (s *welcome) bindings() []key.Binding {
	return []key.Binding{withHelp(s.m.keys.Enter, "enter", "start"), s.m.keys.QuitQ}
}

func (s *welcome) update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, s.m.keys.Enter):
			return s.m.leaveWelcome()
		case key.Matches(k, s.m.keys.QuitQ):
			return s.m.quit()
		}
	}
	return nil
}

func (s *welcome) View() string {
	if s.drawn == "" || s.drawnW != s.w || s.drawnSt != s.m.st {
		s.drawn, s.drawnW, s.drawnSt = s.draw(), s.w, s.m.st
	}
	return s.drawn
}

func (s *welcome) draw() string {
	var b strings.Builder
	if s.m.opts.Demo {
		b.WriteString(s.m.st.warn.Render(wrap("This is a demo: the wizard talks to a simulated Jira on this machine; nothing real is changed.", s.w, "")) + "\n\n")
	}
	b.WriteString(wrap("This wizard sets up the Jira and Confluence iOS apps (2.0 and later) to sign in to your Data Center instance with OAuth 2.0.", s.w, "") + "\n\n")
	b.WriteString("It will:\n")
	for _, line := range []string{
		"connect to the instance with a system administrator's personal access token",
		"detect the product and check the versions the apps need",
		"MDM: create (or reuse) the incoming application link and print the site list for your MDM",
		"non-MDM: show where to turn on OAuth 2.0 in the mobile plugin and confirm it worked",
	} {
		b.WriteString(wrap("  - "+line, s.w, "    ") + "\n")
	}
	b.WriteString("\n" + wrap("Nothing is written to the instance before you confirm it. Ctrl+C is safe at any time.", s.w, ""))
	return b.String()
}
