// Package api is the REST client for Jira and Confluence Data Center: one method per
// call the wizard makes, typed results and typed errors. It knows nothing of terminals.
package api

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-resty/resty/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/regularfile"
)

// Defaults a production instance deserves: patient enough for a slow Jira, bounded
// enough that a hung proxy does not hang the wizard.
const (
	DefaultTimeout   = 20 * time.Second
	DefaultUserAgent = "mobile-oauth-wizard"
	// MaxBodyBytes bounds every response: no answer the wizard expects is near it.
	MaxBodyBytes = 4 << 20
	// maxCAFile bounds a CA bundle read from a file.
	maxCAFile = 4 << 20
	// maxRetryWait is the longest Retry-After a GET waits for before giving up.
	maxRetryWait = 10 * time.Second
)

// Options configure a Client. Credentials go in Token (a personal access token,
// preferred) or Username and Password (Basic); never both.
type Options struct {
	BaseURL  string
	Token    string
	Username string
	Password string

	// CACertFile is a PEM bundle trusted in addition to the system roots.
	CACertFile string
	// Timeout bounds each request attempt; zero means DefaultTimeout.
	Timeout time.Duration
	// Retries is how many times a GET is retried on 429/502/503/504 or a reset
	// connection; negative means none, zero means 3. Writes are never retried.
	Retries int
	// RetryWait is the first back-off step; zero means 250ms.
	RetryWait time.Duration
	// AllowHTTP permits plain http to a host that is not loopback. Credentials then
	// travel in clear text, so it has to be asked for.
	AllowHTTP bool
	// Debug, when set, receives a request log with credentials and secrets redacted.
	Debug io.Writer
	// UserAgent is sent on every request; a browser-like one would trip Origin checks.
	UserAgent string
	// Transport replaces the HTTP transport (tests, benchmarks).
	Transport http.RoundTripper
	// DialContext, when set, opens the default transport's connections (to
	// the instance, or to the proxy when one is configured): a server that
	// runs the wizard for others refuses addresses there.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// OnChange, when set, is told what each create, reuse or delete of an
	// incoming link came to, once it is settled (Client.Record), for an audit
	// log. It never carries a secret.
	OnChange func(Change)
}

// Change is what one create, reuse or delete of an incoming link came to:
// one vocabulary for an audit log, whose lines name the client ID the admin
// saw, so that a delete can be matched with its create.
type Change struct {
	Action   string // one of the Change… constants
	ClientID string // the public client ID (clientId, not the id); "" when not known
	Name     string // the link's name
	// SettledBy says how the outcome is known, for ChangeCreated and
	// ChangeRemoved: SettledByAnswer, or SettledByListing when the
	// instance's answer was lost and listing the links told.
	SettledBy string
}

// Change actions.
const (
	ChangeCreated = "client created"
	ChangeReused  = "client reused"
	ChangeRemoved = "client removed"
	// The link's scope was narrowed to the one the app needs (the user asked).
	ChangeNarrowed = "client scope narrowed"
	// The request was sent, its answer was lost and listing the links could
	// not tell whether it was carried out.
	ChangeCreateUnclear = "client create unclear"
	ChangeRemoveUnclear = "client remove unclear"
)

// How a Change is known.
const (
	SettledByAnswer  = "answer"
	SettledByListing = "listing"
)

// Record tells Options.OnChange what a create, reuse or delete came to. The
// steps that decide the outcome call it once it is settled (after a lost
// answer, only listing the links settles it).
func (c *Client) Record(ch Change) {
	if c.onChange != nil {
		c.onChange(ch)
	}
}

// Client talks to one instance.
type Client struct {
	base   *url.URL
	auth   authKind
	rest   *resty.Client // with credentials
	anon   *resty.Client // without: for what must work unauthenticated (mobile info/login)
	debugW io.Writer

	onChange func(Change)
}

type authKind int

const (
	authNone authKind = iota
	authToken
	authBasic
)

// New validates the options and builds a client. It sends nothing.
func New(opts Options) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || base.Host == "" || (base.Scheme != "http" && base.Scheme != "https") {
		return nil, fmt.Errorf("base URL %q is not an http(s) URL with a host", opts.BaseURL)
	}
	if base.Scheme == "http" && !opts.AllowHTTP && !isLoopback(base.Hostname()) {
		return nil, &PlainHTTPError{URL: base.Redacted()}
	}
	// A control character (a pasted line break, an escape) cannot travel in a
	// header: without this, the request fails as if the instance were unreachable.
	if strings.ContainsFunc(opts.Token, unicode.IsControl) {
		return nil, errors.New("the personal access token holds a control character (a line break or an escape, perhaps from copying it): copy the token again")
	}
	if strings.ContainsFunc(opts.Username, unicode.IsControl) {
		return nil, errors.New("the user name holds a control character (a line break or an escape)")
	}
	if opts.Token != "" && (opts.Username != "" || opts.Password != "") {
		return nil, errors.New("give either a personal access token or a user name and password, not both")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	switch {
	case opts.Retries == 0:
		opts.Retries = 3
	case opts.Retries < 0:
		opts.Retries = 0
	}
	if opts.RetryWait <= 0 {
		opts.RetryWait = 250 * time.Millisecond
	}
	opts.UserAgent = cmp.Or(opts.UserAgent, DefaultUserAgent)

	transport := opts.Transport
	if transport == nil {
		// TLS sessions resumed: verifying the instance's certificate on every
		// connection was most of a setup's CPU (several instances at once).
		t, err := NewTransport(opts.CACertFile, opts.DialContext)
		if err != nil {
			return nil, err
		}
		transport = t
	}

	c := &Client{base: base, onChange: opts.OnChange}
	if opts.Debug != nil {
		c.debugW = Locked(opts.Debug)
	}
	c.rest = c.newResty(opts, transport)
	c.anon = c.newResty(opts, transport)
	switch {
	case opts.Token != "":
		c.auth = authToken
		c.rest.SetAuthToken(opts.Token)
	case opts.Username != "":
		c.auth = authBasic
		c.rest.SetBasicAuth(opts.Username, opts.Password)
	}
	return c, nil
}

func (c *Client) newResty(opts Options, transport http.RoundTripper) *resty.Client {
	// A redirect on a REST call means something other than the REST API
	// answered: NewRest hands the 3xx back to be classified instead of
	// following it to a login page.
	r := NewRest(&http.Client{Transport: transport}, RestOptions{BaseURL: c.base.String(), Timeout: opts.Timeout, UserAgent: opts.UserAgent}).
		SetHeader("Accept", "application/json").
		SetRetryCount(opts.Retries).
		SetRetryWaitTime(opts.RetryWait).
		SetRetryMaxWaitTime(maxRetryWait).
		AddRetryCondition(shouldRetry).
		SetRetryAfter(retryAfter)
	if c.debugW != nil {
		r.OnAfterResponse(func(_ *resty.Client, resp *resty.Response) error {
			c.logResponse(resp)
			return nil
		})
		r.OnError(func(req *resty.Request, err error) {
			c.logError(req, err)
		})
	}
	return r
}

// shouldRetry retries only GETs, and only when another attempt can help.
func shouldRetry(resp *resty.Response, err error) bool {
	if resp == nil || resp.Request == nil || resp.Request.Method != http.MethodGet {
		return false
	}
	if err != nil {
		return isReset(err)
	}
	switch resp.StatusCode() {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		if d, ok := parseRetryAfter(resp.Header().Get("Retry-After")); ok && d > maxRetryWait {
			return false // the instance wants more patience than a wizard can show
		}
		return true
	}
	return false
}

func retryAfter(_ *resty.Client, resp *resty.Response) (time.Duration, error) {
	if resp == nil {
		return 0, nil
	}
	d, _ := parseRetryAfter(resp.Header().Get("Retry-After"))
	return d, nil
}

func parseRetryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := time.Until(t)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

func loadCAs(file string) (*x509.CertPool, error) {
	// A bundle is a few hundred kilobytes; the bound keeps a device such as
	// /dev/zero from filling the memory, and regularfile never waits on a FIFO.
	pem, err := regularfile.Read(file, maxCAFile)
	if err != nil {
		return nil, fmt.Errorf("read CA certificate: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", file)
	}
	return pool, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// BaseURL is the URL the client was built with, without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }

// HasCredentials reports whether requests carry credentials.
func (c *Client) HasCredentials() bool { return c.auth != authNone }

type quietLogger struct{}

func (quietLogger) Errorf(string, ...interface{}) {}
func (quietLogger) Warnf(string, ...interface{})  {}
func (quietLogger) Debugf(string, ...interface{}) {}

// The helpers below serve the MDMs' clients (api/jamf), so that a Retry-After,
// a CA bundle and a loopback host are read one way.

// ParseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func ParseRetryAfter(v string) (time.Duration, bool) { return parseRetryAfter(v) }

// LoadCAs reads a PEM bundle (bounded, regular files only) into the system roots.
func LoadCAs(file string) (*x509.CertPool, error) { return loadCAs(file) }

// IsLoopback reports a loopback host, where plain http keeps credentials on the machine.
func IsLoopback(host string) bool { return isLoopback(host) }
