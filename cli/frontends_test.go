package cli

import (
	"cmp"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// The three ways to run the setup (the full-screen wizard, accessible mode,
// setup with flags) run one steps.Flow: the same scripted answers must reach
// the same outcome in each. A behaviour written twice would show here first.
func TestFrontEndsReachTheSameOutcome(t *testing.T) {
	type key struct{ after, press string }
	cases := []struct {
		name string
		cfg  simulator.Config
		// links are the app's links on the instance before each front-end runs.
		links0 []string
		// command is the command line's way to the same outcome: setup
		// (""), or remove for a deletion, which the wizards reach from
		// their result.
		command string
		// token is the first token each front-end is given.
		token string
		// setup are the flags after setup (or command) --url U; lines, accessible mode's
		// input (after --accessible --url U and mode); keys, the full screen's
		// presses, each once the screen shows after.
		mode  steps.Mode
		setup []string
		lines []string
		keys  []key
		// want is said by every front-end, asked by the interactive ones
		// (they can ask again where setup stops); not by none; links, the
		// incoming links on the instance afterwards (interactive: asked);
		// code, setup's exit code.
		want, asked, not []string
		links, asked1    int
		code             int
	}{{
		name:  "behind a proxy non-MDM is unavailable with the reason",
		cfg:   simulator.Config{Proxy: simulator.ProxyLoginRedirect, DevMode: true},
		token: simtest.SysadminToken,
		setup: []string{"--mode", "non-mdm"},
		lines: []string{"", "2"}, // this instance; No MDM: refused, asked again, input ends
		keys:  []key{{"How will the iOS app", "down"}, {"Unavailable", "enter"}},
		want:  []string{"Mobile login info without a login"},
		asked: []string{"Unavailable on this instance", "“Mobile login info without a login”"},
		code:  ExitNetwork,
	}, {
		name:   "a wrong token is refused and another asked for",
		cfg:    simulator.Config{DevMode: true},
		token:  simtest.BadToken,
		setup:  []string{"--mode", "mdm", "--yes"},
		lines:  []string{"", "1", simtest.SysadminToken, "", "", "", "", "", "-"},
		keys:   []key{{"Token:", "paste:" + simtest.SysadminToken}, {"Token:", "enter"}, {"How will the iOS app", "enter"}, {"Create an incoming link", "enter"}, {"Result", "q"}},
		want:   []string{"token is wrong, expired or revoked"},
		asked:  []string{"The instance ran the request as anonymous", "Created the incoming link"},
		code:   ExitAuth,
		asked1: 1,
	}, {
		name:  "--mode non-mdm ends with the plugin's client and no MDM to paste into",
		cfg:   simulator.Config{DevMode: true, MobileOAuth: true},
		token: simtest.SysadminToken,
		mode:  steps.ModeNonMDM,
		setup: []string{"--mode", "non-mdm"},
		lines: []string{"", "-"},
		keys:  []key{{"Result", "q"}},
		want:  []string{"hands the app the client ID", `"baseURL"`},
		not:   []string{"Paste", "paste", `"oauth"`},
		links: 1, // the plugin's own
	}, {
		name:  "a failed verification is said before any paste",
		cfg:   simulator.Config{}, // plain http, no dev mode: the provider refuses the sign-in
		token: simtest.SysadminToken,
		mode:  steps.ModeMDM,
		setup: []string{"--mode", "mdm", "--yes"},
		lines: []string{"", "", "", "", "-"},
		keys:  []key{{"Create an incoming link", "enter"}, {"Result", "q"}},
		want:  []string{"sign-in will not work", `"clientID"`},
		// No plain "Paste this": a paste is only said as what follows the fix.
		not:   []string{"Paste"},
		links: 1,
		code:  ExitFailed, // the link is in place, the list written, the run failed
	}, {
		name:    "a deletion is confirmed and said",
		cfg:     simulator.Config{DevMode: true},
		links0:  []string{"Jira iOS app"},
		command: "remove",
		token:   simtest.SysadminToken,
		mode:    steps.ModeMDM,
		setup:   []string{"--yes"},
		// this instance, title, caching, save, What now: delete, the typed confirmation
		lines: []string{"", "", "", "-", "2", "yes"},
		keys:  []key{{"Reuse the existing link", "enter"}, {"d deletes", "d"}, {"Press y to delete it", "y"}, {"Deleted the incoming link", "q"}},
		want:  []string{`Deleted the incoming link "Jira iOS app"`},
		links: 0,
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			said := map[string]string{}

			instance := func() *simtest.Env {
				env := simtest.New(t, c.cfg)
				for _, name := range c.links0 {
					env.Sim.AddClient(name, []string{"jira-server://oauth-callback"}, "WRITE")
				}
				return env
			}
			env := instance()
			r := runOn(t, env, tokenEnv(c.token), append([]string{cmp.Or(c.command, "setup"), "--url", env.URL}, c.setup...)...)
			said["setup"] = r.stdout + r.stderr
			if r.code != c.code {
				t.Errorf("setup: exit %d, want %d:\n%s", r.code, c.code, r.stderr)
			}
			counted := map[string]int{"setup": len(env.Sim.Clients())}

			env = instance()
			args := []string{"--accessible", "--url", env.URL}
			if c.mode != "" {
				args = append(args, "--mode", string(c.mode))
			}
			r = runIO(t, env.Transport, strings.Join(c.lines, "\n")+"\n", false, tokenEnv(c.token), args...)
			said["accessible"] = r.stdout + r.stderr
			counted["accessible"] = len(env.Sim.Clients())

			env = instance()
			args = []string{"--url", env.URL}
			if c.mode != "" {
				args = append(args, "--mode", string(c.mode))
			}
			r, screens := wizardScreen(t, env.Transport, tokenEnv(c.token), 100, 40, func(s *screen) {
				for _, k := range c.keys {
					s.waitFor(k.after)
					s.press(k.press)
				}
			}, args...)
			said["full screen"] = strings.Join(screens, "\n") + "\n" + r.stdout
			counted["full screen"] = len(env.Sim.Clients())

			for fe, out := range said {
				out = flatText(out)
				want, links := c.want, c.links
				if fe != "setup" {
					want = append(slices.Clone(want), c.asked...)
					links = max(links, c.asked1)
				}
				for _, w := range want {
					if !strings.Contains(out, w) {
						t.Errorf("%s does not say %q:\n%s", fe, w, out)
					}
				}
				for _, n := range c.not {
					if strings.Contains(out, n) {
						t.Errorf("%s says %q:\n%s", fe, n, out)
					}
				}
				if strings.Contains(out, "sign-in will not work") {
					if p := strings.Index(strings.ToLower(out), "paste"); p >= 0 && p < strings.Index(out, "sign-in will not work") {
						t.Errorf("%s says paste before the failed sign-in:\n%s", fe, out)
					}
				}
				if n := counted[fe]; n != links {
					t.Errorf("%s left %d links, want %d", fe, n, links)
				}
			}
		})
	}
}

// flatText is text without escape sequences, every run of spaces one space.
func flatText(s string) string { return strings.Join(strings.Fields(ansi.Strip(s)), " ") }
