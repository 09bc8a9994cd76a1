package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// link is the confirmation: what the link step will do and the site list
// entry it leads to (title and session caching, editable here), so one
// screen shows everything that will be written. Nothing is written before
// enter.
type link struct {
	m       *Model
	w, h    int
	load    loader
	plan    *steps.LinkPlan
	linking bool
	err     error
	title   textinput.Model
	cache   bool
	field   int // 0 title, 1 cache
}

func newLink(m *Model) *link {
	s := &link{m: m, load: newLoader(), title: newInput("Title: ", false)}
	s.title.SetValue(m.opts.Title)
	if m.opts.CacheSession != nil {
		s.cache = *m.opts.CacheSession
	}
	return s
}

func (s *link) heading() string { return "Confirm" }

// back is refused while a create is under way: its answer must not be lost.
func (s *link) back() bool       { return s.linking }
func (s *link) SetSize(w, h int) { s.w, s.h = w, h; sizeInput(&s.title, w) }

func (s *link) enter() tea.Cmd {
	s.plan, s.err, s.linking = nil, nil, false
	if strings.TrimSpace(s.title.Value()) == "" && s.m.flow.Detection != nil {
		s.title.SetValue(s.m.flow.Detection.Title)
	}
	s.field = 0
	s.title.CursorEnd()
	s.title.Focus()
	// The first plan starts from the checks' client list; later ones list afresh.
	ctx, f := s.m.ctx, s.m.snapshot()
	s.m.flow.ListAgain = true
	return tea.Batch(s.load.start(), request(s.m, func() (*steps.LinkPlan, error) {
		return f.PlanLink(ctx)
	}))
}

func (s *link) confirm() tea.Cmd {
	s.linking, s.err = true, nil
	s.title.Blur()
	s.m.flow.SiteTitle, s.m.flow.SiteCache = s.title.Value(), s.cache
	s.m.flow.LinkPending = s.plan.Changes()
	ctx, f, plan := s.m.ctx, s.m.snapshot(), s.plan
	return tea.Batch(s.load.start(), request(s.m, func() (*steps.LinkResult, error) {
		return f.EnsureLink(ctx, plan)
	}))
}

func (s *link) bindings() []key.Binding {
	switch {
	case s.load.busy:
		return nil
	case s.err != nil:
		return []key.Binding{withHelp(s.m.keys.Recheck, "r", "look again")}
	}
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

func (s *link) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case reply[*steps.LinkPlan]:
		s.load.stop()
		s.plan, s.err = msg.val, msg.err
		s.m.flow.Plan = msg.val
		return nil
	case reply[*steps.LinkResult]:
		s.load.stop()
		s.linking, s.m.flow.LinkPending = false, false
		if msg.val == nil {
			s.err = msg.err
			return nil
		}
		// A link that exists is kept even if reading it back failed.
		s.m.flow.Link = msg.val
		site := s.m.flow.NewSite(s.m.flow.SiteTitle, s.m.flow.SiteCache)
		s.m.flow.Site = &site
		return s.m.advance()
	case tea.KeyPressMsg:
		switch {
		case s.load.busy:
		case s.err != nil && key.Matches(msg, s.m.keys.Recheck):
			return s.enter()
		case s.err != nil:
		case s.plan != nil && key.Matches(msg, s.m.keys.Enter):
			return s.confirm()
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
	}
	if s.field == 0 && !s.load.busy {
		if _, ok := msg.(tea.PasteMsg); ok {
			return updateInput(&s.title, msg)
		}
	}
	return s.load.update(msg)
}

func (s *link) View() string {
	st := s.m.st
	switch {
	case s.load.busy && s.linking:
		return s.load.view("Setting up the link…")
	case s.load.busy:
		return s.load.view("Looking for an existing link for the iOS app…")
	case s.err != nil:
		return s.m.errorBlock(s.err, s.w) + "\n\n" + wrap("Press r to look at the instance's links again (a link created meanwhile is reused, never duplicated).", s.w, "")
	}
	var b strings.Builder
	b.WriteString(s.m.instanceLine(s.w, false) + "\n\n")
	b.WriteString(st.accent.Render(wrap(s.plan.Describe(), s.w, "")) + "\n")
	b.WriteString(st.subtle.Render("It will be listed at:") + "\n" + st.link(steps.ApplicationLinksPage(s.m.flow.BaseURL)) + "\n")
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
