// Package intune is the Microsoft Graph v1.0 client for the few Intune calls a
// push makes (apps, app configurations, assignments) and the Entra ID sign-in
// in front of them. Plain HTTP: an SDK's build cost is out of proportion for
// five endpoints. It knows nothing of terminals, flags or the environment.
package intune

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// DefaultGraphURL is Microsoft Graph for the global cloud.
const DefaultGraphURL = "https://graph.microsoft.com"

const (
	// maxPages bounds a paged list: a tenant with more apps than this is not
	// one a wizard should walk.
	maxPages = 200
	// MaxRetryWait is the longest Retry-After a read waits for; longer, it fails.
	MaxRetryWait = 2 * time.Minute
	// readAttempts is how often a read is tried on 429/502/503/504 or a reset.
	readAttempts = 4
)

// Options configure a Client.
type Options struct {
	// GraphURL is Microsoft Graph's host (national clouds, tests); empty means DefaultGraphURL.
	GraphURL string
	// Token returns a bearer token for Scope(); Credential.Token does.
	Token func(ctx context.Context, scope string) (string, error)
	// HTTPClient sends the requests (tests trust their CA through it).
	HTTPClient *http.Client
	// Timeout bounds each request; zero means api.DefaultTimeout.
	Timeout time.Duration
	// Sleep waits between read attempts; nil means a timer. Tests inject it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Debug, when set, receives a request log with the token redacted.
	Debug io.Writer
	// UserAgent is sent on every request.
	UserAgent string
}

// Client talks to Microsoft Graph v1.0.
type Client struct {
	graph *url.URL
	rest  *resty.Client
	token func(ctx context.Context, scope string) (string, error)
	sleep func(ctx context.Context, d time.Duration) error
	// debug is behind a lock (api.Locked): calls run side by side.
	debug io.Writer
}

// New validates the options; it sends nothing.
func New(o Options) (*Client, error) {
	g, err := url.Parse(strings.TrimRight(cmp.Or(o.GraphURL, DefaultGraphURL), "/"))
	if err != nil || g.Host == "" || g.Scheme != "https" {
		return nil, fmt.Errorf("the Graph URL %q is not an https URL with a host", termsafe.String(o.GraphURL))
	}
	if o.Token == nil {
		return nil, errors.New("no token source for Microsoft Graph")
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	c := &Client{graph: g, token: o.Token, sleep: Sleep}
	if o.Debug != nil {
		c.debug = api.Locked(o.Debug)
	}
	if o.Sleep != nil {
		c.sleep = o.Sleep
	}
	// Graph does not redirect its API: NewRest hands a redirect back, and it
	// is read as something else answering (KindIntercepted).
	c.rest = api.NewRest(hc, api.RestOptions{BaseURL: g.String() + "/v1.0", Timeout: o.Timeout, UserAgent: o.UserAgent}).
		SetHeader("Accept", "application/json")
	return c, nil
}

// Scope is the OAuth 2.0 scope of this Graph host's application permissions.
func (c *Client) Scope() string { return c.graph.String() + "/.default" }

// SignIn gets the token the calls will use, before calls run side by side:
// they then share one sign-in instead of waiting on each other's.
func (c *Client) SignIn(ctx context.Context) error {
	_, err := c.token(ctx, c.Scope())
	return err
}

// GraphURL is the Graph host the client talks to.
func (c *Client) GraphURL() string { return c.graph.String() }

// Sleep waits d, or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

type call struct {
	op     string
	method string
	path   string // below /v1.0, or an absolute nextLink on the Graph host
	body   any
}

// do sends one request. Reads are tried again on 429, 502, 503, 504 and reset
// connections, waiting for Retry-After or backing off; writes are sent once:
// whether a write whose answer was lost took effect is for the caller to read.
func (c *Client) do(ctx context.Context, cl call, out any) error {
	attempts := 1
	if cl.method == http.MethodGet {
		attempts = readAttempts
	}
	backoff := time.Second
	for i := 1; ; i++ {
		err := c.once(ctx, cl, out)
		var e *Error
		if err == nil || i == attempts || !errors.As(err, &e) || !retriable(e) {
			return err
		}
		wait := e.RetryAfter
		if wait == 0 {
			wait = backoff
			backoff *= 2
		}
		if wait > MaxRetryWait {
			return err
		}
		if c.debug != nil {
			fmt.Fprintf(c.debug, "    waiting %s before trying again\n", wait)
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			return &Error{Kind: api.KindCanceled, Op: cl.op, Err: serr}
		}
	}
}

func retriable(e *Error) bool {
	switch e.Status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return e.Status == 0 && (e.Kind == api.KindNetwork || e.Kind == api.KindTimeout)
}

func (c *Client) once(ctx context.Context, cl call, out any) error {
	tok, err := c.token(ctx, c.Scope())
	if err != nil {
		return err
	}
	req := c.rest.R().SetContext(ctx).SetAuthToken(tok)
	if cl.body != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(cl.body)
	}
	c.logRequest(cl)
	resp, err := req.Execute(cl.method, cl.path)
	if err != nil {
		e := &Error{Kind: transportKind(err), Op: cl.op, Method: cl.method, Path: pathOf(cl.path), Err: err}
		if e.Kind == api.KindUnknown {
			e.Kind = api.KindNetwork
		}
		c.logf("<-- error %s %s: %s\n", cl.method, pathOf(cl.path), e.what())
		return e
	}
	c.logResponse(resp)
	if s := resp.StatusCode(); s < 200 || s > 299 {
		return statusError(cl, resp)
	}
	if out == nil || len(resp.Body()) == 0 {
		return nil
	}
	if err := json.Unmarshal(resp.Body(), out); err != nil {
		return &Error{Kind: api.KindServer, Op: cl.op, Method: cl.method, Path: pathOf(cl.path), Status: resp.StatusCode(),
			Err: errors.New("the body is not the JSON Microsoft Graph sends")}
	}
	return nil
}

func statusError(cl call, resp *resty.Response) *Error {
	e := &Error{Op: cl.op, Method: cl.method, Path: pathOf(cl.path), Status: resp.StatusCode()}
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(resp.Body(), &body) == nil {
		e.Code = shorten(termsafe.String(body.Error.Code))
		e.Message = shorten(termsafe.String(firstLine(body.Error.Message)))
	}
	switch s := e.Status; {
	case s >= 300 && s < 400:
		e.Kind = api.KindIntercepted
	case s == http.StatusUnauthorized:
		e.Kind = api.KindUnauthorized
	case s == http.StatusForbidden:
		e.Kind = api.KindForbidden
	case s == http.StatusNotFound:
		e.Kind = api.KindNotFound
	case s == http.StatusTooManyRequests:
		e.Kind = api.KindRateLimited
	case s >= 500:
		e.Kind = api.KindServer
	case s >= 400:
		e.Kind = api.KindValidation
	}
	if s := e.Status; s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable {
		e.RetryAfter = parseRetryAfter(resp.Header().Get("Retry-After"))
	}
	return e
}

func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// pathOf is a request's path without host or query (a nextLink's skip token).
func pathOf(p string) string {
	if u, err := url.Parse(p); err == nil {
		return strings.TrimPrefix(u.Path, "/v1.0")
	}
	return p
}

func (c *Client) logf(format string, args ...any) {
	if c.debug == nil {
		return
	}
	fmt.Fprintf(c.debug, format, args...)
}

func (c *Client) logRequest(cl call) {
	if c.debug == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "--> %s %s/v1.0%s (Authorization: Bearer [redacted])\n", cl.method, c.graph, pathOf(cl.path))
	if cl.body != nil {
		if body, err := json.Marshal(cl.body); err == nil {
			fmt.Fprintf(&b, "    body: %s\n", api.Redact(string(body)))
		}
	}
	c.logf("%s", b.String())
}

func (c *Client) logResponse(resp *resty.Response) {
	if c.debug == nil {
		return
	}
	api.LogResponse(c.debug, resp)
}
