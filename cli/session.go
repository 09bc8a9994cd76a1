package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// sessionPolicy is what a session served over SSH may do, as the server's
// operator set it: which instance, which hosts, plain http or not, which CA.
// A session only talks: it reads no file and no environment of the server's.
type sessionPolicy struct {
	// pinned is the normalised --url of serve: every session works on it.
	pinned string
	// hosts are the host names sessions may reach (lower case); empty means
	// any host whose addresses are all public.
	hosts     []string
	allowHTTP bool
	caCert    string
	// audit receives one line per change to an instance, with the session's
	// user, key and address attached.
	audit *slog.Logger
	// host is the SSH server's name, port the port a session came in on and
	// user the name it logged in as: the ssh command a session is shown
	// is the one that reaches this server.
	host, port, user string
}

// sshCommand is the ssh command line that runs rest on this server from the
// admin's machine.
func (p *sessionPolicy) sshCommand(rest string) string {
	s := "ssh"
	if p.port != "" && p.port != "22" {
		s += " -p " + p.port
	}
	host := cmp.Or(p.host, "HOST")
	if p.user != "" {
		host = p.user + "@" + host
	}
	return s + " " + host + " " + rest
}

// noSave is what a session is told instead of saving a file.
func (p *sessionPolicy) noSave() string {
	return "Nothing is saved on the SSH server: copy the text (c), or quit and it stays on your terminal. " +
		"For a file on your machine: " + p.sshCommand("setup --mode MODE --yes --format FORMAT > FILE")
}

func newSessionPolicy(pinned string, allowHosts []string, g *globalOptions) (*sessionPolicy, error) {
	p := &sessionPolicy{pinned: pinned, allowHTTP: g.AllowHTTP, caCert: g.CACert}
	for _, h := range allowHosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "" || strings.ContainsAny(h, "/:@ ") {
			return nil, usageError(fmt.Sprintf("--allow-host %q: give a host name or address, without scheme, port or path", h))
		}
		p.hosts = append(p.hosts, h)
	}
	if pinned != "" {
		u, err := url.Parse(pinned)
		if err != nil {
			return nil, usageError("--url: " + err.Error())
		}
		if h := strings.ToLower(u.Hostname()); !slices.Contains(p.hosts, h) {
			p.hosts = append(p.hosts, h)
		}
	}
	return p, nil
}

// forSession is the policy with the session's audit logger.
func (p *sessionPolicy) forSession(s serve.Session) *sessionPolicy {
	c := *p
	c.audit = s.Log
	if c.audit == nil {
		c.audit = slog.New(slog.DiscardHandler)
	}
	c.user = s.User
	if s.SSH != nil {
		if _, port, err := net.SplitHostPort(s.SSH.LocalAddr().String()); err == nil {
			c.port = port
		}
	}
	return &c
}

// check refuses, before anything is sent, a base URL the session may not use.
func (p *sessionPolicy) check(baseURL string) error {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return usageError(fmt.Sprintf("base URL %q is not an http(s) URL with a host", baseURL))
	}
	if p.pinned != "" && strings.TrimRight(baseURL, "/") != p.pinned {
		return usageError("this SSH server works on " + p.pinned + " only (set by whoever runs it); a session cannot change the instance")
	}
	if u.Scheme == "http" && !p.allowHTTP {
		return usageError("plain http is not allowed in a session on this SSH server: use the instance's https URL")
	}
	host := strings.ToLower(u.Hostname())
	if len(p.hosts) > 0 {
		if !slices.Contains(p.hosts, host) {
			return usageError(fmt.Sprintf("this SSH server only connects to %s (serve --allow-host); ask whoever runs it to allow %s",
				strings.Join(p.hosts, ", "), host))
		}
		return nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return usageError("this SSH server does not connect to its own host (" + host + ")")
	}
	if ip, err := netip.ParseAddr(host); err == nil && !publicAddr(ip) {
		return usageError(fmt.Sprintf("this SSH server does not connect to internal addresses (%s); whoever runs it can allow a host with --allow-host", ip))
	}
	return nil
}

// dial connects only to public addresses, whatever a name resolves to, when
// the operator allowed no host by name.
func (p *sessionPolicy) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if len(p.hosts) > 0 {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	return dialPublic(ctx, network, addr)
}

// dialPublic connects to addr only when every address its name resolves to
// is on the internet: a session's MDM (Graph, Jamf Cloud) is reached this
// way whatever the operator allowed, so that --graph-url or --jamf-url
// cannot point a session at the server's own network.
func dialPublic(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if !publicAddr(ip) {
			return nil, fmt.Errorf("%s resolves to an internal address (%s), which this SSH server does not connect to; whoever runs it can allow the host with --allow-host", host, ip.Unmap())
		}
	}
	var last error
	for _, ip := range ips {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, last
}

var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// publicAddr reports whether ip is an address on the internet rather than
// the server itself, its private networks or link-local services (cloud
// metadata among them).
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !sharedAddressSpace.Contains(ip) &&
		!(ip.Is4() && ip.As4()[0] == 0)
}

// apply puts the policy into a session's API client options.
func (p *sessionPolicy) apply(o *api.Options) {
	o.CACertFile, o.AllowHTTP = p.caCert, p.allowHTTP
	if o.Transport == nil {
		o.DialContext = p.dial
	}
	base := o.BaseURL
	o.OnChange = func(c api.Change) { auditLine(p.audit, base, c) }
}

// auditLine writes one line per create, reuse or delete of an incoming link,
// after its outcome is settled; the logger carries who (user, key
// fingerprint and comment, address). Its message says what happened to the
// instance, so that a search for "instance changed" finds every change.
func auditLine(log *slog.Logger, instance string, c api.Change) {
	msg := "instance changed"
	switch c.Action {
	case api.ChangeReused:
		msg = "instance unchanged"
	case api.ChangeCreateUnclear, api.ChangeRemoveUnclear:
		msg = "instance may have changed"
	}
	attrs := []any{"instance", instance, "action", c.Action, "client_id", c.ClientID, "name", c.Name}
	if c.SettledBy != "" {
		attrs = append(attrs, "settled_by", c.SettledBy)
	}
	log.Info(msg, attrs...)
}

// sessionEnv looks up a variable the session's client sent.
func sessionEnv(environ []string) func(string) string {
	return func(key string) string {
		v := ""
		for _, kv := range environ {
			if after, ok := strings.CutPrefix(kv, key+"="); ok {
				v = after // the last one wins, as in a shell
			}
		}
		return v
	}
}

// commandsNotInSessions would start servers on the jump host. Help, the
// manual and completion scripts only print text: they work in sessions too.
var commandsNotInSessions = map[string]string{
	"serve":    "serve runs on the SSH server itself, not in a session",
	"simulate": "simulate would start a server on the SSH server; add --demo to a command instead",
}

// notInSession is the refusal of what a session may not do.
func notInSession(what string) error {
	return usageError("not allowed in an SSH session: " + what)
}

// sessionCommand runs a command line sent with an SSH session (ssh host setup
// …) with the session's input, output and environment, and returns its exit
// status. Flags that name a file on the server are refused: the output is the
// admin's to redirect on their own machine.
func (g *globalOptions) sessionCommand(ctx context.Context, policy *sessionPolicy, s serve.Session, args []string, stdio serve.ExecIO) int {
	sio := &IO{
		In: stdio.In, Out: stdio.Out, Err: stdio.Err,
		Getenv:     sessionEnv(s.Environ),
		IsTerminal: func() bool { return false },
		session:    policy,
	}
	args, err := sessionArgs(g, policy, sio, args)
	if err != nil {
		fmt.Fprintln(stdio.Err, "Error: "+describeWith(err, sessionPhrase))
		return ExitCode(err)
	}
	root := NewRootCommand(g.build, sio)
	var failed error
	interceptErrors(root, func(err error) { failed = err })
	root.SetArgs(args)
	err = root.ExecuteContext(ctx)
	if err == nil {
		err = failed
	}
	if err != nil && !isSilent(err) {
		fmt.Fprintln(stdio.Err, "Error: "+describeWith(err, sessionPhrase))
	}
	return ExitCode(err)
}

// sessionArgs checks a session's command line against the policy, on a
// command tree of its own (parsing twice would add repeated flags twice),
// and adds what the server imposes: its --url and --demo.
func sessionArgs(g *globalOptions, policy *sessionPolicy, sio *IO, args []string) ([]string, error) {
	probe := NewRootCommand(g.build, &IO{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard,
		Getenv: sio.Getenv, IsTerminal: sio.IsTerminal})
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == cobra.ShellCompRequestCmd || a == cobra.ShellCompNoDescRequestCmd {
			// What a shell runs for each Tab on the machine it runs on,
			// running the command tree's completion code: nothing a
			// session asks of this server.
			return nil, notInSession("shell completion requests (" + a + ") are answered by a local install")
		}
	}
	// cobra adds its help command when it executes; the probe needs it now.
	probe.InitDefaultHelpCmd()
	cmd, rest, err := probe.Find(args)
	if err != nil {
		return nil, usageError(err.Error())
	}
	top := cmd
	for top.HasParent() && top.Parent() != probe {
		top = top.Parent()
	}
	if why, ok := commandsNotInSessions[top.Name()]; ok {
		return nil, notInSession(why)
	}
	if noInstanceFlags[top.Name()] {
		// Help, the manual, completion scripts: text only, nothing to add.
		return args, nil
	}
	if err := cmd.ParseFlags(rest); errors.Is(err, pflag.ErrHelp) {
		return args, nil
	} else if err != nil {
		return nil, usageError(err.Error())
	}
	var refused []string
	urls := 0
	cmd.Flags().Visit(func(f *pflag.Flag) {
		switch name, _ := pflag.UnquoteUsage(f); {
		case f.Name == "token-file" && f.Value.String() == "-":
			// Standard input is the session's.
		case name == "FILE" || f.Name == "output" || f.Name == "token-file" || f.Name == "ca-cert" || f.Name == "inventory":
			refused = append(refused, "--"+f.Name+" (a file on the SSH server)")
		case f.Name == "allow-http":
			refused = append(refused, "--allow-http (whoever runs the SSH server decides)")
		case f.Name == "url":
			urls++
			if sv, ok := f.Value.(pflag.SliceValue); ok {
				for _, u := range sv.GetSlice() {
					n, err := steps.NormalizeBaseURL(u)
					if err != nil {
						continue // the command itself says what is wrong with it
					}
					if err := policy.check(n); err != nil {
						refused = append(refused, "--url "+u+": "+describe(err))
					}
				}
			}
		}
	})
	if len(refused) > 0 {
		return nil, notInSession(strings.Join(refused, "; ") +
			". Redirect the output on your side instead: " + policy.sshCommand("setup --format FORMAT > FILE"))
	}
	if urls == 0 && policy.pinned != "" {
		args = append(args, "--url", policy.pinned)
	}
	if g.Demo {
		args = append(args, "--demo")
	}
	return args, nil
}
