// Package ui is the interactive face of the wizard: a Bubble Tea v2 state machine
// that walks an admin through the setup. It holds no domain logic: every decision
// and every request is a call into steps (made inside a tea.Cmd), and the screens
// render what comes back.
package ui

import (
	"context"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// Credentials are what the wizard signs in with: a personal access token, or a
// user name and password. They are never shown and never logged.
type Credentials struct{ Token, Username, Password string }

// complete reports whether the credentials can be used without asking.
func (c Credentials) complete() bool {
	return c.Token != "" || (c.Username != "" && c.Password != "")
}

// Options configure the wizard; fields given on the command line pre-answer
// their screens.
type Options struct {
	BaseURL      string
	Product      api.Product
	Creds        Credentials
	Mode         steps.Mode
	Title        string
	LinkName     string
	CacheSession *bool
	Format       steps.Format
	// Output is where each app's site list is saved by default (--output).
	Output steps.AppPaths
	// NewClient builds the API client; nil builds a plain api.Client.
	NewClient    func(baseURL string, creds Credentials) (*api.Client, error)
	Demo         bool
	DemoDefaults struct{ BaseURL, Token string }
	NoColor      bool
	PollEvery    time.Duration
	// Fixes phrases what the user can change in the wizard; nil is LocalFixes.
	Fixes fix.Phraser
	// NoSave, when set, removes saving to a file and is shown in its place:
	// over SSH a file would land on the server, not with the admin.
	NoSave string
	// PinURL keeps BaseURL: the wizard does not offer to change it.
	PinURL bool
	// NoVerify skips the last step, which probes the app's sign-in.
	NoVerify bool
}

// askApp asks a site's anonymous manifest which app it is for: a save
// refuses a file that holds the other app's sites.
func (o Options) askApp(ctx context.Context, baseURL string) (steps.App, error) {
	c, err := o.newClient(baseURL, Credentials{})
	if err != nil {
		return "", err
	}
	return steps.ManifestApp(ctx, c)
}

func (o Options) newClient(baseURL string, creds Credentials) (*api.Client, error) {
	if o.NewClient != nil {
		return o.NewClient(baseURL, creds)
	}
	return api.New(api.Options{BaseURL: baseURL, Token: creds.Token, Username: creds.Username, Password: creds.Password})
}

func (o Options) pollEvery() time.Duration {
	if o.PollEvery > 0 {
		return o.PollEvery
	}
	return 3 * time.Second
}

type state int

const (
	stWelcome state = iota
	stConnect
	stChecks
	stMode
	stLink
	stReach
	stWait
	stResult
)

// screen is one state's view and behaviour. Screens render strings; only the
// root returns a tea.View.
type screen interface {
	// enter starts the screen's work (requests) each time it becomes current.
	enter() tea.Cmd
	update(msg tea.Msg) tea.Cmd
	View() string
	SetSize(w, h int)
	// back handles esc inside the screen (a previous field); false lets the root go back.
	back() bool
	bindings() []key.Binding
	heading() string
}

// preanswered is implemented by screens the command line can answer; apply
// takes the answer as if the user had given it.
type preanswered interface {
	preanswered() bool
	apply() error
}

// Model is the root of the wizard.
type Model struct {
	// lastView is the last rendered frame, reused while only messages that
	// cannot change it arrive (see keepsView).
	lastView *tea.View

	opts   Options
	ctx    context.Context
	cancel context.CancelFunc

	state   state
	history []state
	shown   map[state]bool
	// backward: the current screen was reached with esc, so a screen that
	// moves on by itself (the checks) waits for enter instead.
	backward bool
	// gen changes on every move between screens; replies to an older screen's
	// requests are dropped.
	gen int

	width, height int
	dark, noColor bool
	// plainLocale: the environment names a locale that is not UTF-8.
	plainLocale bool
	st          styles
	keys        keyMap
	help        help.Model

	// flow is the setup: its order (Next) and what each step learned. The
	// screens show its steps; their requests run on a copy taken in Update
	// (snapshot), and their answers are stored back in Update.
	flow  *steps.Flow
	creds Credentials
	done  bool

	// lists are the site lists of every instance set up in this session, one
	// per app, in order ("Set up another instance" adds to its app's list);
	// outcomes says what was done on each.
	lists    steps.SiteLists
	outcomes []outcome

	screens map[state]screen
}

// New builds the wizard.
func New(opts Options) *Model {
	if opts.BaseURL != "" {
		if u, err := steps.NormalizeBaseURL(opts.BaseURL); err == nil {
			opts.BaseURL = u
		}
	}
	if opts.Format == "" {
		opts.Format = steps.FormatJSON
	}
	m := &Model{
		opts: opts, dark: true, noColor: opts.NoColor,
		shown: map[state]bool{}, keys: newKeyMap(), help: help.New(),
		width: 80, height: 24,
		flow: &steps.Flow{Settings: opts.settings(), BaseURL: opts.BaseURL}, creds: opts.Creds,
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	// The help line's separator is a middle dot, like the heading's: the
	// first character from U+0300 up on screen makes the width library fill
	// a 2.2 MB table, which the first screen (Welcome) has no need of.
	m.help.ShortSeparator = " · "
	m.restyle()
	m.screens = m.newScreens()
	return m
}

// newScreens builds every screen afresh, for the flow the model has now.
func (m *Model) newScreens() map[state]screen {
	return map[state]screen{
		stWelcome: newWelcome(m),
		stConnect: newConnect(m),
		stChecks:  newChecks(m, false),
		stMode:    newModeScreen(m),
		stLink:    newLink(m),
		stReach:   newChecks(m, true),
		stWait:    newWait(m),
		stResult:  newResult(m),
	}
}

// canAddInstance says whether the result screen offers another instance: not
// when the URL is pinned (an SSH session for one instance).
func (m *Model) canAddInstance() bool { return !m.opts.PinURL }

// another starts the setup of another instance: the URL and its token are
// asked again (the flags answered the first instance only, the title too); the
// other answers the flags gave still hold. The sites set up so far stay in
// the list the result screen shows.
func (m *Model) another() tea.Cmd {
	settings := m.opts.settings()
	settings.Title = ""
	m.flow = &steps.Flow{Settings: settings}
	m.creds = Credentials{}
	m.history, m.shown, m.done = nil, map[state]bool{}, false
	m.screens = m.newScreens()
	m.resize()
	return m.show(stConnect)
}

// outcome is what was done on one instance of the session, and the checks'
// warnings there (the checks screen moves on by itself: they are repeated in
// the summary).
type outcome struct {
	baseURL, text string
	warnings      []string
}

// addSite puts the current instance's site into the session's list (again,
// after a step back and forth: the same base URL is replaced, not added).
func (m *Model) addSite() {
	if m.flow.Site == nil {
		return
	}
	site := *m.flow.Site
	m.lists.Add(m.flow.App(), site)
	o := outcome{baseURL: site.BaseURL, text: m.flow.Outcome()}
	if r := m.flow.Report; r != nil {
		for _, c := range r.Checks {
			if c.Status == steps.StatusWarn {
				o.warnings = append(o.warnings, c.Name+": "+c.Detail)
			}
		}
	}
	if i := slices.IndexFunc(m.outcomes, func(x outcome) bool { return steps.SameBaseURL(x.baseURL, o.baseURL) }); i >= 0 {
		m.outcomes[i] = o
		return
	}
	m.outcomes = append(m.outcomes, o)
}

// withContext ties the wizard's requests to ctx (Run's context).
func (m *Model) withContext(ctx context.Context) {
	m.cancel()
	m.ctx, m.cancel = context.WithCancel(ctx)
}

func (m *Model) restyle() {
	m.st = newStyles(m.dark, m.noColor)
	m.st.plain = m.noColor
	m.st.ascii = m.noColor && m.plainLocale
	m.help.Styles = m.st.help
}

// maxWidth caps the text's width on wide terminals.
const maxWidth = 100

// Init asks for the background colour (it is not sent unprompted) and shows
// the first screen: Welcome, unless the command line gave the URL and the
// credentials, which go straight to the checks.
func (m *Model) Init() tea.Cmd {
	if m.screens[stConnect].(preanswered).preanswered() && !m.opts.Demo {
		return tea.Batch(tea.RequestBackgroundColor, m.advance())
	}
	return tea.Batch(tea.RequestBackgroundColor, m.screens[stWelcome].enter())
}

// genMsg is a reply to a request made by one screen visit.
type genMsg interface{ generation() int }

// Update routes messages: global keys first, then the current screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if !m.keepsView(msg) {
		m.lastView = nil
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.resize()
		return m, nil
	case tea.BackgroundColorMsg:
		m.dark = msg.IsDark()
		m.restyle()
		return m, nil
	case tea.EnvMsg:
		m.plainLocale = !utf8Locale(msg.Getenv)
		m.restyle()
		// NO_COLOR with any value (an SSH session's environment too): colorprofile
		// only honours bool-like values, so force ASCII here.
		if msg.Getenv("NO_COLOR") != "" && !m.noColor {
			m.noColor = true
			m.restyle()
			return m, func() tea.Msg { return tea.ColorProfileMsg{Profile: colorprofile.ASCII} }
		}
		return m, nil
	case tea.InterruptMsg:
		return m, m.quit()
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.keys.Quit):
			return m, m.quit()
		case key.Matches(msg, m.keys.Back):
			return m, m.goBack()
		}
	case genMsg:
		if msg.generation() != m.gen {
			return m, nil
		}
	}
	return m, m.cur().update(msg)
}

func (m *Model) quit() tea.Cmd {
	m.cancel()
	return tea.Quit
}

func (m *Model) cur() screen { return m.screens[m.state] }

func (m *Model) bodySize() (int, int) {
	w, h := m.width, m.height
	if w <= 0 {
		w = 80
	}
	if h <= 0 {
		h = 24
	}
	// Text wider than about 100 columns is hard to read: the body is capped.
	w = min(w, maxWidth)
	// Heading and blank line above, blank line and help line below.
	return w, max(h-4, 3)
}

func (m *Model) resize() {
	w, h := m.bodySize()
	m.help.SetWidth(w)
	for _, s := range m.screens {
		s.SetSize(w, h)
	}
}

// screenOf is the screen that shows a step of the flow.
var screenOf = map[steps.Step]state{
	steps.StepConnect: stConnect, steps.StepDetect: stChecks, steps.StepChecks: stChecks,
	steps.StepMode: stMode, steps.StepPlan: stLink, steps.StepConfirm: stLink, steps.StepLink: stLink,
	steps.StepMobileChecks: stReach, steps.StepMobileOAuth: stWait, steps.StepSite: stLink,
	steps.StepVerify: stResult, steps.StepDone: stResult,
}

// lastStep is the step a screen finishes: the checks screen detects and
// checks; the link screen plans, settles the site entry, confirms and links;
// the non-MDM wait screen waits, then settles the site entry (nothing to ask).
var lastStep = map[state]steps.Step{
	stConnect: steps.StepConnect, stChecks: steps.StepChecks,
	stMode: steps.StepMode, stLink: steps.StepLink, stReach: steps.StepMobileChecks,
	stWait: steps.StepSite,
}

// next is the screen after s: the flow decides the order (steps.Flow.Next).
func (m *Model) next(s state) state {
	if s == stWelcome {
		return stConnect
	}
	step, ok := lastStep[s]
	if !ok {
		return stResult
	}
	return screenOf[m.flow.Next(step)]
}

// snapshot is a copy of the flow for a request to read while Update goes on.
func (m *Model) snapshot() *steps.Flow {
	f := *m.flow
	return &f
}

// advance leaves the current screen forward. Pre-answered screens are applied
// and passed over, but stay in the history so esc can return to them.
func (m *Model) advance() tea.Cmd {
	m.backward = false
	from := m.state
	to := m.next(from)
	for {
		m.history = append(m.history, from)
		s := m.screens[to]
		pa, ok := s.(preanswered)
		if !ok || m.shown[to] || !pa.preanswered() || pa.apply() != nil {
			break
		}
		from, to = to, m.next(to)
	}
	return m.show(to)
}

func (m *Model) goBack() tea.Cmd {
	if m.cur().back() {
		return nil
	}
	if len(m.history) == 0 {
		return nil
	}
	prev := m.history[len(m.history)-1]
	m.history = m.history[:len(m.history)-1]
	m.backward = true
	return m.show(prev)
}

// wrongToken goes back to the token field, emptied, with one message: the
// instance ignored the token, and every failed check followed from that.
func (m *Model) wrongToken() tea.Cmd {
	for len(m.history) > 0 {
		prev := m.history[len(m.history)-1]
		m.history = m.history[:len(m.history)-1]
		if prev == stConnect {
			break
		}
	}
	m.creds.Token = ""
	m.screens[stConnect].(*connect).askAgain("The instance ran the request as anonymous: the token is wrong, expired or revoked. Paste another token of a system administrator (Profile → Personal Access Tokens).")
	m.backward = true
	return m.show(stConnect)
}

// moreBelow marks a viewport cut at the bottom.
func (m *Model) moreBelow(vp *viewport.Model) string {
	if vp.AtBottom() {
		return ""
	}
	return "\n" + m.st.subtle.Render("↓ more below (↑/↓ scroll)")
}

func (m *Model) show(s state) tea.Cmd {
	m.gen++
	m.state = s
	m.shown[s] = true
	if s == stResult {
		m.done = true
		m.addSite()
	}
	m.resize()
	return m.cur().enter()
}

// View lays out heading, the screen and its help line at the terminal size.
func (m *Model) View() tea.View {
	if m.lastView != nil {
		return *m.lastView
	}
	v := m.render()
	m.lastView = &v
	return v
}

// keepsView lists the messages that cannot change the screen. Bubble Tea draws
// after every message, and a session's start brings several of these before the
// first key; re-rendering for each was most of a served session's start-up CPU.
// Anything not listed redraws.
func (m *Model) keepsView(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case tea.ColorProfileMsg:
		return true // the renderer downsamples; the content is the same
	case tea.EnvMsg:
		return (msg.Getenv("NO_COLOR") == "" || m.noColor) && utf8Locale(msg.Getenv) != m.plainLocale
	case tea.WindowSizeMsg:
		return msg.Width == m.width && msg.Height == m.height
	}
	return false
}

func (m *Model) render() tea.View {
	w, h := m.bodySize()
	heading := "Mobile OAuth wizard · " + m.cur().heading()
	if m.opts.Demo {
		heading += " · DEMO"
	}
	view := strings.TrimRight(m.cur().View(), "\n")
	if lines := strings.Split(view, "\n"); len(lines) > h {
		// Cut where the window ends, and say so.
		view = strings.Join(lines[:h-1], "\n") + "\n" + m.st.subtle.Render(truncate("↓ more below: the window is too small to show the rest", w))
	}
	body := lipgloss.NewStyle().Height(h).MaxHeight(h).MaxWidth(w).Render(view)
	keys := m.cur().bindings()
	if len(m.history) > 0 {
		keys = append(keys, m.keys.Back)
	}
	if m.state != stWelcome && m.state != stResult {
		keys = append(keys, m.keys.Quit) // there q quits and is shown instead
	}
	lines := []string{m.st.title.Render(truncate(heading, w)), "", body, "", truncate(m.help.ShortHelpView(keys), w)}
	v := tea.NewView(strings.Join(lines, "\n"))
	v.AltScreen = true
	v.WindowTitle = m.Title()
	return v
}

// TitlePrefix starts the window title. The title names the step the screen
// is at, so that a program driving the wizard (the bench, tests) follows the
// screens by what they are, never by their words: "mobile-oauth-wizard: mode"
// waits for the mode, "mobile-oauth-wizard: checks…" is still checking. It
// costs one OSC 2 sequence per change of step and is not drawn on the screen;
// a person sees it in the tab's title.
const TitlePrefix = "mobile-oauth-wizard: "

// Title is the window title: TitlePrefix, the step (Step), and "…" while the
// screen waits for the instance.
func (m *Model) Title() string {
	name, busy := m.Step()
	if busy {
		name += "…"
	}
	return TitlePrefix + name
}

// Step is the flow's step the screen is at (steps.Step's name; "welcome"
// before the first), and whether it waits for the instance rather than for
// the user.
func (m *Model) Step() (name string, busy bool) {
	busy = m.busy()
	s := steps.StepDone
	switch m.state {
	case stWelcome:
		return "welcome", false
	case stConnect:
		s = steps.StepConnect
	case stChecks:
		s = steps.StepChecks
		if m.flow.Detection == nil {
			s = steps.StepDetect
		}
	case stMode:
		s = steps.StepMode
	case stLink:
		l := m.screens[stLink].(*link)
		switch {
		case l.linking || (l.err != nil && l.plan != nil):
			s = steps.StepLink
		case l.plan == nil:
			s = steps.StepPlan
		default:
			s = steps.StepConfirm
		}
	case stReach:
		s = steps.StepMobileChecks
	case stWait:
		s = steps.StepMobileOAuth
	}
	return s.String(), busy
}

// busy reports whether the current screen waits for the instance.
func (m *Model) busy() bool {
	switch s := m.cur().(type) {
	case *checks:
		return s.load.busy
	case *link:
		return s.load.busy
	case *wait:
		return s.busy
	case *result:
		return s.sign.load.busy
	}
	return false
}

// Done reports whether the wizard reached the result screen.
func (m *Model) Done() bool { return m.done }

// summaryWidth is the width of the summary printed after the wizard: the
// narrowest terminal the wizard supports.
const summaryWidth = 80

// Summary is what was done, printed after the program ends: on each instance
// set up, then each app's site list under the app's name.
func (m *Model) Summary() string {
	var b strings.Builder
	// Lines are broken at spaces (80 columns), never inside a client ID.
	for _, o := range m.outcomes {
		text := o.text
		if len(m.outcomes) > 1 {
			text = o.baseURL + ": " + text
		}
		b.WriteString(wrap(text, summaryWidth, "") + "\n")
		for _, w := range o.warnings {
			b.WriteString(wrap("  Warning: "+w, summaryWidth, "    ") + "\n")
		}
	}
	if !m.done || len(m.outcomes) == 0 {
		// An instance left before its result: what happened to it.
		b.WriteString(wrap(m.flow.Outcome(), summaryWidth, "") + "\n")
	}
	for _, app := range m.lists.Apps() {
		if out, err := steps.RenderSites(m.lists.List(app), steps.FormatJSON); err == nil {
			b.WriteString("\n" + wrap("The "+app.Name()+"'s site list (App Store id "+app.AppStoreID()+", managed app configuration key \""+steps.AppConfigKey+"\"):", summaryWidth, "") + "\n")
			b.Write(out)
		}
	}
	return b.String()
}

func truncate(s string, w int) string { return ansi.Truncate(s, w, "…") }

// utf8Locale: the locale the environment names (LC_ALL, LC_CTYPE, LANG, the
// first set) is UTF-8, or none is named.
func utf8Locale(getenv func(string) string) bool {
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := getenv(k); v != "" {
			v = strings.ToUpper(v)
			return strings.Contains(v, "UTF-8") || strings.Contains(v, "UTF8")
		}
	}
	return true
}
