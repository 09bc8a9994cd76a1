package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// --user without MOBILE_OAUTH_PASSWORD and without a terminal: a usage error
// before any request. An empty password would be a failed login, and repeated
// failed logins get the account a CAPTCHA that locks it out of REST.
func TestUserWithoutPasswordSendsNothing(t *testing.T) {
	for _, args := range [][]string{
		{"check"},
		{"setup", "--mode", "mdm", "--yes"},
		{"setup", "--mode", "non-mdm"},
		{"verify"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			env := simtest.New(t, simulator.Config{})
			r := runOn(t, env, nil, append(args, "--url", env.URL, "--user", "admin")...)
			if r.code != ExitUsage {
				t.Fatalf("exit %d, want %d: %s", r.code, ExitUsage, r.stderr)
			}
			if !strings.Contains(r.stderr, EnvPassword) || !strings.Contains(r.stderr, "terminal") {
				t.Errorf("stderr: %s", r.stderr)
			}
			if n := len(env.Sim.Requests()); n != 0 {
				t.Fatalf("the simulator saw %d requests, want 0: %+v", n, env.Sim.Requests())
			}
		})
	}
}

// On a terminal the password is asked for, not echoed, and used.
func TestUserPasswordAskedOnATerminal(t *testing.T) {
	env := simtest.Start(t, simulator.Config{})
	var out, errb bytes.Buffer
	asked := 0
	stdio := &IO{
		In: strings.NewReader(""), Out: &out, Err: &errb,
		Getenv:       func(string) string { return "" },
		IsTerminal:   func() bool { return true },
		ReadPassword: func() (string, error) { asked++; return "admin", nil },
	}
	root := NewRootCommand(BuildInfo{Version: "test"}, stdio)
	root.SetArgs([]string{"check", "--url", env.URL, "--user", "admin"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := root.ExecuteContext(ctx); err != nil {
		t.Fatalf("check: %v\n%s", err, errb.String())
	}
	if asked != 1 || !strings.Contains(errb.String(), "Password for admin (not shown)") {
		t.Fatalf("asked %d times; stderr: %s", asked, errb.String())
	}
	for _, r := range env.Sim.Requests() {
		if r.User != "admin" && r.User != "anonymous" {
			t.Fatalf("request ran as %q", r.User)
		}
	}
}

// A URL typed without a scheme gets https://; when the server speaks plain
// HTTP the error says so, not that a certificate failed, and warns that
// http:// sends the token in clear text.
func TestSchemelessURLToPlainHTTP(t *testing.T) {
	env := simtest.Start(t, simulator.Config{})
	hostPort := strings.TrimPrefix(env.URL, "http://")
	r := run(t, tokenEnv(simtest.SysadminToken), "check", "--url", hostPort)
	if r.code != ExitNetwork {
		t.Fatalf("exit %d, want %d: %s", r.code, ExitNetwork, r.stderr)
	}
	for _, want := range []string{"speaks plain HTTP", "http:// sends the token", "clear text"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	for _, wrong := range []string{"certificate could not be verified", "--ca-cert"} {
		if strings.Contains(r.stderr, wrong) {
			t.Errorf("stderr says %q:\n%s", wrong, r.stderr)
		}
	}
}
