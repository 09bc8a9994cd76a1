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

// Secrets are found by their shape wherever they are, not by a list of
// header names: a proxy or gateway may put a credential in any header
// (X-Upstream-Authorization: Bearer …, WWW-Authenticate: … token="…",
// Link: <…?token=…>).
var (
	// A header whose name says it carries a credential is hidden whole.
	credentialHeader = regexp.MustCompile(`(?i)authoriz|cookie|token|secret|passw|api-?key|session|signature|credential`)
	// An authentication scheme followed by its credentials (token68).
	schemeCredentials = regexp.MustCompile(`(?i)\b(Bearer|Basic|Digest|Negotiate|NTLM|Token|MAC|HOBA)(\s+)[A-Za-z0-9._~+/-]+=*(\s*(?:,|$))`)
	// A parameter whose name says it is a secret: token="…", sig=…
	secretParam = regexp.MustCompile(`(?i)\b([\w-]*(?:token|secret|passw|signature|sig|session|code|key|credential|auth)[\w-]*)(\s*=\s*)("(?:[^"\\]|\\.)*"|[^\s,;"]+)`)
	// An absolute URL anywhere in a value: its query, fragment and user
	// information are where tokens travel.
	urlInValue = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s<>"',;]+`)
)

// RedactHeaderValue hides the credentials in one header value: all of it
// for a header named like a credential, else every URL's query, fragment
// and user information, an authentication scheme's credentials and any
// parameter named like a secret. The result is safe for a terminal.
func RedactHeaderValue(name, v string) string {
	switch {
	case credentialHeader.MatchString(name):
		v = "[redacted]"
	case slices.Contains([]string{"Location", "Content-Location", "Refresh"}, http.CanonicalHeaderKey(name)):
		// A redirect's target, maybe relative, maybe after "0; url=".
		v = redactQuery(v)
	default:
		v = urlInValue.ReplaceAllStringFunc(v, redactQuery)
		v = schemeCredentials.ReplaceAllString(v, "$1$2[redacted]$3")
		v = secretParam.ReplaceAllString(v, "$1$2[redacted]")
	}
	return termsafe.String(v)
}

// HeaderLine is a response's headers on one line for a debug log, each
// value passed through RedactHeaderValue.
func HeaderLine(h http.Header) string {
	parts := make([]string, 0, len(h))
	for _, k := range slices.Sorted(maps.Keys(h)) {
		parts = append(parts, termsafe.String(k)+": "+RedactHeaderValue(k, strings.Join(h[k], ", ")))
	}
	return strings.Join(parts, "; ")
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

func (c *Client) logResponse(resp *resty.Response) { LogResponse(c.debugW, resp) }

func (c *Client) logError(req *resty.Request, err error) {
	LogError(c.debugW, req.Method, req.URL, err)
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
