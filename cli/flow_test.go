package cli

import (
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// reportLines are the verdict lines of a printed check report.
func reportLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "✓ ") || strings.HasPrefix(l, "! ") || strings.HasPrefix(l, "✗ ") ||
			strings.HasPrefix(l, "- ") || strings.HasPrefix(l, "All checks") || strings.HasPrefix(l, "Checks passed") || strings.Contains(l, " failed: ") {
			out = append(out, l)
		}
	}
	return out
}

// setup and check run the same flow, so for the same instance and mode they
// print the same verdicts, warnings included (setup used to say "all checks
// passed" where check listed a base-URL warning).
func TestSetupAndCheckPrintTheSameVerdicts(t *testing.T) {
	env := simtest.New(t, simulator.Config{BaseURL: "https://jira.example.com"})
	check := runOn(t, env, tokenEnv(simtest.SysadminToken), "check", "--url", env.URL, "--mode", "mdm")
	setup := runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "mdm", "--yes", "--no-verify")
	if check.code != 0 || setup.code != 0 {
		t.Fatalf("check exit %d, setup exit %d\n%s\n%s", check.code, setup.code, check.stderr, setup.stderr)
	}
	c, s := reportLines(check.stdout), reportLines(setup.stderr)
	if strings.Join(c, "\n") != strings.Join(s, "\n") {
		t.Fatalf("check says:\n%s\nsetup says:\n%s", strings.Join(c, "\n"), strings.Join(s, "\n"))
	}
	joined := strings.Join(c, "\n")
	if !strings.Contains(joined, "! Base URL") || !strings.Contains(joined, "Checks passed, 1 warning: Base URL") {
		t.Errorf("the base-URL warning is not in the verdict:\n%s", joined)
	}
}
