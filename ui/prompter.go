package ui

import (
	"context"

	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// The full-screen wizard runs steps.Flow.Run in one goroutine, as every other
// front-end does. tuiPrompter is its Prompter: each question becomes an ask
// message that a screen shows, and the screen's answer goes back on the ask's
// reply channel; esc answers steps.ErrBack, ctrl+c cancels the flow's context.
// Progress (steps.Event) arrives as event messages. The model never touches
// the flow: it sees what the flow learned only as steps.State copies.

// ask is one question of the flow, waiting for its screen's answer.
type ask struct {
	flow  int // which flow of the session asks (another instance starts another)
	q     question
	reply chan answer
}

// question is what a screen is asked; each Prompter method has one, and
// names the screen that shows it.
type question interface {
	step() steps.Step
	screen() state
}

type (
	askConnect struct{ again error }
	askChecks  struct{ report *steps.Report }
	askMode    struct{ choices []steps.ModeChoice }
	askConfirm struct {
		plan  *steps.LinkPlan
		entry steps.SiteEntry
	}
	askResult struct{ st steps.State }
	askRemove struct {
		plan   *steps.RemovePlan
		choose []api.OAuthClient
	}
	askFailed struct {
		at  steps.Step
		err error
	}
	// showSwitch is not a question: the wait screen opens, the flow watches.
	showSwitch struct {
		ev  *steps.MobileOAuthEvidence
		now chan struct{}
	}
)

func (askConnect) step() steps.Step  { return steps.StepConnect }
func (askChecks) step() steps.Step   { return steps.StepChecks }
func (askMode) step() steps.Step     { return steps.StepMode }
func (askConfirm) step() steps.Step  { return steps.StepConfirm }
func (askResult) step() steps.Step   { return steps.StepResult }
func (askRemove) step() steps.Step   { return steps.StepResult }
func (a askFailed) step() steps.Step { return a.at }
func (showSwitch) step() steps.Step  { return steps.StepMobileOAuth }
func (askConnect) screen() state     { return stConnect }
func (askChecks) screen() state      { return stChecks }
func (askMode) screen() state        { return stMode }
func (askConfirm) screen() state     { return stLink }
func (askResult) screen() state      { return stResult }
func (askRemove) screen() state      { return stResult }
func (askFailed) screen() state      { return stFailed }
func (showSwitch) screen() state     { return stWait }
func (a askChecks) mobile() bool     { return a.report.Mode == steps.ModeNonMDM }
func (a askRemove) choosing() bool   { return a.plan == nil && len(a.choose) > 0 }

// answer is a screen's answer: a value of the question's type, or an error
// (steps.ErrBack).
type answer struct {
	v   any
	err error
}

// event is progress from the flow.
type event struct {
	flow int
	e    steps.Event
}

// flowDone: Run returned.
type flowDone struct {
	flow int
	err  error
	st   steps.State
}

// tuiPrompter lives on the flow's goroutine; it shares only channels with
// the model.
type tuiPrompter struct {
	id   int
	opts Options
	out  chan<- tea.Msg
	done <-chan struct{} // the flow's context ended
	// first: Connect has not been asked yet (the command line may answer it).
	first bool
	// back: the last question was answered with esc, so the checks, reached
	// backwards, wait for enter instead of moving on.
	back bool
}

// send hands msg to the model, unless the flow is stopped.
func (p *tuiPrompter) send(ctx context.Context, msg tea.Msg) bool {
	select {
	case p.out <- msg:
		return true
	case <-ctx.Done():
		return false
	}
}

// put asks q and waits for the screen's answer.
func put[T any](ctx context.Context, p *tuiPrompter, q question) (T, error) {
	var zero T
	a := ask{flow: p.id, q: q, reply: make(chan answer, 1)}
	if !p.send(ctx, a) {
		return zero, ctx.Err()
	}
	select {
	case r := <-a.reply:
		p.back = r.err == steps.ErrBack
		if r.err != nil {
			return zero, r.err
		}
		v, _ := r.v.(T)
		return v, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// connected is the connect screen's answer.
type connected struct {
	base   string
	client *api.Client
}

func (p *tuiPrompter) Connect(ctx context.Context, again error) (string, *api.Client, error) {
	first := p.first
	p.first = false
	if first && again == nil && p.opts.BaseURL != "" && p.opts.Creds.complete() && !p.opts.Demo {
		// The command line answered: no screen, but esc can still come back to it.
		if c, err := p.opts.newClient(p.opts.BaseURL, p.opts.Creds); err == nil {
			return p.opts.BaseURL, c, nil
		}
	}
	c, err := put[connected](ctx, p, askConnect{again: again})
	return c.base, c.client, err
}

// Instance has no screen of its own: the checks screen names the instance.
func (p *tuiPrompter) Instance(context.Context, *steps.Detection) error { return nil }

func (p *tuiPrompter) Checks(ctx context.Context, r *steps.Report) (bool, error) {
	_, wrong := r.WrongToken()
	if wrong || (r.Compatible() && !p.back) {
		// Passed checks move on by themselves (the verdict and every warning
		// are on the next screens); a wrong token goes back to the token.
		return false, nil
	}
	return put[bool](ctx, p, askChecks{report: r})
}

func (p *tuiPrompter) Mode(ctx context.Context, choices []steps.ModeChoice) (steps.Mode, error) {
	return put[steps.Mode](ctx, p, askMode{choices: choices})
}

// Site is edited on the confirmation, with the plan: the defaults go on.
func (p *tuiPrompter) Site(_ context.Context, def steps.SiteEntry) (steps.SiteEntry, error) {
	return def, nil
}

// Folded tells the flow that esc passes over the questions the wizard shows
// on another step's screen: the instance (on the checks screen) and the site
// entry (on the confirmation).
func (p *tuiPrompter) Folded(s steps.Step) bool {
	return s == steps.StepDetect || s == steps.StepSite
}

func (p *tuiPrompter) ConfirmPlan(ctx context.Context, plan *steps.LinkPlan, entry steps.SiteEntry) (steps.SiteEntry, error) {
	return put[steps.SiteEntry](ctx, p, askConfirm{plan: plan, entry: entry})
}

func (p *tuiPrompter) SwitchOn(ctx context.Context, ev *steps.MobileOAuthEvidence) (<-chan struct{}, error) {
	now := make(chan struct{}, 1)
	if !p.send(ctx, ask{flow: p.id, q: showSwitch{ev: ev, now: now}}) {
		return nil, ctx.Err()
	}
	return now, nil
}

func (p *tuiPrompter) Result(ctx context.Context, st steps.State) (steps.Action, error) {
	return put[steps.Action](ctx, p, askResult{st: st})
}

func (p *tuiPrompter) ConfirmRemove(ctx context.Context, plan *steps.RemovePlan, choose []api.OAuthClient) (string, error) {
	return put[string](ctx, p, askRemove{plan: plan, choose: choose})
}

func (p *tuiPrompter) Failed(ctx context.Context, s steps.Step, err error) (bool, error) {
	return put[bool](ctx, p, askFailed{at: s, err: err})
}

func (p *tuiPrompter) Observe(e steps.Event) {
	// The flow's context ends with the program: a stopped flow sends nothing.
	select {
	case p.out <- event{flow: p.id, e: e}:
	case <-p.done:
	}
}
