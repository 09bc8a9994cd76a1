package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// confirm is the confirmation: what the link step will do and the site list
// entry it leads to (title and session caching, editable here), so one
// screen shows everything that will be written. Nothing is written before
// enter.
type confirm struct {
	m     *Model
	w, h  int
	plan  *steps.LinkPlan
	title textinput.Model
	cache bool
	field int // 0 title, 1 cache
}

func newConfirm(m *Model) *confirm {
	return &confirm{m: m, title: newInput("Title: ", false)}
}

func (s *confirm) heading() string { return "Confirm" }

func (s *confirm) back() bool       { return false }
func (s *confirm) SetSize(w, h int) { s.w, s.h = w, h; sizeInput(&s.title, w) }

// open shows the plan with the entry the flow settled (or the one edited
// here before a step back).
func (s *confirm) open(qq question) tea.Cmd {
	q := qq.(askConfirm)
	s.plan = q.plan
	s.title.SetValue(q.entry.Title)
	s.cache = q.entry.Cache
	s.field = 0
	s.title.CursorEnd()
	return s.title.Focus()
}

func (s *confirm) bindings() []key.Binding {
	b := []key.Binding{withHelp(s.m.keys.Enter, "enter", "use it")}
	if s.plan != nil && s.plan.Changes() {
		b[0] = withHelp(s.m.keys.Enter, "enter", "create it")
	}
	b = append(b, withHelp(s.m.keys.Tab, "tab", "next field"))
	if s.field == 0 {
		return append(b, s.m.keys.Clear)
	}
	return append(b, withHelp(s.m.keys.Toggle, "space", "toggle"))
}

func (s *confirm) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case s.plan != nil && key.Matches(msg, s.m.keys.Enter):
			s.title.Blur()
			return s.m.reply(steps.SiteEntry{Title: strings.TrimSpace(s.title.Value()), Cache: s.cache}, nil)
		case key.Matches(msg, s.m.keys.Tab) || msg.String() == "up" || msg.String() == "down":
			s.field = 1 - s.field
			if s.field == 0 {
				return s.title.Focus()
			}
			s.title.Blur()
		case s.field == 1:
			switch msg.String() {
			case "space":
				s.cache = !s.cache
			case "y":
				s.cache = true
			case "n":
				s.cache = false
			}
		case key.Matches(msg, s.m.keys.Clear):
			s.title.SetValue("")
		default:
			return updateInput(&s.title, msg)
		}
		return nil
	case tea.PasteMsg:
		if s.field == 0 {
			return updateInput(&s.title, msg)
		}
	}
	return nil
}

func (s *confirm) View() string {
	st := s.m.st
	if s.plan == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(s.m.instanceLine(s.w, false) + "\n\n")
	b.WriteString(st.accent.Render(wrap(s.plan.Describe(), s.w, "")) + "\n")
	b.WriteString(st.subtle.Render("It will be listed at:") + "\n" + st.link(steps.ApplicationLinksPage(s.m.know.BaseURL)) + "\n")
	for _, n := range s.plan.NotReused() {
		b.WriteString(st.subtle.Render(wrap(n, s.w, "  ")) + "\n")
	}
	b.WriteString("\n" + wrap("The site list entry for your MDM ("+s.plan.Product.Title()+" app, key \""+steps.AppConfigKey+"\"):", s.w, "") + "\n")
	b.WriteString(s.title.View() + "\n")
	box := "[ ]"
	if s.cache {
		box = "[x]"
	}
	line := box + " Keep the sign-in session in the mobile browser (cacheSessionInMobileBrowser)"
	if s.field == 1 {
		line = st.chosen.Render(wrap("> "+line, s.w, "      "))
	} else {
		line = wrap("  "+line, s.w, "      ")
	}
	b.WriteString(line + "\n")
	b.WriteString(st.subtle.Render(wrap("      On: the app's sign-in browser keeps its session, so users may not type their password again. Off is the default.", s.w, "      ")) + "\n")
	if s.plan.Changes() {
		b.WriteString("\n" + wrap("Press enter to create the link on the instance; esc goes back without changing anything.", s.w, ""))
	} else {
		b.WriteString("\n" + wrap("Press enter to use it; nothing is changed on the instance.", s.w, ""))
	}
	return b.String()
}
