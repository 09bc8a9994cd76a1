package ui

import (
	"context"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// The push in accessible mode: offered once after the site list, with the
// full-screen result's words (push.go).

// offerPush (MDM mode: non-MDM has no list to push) asks whether to push the app's list, and into which MDM.
func (p *accessible) offerPush(ctx context.Context, app steps.App, sites []steps.Site) (steps.Action, error) {
	if p.pushOffered || len(sites) == 0 || p.mode != steps.ModeMDM {
		return steps.Action{}, nil
	}
	p.pushOffered = true
	if len(p.opts.Push) == 0 {
		if p.opts.NoPush != "" {
			p.say(p.opts.NoPush)
		}
		return steps.Action{}, nil
	}
	choices := make([]string, 0, len(p.opts.Push)+1)
	for _, t := range p.opts.Push {
		choices = append(choices, pushOffer(app, t.Name))
	}
	choices = append(choices, "No, leave the MDM as it is")
	n, err := p.choose(ctx, "Push the site list into an MDM?", choices, len(choices)-1)
	if err != nil || n == len(p.opts.Push) {
		return steps.Action{}, err
	}
	t := p.opts.Push[n]
	mdm, err := t.Open(func(_ context.Context, url, code string) error {
		before, after := signInLines(t.Name)
		p.say(before, "  "+url, after, "  "+code)
		return nil
	})
	if err != nil {
		p.sayErr(err)
		return steps.Action{}, nil
	}
	p.say(pushWorkText(t.Name))
	return steps.Action{Kind: steps.ActionPush, MDM: mdm, App: app, Sites: sites, Group: t.Group, PickApp: t.PickApp}, nil
}

// ConfirmPush shows the plan and asks before anything is written.
func (p *accessible) ConfirmPush(ctx context.Context, plan *steps.PushPlan) error {
	p.say(pushPlanLines(plan)...)
	p.say(pushConfirmText(plan))
	n, err := p.choose(ctx, "Write this to "+plan.MDM.Name()+"?", []string{"Yes, write it", "No, leave " + plan.MDM.Name() + " as it is"}, 1)
	if err != nil {
		return err
	}
	if n != 0 {
		return steps.ErrBack
	}
	return nil
}

// sayPushed says what the last push did.
func (p *accessible) sayPushed(st steps.State) {
	n := len(st.Record.Pushed)
	if n == 0 || n == p.pushesSaid {
		return
	}
	p.pushesSaid = n
	last := st.Record.Pushed[n-1]
	if last.Err != nil {
		p.sayErr(last.Err)
		return
	}
	p.say(pushedLines(last)...)
}
