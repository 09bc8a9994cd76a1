package cli

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// An http base URL gets its link (the provider does not check HTTPS there), and
// check and setup alike warn that the app's sign-in will be refused, naming the
// header a TLS-terminating proxy must send. Setup's last step then proves it:
// the consent page answers 400, so setup does not end as done.
func TestHTTPBaseURLWarnsAboutSignIn(t *testing.T) {
	env := simtest.Start(t, simulator.Config{}) // base URL derived from the request: http://127.0.0.1:…
	for _, tt := range []struct {
		args []string
		code int
		says []string
	}{
		{[]string{"check", "--url", env.URL}, ExitOK, nil},
		{[]string{"setup", "--url", env.URL, "--mode", "mdm", "--yes"}, ExitFailed, []string{"✗ Consent page", "uses http", "sign-in will not work"}},
	} {
		args := tt.args
		t.Run(args[0], func(t *testing.T) {
			r := run(t, tokenEnv(simtest.SysadminToken), args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d: %s", r.code, tt.code, r.stderr)
			}
			text := flat(r.stdout + r.stderr)
			for _, want := range append([]string{"the app's sign-in will be refused: ", "X-Forwarded-Proto: https"}, tt.says...) {
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

// Jira 10.0.x is not called unsupported by Atlassian's list: check warns,
// recommends 10.1.0, judges the plugins, and exits 0 when nothing else fails.
func TestJira100WarnsAndPasses(t *testing.T) {
	env := simtest.StartTLS(t, simulator.Config{Version: "10.0.4", Plugins: []simulator.Plugin{
		{Key: simulator.OAuth2PluginKey, Version: "3.1.14", Enabled: true},
		{Key: simulator.JiraMobilePluginKey, Version: "5.1.2", Enabled: true},
	}})
	r := run(t, map[string]string{EnvToken: simtest.SysadminToken}, "check", "--url", env.URL, "--ca-cert", caFile(t, env), "--mode", "non-mdm", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0: %s\n%s", r.code, r.stderr, r.stdout)
	}
	m := decode(t, r.stdout)
	if m["compatible"] != true {
		t.Fatalf("compatible = %v", m["compatible"])
	}
	status := map[string]string{}
	for _, c := range m["checks"].([]any) {
		c := c.(map[string]any)
		status[c["id"].(string)] = c["status"].(string)
		if c["id"] == "product" && !strings.Contains(c["remedy"].(string), "10.1.0") {
			t.Errorf("product remedy does not recommend 10.1.0: %v", c)
		}
	}
	want := map[string]string{"product": "warn", "oauth-plugin": "ok", "mobile-plugin": "ok", "https": "ok"}
	for id, st := range want {
		if status[id] != st {
			t.Errorf("%s = %q, want %q (all: %v)", id, status[id], st, status)
		}
	}
}

// caFile writes the TLS simulator's certificate for --ca-cert.
func caFile(t *testing.T, env *simtest.Env) string {
	t.Helper()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: env.Srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return ca
}

// UPM's websudo: check says where to read the versions, as a warning, and exits 0.
func TestCheckUnderUPMWebSudo(t *testing.T) {
	env := simtest.New(t, simulator.Config{UPMWebSudo: true})
	r := runOn(t, env, tokenEnv(simtest.SysadminToken), "check", "--url", env.URL, "--mode", "non-mdm")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0:\n%s%s", r.code, r.stdout, r.stderr)
	}
	out := r.stdout + r.stderr
	for _, want := range []string{"secure administrator session", "Manage apps", "could not be read"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "not a system administrator") {
		t.Errorf("websudo read as a permission problem:\n%s", out)
	}
}
