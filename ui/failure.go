package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// failure shows a step that failed, with what to do: r runs it again, esc
// goes back to the previous question (to change the URL or the token).
type failure struct {
	m    *Model
	w, h int
	q    askFailed
	// retry: the flow waits for the answer; false when it has stopped.
	retry bool
}

func newFailure(m *Model) *failure { return &failure{m: m} }

func (s *failure) open(q question) tea.Cmd {
	s.q, s.retry = q.(askFailed), true
	return nil
}

// stopped shows the error the flow stopped with: nothing to retry.
func (s *failure) stopped(q askFailed) { s.q, s.retry = q, false }
func (s *failure) back() bool          { return false }
func (s *failure) SetSize(w, h int)    { s.w, s.h = w, h }

func (s *failure) heading() string { return stepHeading(s.q.at) }

func (s *failure) bindings() []key.Binding {
	if !s.retry {
		return []key.Binding{s.m.keys.QuitQ}
	}
	if s.q.at == steps.StepPlan || s.q.at == steps.StepLink {
		return []key.Binding{withHelp(s.m.keys.Recheck, "r", "look again")}
	}
	return []key.Binding{withHelp(s.m.keys.Recheck, "r", "try again")}
}

func (s *failure) update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	switch {
	case !ok:
	case s.retry && key.Matches(k, s.m.keys.Recheck):
		return s.m.reply(true, nil)
	case !s.retry && key.Matches(k, s.m.keys.QuitQ):
		return s.m.quit()
	}
	return nil
}

func (s *failure) View() string {
	text := s.m.errorBlock(s.q.err, s.w) + "\n\n"
	switch {
	case !s.retry:
		return text + wrap("The wizard stopped here. Press q to quit.", s.w, "")
	case s.q.at == steps.StepPlan || s.q.at == steps.StepLink:
		return text + wrap("Press r to look at the instance's links again (a link created meanwhile is reused, never duplicated).", s.w, "")
	}
	return text + wrap("Press r to try again, or esc to change the URL or the token.", s.w, "")
}
