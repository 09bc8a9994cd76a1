package cli

import (
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

const jiraRedirect = "jira-server://oauth-callback"

// caArgs points the command at env, trusting its certificate when it has one.
func caArgs(t *testing.T, env *simtest.Env) []string {
	t.Helper()
	if env.Srv.TLS == nil {
		return []string{"--url", env.URL}
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: env.Srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"--url", env.URL, "--ca-cert", ca}
}

func probeStatuses(t *testing.T, m map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	probes, _ := m["probes"].([]any)
	for _, p := range probes {
		p := p.(map[string]any)
		out[p["id"].(string)] = p["status"].(string) + ": " + p["detail"].(string) + " → " + asString(p["remedy"])
	}
	return out
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

func TestVerifyCommand(t *testing.T) {
	oldProvider := []simulator.Plugin{{Key: simulator.OAuth2PluginKey, Version: "3.1.5", Enabled: true}}
	tests := []struct {
		name   string
		env    func(t *testing.T) *simtest.Env
		link   bool
		token  string
		code   int
		probe  string // id of the probe that decides
		status string // its status
		says   string // in its detail or remedy
	}{
		{"healthy", func(t *testing.T) *simtest.Env { return simtest.StartTLS(t, simulator.Config{}) }, true, simtest.SysadminToken,
			ExitOK, "consent", "ok", "login page"},
		{"custom scheme refused", func(t *testing.T) *simtest.Env { return simtest.StartTLS(t, simulator.Config{Plugins: oldProvider}) }, true, simtest.SysadminToken,
			ExitFailed, "consent", "fail", "412"},
		{"http base URL", func(t *testing.T) *simtest.Env { return simtest.Start(t, simulator.Config{}) }, true, simtest.SysadminToken,
			ExitFailed, "consent", "fail", "uses http"},
		{"proxy without X-Forwarded-Proto", func(t *testing.T) *simtest.Env {
			return simtest.StartBehindTLSProxy(t, simulator.Config{BaseURL: "https://jira.example.com"}, "")
		}, true, simtest.SysadminToken, ExitFailed, "consent", "fail", "X-Forwarded-Proto: https"},
		{"no link", func(t *testing.T) *simtest.Env { return simtest.StartTLS(t, simulator.Config{}) }, false, simtest.SysadminToken,
			ExitFailed, "link", "fail", jiraRedirect},
		{"unknown answer", func(t *testing.T) *simtest.Env {
			env := simtest.StartTLS(t, simulator.Config{})
			env.Sim.Inject(simulator.Fault{PathPrefix: api.PathConsent, Status: http.StatusTeapot, ContentType: "text/plain", Body: "short and stout"})
			return env
		}, true, simtest.SysadminToken, ExitOK, "consent", "warn", "HTTP 418"},
		{"expired token", func(t *testing.T) *simtest.Env { return simtest.StartTLS(t, simulator.Config{}) }, true, simtest.BadToken,
			ExitAuth, "link", "fail", "token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := tt.env(t)
			if tt.link {
				env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
			}
			r := run(t, tokenEnv(tt.token), append([]string{"verify", "--json"}, caArgs(t, env)...)...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\n%s\n%s", r.code, tt.code, r.stdout, r.stderr)
			}
			m := decode(t, r.stdout)
			got := probeStatuses(t, m)[tt.probe]
			if !strings.HasPrefix(got, tt.status+":") || !strings.Contains(got, tt.says) {
				t.Errorf("%s: %q, want %s saying %q", tt.probe, got, tt.status, tt.says)
			}
			if ok, _ := m["ok"].(bool); ok != (tt.code == ExitOK) {
				t.Errorf("ok = %v with exit %d", ok, r.code)
			}
			if m["product"] != "jira" || len(m["probes"].([]any)) < 5 {
				t.Errorf("object %v", m)
			}
			for _, req := range env.Sim.Requests() {
				if (req.Path == api.PathAuthorize || req.Path == api.PathConsent) && req.User != "anonymous" {
					t.Errorf("%s %s carried credentials", req.Method, req.Path)
				}
			}
		})
	}
}

func TestVerifyCommandHumanOutput(t *testing.T) {
	env := simtest.StartTLS(t, simulator.Config{})
	env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
	r := run(t, tokenEnv(simtest.SysadminToken), append([]string{"verify", "--mode", "mdm"}, caArgs(t, env)...)...)
	if r.code != ExitOK || !strings.Contains(r.stdout, "The app's sign-in can start") || !strings.Contains(r.stdout, "✓ Consent page") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, nil, append([]string{"verify"}, caArgs(t, env)...)...); r.code != ExitUsage || !strings.Contains(r.stderr, EnvToken) {
		t.Errorf("without credentials: exit %d\n%s", r.code, r.stderr)
	}
}

// runAt is run with stdin and a terminal (or not) chosen by the test.
func runAt(t *testing.T, stdin string, terminal bool, env map[string]string, args ...string) result {
	t.Helper()
	return runIO(t, nil, stdin, terminal, env, args...)
}

func TestRemoveCommand(t *testing.T) {
	sysadmin := tokenEnv(simtest.SysadminToken)

	t.Run("once, then nothing to remove", func(t *testing.T) {
		env := simtest.Start(t, simulator.Config{})
		link := env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
		r := run(t, sysadmin, "remove", "--url", env.URL, "--yes", "--json")
		m := decode(t, r.stdout)
		if r.code != ExitOK || m["changed"] != true || m["clientId"] != link.ClientID || len(env.Sim.Clients()) != 0 {
			t.Fatalf("exit %d, %v, left %v\n%s", r.code, m, env.Sim.Clients(), r.stderr)
		}
		if !strings.Contains(r.stderr, "signed out") {
			t.Errorf("no warning that app users are signed out:\n%s", r.stderr)
		}
		r = run(t, sysadmin, "remove", "--url", env.URL, "--yes", "--json")
		if m := decode(t, r.stdout); r.code != ExitOK || m["changed"] != false || !strings.Contains(r.stderr, "nothing to remove") {
			t.Errorf("twice: exit %d, %v\n%s", r.code, m, r.stderr)
		}
		if n := env.Count(http.MethodDelete, api.PathClients+"/"+link.ID); n != 1 {
			t.Errorf("%d DELETEs, want 1", n)
		}
	})

	t.Run("several links need a client ID", func(t *testing.T) {
		env := simtest.Start(t, simulator.Config{})
		a := env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
		b := env.Sim.AddClient("Old iOS link", []string{jiraRedirect}, "READ")
		r := run(t, sysadmin, "remove", "--url", env.URL, "--yes", "--json")
		m := decode(t, r.stdout)
		if r.code != ExitUsage || len(env.Sim.Clients()) != 2 || !strings.Contains(asString(m["error"]), "--client-id") {
			t.Fatalf("exit %d, %v", r.code, m)
		}
		if c, _ := m["candidates"].([]any); len(c) != 2 || !strings.Contains(r.stdout, a.ClientID) || !strings.Contains(r.stdout, b.ClientID) {
			t.Errorf("candidates not listed: %s", r.stdout)
		}
		r = run(t, sysadmin, "remove", "--url", env.URL, "--yes", "--client-id", b.ClientID)
		if left := env.Sim.Clients(); r.code != ExitOK || len(left) != 1 || left[0].ID != a.ID {
			t.Errorf("with --client-id: exit %d, left %v\n%s", r.code, left, r.stderr)
		}
	})

	t.Run("no --yes without a terminal", func(t *testing.T) {
		env := simtest.Start(t, simulator.Config{})
		env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
		r := run(t, sysadmin, "remove", "--url", env.URL)
		if r.code != ExitUsage || !strings.Contains(r.stderr, "--yes") || len(env.Sim.Clients()) != 1 || len(env.Sim.Requests()) != 0 {
			t.Errorf("exit %d, %d requests, %d links\n%s", r.code, len(env.Sim.Requests()), len(env.Sim.Clients()), r.stderr)
		}
	})

	t.Run("a terminal asks", func(t *testing.T) {
		env := simtest.Start(t, simulator.Config{})
		env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
		r := runAt(t, "", true, sysadmin, "remove", "--url", env.URL)
		if r.code != ExitFailed || len(env.Sim.Clients()) != 1 || !strings.Contains(r.stderr, "Type yes") {
			t.Fatalf("no answer: exit %d, %d links\n%s", r.code, len(env.Sim.Clients()), r.stderr)
		}
		// What deleting does is said before the question, in steps' words.
		if w := strings.Index(r.stderr, "new client ID"); w < 0 || w > strings.Index(r.stderr, "Type yes") {
			t.Errorf("the warning does not come before the question:\n%s", r.stderr)
		}
		r = runAt(t, "yes\n", true, sysadmin, "remove", "--url", env.URL)
		if r.code != ExitOK || len(env.Sim.Clients()) != 0 {
			t.Errorf("yes: exit %d, %d links\n%s", r.code, len(env.Sim.Clients()), r.stderr)
		}
	})

	t.Run("dry run", func(t *testing.T) {
		env := simtest.Start(t, simulator.Config{})
		link := env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
		r := run(t, sysadmin, "remove", "--url", env.URL, "--dry-run", "--json")
		m := decode(t, r.stdout)
		if r.code != ExitOK || len(env.Sim.Clients()) != 1 || env.Count(http.MethodDelete, api.PathClients+"/"+link.ID) != 0 {
			t.Fatalf("exit %d, %v", r.code, m)
		}
		if reqs, _ := m["requests"].([]any); len(reqs) != 1 || !strings.HasPrefix(reqs[0].(string), "DELETE "+env.URL+api.PathClients+"/"+link.ID) {
			t.Errorf("requests %v", m["requests"])
		}
	})

	t.Run("output takes the site out of the list", func(t *testing.T) {
		env := simtest.Start(t, simulator.Config{})
		sites := filepath.Join(t.TempDir(), "sites.json")
		if r := run(t, sysadmin, "setup", "--url", env.URL, "--mode", "mdm", "--yes", "--no-verify", "--output", sites); r.code != ExitOK {
			t.Fatalf("setup: exit %d\n%s", r.code, r.stderr)
		}
		list, _ := os.ReadFile(sites)
		other := strings.Replace(string(list), "[", `[{"title":"Wiki","baseURL":"https://wiki.example.com"},`, 1)
		os.WriteFile(sites, []byte(other), 0o600)

		r := run(t, sysadmin, "remove", "--url", env.URL, "--yes", "--output", sites, "--json")
		m := decode(t, r.stdout)
		after, _ := os.ReadFile(sites)
		if r.code != ExitOK || m["siteRemoved"] != true || strings.Contains(string(after), env.URL) || !strings.Contains(string(after), "wiki.example.com") {
			t.Errorf("exit %d, %v\nfile now:\n%s\n%s", r.code, m, after, r.stderr)
		}
	})
}

func TestVerifySeveralInstances(t *testing.T) {
	good := simtest.StartTLS(t, simulator.Config{Title: "Good"})
	good.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
	bare := simtest.StartTLS(t, simulator.Config{Product: "confluence", Title: "Bare"})
	// httptest serves every TLS server with the same certificate: one CA file trusts both.
	args := append([]string{"verify", "--json", "--mode", "mdm"}, caArgs(t, good)...)
	args = append(args, "--url", bare.URL)
	r := run(t, tokenEnv(simtest.SysadminToken), args...)
	if r.code != ExitFailed {
		t.Fatalf("exit %d, want %d\n%s\n%s", r.code, ExitFailed, r.stdout, r.stderr)
	}
	m := decode(t, r.stdout)
	inst, _ := m["instances"].([]any)
	if len(inst) != 2 {
		t.Fatalf("instances %v", m)
	}
	first, second := inst[0].(map[string]any), inst[1].(map[string]any)
	if first["url"] != good.URL || first["exitCode"] != float64(ExitOK) || first["ok"] != true {
		t.Errorf("first: %v", first)
	}
	if second["exitCode"] != float64(ExitFailed) || second["product"] != "confluence" || !strings.HasPrefix(probeStatuses(t, second)["link"], "fail") {
		t.Errorf("second: %v", second)
	}
	if !strings.Contains(r.stderr, "✗ Link with the app's redirect") || !strings.Contains(r.stderr, "The app's sign-in can start") {
		t.Errorf("human text does not name the failed probe:\n%s", r.stderr)
	}
	if r := run(t, tokenEnv(simtest.SysadminToken), "verify", "--url", good.URL, "--url", bare.URL, "--client-id", "x"); r.code != ExitUsage {
		t.Errorf("--client-id with several instances: exit %d", r.code)
	}
}
