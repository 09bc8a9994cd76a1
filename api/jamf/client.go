// Package jamf is a client for the few Jamf Pro calls that put a site list into
// a mobile device app's managed configuration: an OAuth client-credentials
// token, the Classic API's mobile device applications (list, read, and a PUT
// of the app_configuration section), and finding the record of an App Store
// app. It knows nothing of terminals, flags or the wizard's flow.
//
// Reads ask for JSON: a JSON string carries the preferences plist byte for
// byte (XML text would have its line endings normalised by the parser, and
// the configuration must come back exactly as it was to be edited in place).
// Writes are XML, the only body the Classic API takes.
package jamf

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/go-resty/resty/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
)

const (
	DefaultTimeout   = api.DefaultTimeout
	DefaultUserAgent = api.DefaultUserAgent
	// MaxBodyBytes bounds every answer: an app list of thousands of records
	// is a fraction of it.
	MaxBodyBytes = api.MaxBodyBytes
	// MaxAppReads bounds the app records FindApp reads one by one (the list
	// lacks the App Store URL).
	MaxAppReads = 25
	// maxRetryWait is the longest wait between two tries of a read; a longer
	// Retry-After ends the read with KindRateLimited.
	maxRetryWait = 10 * time.Second
	// readConcurrency bounds the record reads FindApp has in flight.
	readConcurrency = 8
)

// Options configure a Client. The secret stays in the client's memory: it is
// sent only in the token request's form body and never logged.
type Options struct {
	// BaseURL is the Jamf Pro URL, such as https://example.jamfcloud.com.
	BaseURL      string
	ClientID     string
	ClientSecret string

	// CACertFile is a PEM bundle trusted in addition to the system roots.
	CACertFile string
	// Timeout bounds each request attempt; zero means DefaultTimeout.
	Timeout time.Duration
	// Retries is how many more times a read (and the token request) is tried
	// on 429/502/503/504 or a reset connection; negative means none, zero 3.
	// A PUT is never sent twice, except once after a 401 (it was refused, so
	// nothing was written).
	Retries int
	// RetryWait is the first back-off step when no Retry-After is given;
	// zero means 500ms. Each further step doubles it.
	RetryWait time.Duration
	// AllowHTTP permits plain http to a host that is not loopback.
	AllowHTTP bool
	// Debug, when set, receives a request log with the secret and tokens redacted.
	Debug io.Writer
	// UserAgent is sent on every request.
	UserAgent string
	// Transport replaces the HTTP transport (tests, benchmarks).
	Transport http.RoundTripper
	// DialContext, when set, opens the default transport's connections.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Client talks to one Jamf Pro server. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	rest      *resty.Client
	id        string
	secret    string
	retries   int
	retryWait time.Duration
	debugW    io.Writer

	mu      sync.Mutex // guards token and expires, and serialises renewals
	token   string
	expires time.Time
}

// New validates the options and builds a client. It sends nothing.
func New(opts Options) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || base.Host == "" || (base.Scheme != "http" && base.Scheme != "https") {
		return nil, fmt.Errorf("the Jamf Pro URL %q is not an http(s) URL with a host", opts.BaseURL)
	}
	base.RawQuery, base.Fragment, base.User = "", "", nil
	if base.Scheme == "http" && !opts.AllowHTTP && !api.IsLoopback(base.Hostname()) {
		return nil, fmt.Errorf("the Jamf Pro URL %s uses plain http, which would send the client secret in clear text; use https", base.Redacted())
	}
	if opts.ClientID == "" || opts.ClientSecret == "" {
		return nil, errors.New("a Jamf Pro API client ID and its secret are both needed")
	}
	if strings.ContainsFunc(opts.ClientID, unicode.IsControl) || strings.ContainsFunc(opts.ClientSecret, unicode.IsControl) {
		return nil, errors.New("the Jamf Pro API client ID or secret holds a control character (a line break, perhaps from copying it): copy it again")
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
	transport := opts.Transport
	if transport == nil {
		t, err := api.NewTransport(opts.CACertFile, opts.DialContext)
		if err != nil {
			return nil, err
		}
		transport = t
	}
	c := &Client{
		base:      base,
		id:        opts.ClientID,
		secret:    opts.ClientSecret,
		retries:   opts.Retries,
		retryWait: cmp.Or(opts.RetryWait, 500*time.Millisecond),
	}
	if opts.Debug != nil {
		c.debugW = api.Locked(opts.Debug)
	}
	// A redirect means something other than the API answered (a login
	// page, SSO): NewRest hands the 3xx back to be classified.
	c.rest = api.NewRest(&http.Client{Transport: transport}, api.RestOptions{BaseURL: base.String(), Timeout: opts.Timeout, UserAgent: opts.UserAgent})
	return c, nil
}

// SignIn gets the API token the calls will use, before they are sent: a push
// signs in while other work runs.
func (c *Client) SignIn(ctx context.Context) error {
	_, _, err := c.validToken(ctx)
	return err
}

// BaseURL is the URL the client was built with, without a trailing slash.
func (c *Client) BaseURL() string { return c.base.String() }
