package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/words"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/ui"
)

type removeOptions struct {
	clientID    string
	outputs     []string
	yes, dryRun bool
	json        bool
	push        pushOptions
	pushed      *pushRun
}

// jsonLink is a link as remove --json lists it.
type jsonLink struct {
	ClientID string `json:"clientId"`
	Name     string `json:"name"`
	Scope    string `json:"scope"`
}

// jsonRemoveResult is the one object remove --json prints.
type jsonRemoveResult struct {
	jsonStatus
	Product string `json:"product,omitempty"`
	Version string `json:"version,omitempty"`
	BaseURL string `json:"baseUrl,omitempty"`
	// Changed: a link was deleted (with --dry-run: would be).
	Changed    bool       `json:"changed"`
	ClientID   string     `json:"clientId,omitempty"`
	LinkName   string     `json:"linkName,omitempty"`
	Candidates []jsonLink `json:"candidates,omitempty"`
	DryRun     bool       `json:"dryRun,omitempty"`
	Requests   []string   `json:"requests,omitempty"`
	// Output is the file of the instance's app's list, keyed by app as setup's.
	Output map[steps.App]string `json:"output,omitempty"`
	// Sites is that app's list as left in the file, keyed by app.
	Sites *steps.SiteLists `json:"sites,omitempty"`
	// SiteRemoved: the site was taken out of the --output file (with --dry-run: would be).
	SiteRemoved bool `json:"siteRemoved,omitempty"`
	// Push is the MDM's list without the site (--push), keyed by app.
	Push   map[string]*jsonPush `json:"push,omitempty"`
	Error  string               `json:"error,omitempty"`
	Remedy string               `json:"remedy,omitempty"`
}

func (j *jsonRemoveResult) setError(message, remedy string) { j.Error, j.Remedy = message, remedy }

func newRemoveCommand(g *globalOptions) *cobra.Command {
	o := &removeOptions{}
	cmd := &cobra.Command{
		Use:   "remove",
		Short: "Delete the iOS app's incoming link (its users are signed out)",
		Long: "Finds the incoming OAuth 2.0 link that carries the iOS app's redirect and deletes it. Deleting a\n" +
			"link deletes its access and refresh tokens: the app users who signed in through it are signed\n" +
			"out, and the instance writes one audit log entry. A link set up again gets a new client ID: deploy\n" +
			"the MDM site list again, or (non-MDM) switch the mobile plugin's OAuth 2.0 off and on. Several\n" +
			"links with the redirect are listed and one is chosen with --client-id. With nothing to remove it\n" +
			"changes nothing and exits 0. --output FILE also takes the instance out of its app's site list (as\n" +
			"setup's --output names it: FILE, a name with {app}, or jira=FILE and confluence=FILE); the other\n" +
			"app's list is left alone.",
		Example: "  export MOBILE_OAUTH_TOKEN=...    # a system administrator's token\n" +
			"  mobile-oauth-wizard remove --url https://jira.example.com --dry-run\n" +
			"  mobile-oauth-wizard remove --url https://jira.example.com --yes --output sites.json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRemove(cmd, g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.clientID, "client-id", "", "the link to delete when several carry the app's redirect (its client `ID`)")
	f.StringArrayVar(&o.outputs, "output", nil, "also take the instance out of its app's site list in `FILE` (FILE, a name with {app}, or jira=FILE and confluence=FILE; written back in its own format, mode 0600)")
	f.BoolVar(&o.yes, "yes", false, "confirm the deletion (needed without a terminal)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print the request that would delete the link and change nothing")
	f.BoolVar(&o.json, "json", false, "print one JSON object on stdout (human text goes to stderr)")
	o.push.register(f, "push", "also take the instance's site out of the app's list in the `MDM`: intune or jamf")
	return cmd
}

func runRemove(cmd *cobra.Command, g *globalOptions, o *removeOptions) error {
	res := &jsonRemoveResult{}
	return withJSON(g, o.json, res, func(human io.Writer) error { return doRemove(cmd, g, o, res) })
}

func doRemove(cmd *cobra.Command, g *globalOptions, o *removeOptions, res *jsonRemoveResult) error {
	interactive := g.io.IsTerminal() && !o.json
	if !o.yes && !o.dryRun && !interactive {
		return usageError("remove deletes the app's link and signs its users out: pass --yes to confirm, or --dry-run to see the request first")
	}
	paths, err := steps.ParseAppPaths(o.outputs)
	if err != nil {
		return usageError("--output: " + err.Error())
	}
	if err := o.push.check("push"); err != nil {
		return err
	}
	pr := o.pushRun()
	if pr != nil {
		if err := pr.ready(g); err != nil {
			return err
		}
	}
	ctx := ctxOf(cmd)
	w := g.io.Err
	res.DryRun = o.dryRun
	var ahead *steps.PushAhead
	if pr != nil && o.yes && !o.dryRun {
		// The app's list is read from the MDM while the link is deleted,
		// as setup --push reads it while the link is made; stopped before
		// remove returns.
		ahead = pr.readAhead(ctx)
		defer ahead.Stop()
	}
	conn, err := g.connect(ctx)
	if err != nil {
		return err
	}
	d := conn.det
	if ahead != nil {
		ahead.For(steps.AppFor(d.Product))
	}
	res.Product, res.Version, res.BaseURL = string(d.Product), d.Version, d.InstanceBaseURL

	plan, err := steps.PlanRemove(ctx, conn.client, d.Product, nil, o.clientID)
	var choose *steps.ChooseLinkError
	if errors.As(err, &choose) {
		res.Candidates = jsonLinks(choose.Candidates)
		return usageError(err.Error() + ": pass --client-id with one of them")
	}
	if err != nil {
		return err
	}
	if plan.Delete != nil {
		res.ClientID, res.LinkName = plan.Delete.ClientID, plan.Delete.Name
	}
	fmt.Fprintln(w, plan.Describe())
	if warning := plan.Warning(); warning != "" {
		fmt.Fprintln(w, "Warning: "+warning)
	}
	site := steps.NewSite(d, conn.baseURL, "", "", false).BaseURL
	// Only the instance's app's list loses the site: the other app's file
	// is never touched.
	app := steps.AppFor(d.Product)
	output := paths.For(app)
	if output != "" {
		res.Output = map[steps.App]string{app: output}
	} else if paths.Given() {
		fmt.Fprintf(w, "--output names no file for the %s: no site list is changed.\n", app.Name())
	}

	if o.dryRun {
		res.Changed = plan.Changes()
		res.Requests = plan.Requests(conn.client)
		if len(res.Requests) > 0 {
			fmt.Fprintln(w, "Dry run: the request that would delete it:")
			for _, r := range res.Requests {
				fmt.Fprintln(w, "  "+r)
			}
		}
		if output != "" {
			fmt.Fprintf(w, "Dry run: %s (the %s's list) would lose its entry for %s, if it has one.\n", output, app.Name(), site)
		}
		return removePush(ctx, g, o, d.Product, site, res)
	}
	if plan.Changes() && !o.yes {
		ok, err := confirm(g.io.In, w, "Delete it? Type yes to confirm: ")
		if err != nil {
			return err
		}
		if !ok {
			return &ExitError{Code: ExitFailed, Err: errors.New("nothing was deleted: the deletion was not confirmed")}
		}
	}
	result, err := steps.Remove(ctx, conn.client, plan)
	if err != nil {
		return err
	}
	res.Changed = result.Changed()
	if plan.Changes() {
		// With nothing to remove, the plan's line above said so already.
		fmt.Fprintln(w, result.Outcome(plan))
	}
	if err := removePush(ctx, g, o, d.Product, site, res); err != nil {
		return err
	}
	if output == "" {
		return nil
	}
	sites, n, err := steps.RemoveSiteFromFile(output, site)
	if err != nil {
		return err
	}
	var lists steps.SiteLists
	lists.Set(app, sites)
	res.Sites, res.SiteRemoved = &lists, n > 0
	if n > 0 {
		fmt.Fprintf(w, "Took %s out of %s, the %s's list (%s left).\n", site, output, app.Name(), words.Count(len(sites), "site"))
	} else {
		fmt.Fprintf(w, "%s does not list %s: left as it was.\n", output, site)
	}
	return nil
}

// pushRun is the push after the removal, when --push names an MDM.
func (o *removeOptions) pushRun() *pushRun {
	return o.push.after(&o.pushed, o.dryRun, o.yes, o.json)
}

// removePush takes the site out of the app's list in the MDM (--push); the
// deletion, if any, is confirmed already.
func removePush(ctx context.Context, g *globalOptions, o *removeOptions, p api.Product, site string, res *jsonRemoveResult) error {
	r := o.pushRun()
	if r == nil {
		return nil
	}
	push, err := r.run(ctx, g, nil, map[steps.App][]string{steps.AppFor(p): {site}}, g.io.Err)
	res.Push = push
	return err
}

// confirm asks on the terminal; anything but yes (as the question says:
// not y, which a stray key press gives), and the end of input, is no.
func confirm(in io.Reader, w io.Writer, question string) (bool, error) {
	fmt.Fprint(w, question)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	return ui.TypedYes(line), nil
}

func jsonLinks(cls []api.OAuthClient) []jsonLink {
	out := make([]jsonLink, len(cls))
	for i, cl := range cls {
		out[i] = jsonLink{ClientID: cl.ClientID, Name: cl.Name, Scope: cl.Scope}
	}
	return out
}
