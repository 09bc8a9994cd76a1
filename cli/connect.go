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

// flagPrompter answers the flow's questions from the flags and the environment,
// without a terminal: nothing is asked, and a missing answer is a usage error
// that names the flag to pass. It is the non-interactive way to run the flow
// against one instance (steps.Flow.Run with this prompter).
type flagPrompter struct {
	g *globalOptions
	// report is where check reports go (stdout for check, stderr for setup).
	report io.Writer
	// yes confirms writes; wait bounds the non-MDM wait (0: look once).
	yes  bool
	wait time.Duration
	// lastPollErr is the last poll failure said, so that each is said once.
	lastPollErr string
}

func (p *flagPrompter) errW() io.Writer { return p.g.io.Err }

// Connect resolves the URL and credentials from flags and env.
func (p *flagPrompter) Connect(context.Context) (string, *api.Client, error) {
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

func (p *flagPrompter) Instance(context.Context, *steps.Detection) error { return nil }

// Checks prints the report, as check does, and stops on what would fail the setup.
func (p *flagPrompter) Checks(_ context.Context, r *steps.Report) (bool, error) {
	printReport(p.report, r, p.g.phraser(), reportWidth(p.g.io.Getenv))
	if code := reportCode(r); code != ExitOK {
		return false, &ExitError{Code: code, Err: errors.New("the instance is not ready"), Silent: true}
	}
	return false, nil
}

func (p *flagPrompter) Mode(context.Context) (steps.Mode, error) {
	return "", usageError("no mode: pass --mode mdm or --mode non-mdm")
}

func (p *flagPrompter) ConfirmPlan(_ context.Context, plan *steps.LinkPlan) error {
	printNotReused(p.errW(), plan)
	if !p.yes {
		return usageError("setup creates an application link on the instance: pass --yes to confirm, or --dry-run to see the requests first")
	}
	return nil
}

func (p *flagPrompter) SwitchOn(_ context.Context, ev *steps.MobileOAuthEvidence) (<-chan struct{}, error) {
	if p.wait <= 0 {
		return nil, &ExitError{Code: ExitFailed, Err: fmt.Errorf("OAuth 2.0 is not confirmed: %s Then run again, or pass --wait 10m to wait for it", ev.Describe())}
	}
	prod := ev.Product
	fmt.Fprintf(p.errW(), "Turn on OAuth 2.0 in %s: %s\nWaiting up to %s for the mobile plugin to hand out its client...\n", prod.Title(), steps.MobileAdminPath(prod), p.wait)
	return nil, nil
}

// Title and CacheSession are settled by flags (Settings); these are the defaults.
func (p *flagPrompter) Title(_ context.Context, def string) (string, error) { return def, nil }
func (p *flagPrompter) CacheSession(context.Context) (bool, error)          { return false, nil }

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
	f := e.Flow
	switch {
	case e.Poll != nil:
		// Say each new failure once; a poll that works again clears it.
		msg := ""
		if e.Poll.Err != nil {
			msg, _ = p.g.explain(e.Poll.Err)
		}
		if msg != "" && msg != p.lastPollErr {
			fmt.Fprintf(p.errW(), "Could not look (poll %d): %s\n", e.Poll.N, msg)
		}
		p.lastPollErr = msg
	case e.Done && e.Step == steps.StepLink:
		fmt.Fprintln(p.errW(), f.Link.Outcome())
	case e.Done && e.Step == steps.StepMobileOAuth:
		fmt.Fprintln(p.errW(), f.Mobile.Describe())
	case !e.Done && e.Step == steps.StepVerify:
		fmt.Fprintln(p.errW(), "\nVerifying, as the app would, that its sign-in can start:")
	case e.Done && e.Step == steps.StepVerify:
		printVerify(p.errW(), f.Verified, p.g.phraser(), reportWidth(p.g.io.Getenv))
	}
}

// connection is a client for the instance plus what detection learnt, for the
// commands that are not the setup flow (verify, remove).
type connection struct {
	baseURL string
	client  *api.Client
	det     *steps.Detection
}

// connect resolves the URL and credentials as the setup flow does and detects
// the product. Without a terminal nothing is asked: a missing value is a usage
// error that names the flag to pass.
func (g *globalOptions) connect(ctx context.Context) (*connection, error) {
	want, err := g.product()
	if err != nil {
		return nil, err
	}
	p := &flagPrompter{g: g}
	base, client, err := p.Connect(ctx)
	if err != nil {
		return nil, err
	}
	det, err := steps.Detect(ctx, client, want)
	if err != nil {
		_, ferr := p.Failed(ctx, steps.StepDetect, err)
		return nil, ferr
	}
	return &connection{baseURL: base, client: client, det: det}, nil
}
