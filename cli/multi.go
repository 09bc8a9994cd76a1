package cli

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/ui"
)

// severalAnnotation marks the commands that run over several instances.
const severalAnnotation = "several-instances"

// DefaultParallel is how many instances run at once unless --parallel says.
// An instance's setup spends its time waiting for answers (4 in a row), not
// on the CPU (a few TLS handshakes, some JSON): 64 at once serve a fleet of 50
// in one wave, at most a few hundred sockets (an instance opens one per
// request in flight, 6 at most), far below the usual limit of 1024 open files,
// and a few hundred milliseconds of CPU in all. Beyond 64 the waves still
// bound both.
const DefaultParallel = 64

func takesSeveral(cmd *cobra.Command) bool {
	_, ok := cmd.Annotations[severalAnnotation]
	return ok
}

// multiOptions are the flags of a run over several instances.
type multiOptions struct {
	inventory string
	parallel  int
}

func (m *multiOptions) register(cmd *cobra.Command) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[severalAnnotation] = ""
	f := cmd.Flags()
	f.StringVar(&m.inventory, "inventory", "", "run over the instances listed in `FILE` (YAML: url, title, mode and token_env or token_file for each; see the README)")
	f.IntVar(&m.parallel, "parallel", DefaultParallel, "with several instances, how many run at once")
}

// several reports whether this run is over several instances: an inventory,
// or --url more than once. One --url keeps the one-instance output.
func (m *multiOptions) several(g *globalOptions) bool {
	return m.inventory != "" || len(g.URLs) > 1
}

// target is one instance of the run with its credentials, read before the run.
type target struct {
	steps.Instance
	// name is how the rows and messages call the instance: host and path.
	name  string
	creds Credentials
	// credErr: the credentials could not be read. That instance fails; the
	// others run.
	credErr error
}

// targets lists the instances of the run: the inventory's, then each --url.
func (m *multiOptions) targets(g *globalOptions) ([]target, error) {
	if m.parallel < 1 {
		return nil, usageError("--parallel must be at least 1")
	}
	var list []steps.Instance
	if m.inventory != "" {
		inv, err := steps.LoadInventory(m.inventory)
		if err != nil {
			return nil, usageError("--inventory: " + err.Error())
		}
		list = inv
	}
	for _, u := range g.URLs {
		n, err := steps.NormalizeBaseURL(u)
		if err != nil {
			return nil, usageError("--url: " + err.Error())
		}
		list = append(list, steps.Instance{URL: n})
	}
	if err := steps.CheckDistinct(list); err != nil {
		return nil, usageError(err.Error())
	}
	given, err := g.product()
	if err != nil {
		return nil, err
	}
	for _, inst := range list {
		if given != "" && inst.Product != "" && inst.Product != given {
			return nil, usageError(fmt.Sprintf("--product %s, but the inventory says %s is %s: leave out --product, or correct the entry (line %d)", given, inst.URL, inst.Product.Title(), inst.Line))
		}
	}
	var shared Credentials
	if slices.ContainsFunc(list, func(i steps.Instance) bool { return i.Creds.Shared() }) {
		// Read once: --token-file - reads standard input.
		c, err := g.credentials()
		if err != nil {
			return nil, err
		}
		if c, err = g.withPassword(c, EnvPassword); err != nil {
			return nil, err
		}
		if credsEmpty(c) && !g.Demo {
			return nil, usageError("no credentials: set " + EnvToken + " to a personal access token of a system administrator (or pass --token-file FILE, or --user NAME with " + EnvPassword + "), or name each instance's token_env or token_file in the inventory")
		}
		shared = c
	}
	out := make([]target, len(list))
	for i, inst := range list {
		t := target{Instance: inst, name: displayName(inst.URL), creds: shared}
		if !inst.Creds.Shared() {
			t.creds, t.credErr = g.instanceCredentials(inst.Creds)
		}
		out[i] = t
	}
	return out, nil
}

// instanceCredentials reads what an inventory entry points to.
func (g *globalOptions) instanceCredentials(src steps.CredentialSource) (Credentials, error) {
	switch {
	case src.TokenEnv != "":
		t := strings.TrimSpace(g.io.Getenv(src.TokenEnv))
		if t == "" {
			return Credentials{}, usageError("token_env: the environment variable " + src.TokenEnv + " is not set or empty")
		}
		return Credentials{Token: t}, nil
	case src.TokenFile != "":
		t, err := readToken(src.TokenFile, g.io.In)
		if err != nil {
			return Credentials{}, usageError("token_file " + src.TokenFile + ": " + err.Error())
		}
		return Credentials{Token: t}, nil
	case src.User != "":
		env := cmp.Or(src.PasswordEnv, EnvPassword)
		return g.withPassword(Credentials{Username: src.User, Password: g.io.Getenv(env)}, env)
	}
	return Credentials{}, nil
}

// displayName is the host and path of a base URL: short enough for a row.
func displayName(base string) string {
	_, rest, ok := strings.Cut(base, "://")
	if !ok {
		return base
	}
	return rest
}

// forTarget is a copy of the options with t's URL and product (the
// inventory's, when it names one).
func (g *globalOptions) forTarget(t *target) *globalOptions {
	gi := *g
	gi.URL, gi.URLs = t.URL, []string{t.URL}
	if t.Product != "" {
		gi.Product = string(t.Product)
	}
	return &gi
}

// forInstance is a copy of the options for one instance: its URL and
// credentials, its own writer for messages, and its row for progress.
// Nothing in it is shared with another instance but the settings every
// instance has in common.
func (g *globalOptions) forInstance(o *outcome) *globalOptions {
	t := o.target
	gi := *g.forTarget(t)
	stdio := *g.io
	stdio.In, stdio.Out, stdio.Err = strings.NewReader(""), io.Discard, &o.messages
	gi.observe, gi.fixPhrase = o.observe, t.phrase
	gi.io = &stdio
	gi.TokenFile, gi.User = "", ""
	creds := t.creds
	gi.creds = &creds
	return &gi
}

// explain is explain with the fix phrased for this instance: a token to
// change is the one its inventory entry points to.
func (t *target) explain(err error) (message, remedy string) { return explainWith(err, t.phrase) }

func (t *target) phrase(f fix.Fix) string {
	if f.Kind == fix.UseToken || f.Kind == fix.NewToken {
		switch c := t.Creds; {
		case c.TokenEnv != "":
			return "Put a system administrator's personal access token in the environment variable " + c.TokenEnv + " (token_env in the inventory)."
		case c.TokenFile != "":
			return "Put a system administrator's personal access token in " + c.TokenFile + " (token_file in the inventory)."
		case c.User != "":
			return "Give the inventory entry a token_env or token_file with a personal access token instead of user."
		}
	}
	return phrase(f)
}

// outcome is what one instance's run came to.
type outcome struct {
	*target
	// res is check's and setup's result; vres, verify's.
	res  jsonResult
	vres *jsonVerifyResult
	err  error
	code int
	// report is the text a person reads about the instance (check's report);
	// messages is what it said along the way (stderr).
	report, messages bytes.Buffer
	// observe hears the setup flow's steps on this instance.
	observe func(steps.Event)
}

// site is the instance's entry in the site list, if it has one: setup
// makes it once the link is in place, so an instance whose verification
// failed afterwards is listed, as with one instance (its exit code says what
// failed).
func (o *outcome) site() (steps.App, steps.Site, bool) {
	if o.res.Sites == nil || o.res.Sites.Len() != 1 {
		return "", steps.Site{}, false
	}
	app := o.res.Sites.Apps()[0]
	return app, o.res.Sites.List(app)[0], true
}

// summary is the one line a row or a plain progress line shows for a finished instance.
func (o *outcome) summary() string {
	product, version, checks, verdict := o.res.Product, o.res.Version, o.res.Checks, "not ready: "
	if o.vres != nil {
		product, version, checks, verdict = o.vres.Product, o.vres.Version, o.vres.Probes, "sign-in will not work: "
	}
	var parts []string
	if product != "" {
		parts = append(parts, api.Product(product).Title()+" "+version)
	}
	switch {
	case o.err != nil && isSilent(o.err):
		// The report was printed: name what failed in it.
		var failed []string
		for _, c := range checks {
			if !c.OK {
				failed = append(failed, c.Name)
			}
		}
		if len(failed) > 0 {
			parts = append(parts, verdict+strings.Join(failed, ", "))
		} else {
			parts = append(parts, o.err.Error())
		}
	case o.err != nil:
		msg, _ := o.explain(o.err)
		msg, _, _ = strings.Cut(msg, "\n")
		parts = append(parts, msg)
	case o.vres != nil:
		parts = append(parts, "sign-in can start")
	case o.res.Changed != nil && *o.res.Changed:
		parts = append(parts, "link created")
	case o.res.Changed != nil:
		parts = append(parts, "link reused")
	case o.res.DryRun:
		parts = append(parts, "dry run")
	default:
		parts = append(parts, "ready")
	}
	return strings.Join(parts, " · ")
}

// progress shows how the instances of a run are doing while it runs.
type progress interface {
	started(i int)
	// step is the setup flow's progress on instance i.
	step(i int, e steps.Event)
	finished(i int, o *outcome)
	// stop ends the display once every instance has finished.
	stop()
}

// runInstances runs each target through one, at most parallel at a time.
// An instance that fails never stops the others.
func runInstances(ctx context.Context, targets []target, parallel int, p progress, one func(context.Context, *outcome)) []*outcome {
	outs := make([]*outcome, len(targets))
	var eg errgroup.Group
	eg.SetLimit(parallel)
	for i := range targets {
		o := &outcome{target: &targets[i], observe: func(e steps.Event) { p.step(i, e) }}
		outs[i] = o
		eg.Go(func() error {
			p.started(i)
			if o.credErr != nil {
				o.err = o.credErr
			} else {
				one(ctx, o)
			}
			o.code = ExitCode(o.err)
			p.finished(i, o)
			return nil
		})
	}
	_ = eg.Wait()
	p.stop()
	return outs
}

// jsonInstance is one instance in the --json output of a run over several:
// its URL and exit code, then the object one instance's run prints.
type jsonInstance struct {
	URL string `json:"url"`
	jsonResult
}

// jsonVerifyInstance is jsonInstance for verify.
type jsonVerifyInstance struct {
	URL string `json:"url"`
	jsonVerifyResult
}

// jsonRun is the one object --json prints for a run over several instances.
type jsonRun struct {
	// ok: every instance is done; exitCode: the most serious of theirs.
	jsonStatus
	Instances []any `json:"instances"`
	// Sites are the site lists keyed by app (setup only; {} when no
	// instance got that far); Output and NotChecked as for one instance.
	Sites      *steps.SiteLists       `json:"sites,omitempty"`
	Output     map[steps.App]string   `json:"output,omitempty"`
	NotChecked map[steps.App][]string `json:"notChecked,omitempty"`
	// Push is each app's push into the MDM (setup --push), keyed by app.
	Push map[string]*jsonPush `json:"push,omitempty"`
}

func (r *jsonRun) add(o *outcome) {
	var msg, remedy string
	if o.err != nil && !isSilent(o.err) {
		msg, remedy = o.explain(o.err)
	}
	if o.vres != nil {
		res := *o.vres
		res.setError(msg, remedy)
		res.setExit(o.code)
		r.Instances = append(r.Instances, jsonVerifyInstance{URL: o.URL, jsonVerifyResult: res})
		return
	}
	res := o.res
	res.Error, res.Remedy = msg, remedy
	res.setExit(o.code)
	res.Sites, res.Output, res.NotChecked = nil, nil, nil
	r.Instances = append(r.Instances, jsonInstance{URL: o.URL, jsonResult: res})
}

// runMany is check or setup over several instances: each runs on its own
// (its own client, credentials and messages); then their texts are printed in
// the order given, and the exit code is the most serious of theirs.
func runMany(cmd *cobra.Command, g *globalOptions, m *multiOptions, targets []target, one func(context.Context, *outcome)) ([]*outcome, int) {
	p := newProgress(ctxOf(cmd), g, targets)
	outs := runInstances(ctxOf(cmd), targets, m.parallel, p, one)
	codes := make([]int, len(outs))
	for i, o := range outs {
		codes[i] = o.code
	}
	return outs, MostSerious(codes...)
}

// printOutcomes writes each instance's texts under a heading, in the order
// the instances were given.
func printOutcomes(w io.Writer, outs []*outcome) {
	for _, o := range outs {
		fmt.Fprintf(w, "── %s ──\n", o.name)
		w.Write(o.messages.Bytes())
		w.Write(o.report.Bytes())
		if o.err != nil && !isSilent(o.err) {
			msg, remedy := o.explain(o.err)
			if remedy != "" {
				msg += "\n  → " + remedy
			}
			fmt.Fprintln(w, "Error: "+msg)
		}
		fmt.Fprintln(w)
	}
}

// runError is the run's error: nil when every instance is done, else the
// most serious code with the instances that are not done.
func runError(outs []*outcome, code int) error {
	if code == ExitOK {
		return nil
	}
	var failed []string
	for _, o := range outs {
		if o.code != ExitOK {
			failed = append(failed, fmt.Sprintf("%s (exit %d)", o.name, o.code))
		}
	}
	return &ExitError{Code: code, Err: fmt.Errorf("%d of %d instances not done: %s", len(failed), len(outs), strings.Join(failed, ", "))}
}

// runCheckMany is check over several instances.
func runCheckMany(cmd *cobra.Command, g *globalOptions, co *checkOptions, m *multiOptions) error {
	return runReadOnlyMany(cmd, g, m, co.json, func(o *outcome) error {
		o.res = jsonResult{Checks: []jsonCheck{}}
		return doCheck(cmd, g.forInstance(o), co, &o.res, &o.report)
	})
}

// runVerifyMany is verify over several instances, each with its entry's mode.
func runVerifyMany(cmd *cobra.Command, g *globalOptions, vo *verifyOptions, m *multiOptions) error {
	if vo.clientID != "" {
		return usageError("--client-id names one link: with several instances, verify each on its own")
	}
	return runReadOnlyMany(cmd, g, m, vo.json, func(o *outcome) error {
		o.vres = newJSONVerifyResult()
		return doVerify(cmd, g.forInstance(o), vo, o.Mode, o.vres, &o.report)
	})
}

// runReadOnlyMany runs a command that only reads (check, verify) over several
// instances: each one's report under its name, then the run's verdict.
func runReadOnlyMany(cmd *cobra.Command, g *globalOptions, m *multiOptions, asJSON bool, one func(*outcome) error) error {
	targets, err := m.targets(g)
	if err != nil {
		return err
	}
	outs, code := runMany(cmd, g, m, targets, func(_ context.Context, o *outcome) { o.err = one(o) })
	human := g.io.Out
	if asJSON {
		human = g.io.Err
	}
	printOutcomes(human, outs)
	if asJSON {
		run := jsonRun{Instances: []any{}}
		run.setExit(code)
		for _, o := range outs {
			run.add(o)
		}
		if err := writeJSON(g.io.Out, run); err != nil {
			return err
		}
	}
	return runError(outs, code)
}

// runSetupMany is setup over several instances, with one site list per app.
func runSetupMany(cmd *cobra.Command, g *globalOptions, so *setupOptions, m *multiOptions) error {
	if cmd.Flags().Changed("title") {
		return usageError("--title names one site: with several instances, give each its title in the inventory")
	}
	targets, err := m.targets(g)
	if err != nil {
		return err
	}
	if err := so.push.check("push"); err != nil {
		return err
	}
	if r := so.pushRun(); r != nil {
		if err := r.ready(g); err != nil {
			return err
		}
	}
	// Every instance's options, and the site lists, are checked before any
	// instance is touched.
	urls, apps := make([]string, len(targets)), make([]steps.App, len(targets))
	allMDM := true
	for i, t := range targets {
		oi := so.forInstance(&t)
		if oi.mode == "" {
			return usageError("no mode for " + t.name + ": pass --mode mdm or --mode non-mdm, or set mode in the inventory")
		}
		mode, _, err := oi.parse()
		if err != nil {
			return err
		}
		allMDM = allMDM && mode == steps.ModeMDM
		product, err := g.forTarget(&t).product()
		if err != nil {
			return err
		}
		urls[i], apps[i] = t.URL, settledApp(product)
	}
	out, err := so.siteListOutput()
	if err != nil {
		return err
	}
	if err := out.checkRun(apps); err != nil {
		return err
	}
	var lc *listCheck
	if out.paths.Given() {
		if lc, err = g.checkLists(ctxOf(cmd), out, urls, apps); err != nil {
			return err
		}
	}
	var ahead *steps.PushAhead
	if r := so.pushRun(); r != nil && !so.dryRun && allMDM {
		// Each instance's app is read from the MDM once the instance is
		// detected, while the links are made (as setup over one instance
		// does; not while a non-MDM instance waits for its plugin).
		ahead = r.readAhead(ctxOf(cmd))
		defer ahead.Stop()
	}
	outs, code := runMany(cmd, g, m, targets, func(_ context.Context, o *outcome) {
		o.res = jsonResult{Checks: []jsonCheck{}}
		oi := so.forInstance(o.target)
		if ahead != nil {
			oi.instance = func(d *steps.Detection) { ahead.For(steps.AppFor(d.Product)) }
		}
		o.err = doSetup(cmd, g.forInstance(o), oi, &o.res, io.Discard)
	})
	printOutcomes(g.io.Err, outs)

	// Each app's list holds every instance of that app whose link is in
	// place, in the order given.
	var lists steps.SiteLists
	for _, o := range outs {
		if app, s, ok := o.site(); ok {
			lists.Add(app, s)
		}
	}
	saved, werr := writeLists(g, out, lc, lists, so.json, g.io.Out)
	var push map[string]*jsonPush
	if r := so.pushRun(); r != nil && werr == nil && lists.Len() > 0 && !so.dryRun {
		push, werr = r.run(ctxOf(cmd), g, &lists, nil, g.io.Err)
	}
	if so.json {
		run := jsonRun{Instances: []any{}, Push: push}
		run.setExit(code)
		var res jsonResult
		res.setLists(saved)
		run.Sites, run.Output, run.NotChecked = res.Sites, res.Output, res.NotChecked
		if run.Sites == nil {
			run.Sites = &steps.SiteLists{}
		}
		if werr != nil {
			run.setExit(MostSerious(code, ExitCode(werr)))
		}
		for _, o := range outs {
			run.add(o)
		}
		if err := writeJSON(g.io.Out, run); err != nil && werr == nil {
			werr = err
		}
	}
	if werr != nil {
		return &ExitError{Code: MostSerious(code, ExitCode(werr)), Err: werr}
	}
	return runError(outs, code)
}

// forInstance is a copy of the setup options with the instance's own
// answers; the site list is written once, for all, after the run.
func (o *setupOptions) forInstance(t *target) *setupOptions {
	oi := *o
	oi.mode = cmp.Or(string(t.Mode), o.mode)
	oi.title = t.Title
	oi.outputs = nil
	// The lists are pushed once, for all, after the run.
	oi.push, oi.pushed = pushOptions{}, nil
	return &oi
}

// newProgress is the live table when stderr is a terminal (and not in
// accessible mode, where a redrawn table is noise), else plain lines.
func newProgress(ctx context.Context, g *globalOptions, targets []target) progress {
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.name
	}
	if g.io.ErrIsTerminal != nil && g.io.ErrIsTerminal() && !g.accessible() {
		return newTableProgress(ctx, g.io.Err, names, g.noColor())
	}
	return &lineProgress{w: g.io.Err, names: names}
}

// tableProgress draws ui.RunTable on stderr. It reads no keys: Ctrl-C
// reaches the command as a signal and cancels the run, which ends the table.
type tableProgress struct {
	prog *tea.Program
	done chan struct{}
}

func newTableProgress(ctx context.Context, w io.Writer, names []string, noColor bool) *tableProgress {
	// The size is where a writer that is not a terminal (a test's buffer)
	// starts; a terminal's own size replaces it.
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithOutput(w), tea.WithInput(nil), tea.WithoutSignalHandler(), tea.WithWindowSize(80, 24)}
	if noColor {
		opts = append(opts, tea.WithColorProfile(colorprofile.ASCII))
	}
	p := &tableProgress{prog: tea.NewProgram(ui.NewRunTable(names, noColor), opts...), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		_, _ = p.prog.Run()
	}()
	return p
}

func (p *tableProgress) started(i int) { p.prog.Send(ui.RowMsg{Index: i, State: ui.RowRunning}) }

func (p *tableProgress) finished(i int, o *outcome) {
	st := ui.RowDone
	if o.code != ExitOK {
		st = ui.RowFailed
	}
	p.prog.Send(ui.RowMsg{Index: i, State: st, Detail: o.summary(), Code: o.code})
}

func (p *tableProgress) step(i int, e steps.Event) {
	if phase := stepPhase(e); phase != "" {
		p.prog.Send(ui.RowMsg{Index: i, State: ui.RowRunning, Detail: phase})
	}
}

// stepPhase is the few words a row shows for a step under way.
func stepPhase(e steps.Event) string {
	if e.Poll != nil {
		return fmt.Sprintf("waiting for OAuth 2.0 in the mobile plugin (look %d)", e.Poll.N)
	}
	if e.Done {
		return ""
	}
	switch e.Step {
	case steps.StepDetect:
		return "detecting the product"
	case steps.StepChecks, steps.StepMobileChecks:
		return "checking"
	case steps.StepPlan:
		return "looking for the link"
	case steps.StepLink:
		return "creating or reusing the link"
	case steps.StepMobileOAuth:
		return "waiting for OAuth 2.0 in the mobile plugin"
	case steps.StepVerify:
		return "verifying the sign-in"
	}
	return ""
}

func (p *tableProgress) stop() {
	p.prog.Send(ui.RunDoneMsg{})
	<-p.done
}

// lineProgress writes a line when an instance starts and when it ends: what
// a log or a pipe can keep.
type lineProgress struct {
	mu    sync.Mutex
	w     io.Writer
	names []string
	done  int
}

func (p *lineProgress) started(i int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "%s: started\n", p.names[i])
}

func (p *lineProgress) finished(i int, o *outcome) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	verdict := "done"
	if o.code != ExitOK {
		verdict = fmt.Sprintf("not done (exit %d)", o.code)
	}
	fmt.Fprintf(p.w, "%s: %s · %s [%d/%d]\n", p.names[i], verdict, o.summary(), p.done, len(p.names))
}

func (p *lineProgress) stop() {}

// step says nothing: a log keeps a line per start and per end.
func (p *lineProgress) step(int, steps.Event) {}
