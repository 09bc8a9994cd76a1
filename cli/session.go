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
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/net/http/httpproxy"

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
	// hosts are the host:port pairs sessions may reach (host in lower
	// case); empty means any host whose addresses are all public.
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
	// authorityURL and graphURL are serve's Intune endpoints: the wizard's
	// push uses them, and a command's when it names none of its own.
	authorityURL, graphURL string
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

// noSave is what a session's full-screen wizard is told instead of saving a file.
func (p *sessionPolicy) noSave() string {
	return p.noSaveSaying("copy the text (c), or quit and it stays on your terminal")
}

// noSaveLines is noSave for line prompts, which leave the text on the terminal.
func (p *sessionPolicy) noSaveLines() string {
	return p.noSaveSaying("the text above stays on your terminal")
}

func (p *sessionPolicy) noSaveSaying(copying string) string {
	return "Nothing is saved on the SSH server: " + copying + ". " +
		"For a file on your machine: " + p.sshCommand("setup --mode MODE --yes --format FORMAT > FILE")
}

func newSessionPolicy(pinned string, allowHosts []string, g *globalOptions) (*sessionPolicy, error) {
	p := &sessionPolicy{pinned: pinned, allowHTTP: g.AllowHTTP, caCert: g.CACert}
	for _, h := range allowHosts {
		hps, err := allowedHostPorts(h, g.AllowHTTP)
		if err != nil {
			return nil, err
		}
		p.hosts = append(p.hosts, hps...)
	}
	if pinned != "" {
		u, err := url.Parse(pinned)
		if err != nil {
			return nil, usageError("--url: " + err.Error())
		}
		if hp := hostPort(u); !slices.Contains(p.hosts, hp) {
			p.hosts = append(p.hosts, hp)
		}
	}
	return p, nil
}

// allowedHostPorts reads one --allow-host: HOST:PORT, or HOST for its https
// port (and its http port with --allow-http). A port of its own for each
// host: allowing every port would let a session tell the host's closed
// ports, its SSH port and the instance apart.
func allowedHostPorts(v string, allowHTTP bool) ([]string, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	bad := usageError(fmt.Sprintf("--allow-host %q: give a host name or address, with a port if not 443 (jira.internal:8443), without scheme or path", v))
	if v == "" || strings.ContainsAny(v, "/@ ") {
		return nil, bad
	}
	if host, port, err := net.SplitHostPort(v); err == nil {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || host == "" {
			return nil, bad
		}
		return []string{net.JoinHostPort(host, strconv.Itoa(n))}, nil
	}
	host := strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	if _, err := netip.ParseAddr(host); strings.Contains(host, ":") && err != nil {
		return nil, bad
	}
	out := []string{net.JoinHostPort(host, "443")}
	if allowHTTP {
		out = append(out, net.JoinHostPort(host, "80"))
	}
	return out, nil
}

// hostPort is a URL's host (lower case) and port, the scheme's when it names
// none (an instance's http or https, a proxy's socks5 too).
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443", "socks5": "1080"}[u.Scheme]
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// isProxy reports whether addr is the proxy the server's environment
// (HTTPS_PROXY, HTTP_PROXY) sends requests through. The operator chose it,
// so it is dialled whatever its address; what goes through it is checked by
// name before anything is sent (sessionPolicy.check).
func isProxy(addr string) bool {
	proxyFor := httpproxy.FromEnvironment().ProxyFunc()
	for _, scheme := range []string{"https", "http"} {
		u, err := proxyFor(&url.URL{Scheme: scheme, Host: "instance.invalid"})
		if err != nil || u == nil {
			continue
		}
		if strings.EqualFold(hostPort(u), addr) {
			return true
		}
	}
	return false
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
		if hp := hostPort(u); !slices.Contains(p.hosts, hp) {
			return usageError(fmt.Sprintf("this SSH server only connects to %s (serve --allow-host); ask whoever runs it to allow %s",
				strings.Join(p.hosts, ", "), hp))
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

// dial connects to the allowed host:port pairs when the operator listed
// some, else only to public addresses, whatever a name resolves to; the
// server's proxy either way.
func (p *sessionPolicy) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if len(p.hosts) == 0 {
		return dialPublic(ctx, network, addr)
	}
	if !isProxy(addr) && !slices.Contains(p.hosts, strings.ToLower(addr)) {
		return nil, fmt.Errorf("this SSH server only connects to %s (serve --allow-host), not %s", strings.Join(p.hosts, ", "), addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// dialPublic connects to addr only when every address its name resolves to
// is on the internet: a session's MDM (Graph, Jamf Cloud) is reached this
// way whatever the operator allowed, so that --graph-url or --jamf-url
// cannot point a session at the server's own network.
func dialPublic(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	if isProxy(addr) {
		return d.DialContext(ctx, network, addr)
	}
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
		Transport:  g.io.Transport, // nil but in tests, as for the session's wizard
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
	for name, v := range map[string]string{"authority-url": policy.authorityURL, "graph-url": policy.graphURL} {
		if f := cmd.Flags().Lookup(name); f != nil && !f.Changed && v != "" {
			args = append(args, "--"+name, v)
		}
	}
	if g.Demo {
		args = append(args, "--demo")
	}
	return args, nil
}
