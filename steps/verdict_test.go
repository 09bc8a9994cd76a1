package steps

import (
	"strings"
	"testing"
)

// The verdict counts in words a person reads: one check, two checks; and it
// says "All checks passed" only when nothing asks to be looked at.
func TestReportVerdict(t *testing.T) {
	ok := Check{Name: "Jira version", Status: StatusOK}
	skip := Check{Name: "iOS app version", Status: StatusSkip}
	warn := func(n string) Check { return Check{Name: n, Status: StatusWarn} }
	fail := func(n string) Check { return Check{Name: n, Status: StatusFail} }
	for _, tt := range []struct {
		checks []Check
		want   string
	}{
		{[]Check{ok, skip}, "All checks passed."},
		{[]Check{ok, warn("HTTPS")}, "Checks passed, 1 warning: HTTPS."},
		{[]Check{warn("Base URL"), ok, warn("HTTPS")}, "Checks passed, 2 warnings: Base URL, HTTPS."},
		{[]Check{fail("Credentials"), warn("HTTPS")}, "1 check failed: Credentials."},
		{[]Check{fail("Credentials"), ok, fail("System administrator")}, "2 checks failed: Credentials, System administrator."},
	} {
		if got := (&Report{Checks: tt.checks}).Verdict(); got != tt.want {
			t.Errorf("Verdict() = %q, want %q", got, tt.want)
		}
	}
}

// The HTTPS check names the proxy headers as the provider reads them: a
// Forwarded header with proto first is ignored, so it is never recommended.
func TestHTTPSCheckNamesHeadersTheProviderReads(t *testing.T) {
	for _, base := range []string{"http://jira.example.com", "https://jira.example.com"} {
		c := httpsCheck(base)
		text := c.Detail + " " + c.Remedy
		if !strings.Contains(text, "X-Forwarded-Proto: https") || !strings.Contains(text, "Forwarded: for=<client address>;proto=https") ||
			strings.Contains(text, "(or Forwarded: proto=https)") {
			t.Errorf("%s: %q", base, text)
		}
	}
}
