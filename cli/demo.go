package cli

import (
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/intune"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/intunesim"
)

// The demo instance: a name the httptest certificate covers (*.example.com), so the
// demo verifies TLS like a real run does, yet nothing leaves the machine.
const (
	demoBaseURL = "https://jira.example.com"
	demoToken   = "sysadmin-token"
)

// DemoOptions routes the API client to an embedded simulator, and a push to
// an embedded simulated Intune. They start when the first client is made: the
// first screen (Welcome) sends no request, and starting their TLS servers was
// a tenth of the work before the wizard's first frame.
type DemoOptions struct {
	demo *demo
}

// on reports whether the run is a demo.
func (d DemoOptions) on() bool { return d.demo != nil }

// demo is the simulators and their servers, once started.
type demo struct {
	mu      sync.Mutex
	started *demoServers
	stop    func()
	stopped bool
}

// demoServers are where the demo's simulators answer.
type demoServers struct {
	addr, intuneAddr string
	roots            *x509.CertPool
}

// newDemo is the demo for a run (or an SSH session) that ends with ctx.
func newDemo(ctx context.Context) DemoOptions {
	d := &demo{}
	context.AfterFunc(ctx, d.close)
	return DemoOptions{demo: d}
}

// servers starts the simulators once; after close it starts nothing (the
// run is over, and its requests fail).
func (d *demo) servers() demoServers {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.started == nil && !d.stopped {
		s, stop := startDemo()
		d.started, d.stop = &s, stop
	}
	if d.started == nil {
		return demoServers{}
	}
	return *d.started
}

func (d *demo) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopped = true
	if d.stop != nil {
		d.stop()
	}
}

// demoIntuneURL is the simulated Intune's sign-in and Graph host in the demo.
const demoIntuneURL = "https://intune.example.com"

// intuneSignIn signs in to the demo's Intune as its registered application.
func (d DemoOptions) intuneSignIn(s intune.SignIn) intune.SignIn {
	s.AuthorityURL, s.TenantID, s.ClientID, s.ClientSecret = demoIntuneURL, intunesim.Tenant, intunesim.ClientID, intunesim.ClientSecret
	s.Certificate, s.DeviceCode = nil, nil
	return s
}

func (d DemoOptions) intuneTransport() http.RoundTripper {
	s := d.demo.servers()
	return demoTransport(s.intuneAddr, s.roots)
}

func (d DemoOptions) apply(o *api.Options) {
	if d.demo == nil {
		return
	}
	s := d.demo.servers()
	o.Transport = demoTransport(s.addr, s.roots)
}

// demoTransport sends every request to addr, whatever its host name: only the
// demo's clients use it.
func demoTransport(addr string, roots *x509.CertPool) *http.Transport {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
		TLSClientConfig: tlsClientConfig(roots),
	}
}

// startDemo starts a simulated Jira 10.3 on loopback TLS. The mobile plugin's
// switch turns itself on a few seconds after the non-MDM flow starts waiting, so
// both paths of the wizard can be walked without an admin UI.
func startDemo() (demoServers, func()) {
	sim := simulator.New(simulator.Config{
		Product: "jira", Version: "10.3.0", Title: "Demo Jira", BaseURL: demoBaseURL,
	})
	sim.EnableMobileOAuthAfter(4 * time.Second)
	srv := httptest.NewUnstartedServer(sim)
	srv.Config.ErrorLog = quietServerLog()
	srv.StartTLS()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	// httptest serves every server with one certificate, which covers *.example.com.
	msrv := httptest.NewUnstartedServer(intunesim.New())
	msrv.Config.ErrorLog = quietServerLog()
	msrv.StartTLS()
	return demoServers{addr: srv.Listener.Addr().String(), roots: roots, intuneAddr: msrv.Listener.Addr().String()}, func() {
		sim.Close()
		srv.Close()
		msrv.Close()
	}
}
