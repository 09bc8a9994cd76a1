package intune

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
)

// Error is every failure of a sign-in or Graph call. It reuses api.Kind so that
// the front-ends map it to the same exit codes as an instance's errors. Its text
// never holds a token or a secret; server parts are made safe for a terminal.
type Error struct {
	Kind   api.Kind
	Op     string // "list the apps in Intune": read as "could not <op>"
	Method string
	Path   string // below the Graph version, no query
	Status int
	// Code and Message are Graph's (or Entra ID's) own, sanitised.
	Code       string
	Message    string
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Unwrap() error { return e.Err }

// RetryStatus is the HTTP status and the wait the service asked for: a write
// refused with 429 or 503 was not taken and may be sent again after it.
func (e *Error) RetryStatus() (int, time.Duration) { return e.Status, e.RetryAfter }

// APIKind lets api.KindOf classify the error.
func (e *Error) APIKind() api.Kind { return e.Kind }

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString("could not " + e.Op + ": ")
	}
	b.WriteString(e.what())
	return b.String()
}

func (e *Error) what() string {
	var s string
	switch e.Kind {
	case api.KindUnauthorized:
		s = "Microsoft refused the credentials"
		if e.Status != 0 {
			s += fmt.Sprintf(" (HTTP %d)", e.Status)
		}
	case api.KindForbidden:
		s = fmt.Sprintf("Microsoft Graph refused the request (HTTP %d): the application or the user lacks the permission", e.Status)
	case api.KindNotFound:
		s = "not found (HTTP 404)"
	case api.KindValidation:
		s = fmt.Sprintf("Microsoft Graph rejected the request (HTTP %d)", e.Status)
	case api.KindRateLimited:
		s = "Microsoft Graph is throttling requests (HTTP 429)"
		if e.RetryAfter > 0 {
			s += fmt.Sprintf("; it asked to wait %s", e.RetryAfter)
		}
	case api.KindServer:
		if e.Status >= 500 {
			s = fmt.Sprintf("Microsoft Graph answered with a server error (HTTP %d)", e.Status)
		} else {
			s = "the answer could not be read"
		}
	case api.KindIntercepted:
		s = fmt.Sprintf("the request never reached Microsoft Graph: it was redirected (HTTP %d), so a proxy or single sign-on sits in front of it", e.Status)
	case api.KindTLS:
		s = "the TLS certificate could not be verified"
	case api.KindTimeout:
		s = "no answer in time"
	case api.KindNetwork:
		s = "could not reach Microsoft"
	case api.KindCanceled:
		return "interrupted"
	default:
		if e.Status != 0 {
			s = fmt.Sprintf("unexpected HTTP %d", e.Status)
		} else {
			s = "failed"
		}
	}
	switch {
	case e.Code != "" && e.Message != "":
		s += ": " + e.Code + ": " + e.Message
	case e.Message != "":
		s += ": " + e.Message
	case e.Code != "":
		s += ": " + e.Code
	}
	if e.Err != nil && e.Kind != api.KindCanceled && e.Message == "" {
		s += ": " + api.PlainCause(e.Err)
	}
	return s
}

// Remedy says what to do on Microsoft's side.
func (e *Error) Remedy() string {
	switch e.Kind {
	case api.KindUnauthorized:
		return "Check the tenant ID, the application (client) ID and its secret or certificate in Microsoft Entra ID (App registrations); for a device-code sign-in, the app registration must allow public client flows."
	case api.KindForbidden:
		return "Grant the app registration the Microsoft Graph permission DeviceManagementApps.ReadWrite.All (application, or delegated for a device-code sign-in) with admin consent; a person signing in also needs an Intune role that manages apps."
	case api.KindRateLimited:
		return "Wait a few minutes and run the push again."
	case api.KindServer:
		return "Try again later; Microsoft Graph's service health is in the Microsoft 365 admin center."
	case api.KindTLS:
		return "A proxy that inspects TLS, or a private CA in front of Microsoft, needs its CA certificate trusted."
	case api.KindNetwork, api.KindTimeout, api.KindIntercepted:
		return "Check that this machine reaches Microsoft (login and graph hosts), directly or through HTTPS_PROXY."
	}
	return ""
}

// Fix: more time helps a slow answer; nothing else is the wizard's to change.
func (e *Error) Fix() fix.Fix {
	switch e.Kind {
	case api.KindTLS:
		return fix.Fix{Kind: fix.CACert}
	case api.KindTimeout:
		return fix.Fix{Kind: fix.MoreTime}
	}
	return fix.Fix{}
}

// transportKind classifies a failure to get any answer as the instance's and
// Jamf Pro's clients do (api.TransportKind); KindUnknown when err is not a
// transport failure (azidentity's own refusals come as plain errors).
func transportKind(err error) api.Kind {
	var (
		netErr net.Error
		urlErr *url.Error
	)
	k, _ := api.TransportKind(err)
	if k == api.KindNetwork && !errors.As(err, &netErr) && !errors.As(err, &urlErr) {
		return api.KindUnknown
	}
	return k
}

func shorten(s string) string {
	const n = 300
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
