package ui

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// connect asks for the base URL, then a token or a user name and password.
type connect struct {
	m     *Model
	w, h  int
	step  int // 0: base URL, 1: credentials
	basic bool
	field int // with basic: 0 user name, 1 password
	url   textinput.Model
	token textinput.Model
	user  textinput.Model
	pass  textinput.Model
	err   error
	// notice is why the token is asked again (the instance ignored it).
	notice string
	// base is the normalised base URL once entered.
	base string
}

// newConnect builds the connect screen; first: the session's first
// instance, which the command line's URL and credentials answer.
func newConnect(m *Model, first bool) *connect {
	s := &connect{
		m:     m,
		url:   newInput("Base URL: ", false),
		token: newInput("Token:    ", true),
		user:  newInput("User:     ", false),
		pass:  newInput("Password: ", true),
	}
	// Another instance asks everything again; the first takes the flags.
	creds := m.opts.Creds
	s.base = m.opts.BaseURL
	if !first {
		creds, s.base = Credentials{}, ""
		if m.opts.PinURL {
			s.base = m.opts.BaseURL
		}
	}
	s.url.SetValue(s.base)
	s.token.SetValue(creds.Token)
	s.user.SetValue(creds.Username)
	s.pass.SetValue(creds.Password)
	s.basic = creds.Token == "" && creds.Username != ""
	if m.opts.Demo {
		s.url.Placeholder = "Press Enter for " + m.opts.DemoDefaults.BaseURL
		s.token.Placeholder = "Press Enter for the demo token"
	}
	return s
}

func (s *connect) heading() string { return "Connect" }

func (s *connect) SetSize(w, h int) {
	s.w, s.h = w, h
	for _, in := range []*textinput.Model{&s.url, &s.token, &s.user, &s.pass} {
		sizeInput(in, w)
	}
}

// open shows the question: the token field when the URL is known, emptied
// with the reason when the instance ignored the token.
func (s *connect) open(qq question) tea.Cmd {
	q := qq.(askConnect)
	if q.again != nil {
		s.askAgain(q.again.Error())
	}
	if s.base != "" {
		s.step = 1
	}
	return s.focus()
}

func (s *connect) focused() *textinput.Model {
	switch {
	case s.step == 0:
		return &s.url
	case !s.basic:
		return &s.token
	case s.field == 0:
		return &s.user
	}
	return &s.pass
}

func (s *connect) focus() tea.Cmd {
	for _, in := range []*textinput.Model{&s.url, &s.token, &s.user, &s.pass} {
		in.Blur()
	}
	// Typing goes after what is there (https:// may have been added).
	s.focused().CursorEnd()
	return s.focused().Focus()
}

// askAgain empties the token field and says why, once.
func (s *connect) askAgain(why string) {
	s.step, s.basic, s.err = 1, false, nil
	s.token.SetValue("")
	s.notice = why
	if s.base != "" {
		s.url.SetValue(s.base)
	}
}

func (s *connect) back() bool {
	s.err, s.notice = nil, ""
	switch {
	case s.basic && s.field == 1:
		s.field = 0
	case s.step == 1 && !s.m.opts.PinURL:
		s.step = 0
	default:
		return false
	}
	s.focus()
	return true
}

func (s *connect) bindings() []key.Binding {
	b := []key.Binding{s.m.keys.Enter, s.m.keys.Clear}
	if s.step == 1 {
		b = append(b, s.m.keys.SwitchAuth)
	}
	return b
}

func (s *connect) update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, s.m.keys.Enter):
			return s.submit()
		case key.Matches(k, s.m.keys.Clear):
			s.focused().SetValue("")
			return nil
		case s.step == 1 && key.Matches(k, s.m.keys.SwitchAuth):
			s.basic, s.field, s.err = !s.basic, 0, nil
			return s.focus()
		case s.step == 1 && s.basic && key.Matches(k, s.m.keys.Up, s.m.keys.Down):
			s.field = 1 - s.field
			return s.focus()
		}
	}
	// Everything else, paste included, belongs to the focused field.
	return updateInput(s.focused(), msg)
}

func (s *connect) submit() tea.Cmd {
	s.err, s.notice = nil, ""
	if s.step == 0 {
		raw := strings.TrimSpace(s.url.Value())
		if raw == "" && s.m.opts.Demo {
			raw = s.m.opts.DemoDefaults.BaseURL
		}
		u, err := steps.NormalizeBaseURL(raw)
		if err != nil {
			s.err = err
			return nil
		}
		s.url.SetValue(u)
		s.base, s.step = u, 1
		return s.focus()
	}
	var creds Credentials
	if s.basic {
		if s.field == 0 {
			s.field = 1
			return s.focus()
		}
		creds.Username, creds.Password = strings.TrimSpace(s.user.Value()), s.pass.Value()
		if creds.Username == "" || creds.Password == "" {
			s.err = errors.New("enter both the user name and the password")
			return nil
		}
	} else {
		// A pasted token often ends in a newline, which the field turned into a space.
		creds.Token = strings.TrimSpace(s.token.Value())
		if creds.Token == "" && s.m.opts.Demo {
			creds.Token = s.m.opts.DemoDefaults.Token
		}
		if creds.Token == "" {
			s.err = errors.New("paste a personal access token (Profile → Personal Access Tokens), or press tab to use a user name and password")
			return nil
		}
	}
	c, err := s.m.opts.newClient(s.base, creds)
	if err != nil {
		s.err = err
		return nil
	}
	return s.m.reply(connected{base: s.base, client: c}, nil)
}

// tokenPage is where the instance's users create tokens, once the product is
// known (--product, or detected before a token was asked again).
func (s *connect) tokenPage() string {
	p := s.m.opts.Product
	if d := s.m.know.Detection; d != nil {
		p = d.Product
	}
	if s.base == "" || p == "" {
		return ""
	}
	return steps.PersonalAccessTokensPage(p, s.base)
}

func (s *connect) View() string {
	st := s.m.st
	var b strings.Builder
	b.WriteString(wrap("The base URL is the address users open in a browser, e.g. https://jira.example.com or https://example.com/confluence.", s.w, "") + "\n\n")
	b.WriteString(s.url.View() + "\n")
	if s.step == 1 {
		b.WriteString("\n")
		if s.basic {
			b.WriteString(s.user.View() + "\n" + s.pass.View() + "\n")
			b.WriteString(st.subtle.Render(wrap("Basic authentication: a system administrator's user name and password. ↑/↓ moves between the fields.", s.w, "")) + "\n")
		} else {
			b.WriteString(s.token.View() + "\n")
			if n := len([]rune(strings.TrimSpace(s.token.Value()))); n > 0 {
				b.WriteString(st.subtle.Render(fmt.Sprintf("          (%d characters, hidden)", n)) + "\n")
			}
			b.WriteString(st.subtle.Render(wrap("A personal access token of a system administrator (Profile → Personal Access Tokens). Paste works; the token is never shown or stored.", s.w, "")) + "\n")
			if page := s.tokenPage(); page != "" && len(page) <= s.w {
				b.WriteString(st.subtle.Render("Create one at:") + "\n" + st.link(page) + "\n")
			} else if page != "" {
				b.WriteString(st.subtle.Render("Create one on the ") + st.linkAs(page, "Personal Access Tokens page") + st.subtle.Render(".") + "\n")
			}
		}
	}
	if s.notice != "" {
		b.WriteString("\n" + s.m.st.errText.Render(wrap(s.notice, s.w, "")) + "\n")
	}
	if s.err != nil {
		b.WriteString("\n" + s.m.errorBlock(s.err, s.w) + "\n")
	}
	return b.String()
}
