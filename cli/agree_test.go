package cli

import (
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// TestWordsExitCodeAndJSONAgree: what the report says, the exit code and
// --json's ok and exitCode tell the same story. Behind a proxy that
// redirects anonymous requests, check without --mode passes with warnings
// (the proxy only blocks non-MDM) and exits 0; with --mode non-mdm it fails
// and exits 5.
func TestWordsExitCodeAndJSONAgree(t *testing.T) {
	env := simtest.New(t, simulator.Config{Proxy: simulator.ProxyLoginRedirect})
	for _, tt := range []struct {
		args  []string
		words string
		code  int
	}{
		{[]string{"check"}, "Checks passed", ExitOK},
		{[]string{"check", "--mode", "mdm"}, "Checks passed", ExitOK},
		{[]string{"check", "--mode", "non-mdm"}, "1 check failed: Mobile login info", ExitNetwork},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			args := append(tt.args, "--url", env.URL)
			r := runOn(t, env, tokenEnv(simtest.SysadminToken), args...)
			if r.code != tt.code || !strings.Contains(flat(r.stdout), tt.words) {
				t.Errorf("exit %d, want %d with %q:\n%s", r.code, tt.code, tt.words, r.stdout)
			}
			j := decode(t, runOn(t, env, tokenEnv(simtest.SysadminToken), append(args, "--json")...).stdout)
			if j["exitCode"] != float64(tt.code) || j["ok"] != (tt.code == ExitOK) || j["compatible"] != (tt.code == ExitOK) {
				t.Errorf("--json says ok %v, exitCode %v, compatible %v; the exit code is %d", j["ok"], j["exitCode"], j["compatible"], tt.code)
			}
		})
	}
}

// TestEveryJSONCarriesOKAndExitCode: every command's --json object, done or
// not, carries ok and exitCode, equal to the process's exit status.
func TestEveryJSONCarriesOKAndExitCode(t *testing.T) {
	// On loopback: the runs over several instances reach both.
	env := simtest.Start(t, simulator.Config{DevMode: true})
	other := simtest.Start(t, simulator.Config{DevMode: true, Product: "confluence"})
	for _, tt := range []struct {
		token string
		args  []string
	}{
		{simtest.SysadminToken, []string{"check", "--url", env.URL}},
		{simtest.BadToken, []string{"check", "--url", env.URL}},
		{simtest.SysadminToken, []string{"setup", "--url", env.URL, "--mode", "mdm", "--yes"}},
		{simtest.SysadminToken, []string{"setup", "--url", env.URL, "--mode", "mdm"}},
		{simtest.SysadminToken, []string{"verify", "--url", env.URL}},
		{simtest.SysadminToken, []string{"verify", "--url", other.URL}},
		{simtest.SysadminToken, []string{"remove", "--url", env.URL, "--dry-run"}},
		{simtest.UserToken, []string{"remove", "--url", env.URL, "--yes"}},
		{simtest.SysadminToken, []string{"check", "--url", env.URL, "--url", other.URL}},
		{simtest.SysadminToken, []string{"verify", "--url", env.URL, "--url", other.URL}},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, tokenEnv(tt.token), append(tt.args, "--json")...)
			j := decode(t, r.stdout)
			if j["exitCode"] != float64(r.code) || j["ok"] != (r.code == ExitOK) {
				t.Errorf("exit %d, but --json has ok %v, exitCode %v:\n%s", r.code, j["ok"], j["exitCode"], r.stdout)
			}
			for _, inst := range asList(j["instances"]) {
				m := inst.(map[string]any)
				if _, ok := m["ok"]; !ok || m["exitCode"] == nil {
					t.Errorf("an instance lacks ok or exitCode: %v", m)
				}
			}
		})
	}
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
