package ui

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// errQuit: the user chose to stop; nothing more is asked.
var errQuit = errors.New("stopped at the user's request")

// RunAccessible walks the same steps as the wizard with plain line prompts:
// no redraw, no ANSI sequences, numbered choices, and "Press Enter for …" for
// every default. It suits screen readers and dumb terminals.
func RunAccessible(ctx context.Context, opts Options, in io.Reader, out io.Writer) error {
	a := newPrompter(ctx, in, out)
	a.opts = opts
	defer close(a.reqs)
	err := (&accessible{opts: opts, p: a}).run()
	if errors.Is(err, errQuit) {
		a.say("Stopped. " + a.summary)
		return nil
	}
	return err
}

// prompter reads answers one line at a time. A single goroutine owns the
// input, so a prompt can wait for a line and for something else (a poll) at once.
type prompter struct {
	opts    Options // for phrasing fixes
	ctx     context.Context
	out     io.Writer
	reqs    chan bool // true: read a secret
	lines   chan lineResult
	summary string
}

type lineResult struct {
	text string
	err  error
}

func newPrompter(ctx context.Context, in io.Reader, out io.Writer) *prompter {
	p := &prompter{ctx: ctx, out: out, reqs: make(chan bool), lines: make(chan lineResult, 1),
		summary: "Nothing was changed on the instance."}
	br := bufio.NewReader(in)
	f, isFile := in.(*os.File)
	tty := isFile && term.IsTerminal(f.Fd())
	go func() {
		for secret := range p.reqs {
			if secret && tty {
				b, err := term.ReadPassword(f.Fd())
				fmt.Fprintln(out)
				p.lines <- lineResult{string(b), err}
				continue
			}
			s, err := br.ReadString('\n')
			if err == io.EOF && s != "" {
				err = nil
			}
			p.lines <- lineResult{strings.TrimRight(s, "\r\n"), err}
		}
	}()
	return p
}

func (p *prompter) say(lines ...string) {
	for _, l := range lines {
		fmt.Fprintln(p.out, l)
	}
}

// request starts reading a line; collect it from p.lines.
func (p *prompter) request(secret bool) error {
	select {
	case p.reqs <- secret:
		return nil
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
}

func (p *prompter) line(secret bool) (string, error) {
	if err := p.request(secret); err != nil {
		return "", err
	}
	select {
	case r := <-p.lines:
		if errors.Is(r.err, io.EOF) {
			return "", errors.New("the input ended before the wizard was finished")
		}
		return strings.TrimSpace(r.text), r.err
	case <-p.ctx.Done():
		return "", p.ctx.Err()
	}
}

// ask prompts for a value; Enter takes def when there is one.
func (p *prompter) ask(prompt, def string, secret bool) (string, error) {
	for {
		q := prompt
		if def != "" {
			shown := def
			if secret {
				shown = "the default"
			}
			q += " (Press Enter for " + shown + ")"
		}
		fmt.Fprint(p.out, q+": ")
		v, err := p.line(secret)
		if err != nil {
			return "", err
		}
		if v == "" {
			v = def
		}
		if v != "" {
			return v, nil
		}
		p.say("An answer is needed.")
	}
}

// choose offers numbered choices; Enter takes def (0-based).
func (p *prompter) choose(prompt string, choices []string, def int) (int, error) {
	p.say(prompt)
	for i, c := range choices {
		p.say(fmt.Sprintf("  %d. %s", i+1, c))
	}
	for {
		fmt.Fprintf(p.out, "Choose 1-%d (Press Enter for %d): ", len(choices), def+1)
		v, err := p.line(false)
		if err != nil {
			return 0, err
		}
		if v == "" {
			return def, nil
		}
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= len(choices) {
			return n - 1, nil
		}
		p.say(fmt.Sprintf("Type a number from 1 to %d.", len(choices)))
	}
}

func (p *prompter) sayErr(err error) {
	msg, remedy := p.opts.explain(err)
	p.say("Error: " + msg)
	if remedy != "" {
		p.say("What to do: " + remedy)
	}
}

// retry asks whether to try a failed step again; no means stop.
func (p *prompter) retry(what string) error {
	n, err := p.choose("What now?", []string{what, "Quit"}, 0)
	if err != nil {
		return err
	}
	if n == 1 {
		return errQuit
	}
	return nil
}

// accessible is the line-based walk through the flow.
type accessible struct {
	opts   Options
	p      *prompter
	client *api.Client
	base   string
	det    *steps.Detection
	report *steps.Report
}

func (a *accessible) run() error {
	p := a.p
	p.say("Mobile OAuth wizard: sets up the Jira and Confluence iOS apps (2.0 and later) to sign in with OAuth 2.0.")
	if a.opts.Demo {
		p.say("This is a demo against a simulated Jira on this machine; nothing real is changed.")
	}
	p.say("Nothing is written to the instance before you confirm it.", "")
	if err := a.connect(); err != nil {
		return err
	}
	if err := a.detect(); err != nil {
		return err
	}
	mode := a.opts.Mode
	first := steps.Mode("")
	if mode == steps.ModeMDM {
		first = steps.ModeMDM
	}
	if err := a.checks(first); err != nil {
		return err
	}
	if mode == "" {
		n, err := p.choose("How will the iOS app learn the OAuth 2.0 client?", []string{steps.ModeMDM.Describe(), steps.ModeNonMDM.Describe()}, 0)
		if err != nil {
			return err
		}
		mode = modes[n]
	}
	var site steps.Site
	var err error
	if mode == steps.ModeNonMDM {
		site, err = a.nonMDM()
	} else {
		site, err = a.mdm()
	}
	if err != nil {
		return err
	}
	return a.result(site)
}

func (a *accessible) connect() error {
	p := a.p
	for a.base == "" {
		raw := a.opts.BaseURL
		if raw == "" {
			var err error
			if raw, err = p.ask("Base URL of the instance, e.g. https://jira.example.com", a.opts.DemoDefaults.BaseURL, false); err != nil {
				return err
			}
		}
		u, err := steps.NormalizeBaseURL(raw)
		if err != nil {
			p.sayErr(err)
			a.opts.BaseURL = ""
			continue
		}
		a.base = u
	}
	creds := a.opts.Creds
	for !creds.complete() {
		def := 0
		if creds.Username != "" {
			def = 1
		}
		n, err := p.choose("Sign in with:", []string{"a personal access token (recommended)", "a user name and password"}, def)
		if err != nil {
			return err
		}
		if n == 0 {
			if creds.Token, err = p.ask("Personal access token (not shown)", a.opts.DemoDefaults.Token, true); err != nil {
				return err
			}
			creds.Username, creds.Password = "", ""
			continue
		}
		creds.Token = ""
		if creds.Username, err = p.ask("User name", creds.Username, false); err != nil {
			return err
		}
		if creds.Password, err = p.ask("Password (not shown)", "", true); err != nil {
			return err
		}
	}
	c, err := a.opts.newClient(a.base, creds)
	if err != nil {
		p.sayErr(err)
		return err
	}
	a.client = c
	return nil
}

func (a *accessible) detect() error {
	p := a.p
	for {
		p.say("Asking " + a.base + " what it is…")
		det, err := steps.Detect(p.ctx, a.client, a.opts.Product)
		if err == nil {
			a.det = det
			p.say(fmt.Sprintf("Found %s %s, named %q.", det.Product.Title(), det.Version, det.Title))
			if det.InstanceBaseURL != "" {
				p.say("Its base URL: " + det.InstanceBaseURL)
			}
			n, err := p.choose("Is this the instance to set up?", []string{"Yes, check it", "No, quit"}, 0)
			if err != nil {
				return err
			}
			if n == 1 {
				return errQuit
			}
			return nil
		}
		p.sayErr(err)
		if err := p.retry("Try again"); err != nil {
			return err
		}
	}
}

// checks prints the report and stops on failures until a re-check passes.
func (a *accessible) checks(mode steps.Mode) error {
	p := a.p
	for {
		p.say("", "Checking versions, plugins and permissions…")
		r := steps.RunChecks(p.ctx, a.client, a.det, steps.CheckOptions{Mode: mode, TypedURL: a.base})
		for _, c := range r.Checks {
			p.say(fmt.Sprintf("%-4s  %s: %s", c.Status, c.Name, c.Detail))
			if r := a.opts.checkRemedy(c); r != "" && c.Status != steps.StatusOK {
				p.say("      What to do: " + r)
			}
		}
		if r.Compatible() {
			p.say("All checks passed.", "")
			if mode != steps.ModeNonMDM {
				a.report = r
			}
			return nil
		}
		p.say(fmt.Sprintf("%d check(s) failed. Fix them on the instance, then check again.", len(r.Failed())))
		if err := p.retry("Check again"); err != nil {
			return err
		}
	}
}

func (a *accessible) mdm() (steps.Site, error) {
	p := a.p
	var clients []api.OAuthClient
	if a.report != nil {
		clients = a.report.Clients
	}
	var res *steps.LinkResult
	for res == nil {
		plan, err := steps.PlanLink(p.ctx, a.client, a.det.Product, a.opts.LinkName, clients)
		clients = nil
		if err != nil {
			p.sayErr(err)
			if err := p.retry("Look again"); err != nil {
				return steps.Site{}, err
			}
			continue
		}
		p.say(plan.Describe())
		if plan.Changes() {
			n, err := p.choose("Create this link on the instance?", []string{"Yes, create it", "No, quit"}, 0)
			if err != nil {
				return steps.Site{}, err
			}
			if n == 1 {
				return steps.Site{}, errQuit
			}
		}
		res, err = steps.EnsureLink(p.ctx, a.client, plan)
		if res == nil {
			p.sayErr(err)
			if err := p.retry("Look again (an existing link is reused, never duplicated)"); err != nil {
				return steps.Site{}, err
			}
		}
	}
	p.summary = res.Outcome()
	p.say(p.summary, "")
	title := a.opts.Title
	if title == "" {
		var err error
		if title, err = p.ask("Title the app shows for this site", a.det.Title, false); err != nil {
			return steps.Site{}, err
		}
	}
	cache := false
	if a.opts.CacheSession != nil {
		cache = *a.opts.CacheSession
	} else {
		n, err := p.choose("Keep the sign-in session in the mobile browser (cacheSessionInMobileBrowser)?", []string{"No (default)", "Yes"}, 0)
		if err != nil {
			return steps.Site{}, err
		}
		cache = n == 1
	}
	return steps.NewSite(a.det, a.base, title, res.Client.ClientID, cache), nil
}

func (a *accessible) nonMDM() (steps.Site, error) {
	p := a.p
	if err := a.checks(steps.ModeNonMDM); err != nil {
		return steps.Site{}, err
	}
	prod := a.det.Product
	p.say("Turn on OAuth 2.0 in the mobile plugin, in a browser, as a system administrator:",
		"  "+steps.MobileAdminPath(prod),
		"The plugin then creates its own link with the redirect "+prod.MobileRedirect()+"; the wizard watches for it.")
	every := a.opts.pollEvery()
	// The checks listed the clients a moment ago: start from that answer.
	cl, known := a.report.MobileClient()
	for {
		var err error
		if !known {
			cl, err = steps.FindMobileClient(p.ctx, a.client, prod)
		}
		known = false
		if err != nil {
			p.sayErr(err)
		}
		if cl != nil {
			p.summary = steps.MobileClientOutcome(cl)
			p.say(p.summary, "")
			return steps.NewSite(a.det, a.base, a.opts.Title, "", false), nil
		}
		p.say(fmt.Sprintf("Not there yet. Checking again every %s; press Enter to check now, or type q and Enter to quit.", every))
		if err := a.waitLine(every); err != nil {
			return steps.Site{}, err
		}
	}
}

// waitLine returns when a line arrives (q quits) or when it is time to poll.
func (a *accessible) waitLine(every time.Duration) error {
	p := a.p
	if err := p.request(false); err != nil {
		return err
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case r := <-p.lines:
			if r.err != nil || strings.EqualFold(strings.TrimSpace(r.text), "q") {
				return errQuit
			}
			return nil
		case <-t.C:
			cl, err := steps.FindMobileClient(p.ctx, a.client, a.det.Product)
			if err == nil && cl != nil {
				p.say("The link has appeared. Press Enter to continue.")
				r := <-p.lines
				if r.err != nil && !errors.Is(r.err, io.EOF) {
					return r.err
				}
				return nil
			}
		case <-p.ctx.Done():
			return p.ctx.Err()
		}
	}
}

func (a *accessible) result(site steps.Site) error {
	p := a.p
	f := a.opts.Format
	if f == "" {
		f = steps.FormatJSON
	}
	out, err := steps.RenderSites([]steps.Site{site}, f)
	if err != nil {
		return err
	}
	p.say("Paste this into your MDM's managed app configuration (key \""+steps.AppConfigKey+"\"):", "")
	fmt.Fprint(p.out, string(out))
	p.say("")
	// As on the full-screen result, a file is written only when asked for:
	// --output names it (Enter accepts it), otherwise Enter skips.
	if a.opts.NoSave != "" {
		p.say(a.opts.NoSave)
		p.say("Done. " + p.summary)
		return nil
	}
	def := a.opts.Output
	if def == "" {
		def = "-"
	}
	path, err := p.ask("Save it to a file? Type a path (e.g. "+defaultFile(f)+"), or - to skip", def, false)
	if err != nil {
		return err
	}
	if path != "-" {
		merged, err := steps.SaveSites(path, site, f)
		if err != nil {
			p.sayErr(err)
			return err
		}
		p.say(fmt.Sprintf("Saved %s with %d site(s) (file mode 0600; other sites in it were kept).", path, len(merged)))
	}
	p.say("Done. " + p.summary)
	return nil
}
