package ui

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"charm.land/huh/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// errQuit: the user chose to stop; nothing more is asked.
var errQuit = errors.New("stopped at the user's request")

// errInputEnded: the input closed before the flow was finished.
var errInputEnded = errors.New("the input ended before the wizard was finished")

// RunAccessible walks the setup flow with huh's accessible prompts: no redraw,
// no escape sequences, numbered choices, and "Press Enter for …" for every
// default. It suits screen readers and dumb terminals. The end of the input is
// an error, and cancelling ctx ends any wait at once.
func RunAccessible(ctx context.Context, opts Options, in io.Reader, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// huh styles its titles; NoTTY leaves the words and drops every sequence.
	w := &colorprofile.Writer{Forward: out, Profile: colorprofile.NoTTY}
	p := &accessible{opts: opts, out: w, src: newLineSource(in, w), quit: cancel}
	defer p.src.close()
	f := steps.NewFlow(opts.settings())
	err := f.Run(ctx, p)
	if p.endWait != nil {
		p.endWait()
	}
	rec := f.State().Record
	switch {
	case err == nil:
		p.say("Done. " + strings.Join(rec.Lines(), " "))
	case p.quitting && errors.Is(err, context.Canceled), errors.Is(err, errQuit):
		p.say("Stopped. " + strings.Join(rec.Lines(), " "))
		return nil
	default:
		p.say(strings.Join(rec.Lines(), " "))
	}
	return err
}

// LineMode reports whether a terminal gets RunAccessible's line prompts
// instead of the full-screen wizard, from the terminal's environment (the
// process's locally, the session's over SSH): asked for with ACCESSIBLE (any
// value but 0, false, no or off), or a terminal that cannot redraw
// (TERM=dumb: Emacs shells, some consoles and logs).
func LineMode(getenv func(string) string) bool {
	switch strings.ToLower(strings.TrimSpace(getenv("ACCESSIBLE"))) {
	case "", "0", "false", "no", "off":
	default:
		return true
	}
	return getenv("TERM") == "dumb"
}

// echoer is an input that echoes what is typed while asked to (a session's
// line discipline): a line is echoed, a secret not.
type echoer interface{ SetEcho(on bool) }

// settings are the flow's pre-answers from the options; an interactive wait
// lasts until the user stops it.
func (o Options) settings() steps.Settings {
	return steps.Settings{
		Product: o.Product, Mode: o.Mode, LinkName: o.LinkName, Title: o.Title,
		CacheSession: o.CacheSession, PollEvery: o.PollEvery, Verify: !o.NoVerify,
		Wait: steps.WaitUntilStopped,
	}
}

// lineSource owns the input: one goroutine reads a line when asked, so that a
// prompt can wait for a line and for the context at once, and a line asked for
// but not taken (a wait that ended) goes to the next prompt.
type lineSource struct {
	reqs    chan bool // true: read a secret
	lines   chan lineResult
	done    chan struct{}
	mu      sync.Mutex
	pending bool
	once    sync.Once
}

type lineResult struct {
	text string
	err  error
}

func newLineSource(in io.Reader, out io.Writer) *lineSource {
	s := &lineSource{reqs: make(chan bool), lines: make(chan lineResult, 1), done: make(chan struct{})}
	br := bufio.NewReader(in)
	f, isFile := in.(*os.File)
	tty := isFile && term.IsTerminal(f.Fd())
	go func() {
		for {
			var secret bool
			select {
			case secret = <-s.reqs:
			case <-s.done:
				return
			}
			if secret && tty {
				b, err := term.ReadPassword(f.Fd())
				fmt.Fprintln(out)
				s.lines <- lineResult{string(b), err}
				continue
			}
			e, echoes := in.(echoer)
			if echoes {
				e.SetEcho(!secret) // echo a line only while it is asked for
			}
			line, err := br.ReadString('\n')
			if echoes {
				e.SetEcho(false)
			}
			if err == io.EOF && line != "" {
				err = nil
			}
			s.lines <- lineResult{strings.TrimRight(line, "\r\n"), err}
		}
	}()
	return s
}

// close stops the reader once its current read (if any) ends.
func (s *lineSource) close() { s.once.Do(func() { close(s.done) }) }

// next returns the next line, or the end of the input as errInputEnded, or
// ctx's error as soon as ctx ends.
func (s *lineSource) next(ctx context.Context, secret bool) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.pending {
		select {
		case s.reqs <- secret:
			s.pending = true
		case <-ctx.Done():
			return "", ctx.Err()
		case <-s.done:
			return "", errInputEnded
		}
	}
	select {
	case r := <-s.lines:
		s.pending = false
		if errors.Is(r.err, io.EOF) {
			return "", errInputEnded
		}
		return r.text, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// fieldInput is what one huh field reads: the next line, handed over in one
// Read so that huh's scanner takes exactly that line. Its err says why the
// field got no line (huh itself falls back to the default).
type fieldInput struct {
	ctx    context.Context
	src    *lineSource
	secret bool
	rest   []byte
	done   bool
	err    error
}

func (r *fieldInput) Read(p []byte) (int, error) {
	if len(r.rest) == 0 {
		if r.done {
			return 0, io.EOF // one line per field; huh asks again through a new one
		}
		line, err := r.src.next(r.ctx, r.secret)
		if err != nil {
			r.err = err
			return 0, io.EOF
		}
		r.rest, r.done = []byte(line+"\n"), true
	}
	n := copy(p, r.rest)
	r.rest = r.rest[n:]
	return n, nil
}

// accessible is the flow's Prompter for line prompts.
type accessible struct {
	opts     Options
	out      io.Writer
	src      *lineSource
	quit     context.CancelFunc
	quitting bool
	// endWait stops turning lines into looks once the non-MDM wait is over.
	endWait context.CancelFunc
	// base is the base URL Connect settled on (a wrong token keeps it).
	base string
	// resultShown: the site list was printed and saving offered.
	resultShown bool
	// pushOffered: the push was offered (accessible_push.go); pushesSaid
	// is how many pushes were said.
	pushOffered bool
	pushesSaid  int
	mode        steps.Mode
	// removedSaid: what deleting the app's link did was said.
	removedSaid bool
	// det is what the instance said it is.
	det *steps.Detection
}

func (p *accessible) say(lines ...string) {
	for _, l := range lines {
		fmt.Fprintln(p.out, l)
	}
}

func (p *accessible) sayErr(err error) {
	msg, remedy := p.opts.explain(err)
	p.say("Error: " + msg)
	if remedy != "" {
		p.say("What to do: " + remedy)
	}
}

// run asks one huh field in accessible mode; a field left without a line
// (end of input, Ctrl-C) is an error, not huh's default.
func (p *accessible) run(ctx context.Context, field huh.Field, secret bool) (err error) {
	in := &fieldInput{ctx: ctx, src: p.src, secret: secret}
	// huh re-asks an invalid answer with the same reader: give it a fresh line each time.
	r := &retryInput{first: in}
	defer func() {
		// huh's accessible select indexes its options with the number it
		// read; when the input ends after an invalid answer that is 0, and
		// it panics. The end of input is the error to report.
		if v := recover(); v != nil {
			if rerr := r.err(); rerr != nil {
				err = rerr
				return
			}
			panic(v)
		}
	}()
	if err := huh.NewForm(huh.NewGroup(field)).WithAccessible(true).WithInput(r).WithOutput(p.out).RunWithContext(ctx); err != nil {
		return err
	}
	return r.err()
}

// retryInput gives huh a new line whenever it asks again after an invalid answer.
type retryInput struct {
	first *fieldInput
	cur   *fieldInput
}

func (r *retryInput) Read(b []byte) (int, error) {
	if r.cur == nil {
		r.cur = r.first
	}
	n, err := r.cur.Read(b)
	if err == io.EOF && r.cur.err == nil && r.cur.done {
		// The line was taken; a further read is a re-ask.
		r.cur = &fieldInput{ctx: r.first.ctx, src: r.first.src, secret: r.first.secret}
		return r.cur.Read(b)
	}
	return n, err
}

func (r *retryInput) err() error {
	if r.cur != nil && r.cur.err != nil {
		return r.cur.err
	}
	return nil
}

// ask asks for a value; Enter takes def when there is one.
func (p *accessible) ask(ctx context.Context, prompt, def string, secret bool) (string, error) {
	title := prompt
	if def != "" {
		shown := def
		if secret {
			shown = "the default"
		}
		title += " (Press Enter for " + shown + ")"
	}
	v := def
	field := huh.NewInput().Title(title + ":").Value(&v).Validate(func(s string) error {
		if strings.TrimSpace(s) == "" && def == "" {
			return errors.New("an answer is needed")
		}
		return nil
	})
	if err := p.run(ctx, field, secret); err != nil {
		return "", err
	}
	return strings.TrimSpace(v), nil
}

// choose offers numbered choices; Enter takes def (0-based).
func (p *accessible) choose(ctx context.Context, prompt string, choices []string, def int) (int, error) {
	opts := make([]huh.Option[int], len(choices))
	for i, c := range choices {
		opts[i] = huh.NewOption(c, i)
	}
	n := def
	field := huh.NewSelect[int]().Title(fmt.Sprintf("%s (Press Enter for %d)", prompt, def+1)).Options(opts...).Value(&n)
	if err := p.run(ctx, field, false); err != nil {
		return 0, err
	}
	return n, nil
}

// yesOrQuit asks a yes-or-stop question; stop is errQuit.
func (p *accessible) yesOrQuit(ctx context.Context, prompt, yes, no string) error {
	n, err := p.choose(ctx, prompt, []string{yes, no}, 0)
	if err == nil && n == 1 {
		return errQuit
	}
	return err
}

func (p *accessible) Connect(ctx context.Context, again error) (string, *api.Client, error) {
	if again != nil {
		// The instance ignored the token: ask for another one, at the same URL.
		p.sayErr(again)
		p.opts.Creds = Credentials{}
		p.opts.BaseURL = p.base
	} else if p.opts.Demo {
		p.say("This is a demo against a simulated Jira on this machine; nothing real is changed.")
	}
	if again == nil {
		p.say("Mobile OAuth wizard: sets up the Jira and Confluence iOS apps (2.0 and later) to sign in with OAuth 2.0.",
			"Nothing is written to the instance before you confirm it.", "")
	}
	base := ""
	for base == "" {
		raw := p.opts.BaseURL
		if raw == "" {
			var err error
			if raw, err = p.ask(ctx, "Base URL of the instance, e.g. https://jira.example.com", p.opts.DemoDefaults.BaseURL, false); err != nil {
				return "", nil, err
			}
		}
		u, err := steps.NormalizeBaseURL(raw)
		if err != nil {
			p.sayErr(err)
			if p.opts.PinURL {
				return "", nil, err
			}
			p.opts.BaseURL = ""
			continue
		}
		base = u
	}
	creds := p.opts.Creds
	for !creds.complete() {
		def := 0
		if creds.Username != "" {
			def = 1
		}
		n, err := p.choose(ctx, "Sign in with:", []string{"a personal access token (recommended)", "a user name and password"}, def)
		if err != nil {
			return "", nil, err
		}
		if n == 0 {
			if page := p.tokenPage(base); page != "" {
				p.say("Create one at: " + page)
			}
			if creds.Token, err = p.ask(ctx, "Personal access token (not shown)", p.opts.DemoDefaults.Token, true); err != nil {
				return "", nil, err
			}
			creds.Username, creds.Password = "", ""
			continue
		}
		creds.Token = ""
		if creds.Username, err = p.ask(ctx, "User name", creds.Username, false); err != nil {
			return "", nil, err
		}
		if creds.Password, err = p.ask(ctx, "Password (not shown)", "", true); err != nil {
			return "", nil, err
		}
	}
	c, err := p.opts.newClient(base, creds)
	if err != nil {
		p.sayErr(err)
		return "", nil, err
	}
	p.base = base
	return base, c, nil
}

// tokenPage is where the instance's users create tokens, once the product
// is known (--product, or detected before a token is asked again).
func (p *accessible) tokenPage(base string) string {
	prod := p.opts.Product
	if p.det != nil {
		prod = p.det.Product
	}
	if prod == "" {
		return ""
	}
	return steps.PersonalAccessTokensPage(prod, base)
}

func (p *accessible) Instance(ctx context.Context, det *steps.Detection) error {
	p.det = det
	p.say(fmt.Sprintf("Found %s %s, named %q.", det.Product.Title(), det.Version, det.Title))
	if det.InstanceBaseURL != "" {
		p.say("Its base URL: " + det.InstanceBaseURL)
	}
	return p.yesOrQuit(ctx, "Is this the instance to set up?", "Yes, check it", "No, quit")
}

func (p *accessible) Checks(ctx context.Context, r *steps.Report) (bool, error) {
	for _, c := range r.Checks {
		p.say(fmt.Sprintf("%-4s  %s: %s", c.Status, c.Name, c.Detail))
		if rem := p.opts.checkRemedy(c); rem != "" && c.Status != steps.StatusOK {
			p.say("      What to do: " + rem)
		}
	}
	p.say(r.Verdict(), "")
	if _, wrong := r.WrongToken(); r.Compatible() || wrong {
		// A wrong token: the flow asks for another one.
		return false, nil
	}
	if line := fixOnInstance(r.Failed(), "check again"); line != "" {
		p.say(line)
	}
	return true, p.yesOrQuit(ctx, "What now?", "Check again", "Quit")
}

// Mode offers both modes; one the checks rule out is marked unavailable
// with the reason, and choosing it says so and asks again.
func (p *accessible) Mode(ctx context.Context, choices []steps.ModeChoice) (steps.Mode, error) {
	labels := make([]string, len(choices))
	for i, c := range choices {
		labels[i] = c.Mode.Describe()
		if len(c.Unavailable) > 0 {
			labels[i] += " Unavailable on this instance: " + blockerNames(c.Unavailable) + "."
		}
	}
	n, err := p.choose(ctx, "How will the iOS app learn the OAuth 2.0 client?", labels, 0)
	if err != nil {
		return "", err
	}
	if u := choices[n].Unavailable; len(u) > 0 {
		for _, c := range u {
			p.say(fmt.Sprintf("Unavailable: %s: %s", c.Name, c.Detail))
		}
	}
	return choices[n].Mode, nil
}

func (p *accessible) ConfirmPlan(ctx context.Context, plan *steps.LinkPlan, entry steps.SiteEntry) (steps.SiteEntry, error) {
	if !plan.Changes() {
		// Nothing is written: say what is used and go on.
		p.say(plan.Describe(), siteEntryText(entry))
		return entry, nil
	}
	p.say(plan.Describe(), siteEntryText(entry))
	for _, n := range plan.NotReused() {
		p.say(n)
	}
	return entry, p.yesOrQuit(ctx, "Create this link on the instance?", "Yes, create it", "No, quit")
}

// SwitchOn says where the switch is and, while the flow waits, turns each line
// into a look at once (q quits).
func (p *accessible) SwitchOn(ctx context.Context, ev *steps.MobileOAuthEvidence) (<-chan struct{}, error) {
	prod := ev.Product
	p.say("Turn on OAuth 2.0 in the mobile plugin, in a browser, as a system administrator:",
		"  "+steps.MobileAdminPath(prod),
		noAdminURL,
		"The plugin then hands the app its client; the wizard watches for it.",
		fmt.Sprintf("Not confirmed yet. Checking again every %s; press Enter to check now, or type q and Enter to quit.", p.opts.settings().PollInterval()))
	now := make(chan struct{})
	ctx, p.endWait = context.WithCancel(ctx)
	go func() {
		for {
			line, err := p.src.next(ctx, false)
			if err != nil {
				if errors.Is(err, errInputEnded) {
					p.quitting = true
					p.quit()
				}
				return
			}
			if strings.EqualFold(strings.TrimSpace(line), "q") {
				p.quitting = true
				p.quit()
				return
			}
			select {
			case now <- struct{}{}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return now, nil
}

func (p *accessible) Site(ctx context.Context, def steps.SiteEntry) (steps.SiteEntry, error) {
	e := def
	var err error
	if p.opts.Title == "" {
		if e.Title, err = p.ask(ctx, "Title the app shows for this site", def.Title, false); err != nil {
			return e, err
		}
	}
	if p.opts.CacheSession == nil {
		n, err := p.choose(ctx, "Keep the sign-in session in the mobile browser (cacheSessionInMobileBrowser)?", []string{"No (default)", "Yes"}, 0)
		if err != nil {
			return e, err
		}
		e.Cache = n == 1
	}
	return e, nil
}

// ConfirmRemove asks, as the full-screen result's removal panel does, which
// link to delete when several carry the app's redirect, then says what
// deleting costs; only a typed yes deletes (Enter keeps the link).
func (p *accessible) ConfirmRemove(ctx context.Context, plan *steps.RemovePlan, choose []api.OAuthClient) (string, error) {
	if len(choose) > 0 {
		question, links := chooseLinkText(choose)
		n, err := p.choose(ctx, question, append(links, "None: keep them all"), len(links))
		switch {
		case err != nil:
			return "", err
		case n == len(links):
			return "", steps.ErrBack
		}
		return choose[n].ClientID, nil
	}
	p.say(plan.Describe())
	if !plan.Changes() {
		return "", steps.ErrBack
	}
	p.say("Warning: " + plan.Warning())
	answer, err := p.ask(ctx, "Delete it? Type yes to delete it", "no", false)
	switch {
	case err != nil:
		return "", err
	case !TypedYes(answer):
		p.say("Kept the link: nothing was deleted.", "")
		return "", steps.ErrBack
	}
	return "", nil
}

func (p *accessible) Failed(ctx context.Context, s steps.Step, err error) (bool, error) {
	p.sayErr(err)
	again := "Try again"
	if s == steps.StepLink || s == steps.StepPlan {
		again = "Look again (an existing link is reused, never duplicated)"
	}
	if qerr := p.yesOrQuit(ctx, "What now?", again, "Quit"); qerr != nil {
		return false, qerr
	}
	return true, nil
}

func (p *accessible) Observe(e steps.Event) {
	st := e.State
	switch {
	case e.Poll != nil:
		if e.Poll.Err != nil && !e.Poll.Again {
			if msg, _ := p.opts.explain(e.Poll.Err); msg != "" {
				p.say("Could not look: " + msg)
			}
		}
	case !e.Done && e.Step == steps.StepDetect:
		p.say("Asking " + st.BaseURL + " what it is…")
	case !e.Done && (e.Step == steps.StepChecks || e.Step == steps.StepMobileChecks):
		p.say("", "Checking versions, plugins and permissions…")
	case e.Done && e.Step == steps.StepLink:
		p.say(st.Link.Outcome(), "")
	case e.Done && e.Step == steps.StepMobileOAuth:
		if p.endWait != nil {
			p.endWait()
		}
		p.say(st.Mobile.Describe(), "")
	case !e.Done && e.Step == steps.StepVerify:
		p.say("Proving, as the app would, that its sign-in can start…")
	case e.Done && e.Step == steps.StepVerify && st.Verified != nil:
		for _, c := range st.Verified.Probes {
			p.say(fmt.Sprintf("%-4s  %s: %s", c.Status, c.Name, c.Detail))
			if rem := p.opts.checkRemedy(c); rem != "" && c.Status != steps.StatusOK {
				p.say("      What to do: " + rem)
			}
		}
		p.say(st.Verified.Verdict(), "")
	case e.Done && e.Step == steps.StepResult:
		p.sayPushed(st)
		if st.Record.Removed != nil && !p.removedSaid {
			p.removedSaid = true
			p.say(st.Record.RemovedLines()...)
			p.say("")
		}
		if n := len(st.Record.Saved); n > 0 {
			s := st.Record.Saved[n-1]
			if s.Err != nil {
				p.sayErr(s.Err)
				break
			}
			p.say(s.Text())
			for _, u := range s.Unchecked {
				p.say(u.Describe(s.Path))
			}
		}
	}
}

// Result prints the site list, with what it is for, and offers to save it
// once and to push it once; then it offers what the full-screen result's d
// does, deleting the app's link, until the user is done.
func (p *accessible) Result(ctx context.Context, st steps.State) (steps.Action, error) {
	if n := len(st.Record.Saved); n > 0 && st.Record.Saved[n-1].Err != nil {
		return steps.Action{}, st.Record.Saved[n-1].Err // said already (Observe)
	}
	var sites []steps.Site
	if st.Site != nil {
		sites = []steps.Site{*st.Site}
	}
	if !p.resultShown && st.Site != nil {
		p.resultShown, p.mode = true, st.Mode
		if a, err := p.showResult(ctx, st, sites); err != nil || a.Kind != steps.ActionDone {
			return a, err
		}
	}
	if len(sites) > 0 {
		if a, err := p.offerPush(ctx, st.App(), sites); err != nil || a.Kind != steps.ActionDone {
			return a, err
		}
	}
	return p.whatNow(ctx, st)
}

// showResult prints the site list and asks where to save it.
func (p *accessible) showResult(ctx context.Context, st steps.State, sites []steps.Site) (steps.Action, error) {
	format := cmp.Or(p.opts.Format, steps.FormatJSON)
	out, err := steps.RenderSites(sites, format)
	if err != nil {
		return steps.Action{}, err
	}
	// The list follows the hint.
	p.say(strings.TrimSuffix(resultHint(st, st.App()), ".")+":", "")
	fmt.Fprint(p.out, string(out))
	p.say("")
	// As on the full-screen result, a file is written only when asked for:
	// --output names it (Enter accepts it), otherwise Enter skips.
	app := st.App()
	if p.opts.NoSave != "" {
		p.say(p.opts.NoSave)
		return steps.Action{}, nil
	}
	path, err := p.ask(ctx, "Save the "+app.Name()+"'s list to a file? Type a path (e.g. "+defaultFile(format)+"), or - to skip", cmp.Or(p.opts.Output.For(app), "-"), false)
	if err != nil || path == "-" {
		return steps.Action{}, err
	}
	return steps.Action{Kind: steps.ActionSave, Path: path, Format: format, Sites: sites, Ask: p.opts.askApp}, nil
}

// whatNow is the result's last question: finish, or delete the app's link
// (ConfirmRemove then asks before anything is deleted). Once the link is
// deleted there is nothing left to ask. The input ending here finishes: the
// question's default changes nothing.
func (p *accessible) whatNow(ctx context.Context, st steps.State) (steps.Action, error) {
	if st.Detection == nil || st.Record.Removed.Changed() {
		return steps.Action{}, nil
	}
	n, err := p.choose(ctx, "What now?", []string{"Finish", "Delete the app's link (its app users are signed out; asked again before anything is deleted)"}, 0)
	switch {
	case errors.Is(err, errInputEnded):
		return steps.Action{}, nil
	case err != nil:
		return steps.Action{}, err
	case n == 1:
		return steps.Action{Kind: steps.ActionRemove}, nil
	}
	return steps.Action{}, nil
}
