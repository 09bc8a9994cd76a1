package cli

import (
	"fmt"
	"log/slog"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/spf13/cobra"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/ui"
)

type serveOptions struct {
	listen, authorizedKeys, hostKey string
	idleTimeout                     time.Duration
	maxSessions                     int
}

func newServeCommand(g *globalOptions) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the wizard over SSH (public-key authentication only)",
		Long: "Runs an SSH server whose sessions each get their own wizard. Only the public keys in the " +
			"authorized-keys file get in; the file is re-read when it changes. The host key is created " +
			"(mode 0600) if missing. Each admin signs in to the instance with their own token inside the " +
			"session: the server's own MOBILE_OAUTH_TOKEN is never handed to sessions. With --demo, every " +
			"session gets its own simulated Jira.",
		Example: "  mobile-oauth-wizard serve --listen :2222 \\\n" +
			"      --authorized-keys ~/.ssh/authorized_keys\n" +
			"  ssh -t -p 2222 admin@jumphost",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd, g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", serve.DefaultListen, "`ADDRESS` to listen on (host:port)")
	f.StringVar(&o.authorizedKeys, "authorized-keys", "", "OpenSSH authorized_keys `FILE`: the only keys let in (required)")
	f.StringVar(&o.hostKey, "host-key", "", "host key `FILE`, created if missing (default: ~/.local/state/mobile-oauth-wizard/host_ed25519)")
	f.DurationVar(&o.idleTimeout, "idle-timeout", serve.DefaultIdleTimeout, "close a connection after this long without traffic")
	f.IntVar(&o.maxSessions, "max-sessions", serve.DefaultMaxSessions, "concurrent sessions; more are refused politely")
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
	log := slog.New(slog.NewTextHandler(g.io.Err, nil))
	srv, err := serve.New(serve.Options{
		Listen: o.listen, AuthorizedKeysFile: o.authorizedKeys, HostKeyFile: o.hostKey,
		IdleTimeout: o.idleTimeout, MaxSessions: o.maxSessions, Logger: log,
		NewModel: func(s serve.Session) (tea.Model, []tea.ProgramOption) {
			return g.sessionModel(s, base, want)
		},
	})
	if err != nil {
		return usageError(err.Error())
	}
	fmt.Fprintf(g.io.Err, "Serving the wizard over SSH on %s (host key %s). Ctrl-C stops.\n", o.listen, srv.HostKeyFingerprint())
	if err := srv.ListenAndServe(ctxOf(cmd)); err != nil {
		return &ExitError{Code: ExitNetwork, Err: err}
	}
	return nil
}

// sessionModel builds one session's wizard. Nothing is shared between sessions:
// each has its own model, its own HTTP clients and, in --demo, its own simulator.
func (g *globalOptions) sessionModel(s serve.Session, base string, want api.Product) (tea.Model, []tea.ProgramOption) {
	opts := ui.Options{BaseURL: base, Product: want, Demo: g.Demo, Fixes: ui.SessionFixes}
	sess := *g // per-session copy: the demo transport below must not leak into other sessions
	sessIO := *g.io
	sess.io = &sessIO
	sess.Debug = false // a request log on the server's stderr would mix sessions
	if g.Demo {
		demo, _, stop := startDemo()
		sessIO.DemoOptions = demo
		go func() {
			<-s.SSH.Context().Done()
			stop()
		}()
		opts.DemoDefaults.BaseURL, opts.DemoDefaults.Token = demoBaseURL, demoToken
	}
	opts.NewClient = func(baseURL string, c ui.Credentials) (*api.Client, error) { return sess.newClient(baseURL, c) }
	var extra []tea.ProgramOption
	if g.NoColor {
		opts.NoColor = true
		extra = append(extra, tea.WithColorProfile(colorprofile.ASCII))
	}
	return ui.New(opts), extra
}
