package steps_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// script is a Prompter that answers from fields and records what it was asked.
type script struct {
	client *api.Client
	mode   steps.Mode
	// back: the questions that answer ErrBack the first time they are asked.
	back     map[string]bool
	onSwitch func()
	now      chan struct{}

	mu     sync.Mutex
	asked  []string
	events []steps.Event
}

func (s *script) ask(q string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, q)
	if s.back[q] {
		delete(s.back, q)
		return steps.ErrBack
	}
	return nil
}

func (s *script) Connect(_ context.Context, again error) (string, *api.Client, error) {
	if again != nil {
		return s.client.BaseURL(), s.client, s.ask("connect again")
	}
	return s.client.BaseURL(), s.client, s.ask("connect")
}
func (s *script) Instance(context.Context, *steps.Detection) error { return s.ask("instance") }
func (s *script) Checks(_ context.Context, r *steps.Report) (bool, error) {
	return false, s.ask("checks:" + string(r.Mode))
}
func (s *script) Mode(context.Context, []steps.ModeChoice) (steps.Mode, error) {
	return s.mode, s.ask("mode")
}
func (s *script) ConfirmPlan(_ context.Context, _ *steps.LinkPlan, e steps.SiteEntry) (steps.SiteEntry, error) {
	return e, s.ask("confirm")
}
func (s *script) SwitchOn(context.Context, *steps.MobileOAuthEvidence) (<-chan struct{}, error) {
	if s.onSwitch != nil {
		s.onSwitch()
	}
	return s.now, s.ask("switch")
}
func (s *script) Site(_ context.Context, def steps.SiteEntry) (steps.SiteEntry, error) {
	def.Cache = true
	return def, s.ask("site")
}
func (s *script) Result(context.Context, steps.State) (steps.Action, error) {
	return steps.Action{}, s.ask("result")
}
func (s *script) ConfirmRemove(context.Context, *steps.RemovePlan, []api.OAuthClient) (string, error) {
	return "", s.ask("remove")
}
func (s *script) Failed(_ context.Context, st steps.Step, err error) (bool, error) {
	return false, s.ask("failed:" + st.String())
}
func (s *script) Observe(e steps.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, e)
}

func TestFlowRunMDM(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	p := &script{client: env.Client(t, simtest.SysadminToken), mode: steps.ModeMDM}
	f := steps.NewFlow(steps.Settings{})
	if err := f.Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	// The site entry is asked before the confirmation: the plan shows all that is written.
	want := []string{"connect", "instance", "checks:", "mode", "site", "confirm", "result"}
	if !slices.Equal(p.asked, want) {
		t.Errorf("asked %v, want %v", p.asked, want)
	}
	st := f.State()
	if st.Link == nil || !st.Link.Changed || st.Site == nil || st.Site.OAuth == nil || st.Site.OAuth.ClientID != st.Link.Client.ClientID || !st.Site.OAuth.CacheSessionInMobileBrowser {
		t.Fatalf("flow ended with link %+v, site %+v", st.Link, st.Site)
	}
	if st.Record.Created == nil || st.Record.Outcome() != st.Link.Outcome() {
		t.Errorf("record %+v does not say the link was created", st.Record)
	}
	// The plan reused the checks' list: one list in all.
	if n := env.Count("GET", api.PathClients); n != 1 {
		t.Errorf("%d client lists, want 1 (the checks')", n)
	}
	if n := env.Count("POST", api.PathClients); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
}

// Settled answers are not asked; a second run reuses the link and asks nothing.
func TestFlowRunSettledAsksNothing(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	env.Sim.AddClient("Jira iOS app", []string{api.Jira.MobileRedirect()}, "WRITE")
	p := &script{client: env.Client(t, simtest.SysadminToken)}
	no := false
	f := steps.NewFlow(steps.Settings{Mode: steps.ModeMDM, Title: "Acme", CacheSession: &no})
	if err := f.Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	// The confirmation of a reuse is shown (it writes nothing; a front-end may go on unasked).
	if want := []string{"connect", "instance", "checks:mdm", "confirm", "result"}; !slices.Equal(p.asked, want) {
		t.Errorf("asked %v, want %v", p.asked, want)
	}
	if st := f.State(); st.Link == nil || st.Link.Changed || st.Site.Title != "Acme" {
		t.Errorf("link %+v, site %+v", st.Link, st.Site)
	}
	if n := env.Count("POST", api.PathClients); n != 0 {
		t.Errorf("%d creates for a link that exists", n)
	}
}

// ErrBack returns to the previous question: back at the site entry asks the
// mode again, back at the confirmation asks the site entry again, and
// nothing is created until the confirmation says yes.
func TestFlowRunBack(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	p := &script{client: env.Client(t, simtest.SysadminToken), mode: steps.ModeMDM, back: map[string]bool{"confirm": true, "site": true}}
	f := steps.NewFlow(steps.Settings{})
	if err := f.Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	want := []string{"connect", "instance", "checks:", "mode", "site", "mode", "site", "confirm", "site", "confirm", "result"}
	if !slices.Equal(p.asked, want) {
		t.Errorf("asked %v, want %v", p.asked, want)
	}
	if n := env.Count("POST", api.PathClients); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
}

// Non-MDM: the admin is asked for the switch, the wait sees it, the wizard
// creates nothing and the site has no oauth block.
func TestFlowRunNonMDM(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	p := &script{client: env.Client(t, simtest.SysadminToken), mode: steps.ModeNonMDM, onSwitch: func() { env.Sim.SetMobileOAuth(true) }}
	f := steps.NewFlow(steps.Settings{PollEvery: time.Millisecond, Wait: steps.WaitUntilStopped})
	if err := f.Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	want := []string{"connect", "instance", "checks:", "mode", "checks:non-mdm", "switch", "result"}
	if !slices.Equal(p.asked, want) {
		t.Errorf("asked %v, want %v", p.asked, want)
	}
	st := f.State()
	if !st.Mobile.Confirmed() || st.Site == nil || st.Site.OAuth != nil {
		t.Fatalf("mobile %+v, site %+v", st.Mobile, st.Site)
	}
	if n := env.Count("POST", api.PathClients); n != 0 {
		t.Errorf("the wizard created %d client(s) in non-MDM mode", n)
	}
	if st.Record.Outcome() != st.Mobile.Describe() {
		t.Errorf("outcome %q", st.Record.Outcome())
	}
}

// A cancelled wait returns at once with the context's error, and a bounded
// wait ends with what it saw.
func TestFlowWaitEnds(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	t.Run("cancelled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			// Its own simulator, made in the bubble, so the wait runs on the bubble's
			// clock: "returned at once" is then exact, not a race against the machine.
			env := simtest.New(t, simulator.Config{})
			p := &script{client: env.Client(t, simtest.SysadminToken), mode: steps.ModeNonMDM}
			var cancelled time.Time
			p.onSwitch = func() {
				go func() {
					time.Sleep(20 * time.Millisecond)
					cancelled = time.Now()
					cancel()
				}()
			}
			f := steps.NewFlow(steps.Settings{PollEvery: time.Hour, Wait: steps.WaitUntilStopped})
			err := f.Run(ctx, p)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want cancellation", err)
			}
			if d := time.Since(cancelled); d > 100*time.Millisecond {
				t.Errorf("returned %s after the cancel", d)
			}
		})
	})
	t.Run("bounded", func(t *testing.T) {
		p := &script{client: env.Client(t, simtest.SysadminToken), mode: steps.ModeNonMDM}
		f := steps.NewFlow(steps.Settings{PollEvery: time.Millisecond, Wait: 30 * time.Millisecond})
		err := f.Run(context.Background(), p)
		var nc *steps.NotConfirmedError
		if mob := f.State().Mobile; !errors.As(err, &nc) || nc.Evidence == nil || mob == nil || mob.Confirmed() {
			t.Fatalf("err = %v, want NotConfirmedError with the evidence", err)
		}
	})
	t.Run("check now", func(t *testing.T) {
		now := make(chan struct{})
		p := &script{client: env.Client(t, simtest.SysadminToken), mode: steps.ModeNonMDM, now: now}
		env.Sim.SetMobileOAuth(false)
		p.onSwitch = func() {
			go func() {
				env.Sim.SetMobileOAuth(true)
				now <- struct{}{}
			}()
		}
		f := steps.NewFlow(steps.Settings{PollEvery: time.Hour, Wait: steps.WaitUntilStopped})
		done := make(chan error, 1)
		go func() { done <- f.Run(context.Background(), p) }()
		select {
		case err := <-done:
			if err != nil || !f.State().Mobile.Confirmed() {
				t.Fatalf("err %v, mobile %+v", err, f.State().Mobile)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a look asked for at once did not happen")
		}
	})
}

// Next is the setup's order: each front-end follows it through Run.
func TestFlowNext(t *testing.T) {
	p := func(mode steps.Mode, settings steps.Settings) *steps.Flow {
		settings.Mode = mode
		return steps.NewFlow(settings)
	}
	tests := []struct {
		name string
		f    *steps.Flow
		from steps.Step
		want steps.Step
	}{
		{"connect then detect", p("", steps.Settings{}), steps.StepConnect, steps.StepDetect},
		{"check only stops after the checks", p("", steps.Settings{ChecksOnly: true}), steps.StepChecks, steps.StepDone},
		{"the checks then the mode", p("", steps.Settings{}), steps.StepChecks, steps.StepMode},
		{"no mode yet: MDM's plan", p("", steps.Settings{}), steps.StepMode, steps.StepPlan},
		{"a dry run stops after the plan", p("", steps.Settings{DryRun: true}), steps.StepPlan, steps.StepDone},
		{"the site entry before the confirmation", p("", steps.Settings{}), steps.StepPlan, steps.StepSite},
		{"MDM: site, confirm, link, verify, result", p("", steps.Settings{}), steps.StepSite, steps.StepConfirm},
		{"confirm then link", p("", steps.Settings{}), steps.StepConfirm, steps.StepLink},
		{"link then verify", p("", steps.Settings{}), steps.StepLink, steps.StepVerify},
		{"verify then the result", p("", steps.Settings{}), steps.StepVerify, steps.StepResult},
		{"the result is the end", p("", steps.Settings{}), steps.StepResult, steps.StepDone},
		{"non-MDM checks, then the switch", p("", steps.Settings{}), steps.StepMobileChecks, steps.StepMobileOAuth},
		{"non-MDM: the site after the switch", p("", steps.Settings{}), steps.StepMobileOAuth, steps.StepSite},
	}
	for _, tt := range tests {
		if got := tt.f.Next(tt.from); got != tt.want {
			t.Errorf("%s: Next(%v) = %v, want %v", tt.name, tt.from, got, tt.want)
		}
	}
}

// A wrong token is asked again once, with the reason; then the flow goes on.
func TestFlowRunWrongTokenAsksAgain(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	p := &wrongThenRight{script: script{client: env.Client(t, simtest.SysadminToken), mode: steps.ModeMDM}, bad: env.Client(t, simtest.BadToken)}
	f := steps.NewFlow(steps.Settings{})
	if err := f.Run(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	want := []string{"connect", "instance", "checks:", "connect again", "instance", "checks:", "mode", "site", "confirm", "result"}
	if !slices.Equal(p.asked, want) {
		t.Errorf("asked %v, want %v", p.asked, want)
	}
	if rec := f.State().Record; rec.Created == nil {
		t.Errorf("record %+v: no link created after the right token", rec)
	}
}

// wrongThenRight connects with a token the instance ignores, then with the right one.
type wrongThenRight struct {
	script
	bad *api.Client
}

func (w *wrongThenRight) Connect(ctx context.Context, again error) (string, *api.Client, error) {
	if again == nil {
		return w.bad.BaseURL(), w.bad, w.ask("connect")
	}
	var wt *steps.WrongTokenError
	if !errors.As(again, &wt) {
		return "", nil, errors.New("asked again without the reason")
	}
	return w.script.Connect(ctx, again)
}
