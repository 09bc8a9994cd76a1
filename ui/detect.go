package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// detect asks the instance what it is and has the user confirm it.
type detect struct {
	m    *Model
	w, h int
	load loader
	err  error
}

func newDetect(m *Model) *detect { return &detect{m: m, load: newLoader()} }

func (s *detect) heading() string  { return "Detect the product" }
func (s *detect) back() bool       { return false }
func (s *detect) SetSize(w, h int) { s.w, s.h = w, h }

func (s *detect) enter() tea.Cmd {
	s.err, s.m.flow.Detection = nil, nil
	ctx, f := s.m.ctx, s.m.snapshot()
	return tea.Batch(s.load.start(), request(s.m, func() (*steps.Detection, error) {
		return f.Detect(ctx)
	}))
}

func (s *detect) bindings() []key.Binding {
	switch {
	case s.load.busy:
		return nil
	case s.err != nil:
		return []key.Binding{withHelp(s.m.keys.Recheck, "r", "try again")}
	}
	return []key.Binding{withHelp(s.m.keys.Enter, "enter", "yes, continue")}
}

func (s *detect) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case reply[*steps.Detection]:
		s.load.stop()
		s.m.flow.Detection, s.err = msg.val, msg.err
	case tea.KeyPressMsg:
		switch {
		case s.load.busy:
		case s.err != nil && key.Matches(msg, s.m.keys.Recheck):
			return s.enter()
		case s.m.flow.Detection != nil && key.Matches(msg, s.m.keys.Enter):
			return s.m.advance()
		}
	}
	return s.load.update(msg)
}

func (s *detect) View() string {
	if s.load.busy {
		return s.load.view("Asking " + s.m.flow.BaseURL + " what it is…")
	}
	if s.err != nil {
		return s.m.errorBlock(s.err, s.w)
	}
	d := s.m.flow.Detection
	var b strings.Builder
	fmt.Fprintf(&b, "Product:   %s %s\n", s.m.st.accent.Render(d.Product.Title()), s.m.st.accent.Render(d.Version))
	fmt.Fprintf(&b, "Name:      %s\n", d.Title)
	if d.InstanceBaseURL != "" {
		fmt.Fprintf(&b, "Base URL:  %s\n", d.InstanceBaseURL)
	}
	if d.Confirmed {
		b.WriteString(s.m.st.subtle.Render("(matches --product)") + "\n")
	}
	b.WriteString("\n" + wrap("Is this the instance you want to set up? Press enter to check it, esc to change the URL.", s.w, ""))
	return b.String()
}
