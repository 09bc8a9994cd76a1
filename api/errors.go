package api

import (
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// Kind says what went wrong, in terms a caller can act on.
type Kind int

const (
	KindUnknown Kind = iota
	// KindUnauthorized: no usable credentials (none sent, or a wrong password).
	KindUnauthorized
	// KindAnonymous: credentials were sent but the instance ran the request as
	// anonymous: the token is wrong, expired or revoked (Data Center does not reject them).
	KindAnonymous
	// KindNotSysadmin: a logged-in user without the system administrator permission.
	KindNotSysadmin
	// KindWebSudo: the resource asked for a secure administrator session.
	KindWebSudo
	// KindBasicAuthDisabled: the instance turned Basic authentication off.
	KindBasicAuthDisabled
	// KindForbidden: any other 403 (XSRF check, Origin check).
	KindForbidden
	// KindIntercepted: a proxy or SSO answered instead of the REST API (3xx or HTML).
	KindIntercepted
	// KindNotFound: 404; for a plugin, not installed; for /rest/oauth2, no provider plugin.
	KindNotFound
	// KindValidation: 400 with field errors.
	KindValidation
	// KindRateLimited: 429, still after the retries a GET gets.
	KindRateLimited
	// KindServer: 5xx, or an answer that makes no sense (not JSON where JSON was expected).
	KindServer
	// KindTLS: the certificate could not be verified.
	KindTLS
	// KindTimeout: no answer in time.
	KindTimeout
	// KindNetwork: refused, reset, DNS failure.
	KindNetwork
	// KindNotAcceptable: 406 (wrong media type; a bug on our side if it happens).
	KindNotAcceptable
	// KindCanceled: the user stopped the wizard while the request was under way.
	KindCanceled
)

var kindNames = map[Kind]string{
	KindUnknown: "unknown", KindUnauthorized: "unauthorized", KindAnonymous: "anonymous",
	KindNotSysadmin: "not-sysadmin", KindWebSudo: "websudo", KindBasicAuthDisabled: "basic-auth-disabled",
	KindForbidden: "forbidden", KindIntercepted: "intercepted", KindNotFound: "not-found",
	KindValidation: "validation", KindRateLimited: "rate-limited", KindServer: "server",
	KindTLS: "tls", KindTimeout: "timeout", KindNetwork: "network", KindNotAcceptable: "not-acceptable", KindCanceled: "canceled",
}

func (k Kind) String() string { return kindNames[k] }

// Sentinels for errors.Is: errors.Is(err, api.ErrNotSysadmin).
var (
	ErrUnauthorized      = &Error{Kind: KindUnauthorized}
	ErrAnonymous         = &Error{Kind: KindAnonymous}
	ErrNotSysadmin       = &Error{Kind: KindNotSysadmin}
	ErrWebSudo           = &Error{Kind: KindWebSudo}
	ErrBasicAuthDisabled = &Error{Kind: KindBasicAuthDisabled}
	ErrForbidden         = &Error{Kind: KindForbidden}
	ErrIntercepted       = &Error{Kind: KindIntercepted}
	ErrNotFound          = &Error{Kind: KindNotFound}
	ErrValidation        = &Error{Kind: KindValidation}
	ErrRateLimited       = &Error{Kind: KindRateLimited}
	ErrServer            = &Error{Kind: KindServer}
	ErrTLS               = &Error{Kind: KindTLS}
	ErrTimeout           = &Error{Kind: KindTimeout}
	ErrNetwork           = &Error{Kind: KindNetwork}
)

// errPlainHTTPServer is the cause of a KindTLS error whose server answered an
// HTTPS request in plain HTTP: no certificate was ever shown, so a CA
// certificate would not help.
var errPlainHTTPServer = errors.New("the server speaks plain HTTP on this port, not HTTPS")

// Error is every failure of a call. Its text is plain words: server-supplied parts
// are stripped of terminal control sequences, and it never holds credentials.
type Error struct {
	Kind   Kind
	Op     string // what we were doing: "list the OAuth 2.0 clients"
	Method string
	Path   string // request path, no query, no host
	Status int
	// Message is the server's own message, sanitised.
	Message string
	// FieldErrors are a 400's per-field messages, sanitised.
	FieldErrors map[string][]string
	// Location is where a redirect pointed (scheme, host and path only).
	Location   string
	RetryAfter time.Duration
	Err        error
	// contextPath is the base URL's path (/jira), which a 404 message names
	// with Path: the request went to contextPath+Path.
	contextPath string
}

// Is matches sentinels by kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Op == "" && t.Path == "" && t.Kind == e.Kind
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of an api error anywhere in err's chain, or of an
// error from another service's client (an MDM) that classifies itself with a Kind.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	var k Kinded
	if errors.As(err, &k) {
		return k.APIKind()
	}
	return KindUnknown
}

// Kinded is an error of another service's client (Microsoft Graph, Jamf Pro)
// that says which Kind it is, so that it maps to the same exit codes.
type Kinded interface {
	error
	APIKind() Kind
}

// Error reads as "could not <op>: <what happened>".
func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString("could not " + e.Op + ": ")
	}
	b.WriteString(e.what())
	return b.String()
}

func (e *Error) what() string {
	switch e.Kind {
	case KindUnauthorized:
		return "the instance did not accept the credentials (HTTP 401)" + e.serverSays()
	case KindAnonymous:
		return "the instance treated the request as anonymous: the personal access token is wrong, expired or revoked"
	case KindNotSysadmin:
		return "the user is logged in but is not a system administrator" + e.serverSays()
	case KindWebSudo:
		if strings.HasPrefix(e.Path, pathPlugins) {
			return "the Universal Plugin Manager asked for a secure administrator session (websudo)"
		}
		return "the instance asked for a secure administrator session (websudo)"
	case KindBasicAuthDisabled:
		return "the instance refused Basic authentication (HTTP 403): it may be disabled on this instance" + e.serverSays()
	case KindForbidden:
		return fmt.Sprintf("the instance refused the request (HTTP %d)", e.Status) + e.serverSays()
	case KindIntercepted:
		if e.Location != "" {
			return fmt.Sprintf("the request never reached the REST API: it was redirected (HTTP %d) to %s, so a proxy or single sign-on sits in front of the instance", e.Status, e.Location)
		}
		return "the request never reached the REST API: an HTML page answered instead, so a proxy, a login page or single sign-on sits in front of the instance"
	case KindNotFound:
		return fmt.Sprintf("not found (HTTP 404 for %s)", e.contextPath+e.Path)
	case KindValidation:
		return "the instance rejected the request (HTTP 400)" + e.fields() + e.serverSays()
	case KindRateLimited:
		s := "the instance is rate limiting requests (HTTP 429)"
		if e.RetryAfter > 0 {
			s += fmt.Sprintf("; it asked to wait %s", e.RetryAfter)
		}
		return s
	case KindServer:
		if e.Status >= 500 {
			return fmt.Sprintf("the instance answered with a server error (HTTP %d)", e.Status) + e.serverSays()
		}
		return "the instance sent an answer that could not be read" + e.cause()
	case KindTLS:
		if errors.Is(e.Err, errPlainHTTPServer) {
			return errPlainHTTPServer.Error()
		}
		return "the TLS certificate could not be verified" + e.cause()
	case KindTimeout:
		return "the instance did not answer in time"
	case KindNetwork:
		return "could not reach the instance" + e.cause()
	case KindNotAcceptable:
		return "the instance refused the requested media type (HTTP 406)"
	case KindCanceled:
		return "interrupted"
	}
	if e.Status != 0 {
		return fmt.Sprintf("unexpected HTTP %d", e.Status) + e.serverSays()
	}
	return "failed" + e.cause()
}

func (e *Error) serverSays() string { return SaysSuffix(e.Message) }

func (e *Error) cause() string { return CauseSuffix(e.Err) }

// SaysSuffix is what a server said, as the end of an error sentence
// (": message"), or nothing when it said nothing: the instance's errors and
// the MDMs' share the phrasing.
func SaysSuffix(message string) string {
	if message == "" {
		return ""
	}
	return ": " + message
}

// CauseSuffix is a transport error as the end of an error sentence, in
// PlainCause's words, or nothing when there is none.
func CauseSuffix(err error) string {
	if err == nil {
		return ""
	}
	return ": " + PlainCause(err)
}

// PlainCause names a transport failure in words, without the request line Go
// prefixes ("Get \"https://…\": dial tcp …"), safe for a terminal.
func PlainCause(err error) string {
	var (
		dnsErr    *net.DNSError
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		urlErr    *url.Error
	)
	switch {
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("the host name %s could not be resolved (DNS)", termsafe.String(dnsErr.Name))
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused: nothing answers on that host and port"
	case errors.Is(err, syscall.ECONNRESET):
		return "the connection was reset"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "the host cannot be reached from this machine"
	case errors.As(err, &unknownCA):
		return "the certificate is signed by an authority this machine does not trust"
	case errors.As(err, &hostErr):
		return "the certificate is not valid for this host name"
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired {
			return "the certificate has expired or is not valid yet"
		}
		return "the certificate is not valid"
	case errors.As(err, &urlErr):
		return termsafe.String(innermost(urlErr.Err).Error())
	}
	return termsafe.String(innermost(err).Error())
}

// innermost follows single-error wrapping to the root cause, whose text is the
// shortest and carries no request line.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

func (e *Error) fields() string {
	if len(e.FieldErrors) == 0 {
		return ""
	}
	parts := make([]string, 0, len(e.FieldErrors))
	for _, k := range slices.Sorted(maps.Keys(e.FieldErrors)) {
		parts = append(parts, k+": "+strings.Join(e.FieldErrors[k], "; "))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// Remedy says what the user can do about the error on the instance's side, in
// one or two sentences; Fix says what they can change in the wizard.
func (e *Error) Remedy() string {
	switch e.Kind {
	case KindUnauthorized:
		return "Check the user name and password, or use a personal access token (Profile → Personal Access Tokens)."
	case KindAnonymous:
		return "Create a new personal access token (Profile → Personal Access Tokens) for a system administrator and use it."
	case KindNotSysadmin:
		return "Use the token of a user with the System administrator global permission: application links need it."
	case KindWebSudo:
		if strings.HasPrefix(e.Path, pathPlugins) {
			return "Read the app's version in Administration → Manage apps; Basic authentication bypasses the secure administrator session, a personal access token may not."
		}
		return "Basic authentication bypasses the secure administrator session; a personal access token does on Confluence and may not on Jira."
	case KindBasicAuthDisabled:
		return "Sign in with a personal access token instead (Profile → Personal Access Tokens)."
	case KindForbidden:
		return "Check that no proxy rewrites the request headers; the wizard sends X-Atlassian-Token: no-check and a non-browser User-Agent."
	case KindIntercepted:
		return "Make the REST API reachable without the proxy's login (or run the wizard from inside the network). For non-MDM this is fatal: use the MDM setup instead."
	case KindNotFound:
		return "Check the base URL, including any context path such as /jira."
	case KindValidation:
		return "Fix the fields named above and try again."
	case KindRateLimited:
		return "Wait a minute and run the wizard again."
	case KindServer:
		return "Look at the instance's application log (atlassian-jira.log or atlassian-confluence.log), then try again."
	case KindTLS:
		if errors.Is(e.Err, errPlainHTTPServer) {
			return "Check the port, or serve the instance over HTTPS. An http:// URL would reach it, but http:// sends the token (or password) in clear text."
		}
		return "If the instance uses a private CA or a self-signed certificate, the wizard needs that CA's certificate to trust it."
	case KindTimeout:
		return "Check that the instance is up and reachable from here."
	case KindNetwork:
		return "Check the base URL, DNS, firewalls and that the instance is running."
	}
	return ""
}

// Fix is what the user can change in the wizard to get past the error.
func (e *Error) Fix() fix.Fix {
	switch e.Kind {
	case KindAnonymous, KindNotSysadmin:
		// Not a system administrator: the fix is another user's token, given
		// in the wizard, not a change on the instance.
		return fix.Fix{Kind: fix.NewToken}
	case KindBasicAuthDisabled:
		return fix.Fix{Kind: fix.UseToken}
	case KindTLS:
		if errors.Is(e.Err, errPlainHTTPServer) {
			return fix.Fix{Kind: fix.AllowHTTP}
		}
		return fix.Fix{Kind: fix.CACert}
	case KindTimeout:
		return fix.Fix{Kind: fix.MoreTime}
	}
	return fix.Fix{}
}

// PlainHTTPError: the base URL uses http:// to a host that is not loopback and
// plain http was not allowed.
type PlainHTTPError struct{ URL string }

func (e *PlainHTTPError) Error() string {
	return fmt.Sprintf("base URL %s uses plain http, which would send the credentials in clear text; use https", e.URL)
}

// Fix: allowing plain http is the way past it for an instance without TLS.
func (e *PlainHTTPError) Fix() fix.Fix { return fix.Fix{Kind: fix.AllowHTTP} }

// redactLocation keeps a redirect target readable without its query (which can carry tokens).
func redactLocation(loc string, base *url.URL) string {
	u, err := url.Parse(loc)
	if err != nil {
		return termsafe.String(loc)
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return termsafe.String(u.String())
}

// RedactLocation keeps a redirect target readable without its query, fragment
// and user information, resolved against base (for the MDMs' clients).
func RedactLocation(loc string, base *url.URL) string { return redactLocation(loc, base) }
