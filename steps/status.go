// Package steps is the wizard's domain: the compatibility matrix, the checks,
// the base URL rules and the MDM site configuration. It has no terminal in it:
// the TUI and the non-interactive commands both drive it.
package steps

import (
	"fmt"
	"strings"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
)

// Status is the verdict of one check.
type Status int

const (
	StatusOK Status = iota
	StatusWarn
	StatusFail
	StatusSkip
)

var statusNames = [...]string{StatusOK: "ok", StatusWarn: "warn", StatusFail: "fail", StatusSkip: "skip"}

// String is the machine name used in --json output and logs.
func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// MarshalText lets --json output carry "ok"/"warn"/... instead of numbers.
func (s Status) MarshalText() ([]byte, error) {
	if s < 0 || int(s) >= len(statusNames) {
		return nil, fmt.Errorf("unknown check status %d", int(s))
	}
	return []byte(statusNames[s]), nil
}

// UnmarshalText is the inverse of MarshalText.
func (s *Status) UnmarshalText(b []byte) error {
	name := strings.ToLower(strings.TrimSpace(string(b)))
	for i, n := range statusNames {
		if n == name {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("unknown check status %q: use ok, warn, fail or skip", b)
}

// Stable check IDs: scripts and the UI key on these, so they never change.
const (
	CheckIDProduct      = "product"
	CheckIDOAuthPlugin  = "oauth-plugin"
	CheckIDMobilePlugin = "mobile-plugin"
	CheckIDCredentials  = "credentials"
	CheckIDBaseURL      = "base-url"
	CheckIDHTTPS        = "https"
	CheckIDMobileLogin  = "mobile-login"
	CheckIDIOSApp       = "ios-app"
	CheckIDSysadmin     = "sysadmin"
	// CheckIDClients appears only when the client list could not be read for
	// a reason other than the caller's permissions.
	CheckIDClients = "clients"
)

// Check is one line of the compatibility report.
type Check struct {
	ID     string // stable machine name, one of the CheckID constants
	Name   string // what a person reads: "Jira version", "OAuth 2.0 provider plugin", ...
	Status Status
	Detail string // one line: what was found and why that is ok or not
	Remedy string // what to do about it on the instance; "" when nothing needs doing
	// Fix is what would help on the wizard's side; each front-end phrases it.
	Fix fix.Fix
	// BlocksNonMDM: the check failed, but only the non-MDM setup needs it
	// (the report was made before the mode was chosen, so it only warns).
	BlocksNonMDM bool
}

// OK reports whether the check does not block the setup (warnings and skips do not).
func (c Check) OK() bool { return c.Status != StatusFail }

// Failed lists the checks that failed, in their order.
func Failed(checks []Check) []Check {
	var out []Check
	for _, c := range checks {
		if c.Status == StatusFail {
			out = append(out, c)
		}
	}
	return out
}

// Compatible reports whether none of the checks failed.
func Compatible(checks []Check) bool {
	for _, c := range checks {
		if !c.OK() {
			return false
		}
	}
	return true
}
