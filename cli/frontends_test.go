package cli

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/ui"
)

// The three ways to run the setup (the full-screen wizard, accessible mode,
// setup with flags) run one steps.Flow: the same scripted answers must reach
// the same outcome in each. A behaviour written twice would show here first.
func TestFrontEndsReachTheSameOutcome(t *testing.T) {
	type key struct{ after, press string }
	cases := []struct {
		name string
		cfg  simulator.Config
		// token is the first token each front-end is given.
		token string
		// setup are the flags after setup --url U; lines, accessible mode's
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
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			said := map[string]string{}

			env := simtest.New(t, c.cfg)
			r := runOn(t, env, tokenEnv(c.token), append([]string{"setup", "--url", env.URL}, c.setup...)...)
			said["setup"] = r.stdout + r.stderr
			if r.code != c.code {
				t.Errorf("setup: exit %d, want %d:\n%s", r.code, c.code, r.stderr)
			}
			counted := map[string]int{"setup": len(env.Sim.Clients())}

			env = simtest.New(t, c.cfg)
			args := []string{"--accessible", "--url", env.URL}
			if c.mode != "" {
				args = append(args, "--mode", string(c.mode))
			}
			r = runIO(t, env.Transport, strings.Join(c.lines, "\n")+"\n", false, tokenEnv(c.token), args...)
			said["accessible"] = r.stdout + r.stderr
			counted["accessible"] = len(env.Sim.Clients())

			env = simtest.New(t, c.cfg)
			said["full screen"] = fullScreen(t, env, ui.Options{BaseURL: env.URL, Creds: ui.Credentials{Token: c.token}, Mode: c.mode}, func(w *watch) {
				for _, k := range c.keys {
					w.waitFor(t, k.after)
					w.press(k.press)
				}
			})
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

// watch records the full-screen wizard's screens (its View) and step, so a
// test waits for what the user would see, on the program's own events.
type watch struct {
	m       *ui.Model
	tm      *teatest.TestModel
	mu      sync.Mutex
	view    string
	busy    bool
	changed chan struct{}
}

func (w *watch) Init() tea.Cmd { return w.m.Init() }
func (w *watch) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := w.m.Update(msg)
	return w, cmd
}
func (w *watch) View() tea.View {
	v := w.m.View()
	_, busy := w.m.Step()
	w.mu.Lock()
	w.view, w.busy = ansi.Strip(v.Content), busy
	close(w.changed)
	w.changed = make(chan struct{})
	w.mu.Unlock()
	return v
}

// waitFor waits until the screen shows text and the flow waits for the user.
func (w *watch) waitFor(t *testing.T, text string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		w.mu.Lock()
		view, busy, changed := w.view, w.busy, w.changed
		w.mu.Unlock()
		if !busy && strings.Contains(flatText(view), text) {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("the screen never showed %q:\n%s", text, view)
		}
	}
}

func (w *watch) press(k string) {
	switch {
	case k == "enter":
		w.tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	case k == "down":
		w.tm.Send(tea.KeyPressMsg{Code: tea.KeyDown})
	case strings.HasPrefix(k, "paste:"):
		w.tm.Send(tea.PasteMsg{Content: strings.TrimPrefix(k, "paste:")})
	default:
		w.tm.Send(tea.KeyPressMsg{Code: rune(k[0]), Text: k})
	}
}

// fullScreen runs the full-screen wizard on env, lets drive press keys, and
// returns every screen it showed plus the summary printed after it.
func fullScreen(t *testing.T, env *simtest.Env, opts ui.Options, drive func(*watch)) string {
	t.Helper()
	opts.NewClient = func(baseURL string, c ui.Credentials) (*api.Client, error) {
		return api.New(api.Options{BaseURL: baseURL, Token: c.Token, Transport: env.Transport, Retries: -1})
	}
	opts.PollEvery = time.Hour
	w := &watch{m: ui.New(opts), changed: make(chan struct{})}
	var screens []string
	rec := &recordViews{watch: w, seen: &screens}
	w.tm = teatest.NewTestModel(t, rec, teatest.WithInitialTermSize(100, 40),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ASCII), tea.WithEnvironment([]string{"TERM=xterm-256color"})))
	drive(w)
	w.tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	w.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return strings.Join(screens, "\n") + "\n" + w.m.Summary()
}

// recordViews keeps every distinct screen: a step that moves on by itself
// is said on a screen the test never waited for.
type recordViews struct {
	*watch
	mu   sync.Mutex
	seen *[]string
}

func (r *recordViews) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := r.watch.Update(msg)
	return r, cmd
}

func (r *recordViews) View() tea.View {
	v := r.watch.View()
	text := ansi.Strip(v.Content)
	r.mu.Lock()
	if n := len(*r.seen); n == 0 || (*r.seen)[n-1] != text {
		*r.seen = append(*r.seen, text)
	}
	r.mu.Unlock()
	return v
}
