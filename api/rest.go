package api

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// The wizard talks to three services: the instance, Microsoft Graph and Jamf
// Pro. Their clients differ in what they send and how they read errors, but
// not in how they reach a server, bound an answer or log it: that is here,
// once.

// RestOptions are the settings every service's client takes.
type RestOptions struct {
	// BaseURL is where request paths are resolved.
	BaseURL string
	// Timeout bounds each request attempt; zero means DefaultTimeout.
	Timeout time.Duration
	// UserAgent is sent on every request; "" means DefaultUserAgent (a
	// browser-like one would trip the instance's Origin checks).
	UserAgent string
}

// NewRest is a resty client for one service over hc: each attempt bounded in
// time, each answer bounded in size, resty's own logging off (a client logs
// for --debug itself, with its secrets redacted: LogResponse), and a
// redirect handed back instead of followed, so that a login page or single
// sign-on in front of an API is told apart from the API's answer.
func NewRest(hc *http.Client, o RestOptions) *resty.Client {
	return resty.NewWithClient(hc).
		SetBaseURL(o.BaseURL).
		SetTimeout(cmp.Or(o.Timeout, DefaultTimeout)).
		SetHeader("User-Agent", cmp.Or(o.UserAgent, DefaultUserAgent)).
		SetResponseBodyLimit(MaxBodyBytes).
		SetLogger(quietLogger{}).
		SetRedirectPolicy(resty.RedirectPolicyFunc(func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}))
}

// NewTransport is the transport of a client that reaches its server itself:
// the proxy from the environment, TLS 1.2 or later verified against the
// system roots and those of caFile ("" none), and dial, when set, opening the
// connections (a server that runs the wizard for others refuses addresses
// there). Requests that go out together (the checks; the read-back with the
// sign-in probes) keep their connections for the next step (the default keeps
// 2), and connections after the first resume its TLS session, so the
// server's certificate is verified once, not on every connection.
func NewTransport(caFile string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) (*http.Transport, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = http.ProxyFromEnvironment
	t.MaxIdleConnsPerHost = 8
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12, ClientSessionCache: tls.NewLRUClientSessionCache(8)}
	if caFile != "" {
		pool, err := loadCAs(caFile)
		if err != nil {
			return nil, err
		}
		tlsConf.RootCAs = pool
	}
	t.TLSClientConfig = tlsConf
	if dial != nil {
		t.DialContext = dial
	}
	return t, nil
}

// maxLoggedBody bounds a body in the debug log.
const maxLoggedBody = 2048

// LogResponse writes an answer to a debug log: status, request, headers and
// body, with every credential and secret taken out (HeaderLine, Redact) and
// made safe (and short) for a terminal. The body is redacted whole before it
// is cut, so that no prefix of a secret can survive a cut.
func LogResponse(w io.Writer, resp *resty.Response) {
	var b strings.Builder
	fmt.Fprintf(&b, "<-- %d %s %s (%s)\n", resp.StatusCode(), resp.Request.Method, resp.Request.URL, resp.Time().Round(time.Millisecond))
	fmt.Fprintf(&b, "    headers: %s\n", HeaderLine(resp.Header()))
	if body := resp.Body(); len(body) > 0 {
		s := Redact(string(body))
		fmt.Fprintf(&b, "    body: %s\n", termsafe.String(s[:min(len(s), maxLoggedBody)]))
	}
	io.WriteString(w, b.String())
}

// LogError writes a request that got no answer to a debug log.
func LogError(w io.Writer, method, url string, err error) {
	fmt.Fprintf(w, "<-- error %s %s: %s\n", method, url, termsafe.String(err.Error()))
}
