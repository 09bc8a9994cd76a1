package cli

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/screentest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/ui"
)

// screen is the full-screen wizard of a command line, as a test drives it:
// it waits for what the user would see, on the program's own frames.
type screen struct {
	t   *testing.T
	rec *screentest.Recorder[bool] // Info: the flow is working (ui.Model.Step)
	tm  *teatest.TestModel
}

// waitFor waits until the screen shows every text (a phrase may wrap across
// lines) and the flow waits for the user (a device-code sign-in too: the user
// signs in on another device); it returns the screen.
func (s *screen) waitFor(text ...string) string {
	s.t.Helper()
	f, ok := s.rec.Until(func(f screentest.Frame[bool]) bool {
		if f.Info {
			return false
		}
		view := flatText(f.View)
		for _, w := range text {
			if !strings.Contains(view, flatText(w)) {
				return false
			}
		}
		return true
	})
	if !ok {
		s.t.Fatalf("the screen never showed %q:\n%s", text, f.View)
	}
	return f.View
}

// press sends a key by name ("enter", "down", "esc") or one character;
// "paste:TEXT" pastes TEXT.
func (s *screen) press(k string) {
	switch {
	case k == "enter":
		s.tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	case k == "down":
		s.tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
	case k == "esc":
		s.tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	case strings.HasPrefix(k, "paste:"):
		s.tm.Send(tea.PasteMsg{Content: strings.TrimPrefix(k, "paste:")})
	default:
		s.tm.Send(tea.KeyPressMsg{Code: rune(k[0]), Text: k})
	}
}

// wizardScreen runs the wizard's command line (args; env its environment, tr
// its way to the simulators) as on a terminal, its full screen on a pinned
// width x height virtual one, where drive presses keys as the screens show.
// A wizard still running after drive gets ctrl+c. It returns the command's
// result (stdout holds the summary printed after the wizard) and every
// distinct screen the wizard showed.
func wizardScreen(t *testing.T, tr http.RoundTripper, env map[string]string, width, height int, drive func(*screen), args ...string) (result, []string) {
	t.Helper()
	var screens []string
	stdio := testIO(tr, "", true, env)
	stdio.screen = func(ctx context.Context, opts ui.Options) (*ui.Model, error) {
		opts.PollEvery = time.Hour // the non-MDM wait looks again on r, not on a ticker
		rec := screentest.NewRecorder(tea.Model(ui.New(opts).WithContext(ctx)), func(m tea.Model) bool {
			_, busy := m.(*ui.Model).Step()
			return busy
		})
		tm := screentest.Start(t, rec, width, height)
		drive(&screen{t: t, rec: rec, tm: tm})
		tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
		tm.WaitFinished(t, teatest.WithFinalTimeout(screentest.Timeout))
		screens = rec.History()
		return rec.Model().(*ui.Model), nil
	}
	return runStdio(context.Background(), t, stdio, args...), screens
}
