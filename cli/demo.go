package cli

import (
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
)

// The demo instance: a name the httptest certificate covers (*.example.com), so the
// demo verifies TLS like a real run does, yet nothing leaves the machine.
const (
	demoBaseURL = "https://jira.example.com"
	demoToken   = "sysadmin-token"
)

// DemoOptions routes the API client to an embedded simulator.
type DemoOptions struct {
	addr  string
	roots *x509.CertPool
}

func (d DemoOptions) apply(o *api.Options) {
	if d.addr == "" {
		return
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	o.Transport = &http.Transport{
		// Every host name resolves to the simulator; only the demo's client uses this.
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, d.addr)
		},
		TLSClientConfig: tlsClientConfig(d.roots),
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
	return DemoOptions{addr: srv.Listener.Addr().String(), roots: roots}, sim, func() {
		sim.Close()
		srv.Close()
	}
}
