package simulator

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// Over TLS the derived base URL is https://, which is what the sign-in needs;
// and a reset must still be a reset, not an orderly TLS shutdown.
func TestOverTLS(t *testing.T) {
	sim := New(Config{})
	srv := httptest.NewTLSServer(sim)
	t.Cleanup(srv.Close)
	t.Cleanup(sim.Close)

	client := srv.Client()
	client.Timeout = 5 * time.Second
	client.CheckRedirect = noRedirects.CheckRedirect
	res, err := create("Mobile", mobileRedirect, "WRITE").sendWith(client, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, res, http.StatusOK)
	info, err := call{Path: infoLogin}.sendWith(client, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if m := info.json(t); m["base-url"] != srv.URL {
		t.Errorf("base-url = %v, want %s", m["base-url"], srv.URL)
	}

	sim.Inject(Fault{Kind: FaultReset, Times: 1})
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.DisableKeepAlives = true
	if _, err := (call{Path: "/rest/api/2/serverInfo"}).sendWith(&http.Client{Transport: tr, Timeout: 5 * time.Second}, srv.URL); err == nil {
		t.Error("no error from a reset TLS connection")
	}
}
