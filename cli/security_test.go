package cli

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// TestSecretsNeverLeak runs whole flows with --debug and asserts that the token,
// the password and the client secret appear nowhere a user or a log could see.
func TestSecretsNeverLeak(t *testing.T) {
	const password = "P4ssw0rd-very-secret"
	users := append(simulator.DefaultUsers(), simulator.User{Name: "ops", DisplayName: "Ops", Password: password, Role: simulator.RoleSysadmin})
	tests := []struct {
		name  string
		env   map[string]string
		extra []string
		fault *simulator.Fault
	}{
		{"token", tokenEnv(simtest.SysadminToken), nil, nil},
		{"basic", map[string]string{EnvPassword: password}, []string{"--user", "ops"}, nil},
		{"token with a failing create", tokenEnv(simtest.SysadminToken), nil, &simulator.Fault{Method: "POST", Kind: simulator.FaultStatus, Status: 503, AfterHandle: true}},
		{"basic rejected", map[string]string{EnvPassword: password + "-wrong"}, []string{"--user", "ops"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := simtest.New(t, simulator.Config{Users: users})
			if tt.fault != nil {
				env.Sim.Inject(*tt.fault)
			}
			file := filepath.Join(t.TempDir(), "sites.plist")
			var outputs []string
			for _, format := range []string{"json", "plist", "intune"} {
				args := append([]string{"setup", "--url", env.URL, "--mode", "mdm", "--yes", "--debug", "--format", format}, tt.extra...)
				r := runOn(t, env, tt.env, append(args, "--json")...)
				r2 := runOn(t, env, tt.env, append(args, "--output", file)...)
				outputs = append(outputs, r.stdout, r.stderr, r2.stdout, r2.stderr)
				if !strings.Contains(r.stderr, "-->") {
					t.Fatalf("--debug logged nothing:\n%s", r.stderr)
				}
			}
			if b, err := os.ReadFile(file); err == nil {
				outputs = append(outputs, string(b))
				if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
					t.Errorf("written file mode %v", fi.Mode().Perm())
				}
			}
			secrets := []string{simtest.SysadminToken, password}
			for _, c := range env.Sim.Clients() {
				secrets = append(secrets, c.ClientSecret)
			}
			all := strings.Join(outputs, "\n")
			for _, s := range secrets {
				if strings.Contains(all, s) {
					t.Fatalf("secret %q leaked into the output", s)
				}
			}
		})
	}
}

// TestHostileServerStringsAreInert: a server that puts terminal escapes in its
// title, versions and error texts cannot reach the terminal through the wizard.
func TestHostileServerStringsAreInert(t *testing.T) {
	evil := "Evil\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;owned\x07\x1b[2J\x1b]8;;https://x.example\x1b\\Jira"
	env := simtest.New(t, simulator.Config{Title: evil, Version: "10.3.0"})
	env.Sim.SetPlugin(simulator.Plugin{Key: api.OAuth2ProviderPluginKey, Name: evil, Version: "4.1.0\x1b[31m", Enabled: true})
	env.Sim.Inject(simulator.Fault{Method: "POST", Kind: simulator.FaultStatus, Status: 400, ContentType: "application/json",
		Body: `{"errors":["bad \u001b]52;c;AAAA\u0007 thing"],"fieldErrors":{"name":["\u001b[2Jtaken"]}}`})
	for _, args := range [][]string{
		{"check"}, {"check", "--json"},
		{"setup", "--mode", "mdm", "--yes"}, {"setup", "--mode", "mdm", "--yes", "--json"},
	} {
		r := runOn(t, env, tokenEnv(simtest.SysadminToken), append(args, "--url", env.URL)...)
		out := r.stdout + r.stderr
		if strings.ContainsAny(out, "\x1b\x07") || strings.Contains(out, `\u001b`) || strings.Contains(out, `\u0007`) {
			t.Fatalf("%v: escape sequences reached the output:\n%q", args, out)
		}
		if !strings.Contains(out, "Evil") && args[0] == "check" {
			t.Errorf("%v: the title should still be shown, inert:\n%s", args, out)
		}
	}
}

func TestTLSFromTheCommandLine(t *testing.T) {
	srv := simtest.StartTLS(t, simulator.Config{}).Srv

	r := run(t, tokenEnv(simtest.SysadminToken), "check", "--url", srv.URL)
	if r.code != ExitNetwork || !strings.Contains(r.stderr, "certificate") || !strings.Contains(r.stderr, "--ca-cert") {
		t.Fatalf("self-signed without --ca-cert: exit %d\n%s", r.code, r.stderr)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	_ = os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	if r := run(t, tokenEnv(simtest.SysadminToken), "check", "--url", srv.URL, "--ca-cert", ca); r.code != 0 {
		t.Fatalf("with --ca-cert: exit %d\n%s", r.code, r.stderr)
	}
}

func TestPlainHTTPToARemoteHost(t *testing.T) {
	r := run(t, tokenEnv(simtest.SysadminToken), "check", "--url", "http://jira.invalid")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "clear text") || !strings.Contains(r.stderr, "--allow-http") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, tokenEnv(simtest.SysadminToken), "check", "--url", "http://jira.invalid", "--allow-http", "--timeout", "2s")
	if !strings.Contains(r.stderr, "Warning: --allow-http") || r.code != ExitNetwork {
		t.Fatalf("--allow-http: exit %d\n%s", r.code, r.stderr)
	}
}
