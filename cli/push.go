package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/intune"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/jamf"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/regularfile"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// Environment variables of a push: azidentity's names for Intune, Jamf Pro's
// API client for Jamf. Secrets never come from flags.
const (
	EnvAzureTenant   = "AZURE_TENANT_ID"
	EnvAzureClient   = "AZURE_CLIENT_ID"
	EnvAzureSecret   = "AZURE_CLIENT_SECRET"
	EnvAzureCert     = "AZURE_CLIENT_CERTIFICATE_PATH"
	EnvAzureCertPass = "AZURE_CLIENT_CERTIFICATE_PASSWORD"
	// envAzureRegion is read by azidentity itself, from the process's
	// environment: the Entra ID region a secret's or certificate's sign-in goes to.
	envAzureRegion     = "AZURE_REGIONAL_AUTHORITY_NAME"
	EnvJamfClient      = "JAMF_CLIENT_ID"
	EnvJamfSecret      = "JAMF_CLIENT_SECRET"
	mdmIntune          = "intune"
	mdmJamf            = "jamf"
	maxCertificateFile = 1 << 20
)

// pushOptions are the flags of a push, on push, setup (--push) and remove (--push).
type pushOptions struct {
	mdm                    string
	authorityURL, graphURL string
	group, mdmApp, jamfURL string
	// deviceCode shows a device-code sign-in (the wizard's screen); nil
	// prints it on stderr when there is a terminal.
	deviceCode func(context.Context, intune.DeviceCodePrompt) error
}

// register adds the MDM flags; name is the flag that picks the MDM (--mdm on
// push, --push on setup and remove).
func (p *pushOptions) register(f *pflag.FlagSet, name, usage string) {
	f.StringVar(&p.mdm, name, "", usage)
	f.StringVar(&p.authorityURL, "authority-url", intune.DefaultAuthorityURL, "Intune: Microsoft Entra ID sign-in `URL` (national clouds)")
	f.StringVar(&p.graphURL, "graph-url", intune.DefaultGraphURL, "Intune: Microsoft Graph `URL` (national clouds)")
	f.StringVar(&p.group, "group", "", "Intune: assign the app configuration to this Entra group (object `ID`)")
	f.StringVar(&p.mdmApp, "mdm-app", "", "the MDM's record of the app, by its `ID`, when none or several match the App Store id")
	f.StringVar(&p.jamfURL, "jamf-url", "", "Jamf Pro: the server's `URL`, e.g. https://example.jamfcloud.com")
}

// check refuses flags that do not fit before anything is sent.
func (p *pushOptions) check(name string) error {
	switch p.mdm {
	case "", mdmIntune:
	case mdmJamf:
		if p.jamfURL == "" {
			return usageError("--" + name + " jamf needs --jamf-url https://your-server.jamfcloud.com")
		}
	default:
		return usageError(fmt.Sprintf("--%s: unknown MDM %q: use intune or jamf", name, p.mdm))
	}
	if p.mdm == "" && (p.group != "" || p.mdmApp != "") {
		return usageError("--group and --mdm-app go with --" + name + " intune or jamf")
	}
	if p.mdm == mdmJamf && p.group != "" {
		return usageError("--group assigns an Intune configuration: in Jamf Pro the app record's scope says which devices get it")
	}
	return nil
}

// jsonPush is one app's push in --json output.
type jsonPush struct {
	MDM           string `json:"mdm"`
	App           string `json:"app"`
	AppID         string `json:"appId,omitempty"`
	Configuration string `json:"configuration,omitempty"`
	// ConfigurationID is the configuration's (Intune) or app record's (Jamf) id.
	ConfigurationID string   `json:"configurationId,omitempty"`
	Changed         bool     `json:"changed"`
	Created         bool     `json:"created,omitempty"`
	Group           string   `json:"group,omitempty"`
	Requests        []string `json:"requests,omitempty"`
	Warnings        []string `json:"warnings,omitempty"`
}

// newMDM signs in to the MDM the options name; it sends nothing yet.
func (g *globalOptions) newMDM(p *pushOptions) (steps.MDM, error) {
	var debugW io.Writer
	if g.Debug {
		debugW = g.io.Err
	}
	if p.mdm == mdmJamf {
		return g.newJamf(p, debugW)
	}
	hc, err := g.mdmHTTPClient()
	if err != nil {
		return nil, err
	}
	s := intune.SignIn{AuthorityURL: p.authorityURL, HTTPClient: hc, Debug: debugW,
		TenantID: strings.TrimSpace(g.io.Getenv(EnvAzureTenant)), ClientID: strings.TrimSpace(g.io.Getenv(EnvAzureClient)),
		ClientSecret: g.io.Getenv(EnvAzureSecret)}
	if g.io.session != nil && s.ClientSecret == "" && g.io.Getenv(EnvAzureCert) != "" {
		return nil, usageError("over SSH the wizard reads no file on the server (" + EnvAzureCert + "): give " + EnvAzureSecret + " in the session's environment, or sign in with a device code on a terminal")
	}
	graphURL := p.graphURL
	if g.Demo && g.io.DemoOptions.on() {
		s, graphURL = g.io.DemoOptions.intuneSignIn(s), demoIntuneURL
	}
	if s.ClientID == "" {
		return nil, usageError("Intune: set " + EnvAzureClient + " to the application (client) ID of your app registration in Microsoft Entra ID, and " + EnvAzureTenant + " to its tenant; then " + EnvAzureSecret + " or " + EnvAzureCert + ", or nothing for a device-code sign-in on a terminal (see the README, Intune)")
	}
	if path := g.io.Getenv(EnvAzureCert); s.ClientSecret == "" && path != "" && s.Certificate == nil {
		b, err := regularfile.Read(path, maxCertificateFile)
		if err != nil {
			return nil, usageError(EnvAzureCert + ": " + err.Error())
		}
		s.Certificate, s.CertificatePassword = b, g.io.Getenv(EnvAzureCertPass)
	}
	if s.ClientSecret == "" && s.Certificate == nil && p.deviceCode != nil {
		s.DeviceCode = p.deviceCode
	} else if s.ClientSecret == "" && s.Certificate == nil {
		if g.io.IsTerminal == nil || !g.io.IsTerminal() {
			return nil, usageError("Intune: no " + EnvAzureSecret + " or " + EnvAzureCert + ", and no terminal for a device-code sign-in: set one of them")
		}
		w := g.io.Err
		s.DeviceCode = func(_ context.Context, dc intune.DeviceCodePrompt) error {
			fmt.Fprintf(w, "To sign in to Microsoft Entra ID, open %s and enter the code %s\n", dc.URL, dc.Code)
			return nil
		}
	}
	cred, err := intune.NewCredential(s)
	if err != nil {
		return nil, usageError("Intune: " + err.Error())
	}
	c, err := intune.New(intune.Options{GraphURL: graphURL, Token: cred.Token, HTTPClient: hc, Timeout: g.Timeout, Debug: debugW})
	if err != nil {
		return nil, usageError("--graph-url: " + err.Error())
	}
	return steps.Intune{C: c, DeviceCode: cred.Method == intune.MethodDeviceCode}, nil
}

// newJamf builds the Jamf Pro client from --jamf-url and the API client's
// credentials in the environment (the session's, over SSH).
func (g *globalOptions) newJamf(p *pushOptions, debugW io.Writer) (steps.MDM, error) {
	id, secret := strings.TrimSpace(g.io.Getenv(EnvJamfClient)), g.io.Getenv(EnvJamfSecret)
	if id == "" || secret == "" {
		return nil, usageError("Jamf Pro: set " + EnvJamfClient + " and " + EnvJamfSecret + " to an API client's ID and secret (Settings → API roles and clients; see the README, Jamf Pro)")
	}
	o := jamf.Options{BaseURL: p.jamfURL, ClientID: id, ClientSecret: secret, Timeout: g.Timeout,
		AllowHTTP: g.AllowHTTP, Debug: debugW, Transport: g.io.Transport}
	if o.Transport == nil && g.io.session != nil {
		hc, err := g.mdmHTTPClient()
		if err != nil {
			return nil, err
		}
		o.Transport = hc.Transport
	}
	if g.io.session == nil {
		// A private CA for an on-premises Jamf Pro; a session reads no server file.
		o.CACertFile = g.CACert
	}
	c, err := jamf.New(o)
	if err != nil {
		return nil, usageError("Jamf Pro: " + err.Error())
	}
	return steps.Jamf{C: c}, nil
}

// mdmHTTPClient reaches the MDM: through the test transport when one is set,
// else the network (with the proxy from the environment).
func (g *globalOptions) mdmHTTPClient() (*http.Client, error) {
	if g.io.Transport != nil {
		return &http.Client{Transport: g.io.Transport}, nil
	}
	if g.Demo && g.io.DemoOptions.on() {
		return &http.Client{Transport: g.io.DemoOptions.intuneTransport()}, nil
	}
	var dial func(context.Context, string, string) (net.Conn, error)
	caFile := g.CACert // added to the system's roots: a TLS-inspecting proxy or a private CA in front of the MDM
	if g.io.session != nil {
		dial, caFile = dialPublic, "" // a session reads no file on the server
	}
	// The transport every client of the wizard's uses.
	t, err := api.NewTransport(caFile, dial)
	if err != nil {
		return nil, usageError("--ca-cert: " + err.Error())
	}
	return &http.Client{Transport: t}, nil
}

// after is the push that follows setup or remove when --push names an MDM,
// nil otherwise; it is made once and kept in *kept, so every step of the
// command shares one MDM client and one read-ahead.
func (p *pushOptions) after(kept **pushRun, dryRun, yes, asJSON bool) *pushRun {
	if p.mdm == "" {
		return nil
	}
	if *kept == nil {
		*kept = &pushRun{opts: p, dryRun: dryRun, yes: yes, asJSON: asJSON}
	}
	return *kept
}

// pushRun is the push step of a command: which apps' lists go in, which
// sites come out, and how it is confirmed.
type pushRun struct {
	opts          *pushOptions
	dryRun, yes   bool
	asJSON        bool
	keepOwnTitles bool // push: an entry the MDM has keeps its title and session setting
	mdm           steps.MDM
	// ahead holds what was read from the MDM while the instance's work ran
	// (setup); nil reads in turn.
	ahead *steps.PushAhead
}

// readAhead starts reading the MDM beside the instance's work; the caller
// names the app with For once the product is known, and calls Stop before it
// returns, whatever happened.
func (r *pushRun) readAhead(ctx context.Context) *steps.PushAhead {
	r.ahead = steps.StartPushAhead(ctx, r.mdm, r.opts.mdmApp)
	return r.ahead
}

// ready checks the push's confirmation and builds its MDM client before the
// run sends anything: missing or unusable MDM credentials are a usage error
// then, not a failure after the instance was changed.
func (r *pushRun) ready(g *globalOptions) error {
	if err := r.needsConfirmation(g); err != nil {
		return err
	}
	if r.mdm != nil {
		return nil
	}
	m, err := g.newMDM(r.opts)
	r.mdm = m
	return err
}

// needsConfirmation refuses, before anything is read, a push that could not
// be confirmed.
func (r *pushRun) needsConfirmation(g *globalOptions) error {
	if r.dryRun || r.yes || (g.io.IsTerminal != nil && g.io.IsTerminal() && !r.asJSON) {
		return nil
	}
	return usageError("a push changes the MDM's app configuration: pass --yes to confirm, or --dry-run to see the requests first")
}

// run pushes each app's list (put) and takes sites out (remove, base URLs
// per app); it returns the --json objects keyed by app.
func (r *pushRun) run(ctx context.Context, g *globalOptions, put *steps.SiteLists, remove map[steps.App][]string, w io.Writer) (map[string]*jsonPush, error) {
	if err := r.ready(g); err != nil {
		return nil, err
	}
	m := r.mdm
	out := map[string]*jsonPush{}
	var errs []error
	for _, app := range steps.Apps {
		var sites []steps.Site
		if put != nil {
			sites = put.List(app)
		}
		if len(sites) == 0 && len(remove[app]) == 0 {
			continue
		}
		j, err := r.one(ctx, g, m, steps.PushRequest{App: app, Put: sites, Remove: remove[app], PickApp: r.opts.mdmApp, Group: r.opts.group, KeepTitles: r.keepOwnTitles}, w)
		out[string(app)] = j
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

func (r *pushRun) one(ctx context.Context, g *globalOptions, m steps.MDM, req steps.PushRequest, w io.Writer) (*jsonPush, error) {
	j := &jsonPush{MDM: m.Name(), App: string(req.App)}
	var plan *steps.PushPlan
	var err error
	if r.ahead != nil {
		plan, err = r.ahead.Plan(ctx, req)
	} else {
		plan, err = steps.PlanPush(ctx, m, req)
	}
	if err != nil {
		return j, err
	}
	j.AppID, j.Configuration, j.ConfigurationID = plan.Rec.ID, plan.Slot.Name, plan.Slot.ID
	fmt.Fprintf(w, "%s: %s\n", req.App.Name(), plan.Describe())
	for _, warn := range plan.Warnings {
		fmt.Fprintln(w, "Warning: "+warn)
	}
	if plan.Unassigned {
		if s := g.phraser()(fix.Fix{Kind: fix.AssignGroup}); s != "" {
			fmt.Fprintln(w, "  "+s)
		}
	}
	j.Warnings = plan.Warnings
	if r.dryRun {
		j.Changed, j.Requests = plan.Changes(), plan.Requests()
		if len(j.Requests) > 0 {
			fmt.Fprintf(w, "Dry run: the requests that would change %s:\n", m.Name())
			for _, rq := range j.Requests {
				fmt.Fprintln(w, "  "+rq)
			}
		}
		return j, nil
	}
	if !plan.Changes() {
		return j, nil
	}
	if !r.yes {
		ok, err := confirm(g.io.In, w, fmt.Sprintf("Push to %s? Type yes to confirm: ", m.Name()))
		if err != nil {
			return j, err
		}
		if !ok {
			return j, &ExitError{Code: ExitFailed, Err: fmt.Errorf("nothing was sent to %s: the push was not confirmed", m.Name())}
		}
	}
	res, err := steps.ApplyPush(ctx, plan, steps.PushOptions{})
	if err != nil {
		return j, err
	}
	j.Changed, j.Created, j.Group = res.Changed, res.Created, res.Assigned
	j.Configuration, j.ConfigurationID = res.Configuration, res.ConfigID
	fmt.Fprintln(w, res.Outcome())
	return j, nil
}

// pushCommand is push: the sites of the links that exist, read like verify
// reads them, into the MDM.
type pushCommand struct {
	opts   pushOptions
	dryRun bool
	yes    bool
	json   bool
}

// jsonPushResult is the one object push --json prints.
type jsonPushResult struct {
	jsonStatus
	Instances []jsonPushInstance   `json:"instances"`
	Sites     steps.SiteLists      `json:"sites"`
	Push      map[string]*jsonPush `json:"push,omitempty"`
	Error     string               `json:"error,omitempty"`
	Remedy    string               `json:"remedy,omitempty"`
}

type jsonPushInstance struct {
	URL      string `json:"url"`
	Product  string `json:"product,omitempty"`
	ClientID string `json:"clientId,omitempty"`
	Error    string `json:"error,omitempty"`
}

func (j *jsonPushResult) setError(message, remedy string) { j.Error, j.Remedy = message, remedy }

func newPushCommand(g *globalOptions) *cobra.Command {
	o := &pushCommand{}
	m := &multiOptions{}
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Put the site list of the links that exist into Intune or Jamf Pro; reads the instances only",
		Long: "Reads each instance's incoming link for the iOS app (as verify does: nothing on the instance\n" +
			"changes), builds each app's site list, and puts it into the MDM: the app is found by its App Store\n" +
			"id; Intune's app configuration policy that carries the key sites is updated (or one is created),\n" +
			"Jamf Pro's app record gets the key in its App Configuration. Other sites and other keys stay as\n" +
			"they were; an entry the MDM has for an instance keeps its title. Nothing is sent when nothing\n" +
			"changes, and everything written is read back.\n\n" +
			"Intune signs in with " + EnvAzureTenant + ", " + EnvAzureClient + " and " + EnvAzureSecret + " (or " + EnvAzureCert + "),\n" +
			"or, with no secret on a terminal, with a device code. Jamf Pro: --jamf-url with " + EnvJamfClient + " and " + EnvJamfSecret + ".",
		Example: "  export MOBILE_OAUTH_TOKEN=... AZURE_TENANT_ID=... AZURE_CLIENT_ID=... AZURE_CLIENT_SECRET=...\n" +
			"  mobile-oauth-wizard push --url https://jira.example.com --mdm intune --dry-run\n" +
			"  mobile-oauth-wizard push --inventory instances.yaml --mdm intune --group GROUP-ID --yes --json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPush(cmd, g, o, m) },
	}
	m.register(cmd)
	f := cmd.Flags()
	o.opts.register(f, "mdm", "the `MDM` to push to: intune or jamf")
	f.BoolVar(&o.dryRun, "dry-run", false, "print every request that would change the MDM and change nothing")
	f.BoolVar(&o.yes, "yes", false, "confirm the changes to the MDM (needed without a terminal)")
	f.BoolVar(&o.json, "json", false, "print one JSON object on stdout (human text goes to stderr)")
	return cmd
}

func runPush(cmd *cobra.Command, g *globalOptions, o *pushCommand, m *multiOptions) error {
	if o.opts.mdm == "" {
		return usageError("no MDM: pass --mdm intune or --mdm jamf")
	}
	if err := o.opts.check("mdm"); err != nil {
		return err
	}
	r := &pushRun{opts: &o.opts, dryRun: o.dryRun, yes: o.yes, asJSON: o.json, keepOwnTitles: true}
	if err := r.ready(g); err != nil {
		return err
	}
	if len(g.URLs) == 0 && m.inventory == "" {
		return usageError("no instance: pass --url https://jira.example.com (several times) or --inventory FILE")
	}
	targets, err := m.targets(g)
	if err != nil {
		return err
	}
	res := &jsonPushResult{Instances: []jsonPushInstance{}}
	return withJSON(g, o.json, res, func(human io.Writer) error {
		ctx := ctxOf(cmd)
		// Each app's record is read from the MDM once an instance of it is
		// detected, while its link is looked up; stopped before push returns.
		ahead := r.readAhead(ctx)
		defer ahead.Stop()
		w := g.io.Err
		var lists steps.SiteLists
		var failed []error
		for i := range targets {
			t := &targets[i]
			ji := jsonPushInstance{URL: t.URL}
			site, product, err := readSite(ctx, g.forInstance(&outcome{target: t}), t, func(p api.Product) { ahead.For(steps.AppFor(p)) })
			if err != nil {
				msg, _ := t.explain(err)
				ji.Error = msg
				fmt.Fprintf(w, "%s: %s\n", t.name, msg)
				failed = append(failed, err)
			} else {
				ji.Product, ji.ClientID = string(product), site.OAuth.ClientID
				lists.Add(steps.AppFor(product), site)
				fmt.Fprintf(w, "%s: %s link %s\n", t.name, product.Title(), site.OAuth.ClientID)
			}
			res.Instances = append(res.Instances, ji)
		}
		res.Sites = lists
		if len(failed) > 0 {
			// A partial list would be pushed as if it were whole: nothing is sent.
			code := ExitOK
			for _, e := range failed {
				code = MostSerious(code, ExitCode(e))
			}
			return &ExitError{Code: code, Err: fmt.Errorf("%d of %d instances could not be read: nothing was pushed", len(failed), len(targets))}
		}
		push, err := r.run(ctx, g, &lists, nil, w)
		res.Push = push
		return err
	})
}

// readSite is the instance's entry in the site list, from the link that
// carries the app's redirect; it only reads. detected hears the product as
// soon as the instance is detected.
func readSite(ctx context.Context, g *globalOptions, t *target, detected func(api.Product)) (steps.Site, api.Product, error) {
	conn, err := g.connect(ctx)
	if err != nil {
		return steps.Site{}, "", err
	}
	d := conn.det
	detected(d.Product)
	link, err := steps.PlanRemove(ctx, conn.client, d.Product, nil, "")
	if err != nil {
		return steps.Site{}, "", err
	}
	if link.Delete == nil {
		return steps.Site{}, "", &ExitError{Code: ExitFailed, Err: fmt.Errorf("no incoming link carries the iOS app's redirect %s: run setup first", d.Product.MobileRedirect())}
	}
	return steps.NewSite(d, conn.baseURL, t.Title, link.Delete.ClientID, false), d.Product, nil
}
