package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/words"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// The result screen's push of the site list into an MDM: the push is the
// flow's (steps.ActionPush, steps.PushConfirmer); the screen picks the MDM,
// shows the flow's plan and asks, shows a device-code sign-in and the outcome.

// PushTarget is an MDM the wizard offers to push the site list into; the
// command line builds it from the environment (a session's, over SSH).
type PushTarget struct {
	Name string // "Intune", "Jamf Pro"
	// Group is the group Intune's configuration is assigned to ("" none);
	// PickApp the MDM's app record, when none or several match the App Store id.
	Group, PickApp string
	// Open builds the MDM's client; it sends nothing. signIn shows a
	// device-code sign-in when the MDM needs one.
	Open func(signIn SignInPrompt) (steps.MDM, error)
}

// SignInPrompt shows a device-code sign-in: the page to open and the code to type.
type SignInPrompt func(ctx context.Context, url, code string) error

// askPush is the flow's question before a push writes: the plan.
type askPush struct{ plan *steps.PushPlan }

// showSignIn is not a question: the MDM's sign-in waits for the user to
// enter the code on the page.
type showSignIn struct{ url, code string }

func (askPush) step() steps.Step    { return steps.StepResult }
func (showSignIn) step() steps.Step { return steps.StepResult }
func (askPush) screen() state       { return stResult }
func (showSignIn) screen() state    { return stResult }

// ConfirmPush shows the plan and waits for y (write) or esc (steps.ErrBack).
func (p *tuiPrompter) ConfirmPush(ctx context.Context, plan *steps.PushPlan) error {
	_, err := put[struct{}](ctx, p, askPush{plan: plan})
	return err
}

// Phrases of the push, said by both interactive front-ends.

// pushOffer names the push of app's list into an MDM.
func pushOffer(app steps.App, mdm string) string {
	return "Push the " + app.Name() + "'s site list to " + mdm
}

// signInLines say how to finish a device-code sign-in; the URL is its own line.
func signInLines(mdm string) (before, after string) {
	return "To sign in to " + mdm + " (Microsoft Entra ID), open", "and enter the code"
}

// pushPlanLines say what a push will do before anything is written: which
// MDM and app record, the configuration adopted or created, what changes.
func pushPlanLines(plan *steps.PushPlan) []string {
	lines := []string{plan.Describe(),
		fmt.Sprintf("The %s's list only (%s), into %s's record %s.", plan.App.Name(), words.Count(len(plan.Put), "site"), plan.MDM.Name(), plan.Rec)}
	for _, w := range plan.Warnings {
		lines = append(lines, "Warning: "+w)
	}
	return lines
}

// pushConfirmText asks for the write.
func pushConfirmText(plan *steps.PushPlan) string {
	return "Nothing is written to " + plan.MDM.Name() + " until you confirm."
}

// pushWorkText is said while the flow reads or writes the MDM.
func pushWorkText(mdm string) string { return "Reading " + mdm + " and working out what changes…" }

// pushedLines say what a push did; a failure is an error with its remedy.
func pushedLines(p steps.Pushed) []string {
	if p.Err != nil {
		return nil
	}
	lines := []string{p.Text()}
	if p.Result != nil {
		for _, w := range p.Result.Warnings {
			lines = append(lines, "Warning: "+w)
		}
	}
	return lines
}

// pushKey offers the push on the result screen; its help is short to leave
// q quit on the help line at 80 columns (the hint says what it pushes).
var pushKey = key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "push"))

// pushView is the push panel's state.
type pushView struct {
	choose []PushTarget    // the MDMs to choose from (both configured)
	plan   *steps.PushPlan // the flow's question: write this?
	signIn *showSignIn     // a device-code sign-in under way
	mdm    string          // the MDM pushed to
	pushes int             // how many pushes the record held when this one started
	done   *steps.Pushed   // what the push did
}

// signingIn: the result shows a device-code sign-in, which waits for the user.
func (m *Model) signingIn() bool {
	r, ok := m.screens.peek(stResult).(*result)
	return ok && m.state == stResult && r.push != nil && r.push.signIn != nil && r.push.done == nil
}

// pushHint is the result hint's sentence about the push.
func (s *result) pushHint() string {
	know := s.m.know
	if len(s.m.opts.Push) == 0 && s.m.opts.NoPush == "" || know.Mode != steps.ModeMDM || know.Site == nil {
		return ""
	}
	return "p pushes it to an MDM."
}

// openPush shows the flow's plan, or a device-code sign-in.
func (s *result) openPush(q question) {
	if s.push == nil {
		s.push = &pushView{}
	}
	switch q := q.(type) {
	case askPush:
		s.push.plan, s.push.signIn = q.plan, nil
	case showSignIn:
		s.push.signIn = &q
	}
	s.panel = panelPush
	s.render()
}

// pushUpdate handles p and the keys of the push panel; ok reports that the
// message was its.
func (s *result) pushUpdate(msg tea.Msg) (tea.Cmd, bool) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || s.saving {
		return nil, false
	}
	keys := s.m.keys
	if s.panel == panelPush && s.push != nil {
		pv := s.push
		switch {
		case pv.plan != nil && s.m.pending != nil && key.Matches(k, keys.Yes):
			pv.plan = nil
			return tea.Batch(s.m.reply(struct{}{}, nil), s.load.start()), true
		case len(pv.choose) > 0 && s.m.pending != nil:
			if n, err := strconv.Atoi(k.String()); err == nil && n >= 1 && n <= len(pv.choose) {
				return s.startPush(pv.choose[n-1]), true
			}
		}
		return nil, !key.Matches(k, keys.QuitQ, keys.Page)
	}
	if !key.Matches(k, pushKey) {
		return nil, false
	}
	if s.m.pending == nil {
		return nil, true // the flow is working: one thing at a time
	}
	if _, ok := s.m.pending.q.(askResult); !ok || len(s.sites()) == 0 {
		return nil, true
	}
	switch targets := s.m.opts.Push; len(targets) {
	case 0:
		s.status, s.err = s.m.opts.NoPush, nil
		return nil, true
	case 1:
		return s.startPush(targets[0]), true
	default:
		s.push, s.panel = &pushView{choose: targets}, panelPush
		s.render()
		return nil, true
	}
}

// startPush builds the MDM's client and hands the push to the flow.
func (s *result) startPush(t PushTarget) tea.Cmd {
	flow, msgs := s.m.flow, s.m.msgs
	mdm, err := t.Open(func(ctx context.Context, url, code string) error {
		select {
		case msgs <- ask{flow: flow, q: showSignIn{url: url, code: code}}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	if err != nil {
		s.push, s.panel, s.status, s.err = nil, panelSites, "", err
		s.render()
		return nil
	}
	s.push = &pushView{mdm: t.Name, pushes: len(s.m.know.Record.Pushed)}
	s.panel, s.status, s.err = panelPush, "", nil
	s.render()
	return tea.Batch(s.m.reply(steps.Action{Kind: steps.ActionPush, MDM: mdm, App: s.app, Sites: s.sites(), Group: t.Group, PickApp: t.PickApp}, nil), s.load.start())
}

// observePush takes the outcome of the push from the record.
func (s *result) observePush(rec steps.Record) {
	if s.push == nil || s.push.mdm == "" || len(rec.Pushed) <= s.push.pushes {
		return
	}
	p := rec.Pushed[len(rec.Pushed)-1]
	s.push.done, s.push.plan, s.push.signIn = &p, nil, nil
	s.panel = panelPush
}

// pushBindings are the keys the push panel adds to the help line.
func (s *result) pushBindings() []key.Binding {
	if s.push == nil {
		return nil
	}
	if s.push.plan != nil {
		return []key.Binding{withHelp(s.m.keys.Yes, "y", "yes, write it"), s.m.keys.Back}
	}
	if n := len(s.push.choose); n > 0 {
		return []key.Binding{key.NewBinding(key.WithKeys("1"), key.WithHelp("1-"+strconv.Itoa(n), "choose")), s.m.keys.Back}
	}
	return nil
}

// backFromPush answers the flow's question "keep the MDM as it is".
func (s *result) backFromPush() {
	if s.push != nil && s.push.plan != nil {
		s.m.reply(nil, steps.ErrBack)
	}
	s.push = nil
}

// pushText is the push panel's text.
func (s *result) pushText() string {
	st, w, pv := s.m.st, s.w, s.push
	var b strings.Builder
	line := func(l string) { b.WriteString(wrap(l, w, "") + "\n") }
	switch {
	case pv == nil:
	case pv.done != nil && pv.done.Err != nil:
		b.WriteString(s.m.errorBlock(pv.done.Err, w) + "\n")
	case pv.done != nil:
		for _, l := range pushedLines(*pv.done) {
			line(l)
		}
	case pv.plan != nil:
		for _, l := range pushPlanLines(pv.plan) {
			if strings.HasPrefix(l, "Warning: ") {
				b.WriteString(st.warn.Render(wrap(l, w, "")) + "\n")
				continue
			}
			line(l)
		}
		b.WriteString("\n")
		line(pushConfirmText(pv.plan) + " Press y to write it, esc to leave " + pv.plan.MDM.Name() + " as it is.")
	case pv.signIn != nil:
		before, after := signInLines(pv.mdm)
		line(before)
		b.WriteString("  " + st.link(pv.signIn.url) + "\n")
		line(after)
		b.WriteString("  " + st.chosen.Render(pv.signIn.code) + "\n\n")
		b.WriteString(s.load.view("Waiting for the sign-in…"))
	case len(pv.choose) > 0:
		line("Which MDM should hold the " + s.app.Name() + "'s site list?")
		b.WriteString("\n")
		for i, t := range pv.choose {
			line(fmt.Sprintf("%d. %s", i+1, t.Name))
		}
	default:
		b.WriteString(s.load.view(pushWorkText(pv.mdm)))
	}
	return b.String()
}
