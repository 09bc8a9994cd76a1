package jamf

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
)

// Kind is api.Kind, so that Jamf Pro's errors map to the same exit codes as
// the instance's (api.KindOf reads APIKind); the names say what each means here.
type Kind = api.Kind

const (
	KindUnknown = api.KindUnknown
	// KindCredentials: Jamf Pro refused the API client's ID and secret (the
	// token endpoint said 400 invalid_client, 401 or 403).
	KindCredentials = api.KindUnauthorized
	// KindPermission: the credentials were accepted, but a request was refused
	// with a freshly issued token (403, or the Classic API's 401): the API
	// client's role lacks a privilege.
	KindPermission = api.KindForbidden
	// KindNotFound: 404; no app record with that id.
	KindNotFound = api.KindNotFound
	// KindRateLimited: 429 (or 503 with Retry-After), still after the retries
	// a read gets, or a Retry-After longer than a wizard can wait.
	KindRateLimited = api.KindRateLimited
	// KindServer: 5xx, another refusal, or an answer that is not what Jamf Pro sends.
	KindServer = api.KindServer
	// KindIntercepted: a redirect or a login page answered: a proxy or single
	// sign-on sits in front of the API.
	KindIntercepted = api.KindIntercepted
	// KindTLS: the certificate could not be verified.
	KindTLS = api.KindTLS
	// KindTimeout: no answer in time.
	KindTimeout = api.KindTimeout
	// KindNetwork: refused, reset, DNS failure.
	KindNetwork = api.KindNetwork
	// KindCanceled: the caller gave up (its context ended).
	KindCanceled = api.KindCanceled
)

// Sentinels for errors.Is: errors.Is(err, jamf.ErrCredentials).
var (
	ErrCredentials = &Error{Kind: KindCredentials}
	ErrPermission  = &Error{Kind: KindPermission}
	ErrNotFound    = &Error{Kind: KindNotFound}
	ErrRateLimited = &Error{Kind: KindRateLimited}
	ErrServer      = &Error{Kind: KindServer}
	ErrIntercepted = &Error{Kind: KindIntercepted}
	ErrTLS         = &Error{Kind: KindTLS}
	ErrTimeout     = &Error{Kind: KindTimeout}
	ErrNetwork     = &Error{Kind: KindNetwork}
)

// Error is every failed request. Its text is plain words: server-supplied
// parts are stripped of terminal control sequences, and it never holds the
// client secret or a token.
type Error struct {
	Kind   Kind
	Op     string // what we were doing: "read app record 12"
	Method string
	Path   string // request path, no query, no host
	Status int
	// Message is Jamf Pro's own message, sanitised and shortened.
	Message string
	// Location is where a redirect pointed (scheme, host and path only).
	Location   string
	RetryAfter time.Duration
	Err        error
}

// Is matches sentinels by kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Op == "" && t.Path == "" && t.Kind == e.Kind
}

func (e *Error) Unwrap() error { return e.Err }

// RetryStatus is the status and the Retry-After of the answer: a write
// refused with 429 or 503 was not taken.
func (e *Error) RetryStatus() (int, time.Duration) { return e.Status, e.RetryAfter }

// APIKind lets api.KindOf classify the error.
func (e *Error) APIKind() api.Kind { return e.Kind }

// KindOf returns the kind of a jamf error anywhere in err's chain.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnknown
}

// Unsettled reports a write whose outcome is unknown: the PUT may have been
// applied although no answer said so (the connection broke, the answer timed
// out, or a 5xx came from something in front of Jamf Pro). The client never
// sends such a write again; the caller reads the record back to settle it.
func (e *Error) Unsettled() bool {
	if e.Method != "PUT" {
		return false
	}
	switch e.Kind {
	case KindNetwork, KindTimeout, KindCanceled:
		return true
	case KindServer:
		return e.Status >= 500 || e.Status == 0
	}
	return false
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
	case KindCredentials:
		return fmt.Sprintf("Jamf Pro did not accept the API client's ID and secret (HTTP %d)", e.Status) + e.serverSays()
	case KindPermission:
		return fmt.Sprintf("Jamf Pro accepted the API client but refused the request (HTTP %d): its API role lacks a privilege", e.Status)
	case KindNotFound:
		return fmt.Sprintf("not found (HTTP 404 for %s)", e.Path)
	case KindRateLimited:
		s := fmt.Sprintf("Jamf Pro is limiting requests (HTTP %d)", e.Status)
		if e.RetryAfter > 0 {
			s += fmt.Sprintf("; it asked to wait %s", e.RetryAfter)
		}
		return s
	case KindServer:
		if e.Status >= 500 {
			return fmt.Sprintf("Jamf Pro answered with a server error (HTTP %d)", e.Status) + e.serverSays()
		}
		if e.Status != 0 && e.Err == nil {
			return fmt.Sprintf("Jamf Pro refused the request (HTTP %d)", e.Status) + e.serverSays()
		}
		return "Jamf Pro sent an answer that could not be read" + e.cause()
	case KindIntercepted:
		if e.Location != "" {
			return fmt.Sprintf("the request never reached the Jamf Pro API: it was redirected (HTTP %d) to %s, so a proxy or single sign-on sits in front of it", e.Status, e.Location)
		}
		return "the request never reached the Jamf Pro API: an HTML page answered instead, so a proxy or a login page sits in front of it"
	case KindTLS:
		return "the TLS connection to Jamf Pro failed" + e.cause()
	case KindTimeout:
		return "Jamf Pro did not answer in time"
	case KindNetwork:
		return "could not reach Jamf Pro" + e.cause()
	case KindCanceled:
		return "interrupted"
	}
	if e.Status != 0 {
		return fmt.Sprintf("unexpected HTTP %d", e.Status) + e.serverSays()
	}
	return "failed" + e.cause()
}

func (e *Error) serverSays() string { return api.SaysSuffix(e.Message) }

func (e *Error) cause() string { return api.CauseSuffix(e.Err) }

// Remedy says, in a sentence, what the admin can do in Jamf Pro or on the
// network about the error.
func (e *Error) Remedy() string {
	switch e.Kind {
	case KindCredentials:
		return "Check the API client's ID and secret in Jamf Pro (Settings → API roles and clients): the client must be enabled, and a secret shown once must be copied whole."
	case KindPermission:
		return "Give the API client's role the privileges Read Mobile Device Apps and Update Mobile Device Apps (Settings → API roles and clients)."
	case KindNotFound:
		return "Check the Jamf Pro URL and the app record's id (Devices → Mobile Device Apps)."
	case KindRateLimited:
		return "Wait a minute and try again."
	case KindServer:
		return "Look at Jamf Pro's log, then try again."
	case KindIntercepted:
		return "Make the Jamf Pro API reachable without the proxy's login, or run the wizard from inside the network."
	case KindTLS:
		return "If Jamf Pro uses a private CA or a self-signed certificate, the wizard needs that CA's certificate to trust it."
	case KindTimeout:
		return "Check that Jamf Pro is up and reachable from here."
	case KindNetwork:
		return "Check the Jamf Pro URL, DNS, firewalls and proxies."
	}
	return ""
}

// Fix is what the user can change in the wizard to get past the error.
func (e *Error) Fix() fix.Fix {
	switch e.Kind {
	case KindTLS:
		return fix.Fix{Kind: fix.CACert}
	case KindTimeout:
		return fix.Fix{Kind: fix.MoreTime}
	}
	return fix.Fix{}
}

// AppNotFoundError: no app record carries the App Store id. Candidates are
// the records AppByID would take (no App Store URL: in-house or custom apps
// that name the product, and records read without one), to pick by Jamf id.
type AppNotFoundError struct {
	StoreID    string
	Candidates []AppSummary
	// Checked is how many records were read; Total how many App Store app
	// records there are. Checked < Total when the bound on reads cut the search.
	Checked, Total int
}

func (e *AppNotFoundError) Error() string {
	s := fmt.Sprintf("no app record in Jamf Pro is the App Store app id%s", e.StoreID)
	if e.Checked < e.Total {
		s += fmt.Sprintf(" (read %d of %d App Store app records, those that name the product first)", e.Checked, e.Total)
	}
	if len(e.Candidates) > 0 {
		s += "; records without an App Store URL: " + listApps(e.Candidates)
	}
	return s
}

// AppAmbiguousError: several app records carry the App Store id (one per
// site, or a copy); the caller must pick one by its Jamf id.
type AppAmbiguousError struct {
	StoreID string
	Matches []AppSummary
}

func (e *AppAmbiguousError) Error() string {
	return fmt.Sprintf("%d app records in Jamf Pro are the App Store app id%s: %s", len(e.Matches), e.StoreID, listApps(e.Matches))
}

// WrongAppError: the record picked by id is another App Store app.
type WrongAppError struct {
	App     AppSummary
	StoreID string // what the record is
	Want    string // what was asked for
}

func (e *WrongAppError) Error() string {
	s := fmt.Sprintf("app record %d (%s) is the App Store app id%s, not id%s", e.App.ID, e.App.label(), e.StoreID, e.Want)
	if e.StoreID == JiraCloudStoreID {
		s += ": that is Jira Cloud, whose configuration the wizard never changes"
	}
	return s
}

// maxListed bounds the records an error names.
const maxListed = 10

func listApps(apps []AppSummary) string {
	parts := make([]string, 0, min(len(apps), maxListed)+1)
	for i, a := range apps {
		if i == maxListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(apps)-maxListed))
			break
		}
		parts = append(parts, fmt.Sprintf("%d (%s)", a.ID, a.label()))
	}
	return strings.Join(parts, ", ")
}
