// Package simulator is an in-process Jira / Confluence Data Center that answers
// the REST calls the wizard makes (api/calls.go) the way the real products do, including their
// surprises (200 on create, 401 for a non-sysadmin, bad tokens silently treated as
// anonymous). It serves the tests, the --demo mode and the benchmarks.
//
// It deliberately does not import the project's api package: the two sides keep
// their own types so that a disagreement shows up as a failing test instead of
// being hidden by a shared struct.
package simulator

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha1"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ProxyMode is what sits in front of the instance.
type ProxyMode int

const (
	// ProxyNone: requests reach the instance.
	ProxyNone ProxyMode = iota
	// ProxyLoginRedirect: 302 to {base}/login.jsp?permissionViolation=true&os_destination=...
	ProxyLoginRedirect
	// ProxySSORedirect: 302 to an identity provider.
	ProxySSORedirect
	// ProxySSOHTML: 200 text/html login page where JSON was expected.
	ProxySSOHTML
)

// Config describes the simulated instance.
type Config struct {
	Product string // "jira" | "confluence"; "" = jira
	Version string // e.g. "10.3.0"; "" = a compatible default for the product
	Title   string // serverTitle / manifest name; "" = "Jira" / "Confluence"
	// BaseURL is the instance's configured base URL; "" = derived from each
	// request (scheme + Host), which is what tests on httptest servers want.
	BaseURL string
	Plugins []Plugin // nil = DefaultPlugins(Product, Version)
	Users   []User   // nil = DefaultUsers()

	BasicAuthDisabled bool
	Proxy             ProxyMode
	// ProxyAuthenticatedToo makes the proxy intercept requests that carry valid
	// credentials as well; by default only anonymous ones are intercepted, which
	// is the setup where MDM still works.
	ProxyAuthenticatedToo bool
	// UPMWebSudo makes the Universal Plugin Manager ask for a secure
	// administrator session of every caller that does not use Basic auth: a
	// personal access token (tokens are confirmed to bypass websudo on
	// Confluence only), anonymous, a non-admin. Websudo comes before UPM's own
	// permission check; UPM answers 401
	// {"errorMessage":null,"subCode":"upm.websudo.error"}.
	UPMWebSudo bool
	// MobileOAuth is the mobile plugin's "Turn on OAuth 2.0" switch at start.
	MobileOAuth bool
	// DevMode is a JVM started with -Datlassian.dev.mode or
	// -Datlassian.oauth2.provider.skip.base.url.https.requirement: the
	// provider's consent page then skips its HTTPS rule. Creating a client
	// never checks HTTPS, in either mode.
	DevMode bool
}

// Validate reports a configuration New would refuse. Call it on user input
// (the simulate command) before New, which panics on programmer errors.
func (c Config) Validate() error {
	switch strings.ToLower(c.Product) {
	case "", productJira, productConfluence:
	default:
		return fmt.Errorf("unknown product %q: use jira or confluence", c.Product)
	}
	if c.Version != "" && len(versionNumbers(c.Version)) < 2 {
		return fmt.Errorf("version %q is not like 10.3.0", c.Version)
	}
	if c.Proxy < ProxyNone || c.Proxy > ProxySSOHTML {
		return fmt.Errorf("unknown proxy mode %d", c.Proxy)
	}
	return nil
}

const (
	productJira       = "jira"
	productConfluence = "confluence"

	maxBody       = 1 << 20
	maxRequestLog = 10000
)

// Sim is a simulated instance. It implements http.Handler and is safe for
// concurrent use.
type Sim struct {
	// Fixed at New.
	product    string
	title      string
	baseURL    string
	basicOff   bool
	upmWebSudo bool
	proxy      ProxyMode
	proxyAll   bool
	devMode    bool
	manifestID string
	users      []User
	userKeys   map[string]string

	mu             sync.Mutex
	version        string
	plugins        []Plugin
	clients        []Client
	mobileOAuth    bool
	mobileClientID string // the client the mobile plugin created itself
	faults         Faults[Fault]
	latency        time.Duration
	demoArmed      bool
	demoDelay      time.Duration
	sawInfoLogin   bool
	// sessions counts the HTTP sessions anonymous consent requests created;
	// warnings are the WARN lines the provider logged (old providers' 412).
	sessions  int
	warnings  []string
	demoTimer *time.Timer
	isClosed  bool

	closed    chan struct{}
	closeOnce sync.Once
	parked    atomic.Int32 // requests in a hang or a delay: lets tests act mid-wait

	logMu sync.Mutex
	log   []Request
	// logBase is the sequence number of log[0].
	logBase int
}

// New builds a simulator. It panics if cfg.Validate fails.
func New(cfg Config) *Sim {
	if err := cfg.Validate(); err != nil {
		panic("simulator: " + err.Error())
	}
	product := cmp.Or(strings.ToLower(cfg.Product), productJira)
	version := cmp.Or(cfg.Version, map[string]string{productJira: "10.3.0", productConfluence: "9.2.0"}[product])
	title := cmp.Or(cfg.Title, productTitle(product))
	plugins := cfg.Plugins
	if plugins == nil {
		plugins = DefaultPlugins(product, version)
	}
	users := cfg.Users
	if users == nil {
		users = DefaultUsers()
	}
	s := &Sim{
		product:    product,
		title:      title,
		baseURL:    strings.TrimRight(cfg.BaseURL, "/"),
		basicOff:   cfg.BasicAuthDisabled,
		upmWebSudo: cfg.UPMWebSudo,
		proxy:      cfg.Proxy,
		proxyAll:   cfg.ProxyAuthenticatedToo,
		devMode:    cfg.DevMode,
		users:      append([]User(nil), users...),
		userKeys:   make(map[string]string, len(users)),
		version:    version,
		plugins:    append([]Plugin(nil), plugins...),
		closed:     make(chan struct{}),
	}
	sum := sha1.Sum([]byte(product + "|" + title + "|" + s.baseURL))
	s.manifestID = formatUUID(sum[:16], 5)
	for i, u := range s.users {
		s.userKeys[u.Name] = userKey(product, i, u.Name)
	}
	s.mobileOAuth = cfg.MobileOAuth
	s.ensureMobileClientLocked()
	return s
}

func productTitle(product string) string {
	if product == productConfluence {
		return "Confluence"
	}
	return "Jira"
}

// SetVersion changes the product version the instance reports (an upgrade).
func (s *Sim) SetVersion(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.version = v
}

// SetLatency adds d to every request; the wait ends early if the client gives up.
func (s *Sim) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// Close releases hung and delayed requests and stops the demo timer. The
// simulator keeps answering afterwards, without hanging.
func (s *Sim) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
	s.mu.Lock()
	defer s.mu.Unlock()
	s.isClosed = true
	if s.demoTimer != nil {
		s.demoTimer.Stop()
		s.demoTimer = nil
	}
}

// ServeHTTP runs the request through the instance's layers in the order a real
// deployment has them: network (latency, faults), proxy, authentication, XSRF
// filter, resource.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	id := s.identify(r)
	seq := s.begin(Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, User: id.name(), Start: time.Now()})
	defer func() { s.finish(seq, sw.finalStatus(), time.Now()) }()

	// Reading the body up front lets net/http notice a client that hangs up, so
	// the request context is cancelled during latency and hangs even on a POST.
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		sw.aborted = true
		return
	}
	if len(body) > maxBody {
		s.setUserHeader(sw.Header(), id)
		writeJSON(sw, http.StatusRequestEntityTooLarge, restError(http.StatusRequestEntityTooLarge, "Request body too large"))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	s.mu.Lock()
	latency := s.latency
	s.mu.Unlock()
	if !s.sleep(r.Context(), latency) {
		sw.aborted = true
		return
	}

	f, ok := s.faults.Match(r)
	switch {
	case !ok:
		s.handle(sw, r, id)
	case f.AfterHandle:
		rec := newBufferedResponse()
		s.handle(rec, r, id)
		s.applyFault(sw, w, r, f, id, rec)
	default:
		s.applyFault(sw, w, r, f, id, nil)
	}
}

// handle is the instance itself, behind the network.
func (s *Sim) handle(w http.ResponseWriter, r *http.Request, id identity) {
	s.setUserHeader(w.Header(), id)
	base := s.base(r)
	if s.intercept(w, r, id, base) {
		return
	}
	if id.basicDisabled {
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "Basic Authentication has been disabled on this instance."})
		return
	}
	if id.basicFailed {
		w.Header().Set("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
		writeJSON(w, http.StatusUnauthorized, generic401())
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/rest/") {
		s.serveWeb(w, r, id, base)
		return
	}
	if !xsrfOK(r, base) {
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "XSRF check failed")
		return
	}
	s.serveREST(w, r, id, base)
}

// base is the configured base URL, or the one the request was addressed to.
func (s *Sim) base(r *http.Request) string {
	if s.baseURL != "" {
		return s.baseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// sleep waits d; false means the client gave up first. Close cuts it short.
func (s *Sim) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	s.parked.Add(1)
	defer s.parked.Add(-1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.closed:
		return true
	case <-ctx.Done():
		return false
	}
}
