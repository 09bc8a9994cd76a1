package ui

import (
	"bytes"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/screentest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// The window title names the step, so that a program driving the wizard over
// a terminal (the bench, scripts) follows its screens without reading their
// words. Only the terminal's byte stream is looked at here.
func TestWindowTitleNamesTheStep(t *testing.T) {
	env := simtest.New(t, simulator.Config{Product: "jira", Version: "10.3.0"})
	newClient := func(baseURL string, c Credentials) (*api.Client, error) {
		return api.New(api.Options{BaseURL: baseURL, Token: c.Token, Transport: env.Transport})
	}
	run := func(opts Options) *teatest.TestModel {
		opts.NewClient, opts.PollEvery, opts.NoVerify = newClient, time.Hour, true
		return screentest.Start(t, New(opts), 80, 24)
	}
	waitTitle := func(tm *teatest.TestModel, step string) {
		t.Helper()
		want := []byte(ansi.SetWindowTitle(TitlePrefix + step))
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, want) },
			teatest.WithDuration(8*time.Second), teatest.WithCheckInterval(time.Millisecond))
	}

	first := run(Options{})
	waitTitle(first, "welcome")

	tm := run(Options{BaseURL: env.URL, Creds: Credentials{Token: simtest.SysadminToken}})
	waitTitle(tm, "mode") // the checks passed and moved on by themselves
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitTitle(tm, "confirm") // the plan is on screen, nothing written yet
	if n := len(env.Sim.Clients()); n != 0 {
		t.Fatalf("%d clients before the confirmation", n)
	}
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitTitle(tm, "result")
	if n := len(env.Sim.Clients()); n != 1 {
		t.Fatalf("%d clients after the confirmation, want 1", n)
	}
}
