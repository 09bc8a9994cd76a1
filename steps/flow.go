package steps

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
)

// Step is one stage of the setup. The order is Flow.Next's, and only Flow.Next's:
// every front-end (command line, line prompts, full screen, SSH) runs Flow.Run,
// which follows it.
type Step int

const (
	// StepConnect settles the base URL and the credentials (a question).
	StepConnect Step = iota
	// StepDetect asks the instance what it is, then shows the answer.
	StepDetect
	// StepChecks runs the compatibility checks for the mode known so far.
	StepChecks
	// StepMode chooses between MDM and non-MDM (a question, unless settled).
	StepMode
	// StepPlan (MDM) decides whether to reuse a link or create one.
	StepPlan
	// StepConfirm (MDM) shows the plan and the site entry before anything is
	// written (StepSite comes first, so the plan shows all of it).
	StepConfirm
	// StepLink (MDM) reuses or creates the link and reads it back.
	StepLink
	// StepMobileChecks (non-MDM) runs the checks the non-MDM setup needs, when
	// the first checks ran before the mode was known.
	StepMobileChecks
	// StepMobileOAuth (non-MDM) asks the admin to turn on OAuth 2.0 in the
	// mobile plugin and waits for evidence that it is on.
	StepMobileOAuth
	// StepSite settles the site list entry (title, session caching): for MDM
	// before the confirmation, for non-MDM after the wait (nothing to ask).
	StepSite
	// StepVerify probes the app's sign-in when Settings.Verify is set; otherwise
	// it does nothing.
	StepVerify
	// StepResult shows the outcome and carries out what the user does with it
	// (verify again, delete the link, save the site list) until they are done.
	StepResult
	// StepDone: nothing is left.
	StepDone
)

var stepNames = [...]string{
	StepConnect: "connect", StepDetect: "detect", StepChecks: "checks", StepMode: "mode",
	StepPlan: "plan", StepConfirm: "confirm", StepLink: "link", StepMobileChecks: "mobile-checks",
	StepMobileOAuth: "mobile-oauth", StepSite: "site", StepVerify: "verify", StepResult: "result", StepDone: "done",
}

func (s Step) String() string {
	if s >= 0 && int(s) < len(stepNames) {
		return stepNames[s]
	}
	return fmt.Sprintf("Step(%d)", int(s))
}

// ErrBack is what a question returns to go back to the previous question.
var ErrBack = errors.New("back")

// Settings are the answers known before the flow starts (command-line flags, an
// inventory entry). A settled answer is not asked again.
type Settings struct {
	// Product, when set, is checked against the instance (never forced).
	Product api.Product
	// Mode: "" asks.
	Mode     Mode
	LinkName string
	// Title is the site's title; "" asks, with the instance's name as the default.
	Title string
	// CacheSession: nil asks.
	CacheSession *bool
	// DryRun stops before anything is written: after the plan (MDM) or the mode (non-MDM).
	DryRun bool
	// ChecksOnly stops after the checks (the check command).
	ChecksOnly bool
	// Wait is how long the non-MDM wait for the mobile plugin's switch lasts:
	// 0 looks once (what the instance shows now decides), WaitUntilStopped
	// waits until the context ends (the interactive front-ends).
	Wait time.Duration
	// PollEvery is the interval of the non-MDM wait; 0 is DefaultPollEvery.
	PollEvery time.Duration
	// Verify probes the app's sign-in at the end.
	Verify bool
}

// WaitUntilStopped is the Settings.Wait of a wait that ends only with its context.
const WaitUntilStopped time.Duration = -1

// DefaultPollEvery is how often the non-MDM wait looks at the instance.
const DefaultPollEvery = 3 * time.Second

// PollInterval is how often the non-MDM wait looks at the instance.
func (s Settings) PollInterval() time.Duration {
	if s.PollEvery > 0 {
		return s.PollEvery
	}
	return DefaultPollEvery
}

// State is what the flow has learned so far: a copy, handed to observers and
// front-ends, that the flow never changes afterwards (the values it points to
// are not changed once made).
type State struct {
	BaseURL   string
	Detection *Detection
	// Report is the latest compatibility report.
	Report *Report
	Mode   Mode
	Plan   *LinkPlan
	Link   *LinkResult
	// Mobile is the evidence the non-MDM wait ended with.
	Mobile *MobileOAuthEvidence
	// Entry is the site entry's answers, settled before the confirmation (MDM).
	Entry SiteEntry
	// Site is the site list entry, once the link is in place (nil after the
	// link was deleted).
	Site     *Site
	Verified *VerifyReport
	// Record is what the run did to the instance.
	Record Record
}

// SiteEntry is the site entry's answers: the title the app shows and the
// session caching of its sign-in browser.
type SiteEntry struct {
	Title string
	Cache bool
}

// Flow is one run of the setup against one instance. Run drives it with a
// Prompter; what it learned is read through State (a copy).
type Flow struct {
	settings Settings
	client   *api.Client
	st       State
	// listAgain: the checks' client list was used for a plan once; later
	// plans list the clients afresh (a link may have appeared meanwhile).
	listAgain bool
	// wrongToken is why the credentials are asked again, if they are.
	wrongToken error
	// early are the verification's probes, started beside the link's read-back.
	early *earlyProbes
}

// NewFlow is a flow with the answers s settles.
func NewFlow(s Settings) *Flow { return &Flow{settings: s} }

// Settings are the flow's settled answers.
func (f *Flow) Settings() Settings { return f.settings }

// State is a copy of what the flow has learned so far.
func (f *Flow) State() State {
	st := f.st
	st.Record.Saved = append([]Saved(nil), f.st.Record.Saved...)
	st.Record.Warnings = append([]string(nil), f.st.Record.Warnings...)
	return st
}

// Client is the API client Connect settled on (nil before).
func (f *Flow) Client() *api.Client { return f.client }

// App is the iOS app whose site list the instance's site goes to; "" before
// the product is known.
func (st State) App() App {
	if st.Detection == nil {
		return ""
	}
	return AppFor(st.Detection.Product)
}

// Next is the step after s, given what the flow knows: the order of the setup.
func (f *Flow) Next(s Step) Step {
	switch s {
	case StepConnect:
		return StepDetect
	case StepDetect:
		return StepChecks
	case StepChecks:
		if f.settings.ChecksOnly {
			return StepDone
		}
		return StepMode
	case StepMode:
		switch {
		case f.st.Mode != ModeNonMDM:
			return StepPlan
		case f.settings.DryRun:
			return StepDone
		case f.st.Report != nil && f.st.Report.Mode == ModeNonMDM:
			return StepMobileOAuth
		}
		return StepMobileChecks
	case StepPlan:
		if f.settings.DryRun {
			return StepDone
		}
		return StepSite
	case StepConfirm:
		return StepLink
	case StepLink:
		return StepVerify
	case StepMobileChecks:
		return StepMobileOAuth
	case StepMobileOAuth:
		return StepSite
	case StepSite:
		if f.st.Mode != ModeNonMDM {
			return StepConfirm
		}
		return StepVerify
	case StepVerify:
		return StepResult
	}
	return StepDone
}

// ModeChoice is one answer to the mode question: unavailable when checks
// already rule it out (behind a proxy that redirects anonymous requests, the
// app cannot read the mobile plugin's login info: no non-MDM).
type ModeChoice struct {
	Mode Mode
	// Unavailable are the checks that rule the mode out; empty when it can be chosen.
	Unavailable []Check
}

// modeChoices are the modes offered after report.
func modeChoices(r *Report) []ModeChoice {
	var blockers []Check
	if r != nil {
		blockers = r.NonMDMBlockers()
	}
	return []ModeChoice{{Mode: ModeMDM}, {Mode: ModeNonMDM, Unavailable: blockers}}
}

// NotConfirmedError: the non-MDM wait ended without evidence that the mobile
// plugin hands the app its client.
type NotConfirmedError struct {
	// Waited is how long the wait lasted; 0 when the wizard looked once.
	Waited   time.Duration
	Evidence *MobileOAuthEvidence
	// LastErr is why the last look failed, if it did.
	LastErr error
}

func (e *NotConfirmedError) Error() string {
	why := e.Evidence.Describe()
	if e.LastErr != nil {
		msg, _, _ := Explain(e.LastErr)
		why += " The last look failed: " + msg
	}
	if e.Waited > 0 {
		return fmt.Sprintf("OAuth 2.0 is not confirmed after waiting %s: %s", e.Waited, why)
	}
	return "OAuth 2.0 is not confirmed: " + why
}

// WrongTokenError: the instance ran the requests as anonymous, so the
// credentials are asked again.
type WrongTokenError struct{ Check Check }

func (e *WrongTokenError) Error() string {
	return "The instance ran the request as anonymous: the token is wrong, expired or revoked. Use another token of a system administrator (Profile → Personal Access Tokens)."
}

// Prompter answers the flow's questions and hears its progress; each front-end
// implements it (see README, "How it is built": a new step is a Step, its work
// in steps/, one Prompter method and its rendering per front-end). A question
// returns ErrBack to return to the previous question and any other error to
// stop the run with it. The flow calls it from the goroutine that runs Run.
type Prompter interface {
	// Connect settles the base URL and credentials and returns a client for
	// them. again is nil the first time; when the instance refused the
	// credentials it says why (a *WrongTokenError) and other ones are needed.
	Connect(ctx context.Context, again error) (baseURL string, c *api.Client, err error)
	// Instance shows what answered; nil goes on.
	Instance(ctx context.Context, det *Detection) error
	// Checks shows a report (of the first or of the non-MDM checks). recheck
	// runs them again; a report with failures never goes on.
	Checks(ctx context.Context, r *Report) (recheck bool, err error)
	// Mode chooses the setup among choices; an unavailable one is asked again.
	Mode(ctx context.Context, choices []ModeChoice) (Mode, error)
	// Site asks for the site entry's unsettled answers; def holds the
	// defaults (the instance's name, no caching) and the settled ones.
	Site(ctx context.Context, def SiteEntry) (SiteEntry, error)
	// ConfirmPlan shows the plan and the site entry before the link step and
	// returns the entry, which a front-end may let the user edit there. A plan
	// that writes must be confirmed; one that reuses a link may go on unasked.
	ConfirmPlan(ctx context.Context, plan *LinkPlan, entry SiteEntry) (SiteEntry, error)
	// SwitchOn tells the admin to turn on OAuth 2.0 in the mobile plugin; ev is
	// what the wizard sees so far. Something arriving on now asks for a look at once.
	SwitchOn(ctx context.Context, ev *MobileOAuthEvidence) (now <-chan struct{}, err error)
	// Result shows the outcome (st) and returns what the user does next; the
	// flow carries it out, records it and asks again until ActionDone.
	Result(ctx context.Context, st State) (Action, error)
	// ConfirmRemove shows what deleting the app's link does (which one, and
	// that every app user is signed out); nil deletes it, ErrBack keeps it.
	// With several links and none chosen, choose is not empty and the answer
	// is the client ID of the one to delete.
	ConfirmRemove(ctx context.Context, plan *RemovePlan, choose []api.OAuthClient) (clientID string, err error)
	// Failed reports a step that failed; retry runs it again.
	Failed(ctx context.Context, s Step, err error) (retry bool, err2 error)
	// Observe hears each step start and end, and each poll of the non-MDM wait.
	Observe(e Event)
}

// Folded is implemented by a front-end that shows a step's question on
// another step's screen (the full-screen wizard names the instance on the
// checks screen and edits the site entry on the confirmation): ErrBack then
// passes over that step instead of returning to it.
type Folded interface{ Folded(Step) bool }

// Event is progress: a step starting (Done false) or ending, or a poll.
type Event struct {
	Step Step
	Done bool
	Poll *MobilePoll
	// State is what the flow knew at that moment (a copy).
	State State
}

// Run walks the steps from connect to the end, asking p. It returns nil when
// the setup is done (or stopped where the settings said), p's error when p
// stopped it, and the failed step's error when p did not retry it.
func (f *Flow) Run(ctx context.Context, p Prompter) error {
	var asked []Step // the questions answered, for ErrBack
	var jump goTo
	s := StepConnect
	for s != StepDone {
		if err := ctx.Err(); err != nil {
			return err
		}
		q, err := f.do(ctx, p, s)
		switch {
		case errors.Is(err, ErrBack):
			if len(asked) == 0 {
				continue // nothing to go back to: ask again
			}
			s, asked = asked[len(asked)-1], asked[:len(asked)-1]
			continue
		case errors.Is(err, errAgain):
			continue
		case errors.As(err, &jump):
			if jump.to == StepConnect {
				asked = nil
			}
			s = jump.to
			continue
		case err != nil:
			return err
		}
		if f, ok := p.(Folded); ok && q && f.Folded(s) {
			q = false // its question is on another step's screen: esc passes over it
		}
		switch {
		case q && s == StepConfirm:
			// Back to a confirmation plans afresh: the links may have changed
			// (this run may have created one).
			asked = append(asked, StepPlan)
		case q:
			asked = append(asked, s)
		}
		s = f.Next(s)
	}
	return nil
}

// errAgain: run the same step again (a retry, a re-check).
var errAgain = errors.New("again")

// goTo: carry on from another step (a failed link is planned afresh).
type goTo struct{ to Step }

func (g goTo) Error() string { return "go to " + g.to.String() }

func (f *Flow) observe(p Prompter, s Step, done bool) {
	p.Observe(Event{Step: s, Done: done, State: f.State()})
}

// do runs one step. asked reports whether a question was put to the user,
// so that ErrBack can return to it.
func (f *Flow) do(ctx context.Context, p Prompter, s Step) (asked bool, err error) {
	failed := func(err error) (bool, error) {
		retry, perr := p.Failed(ctx, s, err)
		switch {
		case perr != nil:
			return false, perr
		case retry:
			return false, errAgain
		}
		return false, err
	}
	switch s {
	case StepConnect:
		again := f.wrongToken
		base, c, err := p.Connect(ctx, again)
		if err != nil {
			return false, err
		}
		f.wrongToken = nil
		f.client = c
		f.st.BaseURL = base
		f.st.Record.BaseURL = base
		return true, nil

	case StepDetect:
		f.observe(p, s, false)
		det, err := Detect(ctx, f.client, f.settings.Product)
		if err != nil {
			return failed(err)
		}
		f.st.Detection = det
		f.observe(p, s, true)
		return true, p.Instance(ctx, det)

	case StepChecks, StepMobileChecks:
		mode := f.settings.Mode
		if s == StepMobileChecks {
			mode = ModeNonMDM
		}
		f.observe(p, s, false)
		report := RunChecks(ctx, f.client, f.st.Detection, CheckOptions{Mode: mode, TypedURL: f.st.BaseURL})
		if err := ctx.Err(); err != nil {
			// Stopped by the user: a report of requests cut short says
			// nothing about the instance.
			return false, err
		}
		f.st.Report = report
		f.st.Record.Warnings = warnings(report)
		f.observe(p, s, true)
		recheck, err := p.Checks(ctx, report)
		switch {
		case err != nil:
			return true, err
		case recheck:
			return false, errAgain
		}
		if c, wrong := report.WrongToken(); wrong && s == StepChecks {
			// Every failure followed from the ignored token: ask for another.
			f.wrongToken = &WrongTokenError{Check: c}
			return false, goTo{StepConnect}
		}
		if !report.Compatible() {
			return false, errors.New("the instance is not ready")
		}
		return true, nil

	case StepMode:
		if f.settings.Mode != "" {
			f.st.Mode = f.settings.Mode
			f.st.Record.Mode = f.st.Mode
			return false, nil
		}
		choices := modeChoices(f.st.Report)
		for {
			m, err := p.Mode(ctx, choices)
			if err != nil {
				return true, err
			}
			if available(choices, m) {
				f.st.Mode = m
				f.st.Record.Mode = m
				return true, nil
			}
		}

	case StepPlan:
		f.observe(p, s, false)
		var clients []api.OAuthClient
		if !f.listAgain && f.st.Report != nil {
			clients = f.st.Report.Clients
		}
		f.listAgain = true
		plan, err := PlanLink(ctx, f.client, f.st.Detection.Product, f.settings.LinkName, clients)
		if err != nil {
			return failed(err)
		}
		f.st.Plan = plan
		f.observe(p, s, true)
		return false, nil

	case StepConfirm:
		entry, err := p.ConfirmPlan(ctx, f.st.Plan, f.st.Entry)
		if err != nil {
			return true, err
		}
		f.st.Entry = entry
		return true, nil

	case StepLink:
		f.st.Record.Pending = f.st.Plan.Changes()
		f.observe(p, s, false)
		res, err := f.ensureLinkProbing(ctx, f.st.Plan)
		// A create whose outcome is unknown (its answer lost, the run stopped)
		// stays pending: the summaries say the link may exist.
		f.st.Record.Pending = errors.As(err, new(*UnclearCreateError))
		if res != nil {
			// A link that exists is kept even if reading it back failed.
			f.st.Link = res
			f.st.Record.link(res)
			site := NewSite(f.st.Detection, f.st.BaseURL, f.st.Entry.Title, res.Client.ClientID, f.st.Entry.Cache)
			f.st.Site = &site
			f.observe(p, s, true)
		}
		if err != nil {
			if _, ferr := failed(err); !errors.Is(ferr, errAgain) {
				return false, ferr
			}
			// A retry looks at the links again: one created meanwhile is reused.
			return false, goTo{StepPlan}
		}
		return false, nil

	case StepMobileOAuth:
		return false, f.mobileOAuth(ctx, p)

	case StepSite:
		if f.st.Mode == ModeNonMDM {
			// The site entry is the URL and the instance's name: nothing to ask.
			site := NewSite(f.st.Detection, f.st.BaseURL, f.settings.Title, "", false)
			f.st.Site = &site
			return false, nil
		}
		entry := f.st.Entry // what was answered before a step back
		if entry.Title == "" {
			entry.Title = cmp.Or(f.settings.Title, f.st.Detection.Title)
		}
		if f.settings.CacheSession != nil {
			entry.Cache = *f.settings.CacheSession
		}
		if f.settings.Title != "" && f.settings.CacheSession != nil {
			f.st.Entry = entry
			return false, nil
		}
		entry, err := p.Site(ctx, entry)
		if err != nil {
			return true, err
		}
		// The entry itself is made once the link is in place (StepLink).
		f.st.Entry = entry
		return true, nil

	case StepVerify:
		if !f.settings.Verify {
			return false, nil
		}
		f.verify(ctx, p)
		return false, nil

	case StepResult:
		return false, f.result(ctx, p)
	}
	return false, fmt.Errorf("unknown step %v", s)
}

func available(choices []ModeChoice, m Mode) bool {
	for _, c := range choices {
		if c.Mode == m {
			return len(c.Unavailable) == 0
		}
	}
	return false
}

// warnings are a report's warnings, for the summary (the checks' screen may
// have moved past them).
func warnings(r *Report) []string {
	var out []string
	for _, c := range r.Checks {
		if c.Status == StatusWarn {
			out = append(out, c.Name+": "+c.Detail)
		}
	}
	return out
}

// mobileOAuth is the non-MDM wait: the evidence at hand (what the checks
// read), and unless it confirms the switch, the admin is asked for it and
// the instance watched.
func (f *Flow) mobileOAuth(ctx context.Context, p Prompter) error {
	s := StepMobileOAuth
	f.observe(p, s, false)
	ev, known := f.st.Report.MobileOAuth()
	if !known {
		var err error
		if ev, err = CheckMobileOAuth(ctx, f.client, f.st.Detection.Product, Baseline{}); err != nil {
			retry, perr := p.Failed(ctx, s, err)
			switch {
			case perr != nil:
				return perr
			case retry:
				return errAgain
			}
			return err
		}
	}
	f.st.Mobile = ev
	if !ev.Confirmed() {
		if f.settings.Wait == 0 {
			f.st.Record.Mobile = ev
			return &NotConfirmedError{Evidence: ev}
		}
		now, err := p.SwitchOn(ctx, ev)
		if err != nil {
			return err
		}
		ev, err = f.waitForMobileOAuth(ctx, ev, func(poll MobilePoll) {
			p.Observe(Event{Step: s, Poll: &poll, State: f.State()})
		}, now)
		f.st.Mobile = ev
		if err != nil {
			f.st.Record.Mobile = ev
			return err
		}
	}
	f.st.Record.Mobile = ev
	f.observe(p, s, true)
	return nil
}

// waitForMobileOAuth polls until the evidence confirms the switch, ctx ends
// or Settings.Wait passes (then the error is a *NotConfirmedError). since is
// the evidence when the admin was asked; something on now asks for a look at once.
func (f *Flow) waitForMobileOAuth(ctx context.Context, since *MobileOAuthEvidence, progress func(MobilePoll), now <-chan struct{}) (*MobileOAuthEvidence, error) {
	wctx := ctx
	if f.settings.Wait > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, f.settings.Wait)
		defer cancel()
	}
	var lastErr error
	ev, err := waitForMobileOAuth(wctx, f.client, f.st.Detection.Product, since.AsBaseline(), f.settings.PollInterval(), func(p MobilePoll) {
		lastErr = p.Err
		progress(p)
	}, now)
	if ev == nil {
		ev = since
	}
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return ev, &NotConfirmedError{Waited: f.settings.Wait, Evidence: ev, LastErr: lastErr}
	}
	return ev, err
}

// ensureLinkProbing is EnsureLink for a run that verifies at the end: the
// verification's requests that need only the client ID (the provider's
// metadata, the sign-in probes) start as soon as the create answers, beside
// its read-back, so verifying costs setup no round trip of its own.
func (f *Flow) ensureLinkProbing(ctx context.Context, plan *LinkPlan) (*LinkResult, error) {
	if !f.settings.Verify || f.st.Detection == nil {
		return EnsureLink(ctx, f.client, plan)
	}
	return ensureLink(ctx, f.client, plan, func(clientID string) {
		if f.early == nil || f.early.clientID != clientID {
			f.early = startProbes(ctx, f.client, f.st.Detection.Product, clientID)
		}
	})
}

// verify probes the app's sign-in against the link the flow settled on.
func (f *Flow) verify(ctx context.Context, p Prompter) {
	f.observe(p, StepVerify, false)
	opts := VerifyOptions{Mode: f.st.Mode, early: f.early}
	f.early = nil // a verification asked for again probes afresh
	switch {
	case f.st.Link != nil:
		opts.Client = &f.st.Link.Client
	case f.st.Mobile != nil && f.st.Mobile.Client != nil:
		opts.Client = f.st.Mobile.Client
	}
	v := Verify(ctx, f.client, f.st.Detection, opts)
	if ctx.Err() != nil {
		return // cut short: says nothing about the sign-in
	}
	f.st.Verified = v
	f.st.Record.Verified = v
	f.observe(p, StepVerify, true)
}

// Action is what the user does with the result.
type Action struct {
	Kind ActionKind
	// Save: where, in which format, and the sites to write (the session's list:
	// other instances' sites join this one's).
	Path   string
	Format Format
	Sites  []Site
	// App is the app whose list is saved ("" is the instance's). Ask, when
	// set, checks the sites already in the file against it, Known first
	// (SaveAppListAsking): a file of the other app is refused.
	App   App
	Known SiteApps
	Ask   AppAsker
	// Push: the MDM to put the sites into (App's list; "" is the instance's
	// app), the group to assign Intune's configuration to, and the MDM's
	// app record when none or several match the App Store id.
	MDM     MDM
	Group   string
	PickApp string
}

// ActionKind names an Action.
type ActionKind int

const (
	// ActionDone: the user is done with this instance.
	ActionDone ActionKind = iota
	// ActionVerify probes the app's sign-in again.
	ActionVerify
	// ActionRemove deletes the app's link (after ConfirmRemove).
	ActionRemove
	// ActionSave writes the site list to a file (merged with what is in it).
	ActionSave
	// ActionPush puts the site list into an MDM (after PushConfirmer confirms).
	ActionPush
)

// PushConfirmer is a prompter that can confirm a push: it shows the plan
// (what changes in the MDM, its warnings) and returns nil to write, ErrBack
// to leave the MDM as it is. A prompter without it never pushes.
type PushConfirmer interface {
	ConfirmPush(ctx context.Context, plan *PushPlan) error
}

// uses reports whether cl is the link the run settled on: the site's (MDM)
// or the one the mobile plugin hands out (non-MDM).
func (st State) uses(cl api.OAuthClient) bool {
	switch {
	case st.Link != nil:
		return st.Link.Client.ClientID == cl.ClientID
	case st.Mobile != nil && st.Mobile.Client != nil:
		return st.Mobile.Client.ClientID == cl.ClientID
	}
	return false
}

// result asks what the user does with the outcome, and does it.
func (f *Flow) result(ctx context.Context, p Prompter) error {
	for {
		a, err := p.Result(ctx, f.State())
		if err != nil {
			return err
		}
		switch a.Kind {
		case ActionDone:
			return nil
		case ActionVerify:
			if f.st.Site != nil {
				f.verify(ctx, p)
			}
		case ActionRemove:
			if err := f.remove(ctx, p); err != nil && !errors.Is(err, ErrBack) {
				return err
			}
		case ActionSave:
			f.observe(p, StepResult, false)
			var merged []Site
			var unchecked []UncheckedSite
			var err error
			if a.Ask != nil {
				merged, unchecked, err = SaveAppListAsking(ctx, a.Path, cmp.Or(a.App, f.st.App()), a.Sites, a.Format, a.Known, a.Ask)
			} else {
				merged, err = SaveSiteList(a.Path, a.Sites, a.Format)
			}
			f.st.Record.Saved = append(f.st.Record.Saved, Saved{Path: a.Path, Sites: len(merged), Ours: len(a.Sites), Unchecked: unchecked, Err: err})
			f.observe(p, StepResult, true)
		case ActionPush:
			if err := f.push(ctx, p, a); err != nil && !errors.Is(err, ErrBack) {
				return err
			}
		}
	}
}

// push puts the action's sites into its MDM once the prompter confirmed the
// plan; the outcome, or why there is none, goes into the record.
func (f *Flow) push(ctx context.Context, p Prompter, a Action) error {
	c, ok := p.(PushConfirmer)
	if !ok || a.MDM == nil {
		return nil
	}
	f.observe(p, StepResult, false)
	plan, err := PlanPush(ctx, a.MDM, PushRequest{App: cmp.Or(a.App, f.st.App()), Put: a.Sites, Group: a.Group, PickApp: a.PickApp})
	if err != nil {
		// Observers see why there is no plan with the step's end.
		f.st.Record.Pushed = append(f.st.Record.Pushed, Pushed{MDM: a.MDM.Name(), Err: err})
		f.observe(p, StepResult, true)
		return nil
	}
	f.observe(p, StepResult, true)
	if plan.Changes() {
		if err := c.ConfirmPush(ctx, plan); err != nil {
			return err
		}
	}
	f.observe(p, StepResult, false)
	res, err := ApplyPush(ctx, plan, PushOptions{})
	f.st.Record.Pushed = append(f.st.Record.Pushed, Pushed{MDM: a.MDM.Name(), Result: res, Plan: plan, Err: err})
	f.observe(p, StepResult, true)
	return nil
}

// remove deletes the app's link once the user confirmed which one and what
// it costs; the site leaves the entry (its client signs nobody in).
func (f *Flow) remove(ctx context.Context, p Prompter) error {
	if f.st.Detection == nil {
		return nil
	}
	clientID := ""
	var plan *RemovePlan
	for {
		var err error
		plan, err = PlanRemove(ctx, f.client, f.st.Detection.Product, nil, clientID)
		var choose *ChooseLinkError
		switch {
		case errors.As(err, &choose):
			if clientID, err = p.ConfirmRemove(ctx, nil, choose.Candidates); err != nil {
				return err
			}
			continue
		case err != nil:
			retry, perr := p.Failed(ctx, StepResult, err)
			if perr != nil || !retry {
				return perr
			}
			continue
		}
		break
	}
	if _, err := p.ConfirmRemove(ctx, plan, nil); err != nil {
		return err
	}
	f.observe(p, StepResult, false)
	res, err := Remove(ctx, f.client, plan)
	if err != nil {
		_, perr := p.Failed(ctx, StepResult, err)
		return perr
	}
	f.st.Record.Removed, f.st.Record.RemovePlan = res, plan
	if res.Changed() && f.st.uses(*res.Removed) {
		// The probes spoke of a link that is gone, and its site signs nobody
		// in. Another link with the app's redirect (one of several) leaves
		// both as they were.
		f.st.Verified, f.st.Record.Verified = nil, nil
		if f.st.Mode != ModeNonMDM {
			f.st.Site = nil
		}
	}
	f.observe(p, StepResult, true)
	return nil
}
