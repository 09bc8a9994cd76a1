package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/screentest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// frameInfo is what a test waits on besides the screen's text.
type frameInfo struct {
	state state
	busy  bool
	w, h  int // the size the screen was drawn for
	title string
}

// recorder publishes the wizard's frames (internal/screentest).
type recorder = screentest.Recorder[frameInfo]

func newRecorder(m *Model) *recorder {
	return screentest.NewRecorder(tea.Model(m), func(tm tea.Model) frameInfo {
		m := tm.(*Model)
		return frameInfo{state: m.state, busy: m.busy(), w: m.width, h: m.height, title: m.Title()}
	})
}

// snapshot is one frame, flattened for the tests' convenience.
type snapshot struct {
	view  string
	state state
	busy  bool
	keys  int // key presses the model has handled and shown
	w, h  int
	title string // the window title (Model.Title)
}

func snapOf(f screentest.Frame[frameInfo]) snapshot {
	return snapshot{f.View, f.Info.state, f.Info.busy, f.Keys, f.Info.w, f.Info.h, f.Info.title}
}

// snap is the screen now.
func (h *harness) snap() snapshot { return snapOf(h.rec.Last()) }

// until waits for a frame for which ok holds: on the program's frames, not
// the clock (the deadline only ends a test that would hang).
func (h *harness) until(ok func(snapshot) bool) (snapshot, bool) {
	h.t.Helper()
	f, done := h.rec.Until(func(f screentest.Frame[frameInfo]) bool { return ok(snapOf(f)) })
	return snapOf(f), done
}

// final is the wizard once its program ended.
func (h *harness) final() *Model {
	h.t.Helper()
	return h.tm.FinalModel(h.t, teatest.WithFinalTimeout(5*time.Second)).(*recorder).Model().(*Model)
}

type harness struct {
	t    *testing.T
	sim  *simulator.Sim
	srv  *simServer
	rec  *recorder
	tm   *teatest.TestModel
	sent int
}

// simServer is where a test's simulated instance answers: in process, through
// its transport (testClient finds it by the URL).
type simServer struct{ URL string }

// transports are the in-process simulators by base URL.
var transports sync.Map

// newSim starts a simulated instance in process (internal/simtest).
func newSim(t *testing.T, cfg simulator.Config) (*simulator.Sim, *simServer) {
	t.Helper()
	if cfg.Product == "" {
		cfg.Product, cfg.Version = "jira", "10.3.0"
	}
	env := simtest.New(t, cfg)
	transports.Store(env.URL, env.Transport)
	t.Cleanup(func() { transports.Delete(env.URL) })
	return env.Sim, &simServer{URL: env.URL}
}

// newLoopbackSim is a simulated instance on a real loopback socket, for what
// only a socket shows (a refused connection).
func newLoopbackSim(t *testing.T, cfg simulator.Config) (*simulator.Sim, *httptest.Server) {
	t.Helper()
	if cfg.Product == "" {
		cfg.Product, cfg.Version = "jira", "10.3.0"
	}
	sim := simulator.New(cfg)
	srv := httptest.NewServer(sim)
	t.Cleanup(func() { srv.Close(); sim.Close() })
	return sim, srv
}

// testClient keeps tests fast: no retries with back-off on injected faults.
func testClient(baseURL string, c Credentials) (*api.Client, error) {
	var tr http.RoundTripper
	if v, ok := transports.Load(strings.TrimRight(baseURL, "/")); ok {
		tr = v.(http.RoundTripper)
	}
	return api.New(api.Options{BaseURL: baseURL, Token: c.Token, Username: c.Username, Password: c.Password,
		Retries: -1, Timeout: 5 * time.Second, Transport: tr})
}

// start runs the wizard against sim with the colour profile, size and
// environment pinned.
func start(t *testing.T, sim *simulator.Sim, srv *simServer, opts Options) *harness {
	t.Helper()
	return startIn(t, context.Background(), sim, srv, opts)
}

// startIn is start with the wizard on ctx (an SSH session's context).
func startIn(t *testing.T, ctx context.Context, sim *simulator.Sim, srv *simServer, opts Options) *harness {
	t.Helper()
	if opts.NewClient == nil {
		opts.NewClient = testClient
	}
	if opts.PollEvery == 0 {
		opts.PollEvery = time.Hour // tests press r unless they test the ticker
	}
	rec := newRecorder(New(opts).WithContext(ctx))
	return &harness{t: t, sim: sim, srv: srv, rec: rec, tm: screentest.Start(t, rec, 80, 24)}
}

// waitFor waits until the screen shows every one of want and no request is under way.
func (h *harness) waitFor(want ...string) snapshot {
	h.t.Helper()
	s, ok := h.until(func(s snapshot) bool { return !s.busy && s.keys == h.sent && containsAll(s.view, want) })
	if !ok {
		h.t.Fatalf("screen never showed %q; last screen (state %d, busy %v):\n%s", want, s.state, s.busy, s.view)
	}
	return s
}

// waitState waits until the wizard is on st and idle.
func (h *harness) waitState(st state) snapshot {
	h.t.Helper()
	s, ok := h.until(func(s snapshot) bool { return !s.busy && s.keys == h.sent && s.state == st })
	if !ok {
		h.t.Fatalf("wizard never reached state %d; last screen (state %d):\n%s", st, s.state, s.view)
	}
	return s
}

// containsAll: s shows every one of want, a phrase possibly wrapped across lines.
func containsAll(s string, want []string) bool {
	fs := flat(s)
	for _, w := range want {
		if !strings.Contains(s, w) && !strings.Contains(fs, flat(w)) {
			return false
		}
	}
	return true
}

// press sends keys by name: "enter", "esc", "tab", "space", "ctrl+c", or one character.
func (h *harness) press(keys ...string) {
	for _, k := range keys {
		h.sent++
		h.tm.Send(keyMsg(k))
	}
}

// pressWait presses one key and waits for the model to handle it and settle.
func (h *harness) pressWait(k string) snapshot {
	h.t.Helper()
	h.press(k)
	s, ok := h.until(func(s snapshot) bool { return s.keys == h.sent && !s.busy })
	if !ok {
		h.t.Fatalf("wizard did not settle after %q:\n%s", k, s.view)
	}
	return s
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

func (h *harness) typeText(s string) {
	for _, r := range s {
		h.press(string(r))
	}
}

// finish quits and returns the final model.
func (h *harness) finish() *Model {
	h.t.Helper()
	h.press("ctrl+c")
	return h.final()
}

// checkFits fails when a line of the screen is wider than the terminal.
func checkFits(t *testing.T, view string, width int) {
	t.Helper()
	for i, line := range strings.Split(view, "\n") {
		if w := ansi.StringWidth(line); w > width {
			t.Errorf("line %d is %d columns wide, more than %d: %q", i+1, w, width, line)
		}
	}
}

func boolPtr(b bool) *bool { return &b }

func pasteMsg(s string) tea.PasteMsg { return tea.PasteMsg{Content: s} }

// flat is text with every run of spaces and line breaks made one space: a
// phrase may cross a wrapped line.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// outputTo is --output path: the file every app's list is saved to by default.
func outputTo(t testing.TB, path string) steps.AppPaths {
	t.Helper()
	p, err := steps.ParseAppPaths([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
