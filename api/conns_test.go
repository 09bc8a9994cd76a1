package api_test

import (
	"crypto/tls"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
)

// A setup sends its requests in batches (the checks together, then the
// read-back beside the sign-in probes), each opening connections: a new
// connection resumes the TLS session of the first, so the instance's
// certificate is verified once, not once per connection. (How many
// connections a batch reuses depends on when the last one's went back to the
// pool; bench/run's round trips count them.)
func TestNewConnectionsResumeTheTLSSession(t *testing.T) {
	const batch = 5
	// The first batch's requests are held until all of them have arrived, so
	// that it needs a connection each: the pool cannot serve them one after
	// the other on a connection that came back in time (the first one, idle,
	// serves one of them).
	sim := simulator.New(simulator.Config{})
	var arrived atomic.Int32
	all := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == api.PathOAuthMetadata {
			if n := arrived.Add(1); n == batch {
				close(all)
			} else if n < batch {
				<-all
			}
		}
		sim.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // dials the pool did not need are closed mid-handshake
	// Handshakes are counted where they complete: a dial the pool did not
	// need may be closed before its handshake, and it resumed nothing.
	var conns, resumed atomic.Int32
	srv.TLS = &tls.Config{VerifyConnection: func(cs tls.ConnectionState) error {
		conns.Add(1)
		if cs.DidResume {
			resumed.Add(1)
		}
		return nil
	}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	c := mustNew(t, api.Options{BaseURL: srv.URL, CACertFile: caFile})
	if _, err := c.Manifest(ctx); err != nil { // the first connection: a full handshake
		t.Fatal(err)
	}
	for range 2 {
		var wg sync.WaitGroup
		for range batch {
			wg.Go(func() {
				if _, err := c.OAuthMetadata(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	if r, n := resumed.Load(), conns.Load(); n < batch || r != n-1 {
		t.Errorf("%d of %d connections resumed the first one's TLS session, want %d", r, n, n-1)
	}
}
