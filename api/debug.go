package api

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/go-resty/resty/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// The debug log is for an admin to send to someone who helps them, so everything
// that opens a door is taken out: credentials, cookies, client secrets, tokens.

var sensitiveHeaders = map[string]bool{
	"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true,
}

var secretField = regexp.MustCompile(`(?i)("(?:clientSecret|client_secret|password|token|access_token|refresh_token|secret)"\s*:\s*)"(?:[^"\\]|\\.)*"`)

// Redact removes secrets from a JSON-ish text.
func Redact(s string) string {
	return secretField.ReplaceAllString(s, `$1"[redacted]"`)
}

// LockedWriter serialises writes: the checks send requests concurrently, and
// the request log shares stderr with the flow's messages.
type LockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// Locked returns w behind a lock, or w itself when it is one already.
func Locked(w io.Writer) *LockedWriter {
	if l, ok := w.(*LockedWriter); ok {
		return l
	}
	return &LockedWriter{w: w}
}

func (l *LockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (c *Client) logRequest(cl call, _ *resty.Request) {
	var b strings.Builder
	fmt.Fprintf(&b, "--> %s %s%s%s\n", cl.method, c.base.String(), cl.path, authNote(c, cl))
	if cl.body != nil {
		if body, err := json.Marshal(cl.body); err == nil {
			fmt.Fprintf(&b, "    body: %s\n", Redact(string(body)))
		}
	}
	io.WriteString(c.debugW, b.String())
}

func authNote(c *Client, cl call) string {
	if cl.anon {
		return " (no credentials)"
	}
	switch c.auth {
	case authToken:
		return " (Authorization: Bearer [redacted])"
	case authBasic:
		return " (Authorization: Basic [redacted])"
	}
	return ""
}

func (c *Client) logResponse(resp *resty.Response) {
	var b strings.Builder
	fmt.Fprintf(&b, "<-- %d %s %s (%s)\n", resp.StatusCode(), resp.Request.Method, resp.Request.URL, resp.Time().Round(1e6))
	fmt.Fprintf(&b, "    headers: %s\n", headerLine(resp.Header()))
	body := resp.Body()
	if len(body) > 2048 {
		body = body[:2048]
	}
	if len(body) > 0 {
		fmt.Fprintf(&b, "    body: %s\n", termsafe.String(Redact(string(body))))
	}
	io.WriteString(c.debugW, b.String())
}

func (c *Client) logError(req *resty.Request, err error) {
	fmt.Fprintf(c.debugW, "<-- error %s %s: %s\n", req.Method, req.URL, termsafe.String(err.Error()))
}

func headerLine(h http.Header) string {
	parts := make([]string, 0, len(h))
	for _, k := range slices.Sorted(maps.Keys(h)) {
		v := strings.Join(h[k], ", ")
		switch http.CanonicalHeaderKey(k) {
		case "Location", "Content-Location", "Refresh":
			// A redirect's query can carry a token or a session (SSO).
			v = redactQuery(v)
		default:
			if sensitiveHeaders[http.CanonicalHeaderKey(k)] {
				v = "[redacted]"
			}
		}
		// Header values come from the server: no escape sequence reaches the terminal.
		parts = append(parts, termsafe.String(k)+": "+termsafe.String(v))
	}
	return strings.Join(parts, "; ")
}

// redactQuery keeps where a URL points and hides its query, fragment and user
// information, which is where tokens travel.
func redactQuery(v string) string {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil {
		if i := strings.IndexAny(v, "?#"); i >= 0 {
			return v[:i] + "?[redacted]"
		}
		return v
	}
	if u.RawQuery != "" || u.ForceQuery {
		u.RawQuery, u.ForceQuery = "[redacted]", false
	}
	if u.Fragment != "" {
		u.Fragment, u.RawFragment = "[redacted]", ""
	}
	if u.User != nil {
		u.User = url.User("[redacted]")
	}
	return u.String()
}
