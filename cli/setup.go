package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

type setupOptions struct {
	mode, title, linkName, format, output string
	cacheSession, dryRun, yes, json       bool
	noVerify                              bool
	wait                                  time.Duration
	pollEvery                             time.Duration
}

func newSetupCommand(g *globalOptions) *cobra.Command {
	o := &setupOptions{pollEvery: 3 * time.Second}
	m := &multiOptions{}
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Do the whole job without a terminal UI: check, create or reuse the link, print the site list",
		Long: "Runs the checks, then for MDM reuses or creates the incoming OAuth 2.0 application link and\n" +
			"prints the site list for your MDM; for non-MDM it checks the mobile plugin and waits for the\n" +
			"client it creates once OAuth 2.0 is turned on. Writes to the instance only with --yes.",
		Example: "  export MOBILE_OAUTH_TOKEN=...    # a system administrator's token\n" +
			"  mobile-oauth-wizard setup --url https://jira.example.com --mode mdm --dry-run\n" +
			"  mobile-oauth-wizard setup --url https://jira.example.com --mode mdm --yes \\\n" +
			"      --output sites.json\n" +
			"  mobile-oauth-wizard setup --url https://wiki.example.com --mode non-mdm \\\n" +
			"      --wait 10m --json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if m.several(g) {
				return runSetupMany(cmd, g, o, m)
			}
			return runSetup(cmd, g, o)
		},
	}
	m.register(cmd)
	o.registerAnswers(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.dryRun, "dry-run", false, "print the requests that would change the instance and change nothing")
	f.BoolVar(&o.yes, "yes", false, "confirm changes to the instance (creating the application link)")
	f.DurationVar(&o.wait, "wait", 0, "non-MDM: how long to wait for the mobile plugin to hand out its client (0: check once)")
	f.BoolVar(&o.json, "json", false, "print one JSON object on stdout (human text goes to stderr)")
	f.BoolVar(&o.noVerify, "no-verify", false, "skip the last step, which proves as the app would that its sign-in can start")
	return cmd
}

// registerAnswers adds the flags that answer the wizard's questions; the
// interactive wizard takes them too, to skip the screens they answer.
func (o *setupOptions) registerAnswers(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.mode, "mode", "", "setup `MODE`: mdm or non-mdm")
	f.StringVar(&o.title, "title", "", "site `TITLE` shown in the app (default: the instance's name)")
	f.StringVar(&o.linkName, "link-name", "", "`NAME` of the application link to create (default: \"<Product> iOS app\")")
	f.BoolVar(&o.cacheSession, "cache-session", false, "cacheSessionInMobileBrowser: keep the sign-in session in the mobile browser")
	f.StringVar(&o.format, "format", "json", "output `FORMAT`: json (site list), plist (AppConfig for Jamf / Workspace ONE), intune")
	f.StringVar(&o.output, "output", "", "write the site list to `FILE` (merged with the sites already in it; mode 0600)")
}

func runSetup(cmd *cobra.Command, g *globalOptions, o *setupOptions) error {
	res := jsonResult{Checks: []jsonCheck{}}
	return withJSON(g, o.json, &res, func(human io.Writer) error { return doSetup(cmd, g, o, &res, human) })
}

// parse checks the flags setup needs before it talks to any instance.
func (o *setupOptions) parse() (steps.Mode, steps.Format, error) {
	if o.mode == "" {
		return "", "", usageError("no mode: pass --mode mdm or --mode non-mdm")
	}
	mode, err := steps.ParseMode(o.mode)
	if err != nil {
		return "", "", usageError("--mode: " + err.Error())
	}
	format, err := steps.ParseFormat(o.format)
	if err != nil {
		return "", "", usageError("--format: " + err.Error())
	}
	if mode == steps.ModeMDM && !o.yes && !o.dryRun {
		return "", "", usageError("setup creates an application link on the instance: pass --yes to confirm, or --dry-run to see the requests first")
	}
	return mode, format, nil
}

func doSetup(cmd *cobra.Command, g *globalOptions, o *setupOptions, res *jsonResult, human io.Writer) error {
	ctx := ctxOf(cmd)
	mode, format, err := o.parse()
	if err != nil {
		return err
	}
	res.Mode, res.DryRun = string(mode), o.dryRun

	conn, err := g.connect(ctx, true)
	if err != nil {
		return err
	}
	report := steps.RunChecks(ctx, conn.client, conn.det, steps.CheckOptions{Mode: mode, TypedURL: conn.baseURL})
	res.fill(report)
	if code := reportCode(report); code != ExitOK {
		printReport(g.io.Err, report)
		return &ExitError{Code: code, Err: errors.New("the instance is not ready"), Silent: true}
	}
	fmt.Fprintf(g.io.Err, "%s %s at %s: no check failed.\n", conn.det.Product.Title(), conn.det.Version, conn.det.InstanceBaseURL)
	printWarnings(g.io.Err, report)

	var (
		site steps.Site
		link *api.OAuthClient
	)
	if mode == steps.ModeMDM {
		site, link, err = setupMDM(ctx, conn, report, o, res)
	} else {
		site, link, err = setupNonMDM(ctx, conn, report, o, res)
	}
	if err != nil || o.dryRun {
		return err
	}
	verr := verifySetup(ctx, conn, mode, link, o, res)
	if err := emitSites(g, o, format, site, res, human); err != nil {
		return err
	}
	return verr
}

// verifySetup is setup's last step: the link just read back is probed the way
// the app will use it. The probes go out together, one round trip.
func verifySetup(ctx context.Context, conn *connection, mode steps.Mode, link *api.OAuthClient, o *setupOptions, res *jsonResult) error {
	if o.noVerify || link == nil {
		return nil
	}
	r := steps.Verify(ctx, conn.client, conn.det, steps.VerifyOptions{Client: link, Mode: mode})
	res.Verify = newJSONVerify(r)
	w := conn.stderr()
	fmt.Fprintln(w, "\nVerifying, as the app would, that its sign-in can start:")
	printVerify(w, r)
	if code := verifyCode(r); code != ExitOK {
		return &ExitError{Code: code, Err: errors.New("the link is in place, but the app's sign-in will not work: fix what the verification says and run verify (--no-verify skips this step)")}
	}
	return nil
}

func setupMDM(ctx context.Context, conn *connection, report *steps.Report, o *setupOptions, res *jsonResult) (steps.Site, *api.OAuthClient, error) {
	plan, err := steps.PlanLink(ctx, conn.client, conn.det.Product, o.linkName, report.Clients)
	if err != nil {
		return steps.Site{}, nil, err
	}
	if o.dryRun {
		res.Requests = plan.Requests(conn.client)
		changed := plan.Changes()
		res.Changed = &changed
		if plan.Existing != nil {
			res.ClientID, res.LinkName = plan.Existing.ClientID, plan.Existing.Name
		} else {
			res.LinkName = plan.Create.Name
		}
		w := conn.stderr()
		fmt.Fprintln(w, "Dry run: "+plan.Describe())
		fmt.Fprintln(w, "Requests that would change or verify the instance:")
		for _, r := range res.Requests {
			fmt.Fprintln(w, "  "+r)
		}
		return steps.Site{}, nil, nil
	}
	link, err := steps.EnsureLink(ctx, conn.client, plan)
	if link != nil {
		res.ClientID, res.LinkName = link.Client.ClientID, link.Client.Name
		res.Changed = &link.Changed
		fmt.Fprintln(conn.errW, steps.LinkOutcome(link))
	}
	if err != nil {
		return steps.Site{}, nil, err
	}
	return steps.NewSite(conn.det, conn.baseURL, o.title, link.Client.ClientID, o.cacheSession), &link.Client, nil
}

func setupNonMDM(ctx context.Context, conn *connection, report *steps.Report, o *setupOptions, res *jsonResult) (steps.Site, *api.OAuthClient, error) {
	p := conn.det.Product
	w := conn.stderr()
	if o.dryRun {
		fmt.Fprintln(w, "Dry run: non-MDM creates nothing; the mobile plugin creates its own client once OAuth 2.0 is on at "+steps.MobileAdminPath(p)+".")
		return steps.Site{}, nil, nil
	}
	// Decide on evidence only: a client with the app's redirect may be an earlier
	// MDM run's, so it counts only when info/login hands it out or it appeared
	// after the wizard asked for the switch. The checks read both already.
	ev, known := report.MobileOAuth()
	var err error
	if !known {
		if ev, err = steps.CheckMobileOAuth(ctx, conn.client, p, steps.Baseline{}); err != nil {
			return steps.Site{}, nil, err
		}
	}
	if !ev.Confirmed() {
		if o.wait <= 0 {
			return steps.Site{}, nil, &ExitError{Code: ExitFailed, Err: fmt.Errorf("OAuth 2.0 is not confirmed: %s Then run again, or pass --wait 10m to wait for it.", ev.Describe())}
		}
		base := ev.AsBaseline()
		fmt.Fprintf(w, "Turn on OAuth 2.0 in %s: %s\nWaiting up to %s for the mobile plugin to hand out its client...\n", p.Title(), steps.MobileAdminPath(p), o.wait)
		wctx, cancel := context.WithTimeout(ctx, o.wait)
		defer cancel()
		var lastErr string
		last := ev
		ev, err = steps.WaitForMobileOAuth(wctx, conn.client, p, base, o.pollEvery, func(poll steps.MobilePoll) {
			// Say each new failure once; a poll that works again clears it.
			msg := ""
			if poll.Err != nil {
				msg, _ = explain(poll.Err)
			}
			if msg != "" && msg != lastErr {
				fmt.Fprintf(w, "Could not look (poll %d): %s\n", poll.N, msg)
			}
			lastErr = msg
		})
		if ev == nil {
			ev = last
		}
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			why := ev.Describe()
			if lastErr != "" {
				why += " The last look failed: " + lastErr
			}
			return steps.Site{}, nil, &ExitError{Code: ExitFailed, Err: fmt.Errorf("not confirmed after waiting %s: %s", o.wait, why)}
		}
		if err != nil {
			return steps.Site{}, nil, err
		}
	}
	changed := false
	res.ClientID, res.LinkName, res.Changed = ev.Client.ClientID, ev.Client.Name, &changed
	fmt.Fprintln(w, ev.Describe())
	// Without MDM the app gets its client from the plugin: the site entry needs no oauth block.
	return steps.NewSite(conn.det, conn.baseURL, o.title, "", false), ev.Client, nil
}

func emitSites(g *globalOptions, o *setupOptions, format steps.Format, site steps.Site, res *jsonResult, human io.Writer) error {
	if o.output != "" {
		sites, err := steps.SaveSites(o.output, site, format)
		if err != nil {
			return err
		}
		res.Sites, res.Output = sites, o.output
		fmt.Fprintf(g.io.Err, "Saved the site list (%d site(s)) to %s (mode 0600).\n", len(sites), o.output)
		return nil
	}
	res.Sites = []steps.Site{site}
	if o.json {
		return nil
	}
	out, err := steps.RenderSites(res.Sites, format)
	if err != nil {
		return err
	}
	_, err = human.Write(out)
	return err
}

func (c *connection) stderr() io.Writer { return c.errW }
