package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// work shows what the flow is doing while no question is open: a spinner and
// the step's work in words.
type work struct {
	m    *Model
	w, h int
	load loader
}

func newWork(m *Model) *work { return &work{m: m, load: newLoader()} }

func (s *work) start() tea.Cmd             { return s.load.start() }
func (s *work) back() bool                 { return false }
func (s *work) SetSize(w, h int)           { s.w, s.h = w, h }
func (s *work) bindings() []key.Binding    { return nil }
func (s *work) update(msg tea.Msg) tea.Cmd { return s.load.update(msg) }

func (s *work) heading() string { return stepHeading(s.m.working) }

// stepHeading is the heading of a step that has no question of its own on
// screen: its work, or its failure.
func stepHeading(s steps.Step) string {
	switch s {
	case steps.StepPlan, steps.StepLink:
		return "Confirm"
	case steps.StepMobileChecks:
		return "Non-MDM: can the app reach the instance?"
	case steps.StepMobileOAuth:
		return "Non-MDM: turn on OAuth 2.0"
	case steps.StepVerify, steps.StepResult:
		return "Result"
	}
	return "Instance and checks"
}

// View says what the step under way does.
func (s *work) View() string {
	text := "Working…"
	switch s.m.working {
	case steps.StepDetect, steps.StepChecks:
		text = "Asking " + s.m.know.BaseURL + " what it is, then checking versions, plugins and permissions…"
	case steps.StepMobileChecks:
		text = "Checking the mobile plugin and its login info…"
	case steps.StepPlan:
		text = "Looking for an existing link for the iOS app…"
	case steps.StepLink:
		text = "Setting up the link…"
	case steps.StepMobileOAuth:
		text = "Looking at the instance's links and the mobile plugin's login info…"
	case steps.StepVerify:
		text = "Proving, as the app would, that its sign-in can start…"
	}
	return s.load.view(wrap(text, s.w-2, "  "))
}
