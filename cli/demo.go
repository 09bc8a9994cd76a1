package cli

import (
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
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
// an embedded simulated Intune.
type DemoOptions struct {
	addr       string
	roots      *x509.CertPool
	intuneAddr string
}

// demoIntuneURL is the simulated Intune's sign-in and Graph host in the demo.
const demoIntuneURL = "https://intune.example.com"

// intuneSignIn signs in to the demo's Intune as its registered application.
func (d DemoOptions) intuneSignIn(s intune.SignIn) intune.SignIn {
	s.AuthorityURL, s.TenantID, s.ClientID, s.ClientSecret = demoIntuneURL, intunesim.Tenant, intunesim.ClientID, intunesim.ClientSecret
	s.Certificate, s.DeviceCode = nil, nil
	return s
}

func (d DemoOptions) intuneTransport() http.RoundTripper { return demoTransport(d.intuneAddr, d.roots) }

func (d DemoOptions) apply(o *api.Options) {
	if d.addr == "" {
		return
	}
	o.Transport = demoTransport(d.addr, d.roots)
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
func startDemo() (DemoOptions, *simulator.Sim, func()) {
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
	return DemoOptions{addr: srv.Listener.Addr().String(), roots: roots, intuneAddr: msrv.Listener.Addr().String()}, sim, func() {
		sim.Close()
		srv.Close()
		msrv.Close()
	}
}
