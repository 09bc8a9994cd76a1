package cli

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
)

type simulateOptions struct {
	listen, product, version, baseURL, proxy, title string
	plugins                                         []string
	basicDisabled, devMode, mobileOAuth, upmWebSudo bool
	latency                                         time.Duration
}

func newSimulateCommand(g *globalOptions) *cobra.Command {
	o := &simulateOptions{}
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Run the simulated Jira/Confluence Data Center as a server (for trying and testing)",
		Long: "Serves a simulated Jira or Confluence Data Center that answers the REST calls the wizard\n" +
			"makes the way the real products do. Users and their personal access tokens\n" +
			"(each password is the user name):\n" +
			"  admin / sysadmin-token   system administrator\n" +
			"  jadmin / admin-token     administrator\n" +
			"  user / user-token        no admin rights",
		Example: "  mobile-oauth-wizard simulate --listen 127.0.0.1:8990 --version 10.3.0\n" +
			"  curl http://127.0.0.1:8990/rest/applinks/1.0/manifest",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSimulate(cmd, g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8990", "`ADDRESS` to listen on (host:port)")
	f.StringVar(&o.product, "product", "jira", "`PRODUCT` to simulate: jira or confluence")
	f.StringVar(&o.version, "version", "", "product `VERSION` (default: a compatible one)")
	f.StringVar(&o.title, "title", "", "server `TITLE`")
	f.StringVar(&o.baseURL, "base-url", "", "the instance's configured base `URL` (default: derived from each request)")
	f.StringArrayVar(&o.plugins, "plugin", nil, "install a plugin: `KEY=VERSION` or KEY=VERSION:disabled (repeatable)")
	f.StringVar(&o.proxy, "proxy", "none", "what sits in front (`KIND`): none, login-redirect, sso-redirect, sso-html")
	f.BoolVar(&o.basicDisabled, "basic-auth-disabled", false, "answer Basic authentication with 403")
	f.BoolVar(&o.devMode, "dev-mode", false, "a JVM in development mode: the OAuth 2.0 sign-in skips its HTTPS rule")
	f.BoolVar(&o.upmWebSudo, "upm-websudo", false, "the plugin manager asks token requests for a secure administrator session (websudo)")
	f.BoolVar(&o.mobileOAuth, "mobile-oauth", false, "start with the mobile plugin's OAuth 2.0 switch on")
	f.DurationVar(&o.latency, "latency", 0, "added to every request")
	// --product here names the simulated product, not the one to expect.
	cmd.Flags().SetInterspersed(true)
	return cmd
}

func runSimulate(cmd *cobra.Command, g *globalOptions, o *simulateOptions) error {
	cfg := simulator.Config{
		Product: o.product, Version: o.version, Title: o.title, BaseURL: strings.TrimRight(o.baseURL, "/"),
		BasicAuthDisabled: o.basicDisabled, DevMode: o.devMode, UPMWebSudo: o.upmWebSudo, MobileOAuth: o.mobileOAuth,
	}
	switch o.proxy {
	case "none", "":
	case "login-redirect":
		cfg.Proxy = simulator.ProxyLoginRedirect
	case "sso-redirect":
		cfg.Proxy = simulator.ProxySSORedirect
	case "sso-html":
		cfg.Proxy = simulator.ProxySSOHTML
	default:
		return usageError("--proxy: use none, login-redirect, sso-redirect or sso-html")
	}
	if len(o.plugins) > 0 {
		cfg.Plugins = simulator.DefaultPlugins(cfg.Product, cfg.Version)
		for _, s := range o.plugins {
			p, err := simulator.ParsePluginFlag(s)
			if err != nil {
				return usageError("--plugin: " + err.Error())
			}
			cfg.Plugins = upsertPlugin(cfg.Plugins, p)
		}
	}
	if err := cfg.Validate(); err != nil {
		return usageError(err.Error())
	}
	sim := simulator.New(cfg)
	defer sim.Close()
	sim.SetLatency(o.latency)

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return &ExitError{Code: ExitNetwork, Err: fmt.Errorf("listen on %s: %w", o.listen, err)}
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second, ErrorLog: quietServerLog()}
	fmt.Fprintf(g.io.Err, "Simulated %s listening on http://%s\n", strings.ToUpper(o.product[:1])+o.product[1:], ln.Addr())
	fmt.Fprintln(g.io.Err, "Tokens: sysadmin-token (system administrator), admin-token (administrator), user-token (plain user). Ctrl-C stops.")

	ctx := ctxOf(cmd)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := contextWithTimeout(5 * time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		return nil
	case err := <-done:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

func upsertPlugin(list []simulator.Plugin, p simulator.Plugin) []simulator.Plugin {
	for i := range list {
		if list[i].Key == p.Key {
			if p.Name == "" {
				p.Name = list[i].Name
			}
			list[i] = p
			return list
		}
	}
	return append(list, p)
}
