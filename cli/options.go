package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/regularfile"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/ui"
)

// Environment variables that carry credentials: never flags, which end up in
// shell history and in `ps`.
const (
	EnvToken    = "MOBILE_OAUTH_TOKEN"
	EnvPassword = "MOBILE_OAUTH_PASSWORD"
)

// IO is what a command reads and writes; tests inject their own.
type IO struct {
	In         io.Reader
	Out, Err   io.Writer
	Getenv     func(string) string
	IsTerminal func() bool // stdin and stdout are a terminal
	// ErrIsTerminal says stderr is a terminal (a live table can be drawn
	// there); nil means it is not.
	ErrIsTerminal func() bool
	// ReadPassword reads a line from the terminal without echoing it; nil
	// means there is no terminal to ask on.
	ReadPassword func() (string, error)
	DemoOptions  DemoOptions
	// Transport, if set, carries every request to the instance (tests reach an
	// in-process simulator with it); nil means the network.
	Transport http.RoundTripper
	// session, when set, is the policy of a session served over SSH: the
	// instances it may reach and its audit log.
	session *sessionPolicy
	// screen, when set, runs the full-screen wizard instead of ui.Run on In
	// and Out (tests drive it on a pinned virtual terminal); what the command
	// does around it (options from flags, summary, exit status) is the same.
	screen func(ctx context.Context, opts ui.Options) (*ui.Model, error)
}

func systemIO() *IO {
	return &IO{
		In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv,
		IsTerminal:    func() bool { return term.IsTerminal(os.Stdin.Fd()) && term.IsTerminal(os.Stdout.Fd()) },
		ErrIsTerminal: func() bool { return term.IsTerminal(os.Stderr.Fd()) },
		ReadPassword: func() (string, error) {
			b, err := term.ReadPassword(os.Stdin.Fd())
			return string(b), err
		},
	}
}

// globalOptions are the flags every command shares.
type globalOptions struct {
	io    *IO
	build BuildInfo // for the command lines sessions run

	// URLs is every --url given; URL is the one instance of a command that
	// works on one (prepare refuses several there).
	URLs       []string
	URL        string
	Product    string
	CACert     string
	Timeout    time.Duration
	Accessible bool
	NoColor    bool
	Debug      bool
	Demo       bool
	TokenFile  string
	User       string
	AllowHTTP  bool

	// creds, when set, are the credentials of one instance of a run over
	// several, read once before the run; credentials() returns them.
	creds *Credentials
	// observe, when set, hears the setup flow's progress (the live table of
	// a run over several instances).
	observe func(steps.Event)
	// fixPhrase, when set, phrases fixes for one instance of a run over
	// several (see phraser).
	fixPhrase fix.Phraser
}

func (g *globalOptions) register(f *pflag.FlagSet) {
	f.StringArrayVar(&g.URLs, "url", nil, "base `URL` of the Jira or Confluence instance, e.g. https://jira.example.com (check, setup and verify take several)")
	f.StringVar(&g.Product, "product", "", "which `PRODUCT`: jira or confluence (default: detected; checked against the instance)")
	f.StringVar(&g.CACert, "ca-cert", "", "PEM `FILE` with the CA certificate(s) to trust, besides the system's, for the instance and the MDM")
	f.DurationVar(&g.Timeout, "timeout", api.DefaultTimeout, "time limit for each request")
	f.BoolVar(&g.Accessible, "accessible", false, "plain line prompts with no redraw (also env ACCESSIBLE)")
	f.BoolVar(&g.NoColor, "no-color", false, "no colours (also env NO_COLOR)")
	f.BoolVar(&g.Debug, "debug", false, "log requests on stderr (credentials and secrets redacted)")
	f.BoolVar(&g.Demo, "demo", false, "run against an embedded simulated Jira: nothing to install, nothing changed anywhere")
	f.StringVar(&g.TokenFile, "token-file", "", "read the personal access token from `FILE` (\"-\": standard input), or set "+EnvToken)
	f.StringVar(&g.User, "user", "", "user `NAME` for Basic authentication; the password comes from "+EnvPassword)
	f.BoolVar(&g.AllowHTTP, "allow-http", false, "allow plain http to a host that is not loopback (credentials travel in clear text)")
}

// accessible: plain line prompts and no redraw, asked for with the flag, or
// as ui.LineMode decides from the environment (a session's over SSH).
func (g *globalOptions) accessible() bool {
	return g.Accessible || ui.LineMode(g.io.Getenv)
}

func (g *globalOptions) noColor() bool {
	// NO_COLOR with any non-empty value turns colour off (no-color.org).
	return g.NoColor || g.io.Getenv("NO_COLOR") != ""
}

// product parses --product; "" means detect.
func (g *globalOptions) product() (api.Product, error) {
	if g.Product == "" {
		return "", nil
	}
	p, err := api.ParseProduct(g.Product)
	if err != nil {
		return "", usageError(err.Error())
	}
	return p, nil
}

// baseURL normalises --url; required says whether its absence is a usage error.
func (g *globalOptions) baseURL(required bool) (string, error) {
	if strings.TrimSpace(g.URL) == "" {
		if required {
			return "", usageError("no base URL: pass --url https://jira.example.com")
		}
		return "", nil
	}
	u, err := steps.NormalizeBaseURL(g.URL)
	if err != nil {
		return "", usageError("--url: " + err.Error())
	}
	return u, nil
}

// Credentials as the user gave them; empty fields are asked for by the wizard.
type Credentials = ui.Credentials

func credsEmpty(c Credentials) bool { return c.Token == "" && c.Username == "" }

// credentials reads the token from env or --token-file, or the Basic password from
// env; never from a flag.
func (g *globalOptions) credentials() (Credentials, error) {
	var c Credentials
	if g.creds != nil {
		return *g.creds, nil
	}
	token := strings.TrimSpace(g.io.Getenv(EnvToken))
	if g.TokenFile != "" {
		t, err := readToken(g.TokenFile, g.io.In)
		if err != nil {
			return c, usageError("--token-file: " + err.Error())
		}
		token = t
	}
	if g.User != "" {
		if token != "" {
			return c, usageError("give either a personal access token (" + EnvToken + " or --token-file) or --user with " + EnvPassword + ", not both")
		}
		c.Username = g.User
		c.Password = g.io.Getenv(EnvPassword)
		return c, nil
	}
	c.Token = token
	return c, nil
}

// withPassword completes Basic credentials before any request is sent: a
// password missing from the environment is asked for on a terminal (not
// echoed); without one it is a usage error. An empty password would be a failed
// login, and instances answer repeated failed logins with a CAPTCHA that locks
// the account out of REST until someone signs in through a browser.
func (g *globalOptions) withPassword(c Credentials, passwordEnv string) (Credentials, error) {
	if c.Username == "" || c.Password != "" {
		return c, nil
	}
	if g.io.ReadPassword == nil || g.io.IsTerminal == nil || !g.io.IsTerminal() {
		return c, usageError("no password for the user " + c.Username + ": set " + passwordEnv + " (a password is never read from a flag), or run on a terminal to be asked")
	}
	fmt.Fprintf(g.io.Err, "Password for %s (not shown): ", c.Username)
	p, err := g.io.ReadPassword()
	fmt.Fprintln(g.io.Err)
	if err != nil {
		return c, usageError("could not read the password: " + err.Error())
	}
	if p == "" {
		return c, usageError("no password given for " + c.Username)
	}
	c.Password = p
	return c, nil
}

// maxTokenFile bounds a token file: a token is one line; a huge file is a
// mistake, not a token.
const maxTokenFile = 64 << 10

func readToken(file string, stdin io.Reader) (string, error) {
	var r io.Reader
	if file == "-" {
		r = io.LimitReader(stdin, maxTokenFile)
	} else {
		// A regular file only, like every file flag: a FIFO would block the
		// run (and Ctrl-C) until someone writes to it, a device never ends.
		data, err := regularfile.Read(file, maxTokenFile)
		if err != nil {
			if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
				return "", pe.Err
			}
			return "", err
		}
		r = bytes.NewReader(data)
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	t := strings.TrimSpace(line)
	if t == "" {
		return "", errors.New("the file is empty")
	}
	return t, nil
}

// newClient builds an API client with the global options applied.
func (g *globalOptions) newClient(baseURL string, c Credentials) (*api.Client, error) {
	opts := api.Options{
		BaseURL: baseURL, Token: c.Token, Username: c.Username, Password: c.Password,
		CACertFile: g.CACert, Timeout: g.Timeout, AllowHTTP: g.AllowHTTP,
		Transport: g.io.Transport,
	}
	if g.Debug {
		opts.Debug = g.io.Err
	}
	if g.Demo {
		g.io.DemoOptions.apply(&opts)
	}
	if p := g.io.session; p != nil {
		if err := p.check(baseURL); err != nil {
			return nil, err
		}
		p.apply(&opts)
	}
	cl, err := api.New(opts)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	if g.AllowHTTP && strings.HasPrefix(baseURL, "http://") && !credsEmpty(c) {
		fmt.Fprintln(g.io.Err, "Warning: --allow-http: the credentials travel to "+baseURL+" in clear text.")
	}
	return cl, nil
}

func usageError(msg string) error {
	return &ExitError{Code: ExitUsage, Err: errors.New(msg)}
}

func ctxOf(cmd *cobra.Command) context.Context {
	if ctx := cmd.Context(); ctx != nil {
		return ctx
	}
	return context.Background()
}

// prepare runs before every command: it refuses several --url where the
// command works on one instance, and --demo starts the embedded simulator.
func (g *globalOptions) prepare(cmd *cobra.Command) error {
	if g.Timeout <= 0 {
		return usageError("--timeout: must be longer than 0, e.g. 30s")
	}
	if g.Debug {
		// The request log is written from the requests' goroutines (the
		// checks and the sign-in probes run beside the flow's messages): one
		// lock for every writer of stderr keeps the lines whole.
		g.io.Err = api.Locked(g.io.Err)
	}
	if len(g.URLs) > 1 && !takesSeveral(cmd) {
		what := cmd.Name()
		if cmd == cmd.Root() {
			what = "the interactive wizard"
		}
		return usageError("--url is given more than once: " + what + " works on one instance (check, setup and verify take several)")
	}
	if len(g.URLs) > 0 {
		g.URL = g.URLs[0]
	}
	// serve starts one simulator per session instead.
	if !g.Demo || g.io.DemoOptions.demo != nil || cmd.Name() == "serve" {
		return nil
	}
	g.io.DemoOptions = newDemo(ctxOf(cmd))
	return nil
}
