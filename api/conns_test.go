package api_test

import (
	"crypto/tls"
	"encoding/pem"
	"net"
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
// read-back beside the sign-in probes): a batch reuses the connections of the
// one before, and a new connection resumes the TLS session of an earlier one,
// so the instance's certificate is verified once, not once per connection.
func TestBatchesReuseConnectionsAndTLSSessions(t *testing.T) {
	srv := httptest.NewUnstartedServer(simulator.New(simulator.Config{}))
	var conns, resumed atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.TLS = &tls.Config{VerifyConnection: func(cs tls.ConnectionState) error {
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
	const batch = 5
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
	// A connection goes back to the pool just after its answer is read, so a
	// request of the next batch may miss one or two of them: the slack. With
	// only 2 kept (the default), the second batch opens 3 more (8 in all).
	if n := conns.Load(); n > batch+2 {
		t.Errorf("two batches of %d requests opened %d connections, want at most %d", batch, n, batch+2)
	}
	if r, n := resumed.Load(), conns.Load(); r != n-1 {
		t.Errorf("%d of %d connections resumed the first one's TLS session, want %d", r, n, n-1)
	}
}
