package simulator

import (
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// start serves a simulator on a loopback httptest server for the test's life.
func start(t *testing.T, cfg Config) (*Sim, *httptest.Server) {
	t.Helper()
	sim := New(cfg)
	srv := httptest.NewServer(sim)
	// Cleanups run last-in first-out: the simulator releases hung requests
	// before the server waits for them.
	t.Cleanup(srv.Close)
	t.Cleanup(sim.Close)
	return sim, srv
}

// startInBubble makes a simulator inside a synctest bubble and returns a
// sender that hands each call straight to its handler (no socket, which a
// bubble cannot wait on), so its timers run on the bubble's clock.
func startInBubble(t *testing.T, cfg Config) (*Sim, func(call) result) {
	t.Helper()
	sim := New(cfg)
	t.Cleanup(sim.Close)
	client := &http.Client{Transport: handlerTransport{sim}, CheckRedirect: noRedirects.CheckRedirect}
	return sim, func(c call) result {
		t.Helper()
		res, err := c.sendWith(client, "http://sim.test")
		if err != nil {
			t.Fatalf("%s %s: %v", c.Method, c.Path, err)
		}
		return res
	}
}

// handlerTransport answers a request with a handler, in the caller's goroutine.
type handlerTransport struct{ h http.Handler }

func (tr handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	// A server's request always has a body and a remote address.
	r = r.Clone(r.Context())
	if r.Body == nil {
		r.Body = http.NoBody
	}
	r.RemoteAddr = "192.0.2.1:1234"
	rec := httptest.NewRecorder()
	tr.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// call is one request as the wizard (or a browser) would send it.
type call struct {
	Method      string
	Path        string
	Token       string // Bearer
	User, Pass  string // Basic, when User != ""
	Accept      string
	ContentType string
	Body        string
	Header      map[string]string
}

type result struct {
	Status int
	Header http.Header
	Body   string
}

func (r result) contentType() string { return r.Header.Get("Content-Type") }

func (r result) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// noRedirects is how the wizard's client talks to an instance: a redirect is
// information (a proxy in the way), not something to follow.
var noRedirects = &http.Client{
	Timeout:       5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func (c call) send(t *testing.T, srv *httptest.Server) result {
	t.Helper()
	res, err := c.sendWith(noRedirects, srv.URL)
	if err != nil {
		t.Fatalf("%s %s: %v", c.Method, c.Path, err)
	}
	return res
}

func (c call) request(base string) *http.Request {
	method := cmp.Or(c.Method, http.MethodGet)
	var body io.Reader
	if c.Body != "" {
		body = strings.NewReader(c.Body)
	}
	req, err := http.NewRequest(method, base+c.Path, body)
	if err != nil {
		panic(err)
	}
	req.Header.Set("User-Agent", "mobile-oauth-wizard-test")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.User != "" {
		req.SetBasicAuth(c.User, c.Pass)
	}
	if c.Accept != "" {
		req.Header.Set("Accept", c.Accept)
	}
	if c.ContentType != "" {
		req.Header.Set("Content-Type", c.ContentType)
	}
	for k, v := range c.Header {
		req.Header.Set(k, v)
	}
	return req
}

func (c call) sendWith(client *http.Client, base string) (result, error) {
	resp, err := client.Do(c.request(base))
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	return result{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}, nil
}

// createBody is a client create/update body as JSON.
func createBody(name string, redirects []string, scope string) string {
	b, _ := json.Marshal(map[string]any{"name": name, "redirects": redirects, "scope": scope})
	return string(b)
}

// create is a sysadmin's POST /rest/oauth2/latest/client the way the wizard sends it.
func create(name string, redirects []string, scope string) call {
	return call{
		Method: http.MethodPost, Path: "/rest/oauth2/latest/client", Token: "sysadmin-token",
		Accept: "application/json", ContentType: "application/json",
		Header: map[string]string{"X-Atlassian-Token": "no-check"},
		Body:   createBody(name, redirects, scope),
	}
}

func decodeClient(t *testing.T, body string) Client {
	t.Helper()
	var c Client
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatalf("body is not a client: %v\n%s", err, body)
	}
	return c
}

func wantStatus(t *testing.T, r result, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.Status, status, r.Body)
	}
}

func wantJSONType(t *testing.T, r result) {
	t.Helper()
	if got := r.contentType(); got != contentTypeJSON {
		t.Errorf("Content-Type = %q, want %q", got, contentTypeJSON)
	}
}
