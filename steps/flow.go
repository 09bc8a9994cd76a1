package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
)

// Step is one stage of the setup. The order is Flow.Next's, and only Flow.Next's:
// every front-end (command line, line prompts, full screen, SSH) follows it.
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
	// StepConfirm (MDM) asks before anything is written: the link and the
	// site entry (StepSite comes first, so the plan shows all of it).
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
	// StepDone: nothing is left.
	StepDone
)

var stepNames = [...]string{
	StepConnect: "connect", StepDetect: "detect", StepChecks: "checks", StepMode: "mode",
	StepPlan: "plan", StepConfirm: "confirm", StepLink: "link", StepMobileChecks: "mobile-checks",
	StepMobileOAuth: "mobile-oauth", StepSite: "site", StepVerify: "verify", StepDone: "done",
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
	// Wait bounds the non-MDM wait for the mobile plugin's switch; 0 waits
	// until the context ends.
	Wait time.Duration
	// PollEvery is the interval of the non-MDM wait; 0 is DefaultPollEvery.
	PollEvery time.Duration
	// Verify probes the app's sign-in at the end.
	Verify bool
}

// DefaultPollEvery is how often the non-MDM wait looks at the instance.
const DefaultPollEvery = 3 * time.Second

// Flow is one run of the setup against one instance: the settings, and what
// each step learned. Run drives it with a Prompter; the full-screen wizard,
// whose screens answer at their own pace, calls Next and the step methods itself.
type Flow struct {
	Settings

	BaseURL   string
	Client    *api.Client
	Detection *Detection
	// Report is the latest compatibility report.
	Report *Report
	Mode   Mode
	Plan   *LinkPlan
	// LinkPending: a create was sent and its answer has not come back.
	LinkPending bool
	Link        *LinkResult
	// Mobile is the evidence the non-MDM wait ended with.
	Mobile *MobileOAuthEvidence
	// SiteTitle and SiteCache are the site entry's answers (MDM), settled
	// before the confirmation; Site is the entry, once the link is in place.
	SiteTitle string
	SiteCache bool
	Site      *Site
	Verified  *VerifyReport

	// ListAgain: the checks' client list was used for a plan once; later
	// plans list the clients afresh (a link may have appeared meanwhile).
	ListAgain bool

	// early are the verification's probes, started beside the link's read-back.
	early *earlyProbes
}

// Next is the step after s, given what the flow knows: the order of the setup.
func (f *Flow) Next(s Step) Step {
	switch s {
	case StepConnect:
		return StepDetect
	case StepDetect:
		return StepChecks
	case StepChecks:
		if f.ChecksOnly {
			return StepDone
		}
		return StepMode
	case StepMode:
		switch {
		case f.Mode != ModeNonMDM:
			return StepPlan
		case f.DryRun:
			return StepDone
		case f.Report != nil && f.Report.Mode == ModeNonMDM:
			return StepMobileOAuth
		}
		return StepMobileChecks
	case StepPlan:
		if f.DryRun {
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
		if f.Mode != ModeNonMDM {
			return StepConfirm
		}
		return StepVerify
	}
	return StepDone
}

// ChecksMode is the mode the first checks run for: the settled one, or "" (the
// non-MDM checks then only warn).
func (f *Flow) ChecksMode() Mode { return f.Settings.Mode }

// Detect asks the instance what it is.
func (f *Flow) Detect(ctx context.Context) (*Detection, error) {
	return Detect(ctx, f.Client, f.Product)
}

// Check runs the compatibility checks for mode.
func (f *Flow) Check(ctx context.Context, mode Mode) *Report {
	return RunChecks(ctx, f.Client, f.Detection, CheckOptions{Mode: mode, TypedURL: f.BaseURL})
}

// PlanLink plans the link, from the checks' client list the first time.
func (f *Flow) PlanLink(ctx context.Context) (*LinkPlan, error) {
	var clients []api.OAuthClient
	if !f.ListAgain && f.Report != nil {
		clients = f.Report.Clients
	}
	f.ListAgain = true
	return PlanLink(ctx, f.Client, f.Detection.Product, f.LinkName, clients)
}

// EnsureLink carries out the plan.
func (f *Flow) EnsureLink(ctx context.Context, plan *LinkPlan) (*LinkResult, error) {
	return EnsureLink(ctx, f.Client, plan)
}

// ensureLinkProbing is EnsureLink for a run that verifies at the end: the
// verification's requests that need only the client ID (the provider's
// metadata, the sign-in probes) start as soon as the create answers, beside
// its read-back, so verifying costs setup no round trip of its own.
func (f *Flow) ensureLinkProbing(ctx context.Context, plan *LinkPlan) (*LinkResult, error) {
	if !f.Verify || f.Detection == nil {
		return f.EnsureLink(ctx, plan)
	}
	return ensureLink(ctx, f.Client, plan, func(clientID string) {
		if f.early == nil || f.early.clientID != clientID {
			f.early = startProbes(ctx, f.Client, f.Detection.Product, clientID)
		}
	})
}

// MobileOAuthNow is the evidence at hand: what the non-MDM checks read, or one look.
func (f *Flow) MobileOAuthNow(ctx context.Context) (*MobileOAuthEvidence, error) {
	if ev, known := f.Report.MobileOAuth(); known {
		return ev, nil
	}
	return CheckMobileOAuth(ctx, f.Client, f.Detection.Product, Baseline{})
}

// LookForMobileOAuth looks once: the clients and info/login, weighed against
// the clients listed when the admin was asked for the switch (since).
func (f *Flow) LookForMobileOAuth(ctx context.Context, since *MobileOAuthEvidence) (*MobileOAuthEvidence, error) {
	return CheckMobileOAuth(ctx, f.Client, f.Detection.Product, since.AsBaseline())
}

// WaitForMobileOAuth polls until the evidence confirms the switch, ctx ends or
// Settings.Wait passes (then the error is a *NotConfirmedError). since is the
// evidence when the admin was asked; now, if not nil, asks for a look at once.
func (f *Flow) WaitForMobileOAuth(ctx context.Context, since *MobileOAuthEvidence, progress func(MobilePoll), now <-chan struct{}) (*MobileOAuthEvidence, error) {
	wctx := ctx
	if f.Wait > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, f.Wait)
		defer cancel()
	}
	var lastErr error
	ev, err := waitForMobileOAuth(wctx, f.Client, f.Detection.Product, since.AsBaseline(), f.pollEvery(), func(p MobilePoll) {
		lastErr = p.Err
		if progress != nil {
			progress(p)
		}
	}, now)
	if ev == nil {
		ev = since
	}
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return ev, &NotConfirmedError{Waited: f.Wait, Evidence: ev, LastErr: lastErr}
	}
	return ev, err
}

func (f *Flow) pollEvery() time.Duration {
	if f.PollEvery > 0 {
		return f.PollEvery
	}
	return DefaultPollEvery
}

// App is the iOS app whose site list the instance's site goes to; "" before
// the product is known.
func (f *Flow) App() App {
	if f.Detection == nil {
		return ""
	}
	return AppFor(f.Detection.Product)
}

// NewSite is the site list entry for what the flow set up.
func (f *Flow) NewSite(title string, cache bool) Site {
	if f.Mode == ModeNonMDM || f.Link == nil {
		// Without MDM the app gets its client from the plugin: no oauth block.
		return NewSite(f.Detection, f.BaseURL, title, "", false)
	}
	return NewSite(f.Detection, f.BaseURL, title, f.Link.Client.ClientID, cache)
}

// SiteEntry says what the site list entry will hold, for the confirmation:
// the link is not there yet, so its client ID is named by where it comes from.
func (f *Flow) SiteEntry() string {
	title := strings.TrimSpace(f.SiteTitle)
	if title == "" && f.Detection != nil {
		title = f.Detection.Title
	}
	return fmt.Sprintf("Site list entry: title %q, cacheSessionInMobileBrowser %t, and the link's client ID.", title, f.SiteCache)
}

// VerifySignIn probes the app's sign-in against the link the flow settled on.
func (f *Flow) VerifySignIn(ctx context.Context) *VerifyReport {
	opts := VerifyOptions{Mode: f.Mode, early: f.early}
	switch {
	case f.Link != nil:
		opts.Client = &f.Link.Client
	case f.Mobile != nil && f.Mobile.Client != nil:
		opts.Client = f.Mobile.Client
	}
	return Verify(ctx, f.Client, f.Detection, opts)
}

// Outcome says in one sentence what the run did to the instance.
func (f *Flow) Outcome() string {
	switch {
	case f.Link != nil:
		return f.Link.Outcome()
	case f.LinkPending:
		return "The wizard stopped while the link was being created: look in Administration → Application links to see whether it exists."
	case f.Mobile != nil && f.Mobile.Confirmed():
		return f.Mobile.Describe()
	}
	return "Nothing was changed on the instance."
}

// NotConfirmedError: the non-MDM wait ended without evidence that the mobile
// plugin hands the app its client.
type NotConfirmedError struct {
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

// Prompter answers the flow's questions and hears its progress; each front-end
// implements it. A question returns ErrBack to return to the previous question
// and any other error to stop the run with it.
type Prompter interface {
	// Connect settles the base URL and credentials and returns a client for them.
	Connect(ctx context.Context) (baseURL string, c *api.Client, err error)
	// Instance shows what answered; nil goes on.
	Instance(ctx context.Context, det *Detection) error
	// Checks shows a report (of the first or of the non-MDM checks). recheck
	// runs them again; a report with failures never goes on.
	Checks(ctx context.Context, r *Report) (recheck bool, err error)
	// Mode chooses the setup.
	Mode(ctx context.Context) (Mode, error)
	// ConfirmPlan is asked before a plan that writes to the instance is carried out.
	ConfirmPlan(ctx context.Context, plan *LinkPlan) error
	// SwitchOn tells the admin to turn on OAuth 2.0 in the mobile plugin; ev is
	// what the wizard sees so far. Something arriving on now asks for a look at once.
	SwitchOn(ctx context.Context, ev *MobileOAuthEvidence) (now <-chan struct{}, err error)
	// Title asks for the site's title; def is the instance's name.
	Title(ctx context.Context, def string) (string, error)
	// CacheSession asks whether the mobile browser keeps the sign-in session.
	CacheSession(ctx context.Context) (bool, error)
	// Failed reports a step that failed; retry runs it again.
	Failed(ctx context.Context, s Step, err error) (retry bool, err2 error)
	// Observe hears each step start and end, and each poll of the non-MDM wait.
	Observe(e Event)
}

// Event is progress: a step starting (Done false) or ending, or a poll.
type Event struct {
	Step Step
	Done bool
	Poll *MobilePoll
	Flow *Flow
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
			s = jump.to
			continue
		case err != nil:
			return err
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

// do runs one step. asked reports whether a question was put to the user,
// so that ErrBack can return to it.
func (f *Flow) do(ctx context.Context, p Prompter, s Step) (asked bool, err error) {
	obs := func(done bool) { p.Observe(Event{Step: s, Done: done, Flow: f}) }
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
		base, c, err := p.Connect(ctx)
		if err != nil {
			return false, err
		}
		f.BaseURL, f.Client = base, c
		return true, nil

	case StepDetect:
		obs(false)
		det, err := f.Detect(ctx)
		if err != nil {
			return failed(err)
		}
		f.Detection = det
		obs(true)
		return true, p.Instance(ctx, det)

	case StepChecks, StepMobileChecks:
		mode := f.ChecksMode()
		if s == StepMobileChecks {
			mode = ModeNonMDM
		}
		obs(false)
		report := f.Check(ctx, mode)
		if err := ctx.Err(); err != nil {
			// Stopped by the user: a report of requests cut short says
			// nothing about the instance.
			return false, err
		}
		f.Report = report
		obs(true)
		recheck, err := p.Checks(ctx, f.Report)
		switch {
		case err != nil:
			return true, err
		case recheck:
			return false, errAgain
		case !f.Report.Compatible():
			return false, errors.New("the instance is not ready")
		}
		return true, nil

	case StepMode:
		if f.Settings.Mode != "" {
			f.Mode = f.Settings.Mode
			return false, nil
		}
		m, err := p.Mode(ctx)
		if err != nil {
			return true, err
		}
		f.Mode = m
		return true, nil

	case StepPlan:
		obs(false)
		plan, err := f.PlanLink(ctx)
		if err != nil {
			return failed(err)
		}
		f.Plan = plan
		obs(true)
		return false, nil

	case StepConfirm:
		if !f.Plan.Changes() {
			return false, nil
		}
		return true, p.ConfirmPlan(ctx, f.Plan)

	case StepLink:
		obs(false)
		f.LinkPending = f.Plan.Changes()
		res, err := f.ensureLinkProbing(ctx, f.Plan)
		f.LinkPending = false
		if res != nil {
			// A link that exists is kept even if reading it back failed.
			f.Link = res
			site := f.NewSite(f.SiteTitle, f.SiteCache)
			f.Site = &site
			obs(true)
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
		obs(false)
		ev, err := f.MobileOAuthNow(ctx)
		if err != nil {
			return failed(err)
		}
		if !ev.Confirmed() {
			now, err := p.SwitchOn(ctx, ev)
			if err != nil {
				return false, err
			}
			ev, err = f.WaitForMobileOAuth(ctx, ev, func(poll MobilePoll) {
				p.Observe(Event{Step: s, Poll: &poll, Flow: f})
			}, now)
			if err != nil {
				f.Mobile = ev
				return false, err
			}
		}
		f.Mobile = ev
		obs(true)
		return false, nil

	case StepSite:
		title, cache := f.Title, false
		asked := false
		if f.Mode == ModeNonMDM {
			// The site entry is the URL and the instance's name: nothing to ask.
			site := f.NewSite(title, false)
			f.Site = &site
			return false, nil
		}
		for {
			if f.Title == "" {
				var err error
				asked = true
				if title, err = p.Title(ctx, f.Detection.Title); err != nil {
					return true, err
				}
			}
			if f.CacheSession != nil {
				cache = *f.CacheSession
				break
			}
			var err error
			asked = true
			cache, err = p.CacheSession(ctx)
			if errors.Is(err, ErrBack) && f.Title == "" {
				continue // back to the title
			}
			if err != nil {
				return true, err
			}
			break
		}
		// The entry itself is made once the link is in place (StepLink).
		f.SiteTitle, f.SiteCache = title, cache
		return asked, nil

	case StepVerify:
		if !f.Verify {
			return false, nil
		}
		obs(false)
		f.Verified = f.VerifySignIn(ctx)
		obs(true)
		return false, nil
	}
	return false, fmt.Errorf("unknown step %v", s)
}
