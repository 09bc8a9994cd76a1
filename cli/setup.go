package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

type setupOptions struct {
	mode, title, linkName, format   string
	outputs                         []string
	cacheSession, dryRun, yes, json bool
	noVerify, narrowScope           bool
	wait                            time.Duration
	push                            pushOptions
	pushed                          *pushRun
	// instance hears what the instance is once it is detected (setup over
	// several instances reads their apps' MDM records then).
	instance func(*steps.Detection)
}

// pushRun is the push after setup, when --push names an MDM.
func (o *setupOptions) pushRun() *pushRun {
	return o.push.after(&o.pushed, o.dryRun, o.yes, o.json)
}

func newSetupCommand(g *globalOptions) *cobra.Command {
	o := &setupOptions{}
	m := &multiOptions{}
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Do the whole job without a terminal UI: check, create or reuse the link, print the site list",
		Long: "Runs the checks, then for MDM reuses or creates the incoming OAuth 2.0 application link and\n" +
			"prints the site list for your MDM; for non-MDM it checks the mobile plugin and waits for the\n" +
			"client it creates once OAuth 2.0 is turned on. Writes to the instance only with --yes.\n\n" +
			"The Jira and Confluence apps are two iOS apps with a managed configuration each: every output\n" +
			"keeps one site list per app (--json: \"sites\": {\"jira\": [...], \"confluence\": [...]}). One\n" +
			"--output FILE holds one app's list; for both, put {app} in the name or pass jira=FILE and\n" +
			"confluence=FILE.",
		Example: "  export MOBILE_OAUTH_TOKEN=...    # a system administrator's token\n" +
			"  mobile-oauth-wizard setup --url https://jira.example.com --mode mdm --dry-run\n" +
			"  mobile-oauth-wizard setup --url https://jira.example.com --mode mdm --yes \\\n" +
			"      --output sites.json\n" +
			"  mobile-oauth-wizard setup --url https://wiki.example.com --mode non-mdm \\\n" +
			"      --wait 10m --json\n" +
			"  mobile-oauth-wizard setup --url https://jira.example.com \\\n" +
			"      --url https://wiki.example.com --mode mdm --yes \\\n" +
			"      --output 'sites-{app}.json'     # sites-jira.json, sites-confluence.json",
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
	o.push.register(f, "push", "then put each app's site list into the `MDM`: intune or jamf (see push)")
	f.BoolVar(&o.narrowScope, "narrow-scope", false, "narrow a reused link whose scope is broader than the app's WRITE (ADMIN, SYSTEM_ADMIN) to WRITE; needs --yes")
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
	f.StringVar(&o.format, "format", "", "output `FORMAT`: json (site list), plist (AppConfig for Jamf / Workspace ONE), intune (default: what --output's name says, .json or .plist, else json)")
	f.BoolVar(&o.noVerify, "no-verify", false, "skip the last step, which proves as the app would that its sign-in can start")
	f.StringArrayVar(&o.outputs, "output", nil, "write the site list to `FILE` (merged with the sites already in it; mode 0600). One file holds one app's list: with sites of both apps, put {app} in the name (sites-{app}.json) or give jira=FILE and confluence=FILE")
}

// checkAnswers refuses flag values that would otherwise be replaced by a
// default or fail after the instance was changed: every check here runs
// before the first request.
func (o *setupOptions) checkAnswers() error {
	if strings.ContainsFunc(o.linkName, unsafeInName) || !utf8.ValidString(o.linkName) {
		return usageError("--link-name: a link name cannot hold line breaks or other control characters")
	}
	if utf8.RuneCountInString(o.linkName) > maxLinkName {
		return usageError(fmt.Sprintf("--link-name: at most %d characters", maxLinkName))
	}
	return nil
}

// maxLinkName is the OAuth 2.0 provider's limit on a client's name.
const maxLinkName = 255

func unsafeInName(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

func runSetup(cmd *cobra.Command, g *globalOptions, o *setupOptions) error {
	res := jsonResult{Checks: []jsonCheck{}}
	return withJSON(g, o.json, &res, func(human io.Writer) error { return doSetup(cmd, g, o, &res, human) })
}

// parse checks the flags setup needs before it talks to any instance.
func (o *setupOptions) parse() (steps.Mode, *siteListOutput, error) {
	if o.mode == "" {
		return "", nil, errNoMode
	}
	mode, err := steps.ParseMode(o.mode)
	if err != nil {
		return "", nil, usageError("--mode: " + err.Error())
	}
	out, err := o.siteListOutput()
	if err != nil {
		return "", nil, err
	}
	if o.wait < 0 {
		return "", nil, usageError("--wait: must not be negative (0 checks once)")
	}
	if err := o.checkAnswers(); err != nil {
		return "", nil, err
	}
	if o.narrowScope && !o.yes && !o.dryRun {
		return "", nil, usageError("--narrow-scope changes the link's scope on the instance: pass --yes to confirm, or --dry-run to see the request first")
	}
	if mode == steps.ModeMDM && !o.yes && !o.dryRun {
		return "", nil, errNeedsYes
	}
	if err := o.push.check("push"); err != nil {
		return "", nil, err
	}
	if o.push.mdm != "" && !o.yes && !o.dryRun {
		return "", nil, usageError("--push changes the MDM's app configuration: pass --yes to confirm, or --dry-run to see the requests first")
	}
	return mode, out, nil
}

func doSetup(cmd *cobra.Command, g *globalOptions, o *setupOptions, res *jsonResult, human io.Writer) error {
	ctx := ctxOf(cmd)
	mode, out, err := o.parse()
	if err != nil {
		return err
	}
	if r := o.pushRun(); r != nil {
		if err := r.ready(g); err != nil {
			return err
		}
	}
	product, err := g.product()
	if err != nil {
		return err
	}
	res.Mode, res.DryRun = string(mode), o.dryRun
	var lc *listCheck
	if out.paths.Given() {
		base, err := g.baseURL(true)
		if err != nil {
			return err
		}
		apps := []steps.App{settledApp(product)}
		if err := out.checkRun(apps); err != nil {
			return err
		}
		if lc, err = g.checkLists(ctx, out, []string{base}, apps); err != nil {
			return err
		}
	}

	cache := o.cacheSession
	f := steps.NewFlow(steps.Settings{
		Product: product, Mode: mode, LinkName: o.linkName, Title: o.title, CacheSession: &cache,
		DryRun: o.dryRun, Wait: o.wait, Verify: !o.noVerify,
	})
	fp := &flagPrompter{g: g, report: g.io.Err, yes: o.yes, wait: o.wait, instance: o.instance}
	if r := o.pushRun(); r != nil && !o.dryRun && mode == steps.ModeMDM {
		// The MDM is read while the link is made (it needs only the app,
		// known once the instance is detected): the push then waits for the
		// write and its read-back only. Reads only; stopped, whatever
		// happens, before setup returns. Not for non-MDM, whose wait for
		// the mobile plugin may last minutes: its push reads afresh.
		ahead := r.readAhead(ctx)
		defer ahead.Stop()
		fp.instance = func(d *steps.Detection) { ahead.For(steps.AppFor(d.Product)) }
	}
	err = f.Run(ctx, fp)
	st := f.State()
	res.fill(st.Report, g.phraser())
	switch {
	case st.Link != nil:
		res.ClientID, res.LinkName, res.Changed = st.Link.Client.ClientID, st.Link.Client.Name, &st.Link.Changed
	case st.Mobile != nil && st.Mobile.Confirmed():
		changed := false
		res.ClientID, res.LinkName, res.Changed = st.Mobile.Client.ClientID, st.Mobile.Client.Name, &changed
	}
	var nc *steps.NotConfirmedError
	if errors.As(err, &nc) && nc.Waited == 0 {
		// Looked once (--wait 0): say how to wait instead.
		return &ExitError{Code: ExitFailed, Err: fmt.Errorf("%w Then run again, or pass --wait 10m to wait for it", err)}
	}
	if err != nil {
		return err
	}
	if o.dryRun {
		dryRun(g.io.Err, st, f.Client(), res, o.narrowScope)
		if r := o.pushRun(); r != nil {
			if st.Plan == nil || st.Plan.Existing == nil {
				fmt.Fprintln(g.io.Err, "Dry run: the push to the MDM needs the link's client ID, which the link to create does not have yet: run the push with --dry-run after setup.")
				return nil
			}
			site := steps.NewSite(st.Detection, st.BaseURL, o.title, st.Plan.Existing.ClientID, o.cacheSession)
			return setupPush(ctx, g, r, st.Detection.Product, site, res)
		}
		return nil
	}
	if o.narrowScope {
		if err := narrowLink(ctx, g, &st, f.Client(), res); err != nil {
			return err
		}
	}
	// A failed probe fails setup, but the link is in place: the site list is still written.
	var verr error
	if st.Verified != nil {
		res.Verify = newJSONVerify(st.Verified, g.phraser())
		if code := verifyCode(st.Verified); code != ExitOK {
			verr = &ExitError{Code: code, Err: errors.New("the link is in place, but the app's sign-in will not work: fix what the verification says and run verify (--no-verify skips this step)")}
		}
	}
	var lists steps.SiteLists
	lists.Add(st.App(), *st.Site)
	saved, err := writeLists(g, out, lc, lists, o.json, human)
	res.setLists(saved)
	if err != nil {
		return err
	}
	if r := o.pushRun(); r != nil {
		if err := setupPush(ctx, g, r, st.Detection.Product, *st.Site, res); err != nil {
			return err
		}
	}
	return verr
}

// dryRun says what setup would do, from the plan the flow stopped at.
func dryRun(w io.Writer, st steps.State, c *api.Client, res *jsonResult, narrow bool) {
	if st.Mode == steps.ModeNonMDM {
		fmt.Fprintln(w, "Dry run: non-MDM creates nothing; the mobile plugin creates its own client once OAuth 2.0 is on at "+steps.MobileAdminPath(st.Detection.Product)+".")
		return
	}
	plan := st.Plan
	res.Requests = plan.Requests(c)
	changed := plan.Changes()
	res.Changed = &changed
	if plan.Existing != nil {
		res.ClientID, res.LinkName = plan.Existing.ClientID, plan.Existing.Name
	} else {
		res.LinkName = plan.Create.Name
	}
	if narrow && plan.Existing != nil && steps.BroaderScope(plan.Existing.Scope) {
		res.Requests = append(res.Requests, steps.NarrowRequests(c, *plan.Existing)...)
		changed = true
		fmt.Fprintln(w, "Dry run: "+plan.Describe()+" It would be narrowed to scope "+steps.Scope+".")
	} else {
		fmt.Fprintln(w, "Dry run: "+plan.Describe())
	}
	printNotReused(w, plan)
	fmt.Fprintln(w, "Requests that would change or verify the instance:")
	for _, r := range res.Requests {
		fmt.Fprintln(w, "  "+r)
	}
}

// narrowLink narrows the link the app uses to the app's scope when it is
// broader (--narrow-scope, confirmed by --yes before any request), then
// verifies again, so that the report is about the link as it now is.
func narrowLink(ctx context.Context, g *globalOptions, st *steps.State, c *api.Client, res *jsonResult) error {
	var link *api.OAuthClient
	switch {
	case st.Link != nil:
		link = &st.Link.Client
	case st.Mobile.Confirmed():
		link = st.Mobile.Client
	}
	if link == nil || !steps.BroaderScope(link.Scope) {
		return nil
	}
	got, err := steps.NarrowLink(ctx, c, *link)
	if err != nil {
		return err
	}
	if st.Link != nil {
		// The flow's state is a snapshot it keeps: this run's copy changes.
		l := *st.Link
		l.Client = *got
		st.Link = &l
	}
	changed := true
	res.Changed = &changed
	fmt.Fprintf(g.io.Err, "Narrowed the link %q (client ID %s) to scope %s.\n", got.Name, got.ClientID, got.Scope)
	if st.Verified != nil {
		fmt.Fprintln(g.io.Err, "\nVerifying again, with the narrowed scope:")
		st.Verified = steps.Verify(ctx, c, st.Detection, steps.VerifyOptions{Client: got, Mode: st.Mode})
		printVerify(g.io.Err, st.Verified, g.phraser(), reportWidth(g.io.Getenv))
	}
	return nil
}

// printNotReused names the links with the app's redirect that a create passes
// over, before a second link is made.
func printNotReused(w io.Writer, plan *steps.LinkPlan) {
	if plan == nil || !plan.Changes() {
		return
	}
	for _, n := range plan.NotReused() {
		fmt.Fprintln(w, n)
	}
}

// setupPush puts the run's site into its app's list in the MDM.
func setupPush(ctx context.Context, g *globalOptions, r *pushRun, p api.Product, site steps.Site, res *jsonResult) error {
	var lists steps.SiteLists
	lists.Add(steps.AppFor(p), site)
	push, err := r.run(ctx, g, &lists, nil, g.io.Err)
	res.Push = push
	return err
}
