package cli

import (
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// An http base URL gets its link (the provider does not check HTTPS there), and
// check and setup alike warn that the app's sign-in will be refused, naming the
// header a TLS-terminating proxy must send.
func TestHTTPBaseURLWarnsAboutSignIn(t *testing.T) {
	env := simtest.Start(t, simulator.Config{}) // base URL derived from the request: http://127.0.0.1:…
	for _, args := range [][]string{
		{"check", "--url", env.URL},
		{"setup", "--url", env.URL, "--mode", "mdm", "--yes"},
	} {
		t.Run(args[0], func(t *testing.T) {
			r := run(t, tokenEnv(simtest.SysadminToken), args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			text := r.stdout + r.stderr
			for _, want := range []string{"the app's sign-in will be refused: ", "X-Forwarded-Proto: https"} {
				if !strings.Contains(text, want) {
					t.Errorf("%s lacks %q:\n%s", args[0], want, text)
				}
			}
			for _, wrong := range []string{"Ready for OAuth 2.0 sign-in", "creating the link may be refused", "all checks passed"} {
				if strings.Contains(text, wrong) {
					t.Errorf("%s says %q:\n%s", args[0], wrong, text)
				}
			}
		})
	}
	if n := len(env.Sim.Clients()); n != 1 {
		t.Errorf("%d links after setup on an http base URL, want 1", n)
	}
}
