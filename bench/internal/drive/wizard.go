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
	if err := wz.WaitFor(10*time.Second, "MDM or not", "Checks passed"); err != nil {
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

// step is a key and what the screen shows once it has been handled.
type step struct {
	key  string
	want []string
}

// toChecks: the checks are done and shown on the mode screen once StartWizard
// returns; nothing is left to walk.
var toChecks = []step{}

// toResult walks on from the mode screen to the result screen (MDM, new link).
var toResult = []step{
	{"enter", []string{"Create an incoming link", "cacheSessionInMobileBrowser"}},
	{"enter", []string{"Result", `"clientID"`}},
}

func (wz *Wizard) walk(steps []step) error {
	for _, s := range steps {
		wz.Press(Key(s.key))
		if err := wz.WaitFor(10*time.Second, s.want...); err != nil {
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
