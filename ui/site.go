package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// site asks for the title the app shows and whether to cache the browser session.
type site struct {
	m     *Model
	w, h  int
	title textinput.Model
	cache bool
	field int // 0 title, 1 cache
}

func newSite(m *Model) *site {
	s := &site{m: m, title: newInput("Title: ", false)}
	s.title.SetValue(m.opts.Title)
	if m.opts.CacheSession != nil {
		s.cache = *m.opts.CacheSession
	}
	return s
}

func (s *site) heading() string { return "Site entry" }

func (s *site) SetSize(w, h int) { s.w, s.h = w, h; sizeInput(&s.title, w) }

func (s *site) preanswered() bool {
	// Non-MDM has nothing to ask: the entry is the URL and the instance's name.
	return s.m.flow.Mode == steps.ModeNonMDM || (s.m.opts.Title != "" && s.m.opts.CacheSession != nil && s.m.flow.Link != nil)
}

func (s *site) apply() error {
	st := s.m.flow.NewSite(s.title.Value(), s.cache)
	s.m.flow.Site = &st
	return nil
}

func (s *site) enter() tea.Cmd {
	if strings.TrimSpace(s.title.Value()) == "" && s.m.flow.Detection != nil {
		s.title.SetValue(s.m.flow.Detection.Title)
	}
	s.field = 0
	s.title.CursorEnd()
	return s.title.Focus()
}

func (s *site) back() bool {
	if s.field == 1 {
		s.field = 0
		return true
	}
	return false
}

func (s *site) bindings() []key.Binding {
	if s.field == 0 {
		return []key.Binding{withHelp(s.m.keys.Enter, "enter", "next")}
	}
	return []key.Binding{withHelp(s.m.keys.Enter, "enter", "done"), withHelp(s.m.keys.Toggle, "space/y/n", "toggle")}
}

func (s *site) update(msg tea.Msg) tea.Cmd {
	k, isKey := msg.(tea.KeyPressMsg)
	switch {
	case isKey && key.Matches(k, s.m.keys.Enter) && s.field == 0:
		s.field = 1
		s.title.Blur()
		return nil
	case isKey && key.Matches(k, s.m.keys.Enter):
		_ = s.apply()
		return s.m.advance()
	case isKey && key.Matches(k, s.m.keys.Tab, s.m.keys.Up, s.m.keys.Down):
		s.field = 1 - s.field
		if s.field == 0 {
			return s.title.Focus()
		}
		s.title.Blur()
		return nil
	case isKey && s.field == 1:
		switch k.String() {
		case "space":
			s.cache = !s.cache
		case "y":
			s.cache = true
		case "n":
			s.cache = false
		}
		return nil
	case s.field == 0:
		return updateInput(&s.title, msg)
	}
	return nil
}

func (s *site) View() string {
	st := s.m.st
	var b strings.Builder
	b.WriteString(wrap("The title is the name the app shows for this site.", s.w, "") + "\n\n")
	b.WriteString(s.title.View() + "\n\n")
	box := "[ ]"
	if s.cache {
		box = "[x]"
	}
	line := box + " Keep the sign-in session in the mobile browser (cacheSessionInMobileBrowser)"
	if s.field == 1 {
		line = st.chosen.Render("> " + line)
	} else {
		line = "  " + line
	}
	b.WriteString(wrap(line, s.w, "      ") + "\n")
	b.WriteString(st.subtle.Render(wrap("      On: the browser the app signs in with keeps its session, so users may not have to type their password again. Off is the default.", s.w, "      ")) + "\n")
	return b.String()
}
