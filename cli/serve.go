package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/intune"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/ui"
)

type serveOptions struct {
	listen, authorizedKeys, hostKey string
	idleTimeout                     time.Duration
	maxSessions                     int
	allowHosts                      []string
	// authorityURL and graphURL are the Intune endpoints of sessions' pushes
	// (national clouds): the operator's choice, not a session's.
	authorityURL, graphURL string
}

func newServeCommand(g *globalOptions) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the wizard over SSH (public-key authentication only)",
		Long: "Runs an SSH server whose sessions each get their own wizard. Only the public keys in the " +
			"authorized-keys file get in; the file is re-read when it changes. The host key is created " +
			"(mode 0600) if missing. Each admin signs in to the instance with their own token inside the " +
			"session (or sends it with ssh -o SendEnv=" + EnvToken + "): the server's own environment and " +
			"files are never handed to sessions, and sessions save nothing on the server. A command after " +
			"the host runs that command in the session, its output on the admin's side: " +
			"ssh -p 2222 jumphost setup --mode mdm --yes --format plist > sites.plist. " +
			"With --url, every session works on that instance only; otherwise sessions may reach the hosts " +
			"of --allow-host, or any host with public addresses only. With --demo, every session gets its " +
			"own simulated Jira.",
		Example: "  mobile-oauth-wizard serve --listen :2222 --url https://jira.example.com \\\n" +
			"      --authorized-keys ~/.ssh/authorized_keys\n" +
			"  ssh -t -p 2222 admin@jumphost\n" +
			"  ssh -p 2222 -o SendEnv=" + EnvToken + " admin@jumphost setup --mode mdm --yes --format plist > sites.plist",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd, g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", serve.DefaultListen, "`ADDRESS` to listen on (host:port)")
	f.StringVar(&o.authorizedKeys, "authorized-keys", "", "OpenSSH authorized_keys `FILE`: the only keys let in (required)")
	f.StringVar(&o.hostKey, "host-key", "", "host key `FILE`, created if missing (default: ~/.local/state/mobile-oauth-wizard/host_ed25519)")
	f.DurationVar(&o.idleTimeout, "idle-timeout", serve.DefaultIdleTimeout, "end a session after this long without a key press (a command: without input or output)")
	f.IntVar(&o.maxSessions, "max-sessions", serve.DefaultMaxSessions, "concurrent sessions; more are refused politely")
	f.StringVar(&o.authorityURL, "authority-url", intune.DefaultAuthorityURL, "Intune: the Microsoft Entra ID sign-in `URL` of sessions' pushes (national clouds)")
	f.StringVar(&o.graphURL, "graph-url", intune.DefaultGraphURL, "Intune: the Microsoft Graph `URL` of sessions' pushes (national clouds)")
	f.StringArrayVar(&o.allowHosts, "allow-host", nil, "`HOST` or HOST:PORT sessions may reach, port 443 if none (repeatable; default: the host of --url, or any host whose addresses are all public)")
	return cmd
}

func runServe(cmd *cobra.Command, g *globalOptions, o *serveOptions) error {
	if o.authorizedKeys == "" {
		return usageError("serve needs --authorized-keys FILE: only the public keys listed there may connect")
	}
	base, err := g.baseURL(false)
	if err != nil {
		return err
	}
	want, err := g.product()
	if err != nil {
		return err
	}
	policy, err := newSessionPolicy(base, o.allowHosts, g)
	if err != nil {
		return err
	}
	for flag, v := range map[string]string{"authority-url": o.authorityURL, "graph-url": o.graphURL} {
		if u, err := url.Parse(v); err != nil || u.Scheme != "https" || u.Host == "" {
			return usageError(fmt.Sprintf("--%s %q: give an https URL with a host (the national cloud's Microsoft Entra ID or Microsoft Graph)", flag, v))
		}
	}
	policy.authorityURL, policy.graphURL = o.authorityURL, o.graphURL
	// azidentity sends a secret's or a certificate's sign-in to the Entra ID
	// region its process's environment names. Sessions sign in with their own
	// settings only: the server's must not reroute them (to a host they were
	// not told of), so serve drops it and says so.
	if v, ok := os.LookupEnv(envAzureRegion); ok {
		if err := os.Unsetenv(envAzureRegion); err != nil {
			return err
		}
		fmt.Fprintf(g.io.Err, "Note: %s=%s is not applied: sessions sign in to Microsoft Entra ID with their own settings only.\n",
			envAzureRegion, termsafe.String(v))
	}
	// The name sessions are told to reach this server by; the port is the
	// one each session came in on.
	if name, err := os.Hostname(); err == nil {
		policy.host = name
	}
	log := slog.New(slog.NewTextHandler(g.io.Err, nil))
	srv, err := serve.New(serve.Options{
		Listen: o.listen, AuthorizedKeysFile: o.authorizedKeys, HostKeyFile: o.hostKey,
		IdleTimeout: o.idleTimeout, MaxSessions: o.maxSessions, Logger: log,
		NewModel: func(s serve.Session) (tea.Model, []tea.ProgramOption) {
			return g.sessionModel(s, policy.forSession(s), want)
		},
		Exec: func(ctx context.Context, s serve.Session, args []string, stdio serve.ExecIO) int {
			return g.sessionCommand(ctx, policy.forSession(s), s, args, stdio)
		},
		// The local rule, on the session's environment: TERM=dumb (or
		// ACCESSIBLE) gets line prompts, run as the command line with no
		// arguments, which decides the same way.
		LineMode: func(s serve.Session) bool { return ui.LineMode(sessionEnv(s.Environ)) },
	})
	if err != nil {
		return usageError(err.Error())
	}
	// Listen first: a busy port is an error, not a "Serving" line followed by one.
	ctx := ctxOf(cmd)
	l, err := srv.Listen(ctx)
	if err != nil {
		return &ExitError{Code: ExitNetwork, Err: err}
	}
	fmt.Fprintf(g.io.Err, "Serving the wizard over SSH on %s (host key %s). Ctrl-C stops.\n", l.Addr(), srv.HostKeyFingerprint())
	if err := srv.Serve(ctx, l); err != nil {
		return &ExitError{Code: ExitNetwork, Err: err}
	}
	return nil
}

// sessionModel builds one session's wizard. Nothing is shared between sessions:
// each has its own model, its own HTTP clients and, in --demo, its own simulator.
func (g *globalOptions) sessionModel(s serve.Session, policy *sessionPolicy, want api.Product) (tea.Model, []tea.ProgramOption) {
	opts := ui.Options{BaseURL: policy.pinned, PinURL: policy.pinned != "", Product: want, Demo: g.Demo,
		Fixes: ui.SessionFixes, NoSave: policy.noSave()}
	// The admin's own token, if their ssh client sent it; never the server's.
	opts.Creds.Token = strings.TrimSpace(sessionEnv(s.Environ)(EnvToken))
	sess := *g // per-session copy: the demo transport below must not leak into other sessions
	sessIO := *g.io
	sess.io = &sessIO
	sessIO.session = policy
	// What the session's wizard reads from an environment (the MDM's
	// credentials for a push) is the session's, never the server's.
	sessIO.Getenv = sessionEnv(s.Environ)
	sess.Debug = false // a request log on the server's stderr would mix sessions
	if g.Demo {
		sessIO.DemoOptions = newDemo(s.SSH.Context())
		opts.DemoDefaults.BaseURL, opts.DemoDefaults.Token = demoBaseURL, demoToken
	}
	opts.Push, opts.NoPush = sess.wizardPush(&setupOptions{push: pushOptions{authorityURL: policy.authorityURL, graphURL: policy.graphURL}})
	opts.NewClient = func(baseURL string, c ui.Credentials) (*api.Client, error) { return sess.newClient(baseURL, c) }
	var extra []tea.ProgramOption
	if g.NoColor {
		opts.NoColor = true
		extra = append(extra, tea.WithColorProfile(colorprofile.ASCII))
	}
	// The session's context reaches the flow: a disconnect cancels what has
	// not been sent (a write already sent gets its audit line from the client).
	return ui.New(opts).WithContext(s.SSH.Context()), extra
}
