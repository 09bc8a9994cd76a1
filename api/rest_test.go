package api_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
)

// The debug log of an answer, whichever service sent it, holds no secret:
// neither in the body nor in a header.
func TestLogResponseRedactsSecrets(t *testing.T) {
	const secret = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Set-Cookie", "JSESSIONID="+secret)
		w.Write([]byte(`{"clientId":"0123456789abcdef0123456789abcdef","clientSecret":"` + secret + `","access_token":"` + secret + `"}`))
	}))
	defer srv.Close()
	resp, err := api.NewRest(srv.Client(), api.RestOptions{BaseURL: srv.URL}).R().Get("/rest/oauth2/latest/client")
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	api.LogResponse(&log, resp)
	if strings.Contains(log.String(), secret[:8]) || !strings.Contains(log.String(), "<-- 200 GET") || !strings.Contains(log.String(), "0123456789abcdef") {
		t.Fatalf("the log holds a secret, or not the answer:\n%s", log.String())
	}
}

// NewRest hands a redirect back instead of following it: a login page in
// front of an API is the caller's to tell apart.
func TestNewRestDoesNotFollowRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/login", http.StatusFound)
	}))
	defer srv.Close()
	resp, err := api.NewRest(srv.Client(), api.RestOptions{BaseURL: srv.URL}).R().Get("/rest/x")
	if err != nil || resp.StatusCode() != http.StatusFound {
		t.Fatalf("status %v, err %v", resp.StatusCode(), err)
	}
}
