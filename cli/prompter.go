package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// errNoMode and errNeedsYes are said before any request (setupOptions.parse);
// the prompter's questions that would need them are never reached without.
var (
	errNoMode   = usageError("no mode: pass --mode mdm or --mode non-mdm")
	errNeedsYes = usageError("setup creates an application link on the instance: pass --yes to confirm, or --dry-run to see the requests first")
)

// flagPrompter answers the flow's questions from the flags and the environment,
// without a terminal: nothing is asked, and a missing answer is a usage error
// that names the flag to pass. It is the non-interactive way to run the flow
// against one instance (steps.Flow.Run with this prompter).
type flagPrompter struct {
	g *globalOptions
	// report is where check reports go (stdout for check, stderr for setup).
	report io.Writer
	// yes confirms writes; wait is Settings.Wait, said while waiting.
	yes  bool
	wait time.Duration
	// instance hears what the instance is, once detected (setup --push
	// starts reading the app's MDM record then).
	instance func(*steps.Detection)
}

func (p *flagPrompter) errW() io.Writer { return p.g.io.Err }

// Connect resolves the URL and credentials from flags and env.
func (p *flagPrompter) Connect(_ context.Context, again error) (string, *api.Client, error) {
	if again != nil {
		// Only reached if the checks let a wrong token through: nothing to ask.
		return "", nil, &ExitError{Code: ExitAuth, Err: again}
	}
	g := p.g
	if g.Demo && g.URL == "" {
		g.URL = demoBaseURL
	}
	base, err := g.baseURL(true)
	if err != nil {
		return "", nil, err
	}
	creds, err := g.credentials()
	if err != nil {
		return "", nil, err
	}
	if creds, err = g.withPassword(creds, EnvPassword); err != nil {
		return "", nil, err
	}
	if g.Demo && credsEmpty(creds) {
		creds.Token = demoToken
	}
	if credsEmpty(creds) {
		if g.io.session != nil {
			return "", nil, usageError("no credentials: a system administrator's personal access token is needed. " + sessionTokenAdvice)
		}
		return "", nil, usageError("no credentials: set " + EnvToken + " to a personal access token of a system administrator (or pass --token-file FILE, or --user NAME with " + EnvPassword + ")")
	}
	client, err := g.newClient(base, creds)
	if err != nil {
		return "", nil, err
	}
	return base, client, nil
}

func (p *flagPrompter) Instance(_ context.Context, det *steps.Detection) error {
	if p.instance != nil {
		p.instance(det)
	}
	return nil
}

// Checks prints the report, as check does, and stops on what would fail the setup.
func (p *flagPrompter) Checks(_ context.Context, r *steps.Report) (bool, error) {
	printReport(p.report, r, p.g.phraser(), reportWidth(p.g.io.Getenv))
	if code := reportCode(r); code != ExitOK {
		return false, &ExitError{Code: code, Err: errors.New("the instance is not ready"), Silent: true}
	}
	return false, nil
}

// Mode is settled by --mode (parse refuses a setup without it; check runs
// the checks only).
func (p *flagPrompter) Mode(context.Context, []steps.ModeChoice) (steps.Mode, error) {
	return "", errNoMode
}

// Site: the flags settle the entry (--title, --cache-session); the defaults go on.
func (p *flagPrompter) Site(_ context.Context, def steps.SiteEntry) (steps.SiteEntry, error) {
	return def, nil
}

// ConfirmPlan: --yes confirms a write (parse refuses a setup without it or
// --dry-run); a reuse writes nothing.
func (p *flagPrompter) ConfirmPlan(_ context.Context, plan *steps.LinkPlan, entry steps.SiteEntry) (steps.SiteEntry, error) {
	printNotReused(p.errW(), plan)
	if plan.Changes() && !p.yes {
		return entry, errNeedsYes
	}
	return entry, nil
}

func (p *flagPrompter) SwitchOn(_ context.Context, ev *steps.MobileOAuthEvidence) (<-chan struct{}, error) {
	prod := ev.Product
	fmt.Fprintf(p.errW(), "Turn on OAuth 2.0 in %s: %s\nWaiting up to %s for the mobile plugin to hand out its client...\n", prod.Title(), steps.MobileAdminPath(prod), p.wait)
	return nil, nil
}

// Result: the command prints or saves the site list itself, after the run.
func (p *flagPrompter) Result(context.Context, steps.State) (steps.Action, error) {
	return steps.Action{}, nil
}

// ConfirmRemove is not asked by setup (remove has its own command).
func (p *flagPrompter) ConfirmRemove(context.Context, *steps.RemovePlan, []api.OAuthClient) (string, error) {
	return "", steps.ErrBack
}

// Failed stops the run with the error; a product mismatch is a plain failure.
func (p *flagPrompter) Failed(_ context.Context, _ steps.Step, err error) (bool, error) {
	if errors.Is(err, steps.ErrWrongProduct) {
		return false, &ExitError{Code: ExitFailed, Err: err}
	}
	return false, err
}

func (p *flagPrompter) Observe(e steps.Event) {
	if p.g.observe != nil {
		p.g.observe(e)
	}
	st := e.State
	switch {
	case e.Poll != nil:
		if e.Poll.Err != nil && !e.Poll.Again {
			if msg, _ := p.g.explain(e.Poll.Err); msg != "" {
				fmt.Fprintf(p.errW(), "Could not look (poll %d): %s\n", e.Poll.N, msg)
			}
		}
	case e.Done && e.Step == steps.StepLink:
		fmt.Fprintln(p.errW(), st.Link.Outcome())
	case e.Done && e.Step == steps.StepMobileOAuth:
		fmt.Fprintln(p.errW(), st.Mobile.Describe())
	case !e.Done && e.Step == steps.StepVerify:
		fmt.Fprintln(p.errW(), "\nVerifying, as the app would, that its sign-in can start:")
	case e.Done && e.Step == steps.StepVerify:
		printVerify(p.errW(), st.Verified, p.g.phraser(), reportWidth(p.g.io.Getenv))
	}
}
