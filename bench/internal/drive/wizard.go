package drive

import (
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/ui"
)

// Wizard is the wizard driven in-process against a simulated Jira on loopback.
type Wizard struct {
	*Driver
	Sim *simulator.Sim
	srv *httptest.Server
}

// StartWizard starts the wizard on a w x h terminal. The URL and token are
// given as flags would give them, so Welcome and the connect screen are
// passed over and the checks move on by themselves: it waits for the mode
// screen, which shows the checks' verdict. Everything else is answered on
// screen.
func StartWizard(w, h int) (*Wizard, error) {
	sim := simulator.New(simulator.Config{Product: "jira", Version: "10.3.0", Title: "Bench Jira"})
	srv := httptest.NewServer(sim)
	m := ui.New(ui.Options{
		BaseURL: srv.URL,
		Creds:   ui.Credentials{Token: "sysadmin-token"},
		NewClient: func(baseURL string, c ui.Credentials) (*api.Client, error) {
			return api.New(api.Options{BaseURL: baseURL, Token: c.Token, Timeout: 5 * time.Second})
		},
		PollEvery: time.Hour,
	})
	wz := &Wizard{Driver: New(m, w, h), Sim: sim, srv: srv}
	if err := wz.WaitStep(10*time.Second, "mode"); err != nil {
		wz.Close()
		return nil, err
	}
	return wz, nil
}

// Close stops the program and the simulator.
func (wz *Wizard) Close() {
	wz.Driver.Close()
	wz.srv.Close()
	wz.Sim.Close()
}

// WaitStep waits until the wizard is at step (a steps.Step's name, or
// "welcome"), waiting for the user: its window title says so (ui.Model.Title).
func (wz *Wizard) WaitStep(timeout time.Duration, step string) error {
	return wz.WaitTitle(timeout, ui.TitlePrefix+step)
}

// step is a key and the step it leads to.
type step struct{ key, step string }

// toChecks: the checks are done and shown on the mode screen once StartWizard
// returns; nothing is left to walk.
var toChecks = []step{}

// toResult walks on from the mode screen to the result screen (MDM, new link):
// the confirmation, then the result once the verification is done.
var toResult = []step{{"enter", "confirm"}, {"enter", "result"}}

func (wz *Wizard) walk(steps []step) error {
	for _, s := range steps {
		wz.Press(Key(s.key))
		if err := wz.WaitStep(10*time.Second, s.step); err != nil {
			return fmt.Errorf("after %s: %w", s.key, err)
		}
	}
	return nil
}

// ToChecks moves on to the compatibility checks, done (the mode screen shows
// their verdict).
func (wz *Wizard) ToChecks() error { return wz.walk(toChecks) }

// ToResult moves from the mode screen to the result screen.
func (wz *Wizard) ToResult() error { return wz.walk(toResult) }
