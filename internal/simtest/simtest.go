// Package simtest starts a simulated instance for a test and builds clients for it.
package simtest

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/eventually"
)

// Tokens of the simulator's default users.
const (
	SysadminToken = "sysadmin-token"
	AdminToken    = "admin-token"
	UserToken     = "user-token"
	BadToken      = "expired-or-revoked-token"
)

// Env is a simulator for one test, served in process or on loopback.
type Env struct {
	Sim *simulator.Sim
	Srv *httptest.Server // nil in process
	URL string
	// Transport reaches the simulator in process; nil when it is served on a
	// socket, where the default transport reaches it.
	Transport http.RoundTripper
}

// inProcess numbers the in-process simulators, so that each has a URL of its
// own: tests that set up two instances tell their sites apart by it.
var inProcess atomic.Uint32

// inProcessURL is a loopback address (so api.New accepts plain http) on the
// discard port, where nothing listens: a client that bypasses the transport
// fails at once instead of reaching something else.
func inProcessURL(scheme string) string {
	n := inProcess.Add(1)
	return fmt.Sprintf("%s://127.1.%d.%d:9", scheme, n>>8&0xff, n&0xff)
}

// New builds a simulator with cfg that clients reach through an in-process
// transport: no socket, and under testing/synctest no wall-clock time for
// latency, hangs, timeouts or polls. Use Start where the point is the socket.
// The simulator is closed when the test ends.
func New(t testing.TB, cfg simulator.Config) *Env {
	t.Helper()
	sim := simulator.New(cfg)
	t.Cleanup(sim.Close)
	return &Env{Sim: sim, URL: inProcessURL("http"), Transport: &Transport{Handler: sim}}
}

// NewTLS is New for an instance the client reaches over HTTPS: the simulator
// sees every request arrive secure. No certificate is involved; StartTLS
// serves one.
func NewTLS(t testing.TB, cfg simulator.Config) *Env {
	t.Helper()
	sim := simulator.New(cfg)
	t.Cleanup(sim.Close)
	return &Env{Sim: sim, URL: inProcessURL("https"), Transport: &Transport{Handler: sim}}
}

// NewBehindTLSProxy is StartBehindTLSProxy in process: the client speaks
// HTTPS to a TLS-terminating proxy, the instance gets plain HTTP with the
// X-Forwarded-Proto forwardProto ("" = none).
func NewBehindTLSProxy(t testing.TB, cfg simulator.Config, forwardProto string) *Env {
	t.Helper()
	sim := simulator.New(cfg)
	t.Cleanup(sim.Close)
	return &Env{Sim: sim, URL: inProcessURL("https"), Transport: &Transport{Handler: tlsProxy(sim, "X-Forwarded-Proto", forwardProto)}}
}

// NewBehindForwardedProxy is NewBehindTLSProxy for a proxy that says how the
// request arrived in a Forwarded header with the value forwarded instead.
func NewBehindForwardedProxy(t testing.TB, cfg simulator.Config, forwarded string) *Env {
	t.Helper()
	sim := simulator.New(cfg)
	t.Cleanup(sim.Close)
	return &Env{Sim: sim, URL: inProcessURL("https"), Transport: &Transport{Handler: tlsProxy(sim, "Forwarded", forwarded)}}
}

// Start serves a simulator with cfg on loopback; it stops when the test ends.
func Start(t testing.TB, cfg simulator.Config) *Env {
	t.Helper()
	sim := simulator.New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		sim.Close()
		srv.Close()
	})
	return &Env{Sim: sim, Srv: srv, URL: srv.URL}
}

// Options are client options for the env with fast retries, so tests of the
// back-off do not sleep for long.
func (e *Env) Options(token string) api.Options {
	return api.Options{BaseURL: e.URL, Token: token, Timeout: 5 * time.Second, RetryWait: 5 * time.Millisecond, Transport: e.Transport}
}

// Client builds a client with a token ("" = no credentials).
func (e *Env) Client(t testing.TB, token string) *api.Client {
	t.Helper()
	return e.ClientWith(t, e.Options(token))
}

// ClientWith builds a client from options.
func (e *Env) ClientWith(t testing.TB, o api.Options) *api.Client {
	t.Helper()
	c, err := api.New(o)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	return c
}

// Count returns how many requests with the method and path the simulator handled.
func (e *Env) Count(method, path string) int {
	n := 0
	for _, r := range e.Sim.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// StartTLS serves a simulator over HTTPS with httptest's self-signed
// certificate, its handshake-error chatter kept out of the test output.
func StartTLS(t testing.TB, cfg simulator.Config) *Env {
	t.Helper()
	sim := simulator.New(cfg)
	return serveTLS(t, sim, sim)
}

// serveTLS serves h over HTTPS for sim's test, without the handshake-error chatter.
func serveTLS(t testing.TB, sim *simulator.Sim, h http.Handler) *Env {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(func() {
		sim.Close()
		srv.Close()
	})
	return &Env{Sim: sim, Srv: srv, URL: srv.URL}
}

// Buffer collects output written from many goroutines (a server's log). A
// test waits for what is written (WaitFor, WaitUntil), not for the clock.
type Buffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed by the next Write; nil when nobody waits
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
	return l.b.Write(p)
}

// WaitFor waits until the text written so far contains text and returns it.
func (l *Buffer) WaitFor(tb testing.TB, text string) string {
	tb.Helper()
	return l.WaitUntil(tb, fmt.Sprintf("%q", text), func(s string) bool { return strings.Contains(s, text) })
}

// WaitUntil waits until cond holds for the text written so far and returns
// that text. It wakes on each Write; eventually.Timeout only bounds a
// failure, which shows what was written.
func (l *Buffer) WaitUntil(tb testing.TB, what string, cond func(string) bool) string {
	tb.Helper()
	failAt := make(chan struct{})
	timer := time.AfterFunc(eventually.Timeout, func() { close(failAt) })
	defer timer.Stop()
	text, ok := l.Await(cond, failAt)
	if !ok {
		tb.Fatalf("timed out after %v waiting for %s in:\n%s", eventually.Timeout, what, text)
	}
	return text
}

// Await is WaitUntil for a goroutine that may not fail the test: it waits
// until cond holds for the text written so far, or until giveUp, and
// reports which.
func (l *Buffer) Await(cond func(string) bool, giveUp <-chan struct{}) (string, bool) {
	for {
		l.mu.Lock()
		text := l.b.String()
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		next := l.changed
		l.mu.Unlock()
		if cond(text) {
			return text, true
		}
		select {
		case <-next:
		case <-giveUp:
			return text, false
		}
	}
}

func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// ListsBeyondChecks is how many times the clients were listed outside the checks:
// each checks run reads the OAuth 2.0 plugin once and lists the clients once.
func ListsBeyondChecks(sim *simulator.Sim) int {
	lists, checks := 0, 0
	for _, r := range sim.Requests() {
		switch {
		case r.Method == "GET" && r.Path == api.PathClients:
			lists++
		case r.Method == "GET" && r.Path == "/rest/plugins/1.0/"+api.OAuth2ProviderPluginKey+"-key":
			checks++
		}
	}
	return lists - checks
}

// StartBehindTLSProxy serves a simulator behind a TLS-terminating proxy: the
// client speaks HTTPS to the proxy, the instance gets plain HTTP. forwardProto
// is the X-Forwarded-Proto the proxy adds ("" = none, the misconfiguration
// that breaks the OAuth 2.0 sign-in). cfg.BaseURL should be the public https URL.
func StartBehindTLSProxy(t testing.TB, cfg simulator.Config, forwardProto string) *Env {
	t.Helper()
	sim := simulator.New(cfg)
	return serveTLS(t, sim, tlsProxy(sim, "X-Forwarded-Proto", forwardProto))
}

// tlsProxy hands requests to sim as a TLS-terminating proxy does: as plain
// HTTP, with the header name set to value ("" = neither proxy header).
func tlsProxy(sim *simulator.Sim, name, value string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.Clone(r.Context())
		r.TLS = nil
		r.Header.Del("X-Forwarded-Proto")
		r.Header.Del("Forwarded")
		if value != "" {
			r.Header.Set(name, value)
		}
		sim.ServeHTTP(w, r)
	})
}

// TLSClient builds a client that trusts the env's TLS certificate (in
// process, the transport needs none).
func (e *Env) TLSClient(t testing.TB, token string) *api.Client {
	t.Helper()
	o := e.Options(token)
	if e.Srv != nil {
		o.Transport = e.Srv.Client().Transport
	}
	return e.ClientWith(t, o)
}
