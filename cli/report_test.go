package cli

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// A report with failures, warnings and long remedies reads as a table within
// the width: the detail beside the name, the remedy under the detail behind an
// arrow, and every word of both as --json gives it (only spaces became line
// breaks, so a phrase or a URL can still be copied).
func TestCheckReportFitsTheWidth(t *testing.T) {
	cfg := simulator.Config{Version: "10.3.0", Plugins: []simulator.Plugin{
		{Key: simulator.OAuth2PluginKey, Name: "OAuth 2.0 provider", Version: "4.0.0", Enabled: true},
		{Key: simulator.JiraMobilePluginKey, Name: "Jira Mobile", Version: "5.0.0", Enabled: true},
	}}
	for _, tt := range []struct {
		name, columns string
		width         int
		token         string
		args          []string
	}{
		{"check at 80", "", 80, simtest.SysadminToken, []string{"check", "--mode", "non-mdm"}},
		{"check at COLUMNS=60", "60", 60, simtest.SysadminToken, []string{"check", "--mode", "non-mdm"}},
		{"check, wide terminal", "200", 80, simtest.SysadminToken, []string{"check", "--mode", "non-mdm"}},
		{"check, not an administrator", "", 80, simtest.UserToken, []string{"check"}},
		{"verify", "", 80, simtest.SysadminToken, []string{"verify"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := simtest.New(t, cfg)
			vars := tokenEnv(tt.token)
			vars["COLUMNS"] = tt.columns
			args := append(append([]string{}, tt.args...), "--url", env.URL)
			human := runOn(t, env, vars, args...)
			if human.code == ExitOK {
				t.Fatalf("the instance is not ready, yet exit 0:\n%s", human.stdout)
			}
			js := decode(t, runOn(t, env, vars, append(args, "--json")...).stdout)
			checks, _ := js["checks"].([]any)
			if probes, ok := js["probes"].([]any); ok {
				checks = probes
			}
			if len(checks) == 0 {
				t.Fatalf("--json has no checks: %v", js)
			}

			lines := strings.Split(strings.TrimRight(human.stdout, "\n"), "\n")
			for _, l := range lines {
				if w := ansi.StringWidth(l); w > tt.width {
					t.Errorf("a line of %d columns (at most %d):\n%s", w, tt.width, l)
				}
			}
			text := flat(human.stdout)
			remedies := map[string]bool{}
			for _, c := range checks {
				c := c.(map[string]any)
				name, detail := c["name"].(string), c["detail"].(string)
				if !strings.Contains(text, flat(detail)) {
					t.Errorf("the detail of %q is not there as written: %q", name, detail)
				}
				if r, ok := c["remedy"].(string); ok && r != "" && c["status"] != "ok" {
					remedies[flat(r)] = true
				}
			}
			if len(remedies) == 0 {
				t.Fatal("no remedy in the report: the test shows nothing")
			}
			// Each remedy is one block under its check: an arrow line, then
			// lines two columns further in, holding the remedy as written.
			blocks := 0
			for i, l := range lines {
				body := strings.TrimLeft(l, " ")
				arrow := len(l) - len(body)
				if !strings.HasPrefix(body, "→ ") {
					continue
				}
				blocks++
				if arrow < 4 {
					t.Errorf("the remedy is not indented under its check: %q", l)
				}
				block := []string{strings.TrimPrefix(body, "→ ")}
				for _, next := range lines[i+1:] {
					rest := strings.TrimLeft(next, " ")
					if len(next)-len(rest) != arrow+2 {
						break
					}
					block = append(block, rest)
				}
				if got := strings.Join(block, " "); !remedies[got] {
					t.Errorf("a remedy block is not a whole remedy as written:\n%s\nremedies: %v", got, remedies)
				}
			}
			if blocks < len(remedies) {
				t.Errorf("%d remedy blocks for %d remedies:\n%s", blocks, len(remedies), human.stdout)
			}
		})
	}
}

// Names and details are columns: a detail that fits starts on its name's line.
func TestCheckReportIsATable(t *testing.T) {
	env := simtest.New(t, simulator.Config{DevMode: true})
	r := runOn(t, env, tokenEnv(simtest.SysadminToken), "check", "--url", env.URL)
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	col := -1
	for _, l := range strings.Split(r.stdout, "\n") {
		if !strings.HasPrefix(l, "✓ ") {
			continue
		}
		i := strings.Index(l, "  ")
		if i < 0 {
			t.Fatalf("a check without its detail on its line: %q", l)
		}
		start := ansi.StringWidth(l[:i]) + len(l[i:]) - len(strings.TrimLeft(l[i:], " "))
		if col >= 0 && start != col {
			t.Errorf("details start at column %d and %d:\n%s", col, start, r.stdout)
		}
		col = start
	}
	if col < 0 {
		t.Fatalf("no check lines:\n%s", r.stdout)
	}
}
