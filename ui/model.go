// Package ui is the interactive face of the wizard: a Bubble Tea v2 state machine
// that walks an admin through the setup. It holds no domain logic: every decision
// and every request is a call into steps (made inside a tea.Cmd), and the screens
// render what comes back.
package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
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
	// Push are the MDMs the result offers to push the site list into;
	// NoPush says what to set when there are none ("": no offer).
	Push   []PushTarget
	NoPush string
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

type state int

const (
	stWelcome state = iota
	stConnect
	stWork // the flow is working on a step with no screen of its own
	stChecks
	stMode
	stLink // the confirmation
	stWait
	stResult
	stFailed
)

// opener is a screen that shows a question of the flow (see prompter.go):
// open takes the question (of the screen's own types) and returns the
// screen's first command.
type opener interface{ open(q question) tea.Cmd }

// screen is one state's view and behaviour. Screens render strings; only the
// root returns a tea.View.
type screen interface {
	update(msg tea.Msg) tea.Cmd
	View() string
	SetSize(w, h int)
	// back handles esc inside the screen (a previous field); false lets the root go back.
	back() bool
	bindings() []key.Binding
	heading() string
}

// Model is the root of the wizard: it shows the questions of a steps.Flow
// that runs on its own goroutine (see prompter.go) and what the flow learned.
type Model struct {
	// lastView is the last rendered frame, reused while only messages that
	// cannot change it arrive (see keepsView).
	lastView *tea.View
	// frame is what the last frame was laid out from, and its text.
	frame frameParts

	opts   Options
	ctx    context.Context
	cancel context.CancelFunc

	// msgs carries the flows' questions and progress to the program.
	msgs chan tea.Msg
	// flow numbers the current flow; messages of an earlier one are dropped.
	flow    int
	running bool
	// pending is the question the current screen answers; nil while the flow works.
	pending *ask
	// working is the step the flow is busy with (valid while isWorking).
	working   steps.Step
	isWorking bool
	// know is what the current flow learned, as of its last message.
	know steps.State
	// flows is the last state of each flow of the session, in order ("Set up
	// another instance" starts another): the summary and the site list come
	// from their records.
	flows []steps.State
	// ended are the flows' last states, handed over when Run returns.
	ended *endedFlows
	// welcomed: the user has left the welcome screen.
	welcomed bool
	done     bool
	// interrupted: the user pressed Ctrl-C (or the program got SIGINT).
	interrupted bool
	// failed: the flow stopped with this error.
	failed error

	state         state
	width, height int
	dark, noColor bool
	// plainLocale: the environment names a locale that is not UTF-8.
	plainLocale bool
	st          *styles // shared: never change it (see newStyles)
	keys        *keyMap // shared: never change it

	screens *screenSet
	// parked is the instance set up before a (another instance), waiting at
	// its result until the new one's first question is answered: esc there
	// comes back to it.
	parked *parked
}

// parked is a flow waiting at its result screen, with what it showed.
type parked struct {
	flow    int
	pending *ask
	know    steps.State
	screens *screenSet
}

// New builds the wizard; its flow starts with the program (Init).
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
		keys:  sharedKeys(),
		width: 80, height: 24, msgs: make(chan tea.Msg), ended: &endedFlows{},
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.restyle()
	m.screens = m.newScreens(true)
	if opts.BaseURL != "" && opts.Creds.complete() && !opts.Demo {
		// The command line answered the first questions: the checks start at once.
		m.state, m.working, m.isWorking, m.welcomed = stWork, steps.StepDetect, true, true
		m.know.BaseURL = opts.BaseURL
	}
	return m
}

// WithContext ties the wizard's flow to ctx (the command's, or an SSH
// session's: a disconnect cancels what has not been sent). Call it before
// the program starts.
func (m *Model) WithContext(ctx context.Context) *Model {
	m.cancel()
	m.ctx, m.cancel = context.WithCancel(ctx)
	return m
}

// newScreens starts an instance's screens afresh; first: the session's
// first instance, whose fields the command line fills.
func (m *Model) newScreens(first bool) *screenSet {
	return &screenSet{m: m, first: first, built: map[state]screen{}}
}

// screenSet is one instance's screens, each built when it is first wanted.
// A session's first frame is Welcome: building the others before it (four
// text fields and their styles, viewports, spinners) was most of what
// building the wizard cost, and a tenth of what an SSH session cost the
// server until its first frame.
type screenSet struct {
	m     *Model
	first bool
	built map[state]screen
}

// get is the screen of st, built and sized on first use.
func (ss *screenSet) get(st state) screen {
	if s, ok := ss.built[st]; ok {
		return s
	}
	s := ss.build(st)
	ss.built[st] = s
	ss.size(s)
	return s
}

// build makes the screen of st.
func (ss *screenSet) build(st state) screen { return screenBuilders[st](ss.m, ss.first) }

// screenBuilders make each state's screen. A table rather than a switch: the
// switch's stack frame was the sum of every constructor inlined in it
// (16 KB), on the goroutine of every session that only shows Welcome.
var screenBuilders = [...]func(m *Model, first bool) screen{
	stWelcome: func(m *Model, _ bool) screen { return newWelcome(m) },
	stConnect: func(m *Model, first bool) screen { return newConnect(m, first) },
	stWork:    func(m *Model, _ bool) screen { return newWork(m) },
	stChecks:  func(m *Model, _ bool) screen { return newChecks(m) },
	stMode:    func(m *Model, _ bool) screen { return newModeScreen(m) },
	stLink:    func(m *Model, _ bool) screen { return newConfirm(m) },
	stWait:    func(m *Model, _ bool) screen { return newWait(m) },
	stResult:  func(m *Model, _ bool) screen { return newResult(m) },
	stFailed:  func(m *Model, _ bool) screen { return newFailure(m) },
}

// peek is the screen of st if it has been built, else nil.
func (ss *screenSet) peek(st state) screen { return ss.built[st] }

// size gives a screen the body's size (the result its full width too).
func (ss *screenSet) size(s screen) {
	w, h := ss.m.bodySize()
	if r, ok := s.(*result); ok {
		r.full = ss.m.fullWidth()
	}
	s.SetSize(w, h)
}

// canAddInstance says whether the result screen offers another instance: not
// when the URL is pinned (an SSH session for one instance).
func (m *Model) canAddInstance() bool { return !m.opts.PinURL }

// startFlow runs a new flow on its own goroutine and listens for its messages.
// Another instance asks the URL and token again (the flags answered the
// first instance only, the title too); the other answers still hold.
func (m *Model) startFlow() tea.Cmd {
	settings := m.opts.settings()
	p := &tuiPrompter{id: len(m.flows), opts: m.opts, out: m.msgs, done: m.ctx.Done(), first: len(m.flows) == 0}
	if len(m.flows) > 0 {
		settings.Title = ""
		p.opts.BaseURL, p.opts.Creds = "", Credentials{}
		if m.opts.PinURL {
			p.opts.BaseURL = m.opts.BaseURL
		}
	}
	m.flow, m.running, m.pending, m.done, m.failed = p.id, true, nil, false, nil
	m.know = steps.State{}
	m.flows = append(m.flows, steps.State{})
	ctx, msgs, f := m.ctx, m.msgs, steps.NewFlow(settings)
	ended := m.ended
	ended.running.Add(1)
	go func() {
		defer ended.running.Done()
		err := f.Run(ctx, p)
		st := f.State()
		// Kept for the summary even when the program has gone (the context
		// ended: ctrl+c, a dropped SSH connection) and takes no more messages.
		ended.put(p.id, st)
		select {
		case msgs <- flowDone{flow: p.id, err: err, st: st}:
		case <-ctx.Done():
		}
	}()
	return m.listen()
}

// listen waits for the flow's next message.
func (m *Model) listen() tea.Cmd {
	ctx, msgs := m.ctx, m.msgs
	return func() tea.Msg {
		select {
		case msg := <-msgs:
			return msg
		case <-ctx.Done():
			return nil
		}
	}
}

// another starts the setup of another instance: its site joins the list.
func (m *Model) another() tea.Cmd {
	// This instance is done once the new one is connected; until then esc
	// comes back to its result.
	m.parked = &parked{flow: m.flow, pending: m.pending, know: m.know, screens: m.screens}
	m.pending = nil
	m.screens = m.newScreens(false)
	m.resize()
	m.welcomed = true
	m.state = stWork
	return m.startFlow()
}

// reply answers the pending question; the flow has the turn until its next message.
func (m *Model) reply(v any, err error) tea.Cmd {
	if m.pending == nil {
		return nil
	}
	m.pending.reply <- answer{v: v, err: err}
	m.pending = nil
	if _, ok := v.(connected); ok && m.parked != nil {
		// The new instance is connected: the one before it is done.
		m.parked.pending.reply <- answer{v: steps.Action{}}
		m.parked = nil
	}
	return nil
}

// unpark gives up the instance just started with a (at its first question)
// and shows the result of the one before it again, as it was.
func (m *Model) unpark() {
	p := m.parked
	m.parked = nil
	m.reply(nil, context.Canceled) // its flow ends; its messages are dropped
	// Its place stays, empty, so that flow numbers are never used twice.
	m.flows[m.flow] = steps.State{}
	m.flow, m.pending, m.know, m.screens = p.flow, p.pending, p.know, p.screens
	m.running, m.done, m.failed, m.isWorking = true, true, nil, false
	m.resize()
	m.show(stResult)
}

// lists are the session's site lists, one per app: the site of every
// instance set up in this session, in order (the same base URL once), in its
// app's list.
func (m *Model) lists() steps.SiteLists {
	var out steps.SiteLists
	for _, st := range m.flows {
		if st.Site != nil {
			out.Add(st.App(), *st.Site)
		}
	}
	return out
}

// learn keeps what the flow learned.
func (m *Model) learn(st steps.State) {
	m.know = st
	m.flows[m.flow] = st
}

// onFlow handles the flow's messages: questions open their screen, progress
// shows on the screen that follows it.
func (m *Model) onFlow(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case event:
		if msg.flow != m.flow {
			return m.listen()
		}
		m.learn(msg.e.State)
		cmds := []tea.Cmd{m.listen()}
		if msg.e.Poll == nil {
			m.working, m.isWorking = msg.e.Step, !msg.e.Done
		}
		if w, ok := m.cur().(interface{ observe(steps.Event) tea.Cmd }); ok && m.shows(msg.e) {
			cmds = append(cmds, w.observe(msg.e))
		} else if !msg.e.Done && msg.e.Poll == nil {
			m.show(stWork)
			cmds = append(cmds, m.screens.get(stWork).(*work).start())
		}
		return tea.Batch(cmds...)
	case ask:
		if msg.flow != m.flow {
			if msg.reply != nil {
				msg.reply <- answer{err: context.Canceled}
			}
			return m.listen()
		}
		m.isWorking = false
		if r, ok := msg.q.(askResult); ok {
			m.learn(r.st)
		}
		return tea.Batch(m.listen(), m.open(msg))
	case flowDone:
		if msg.flow != m.flow {
			return m.listen()
		}
		m.learn(msg.st)
		m.running, m.pending, m.isWorking = false, nil, false
		if msg.err != nil && !errors.Is(msg.err, context.Canceled) {
			m.failed = msg.err
			m.screens.get(stFailed).(*failure).stopped(askFailed{at: m.working, err: msg.err})
			m.show(stFailed)
			return nil
		}
		return m.quit()
	}
	return nil
}

// shows reports whether the current screen shows e itself (the wait screen
// its polls, the result screen its verification, removal and saves).
func (m *Model) shows(e steps.Event) bool {
	switch m.state {
	case stWait:
		return e.Step == steps.StepMobileOAuth
	case stResult:
		return e.Step == steps.StepVerify || e.Step == steps.StepResult
	}
	return false
}

// open shows the screen of a question: each question names its screen, and
// the screen takes the question (see opener).
func (m *Model) open(a ask) tea.Cmd {
	if a.reply != nil {
		m.pending = &a
	}
	to := a.q.screen()
	if q, ok := a.q.(askConnect); ok {
		if q.again != nil {
			m.welcomed = true
		}
		if !m.welcomed {
			m.show(stWelcome) // enter there opens the question (leaveWelcome)
			return nil
		}
	}
	cmd := m.screens.get(to).(opener).open(a.q)
	if _, ok := a.q.(askResult); ok {
		m.done = true
	}
	m.show(to)
	return cmd
}

func (m *Model) restyle() {
	m.st = newStyles(m.dark, m.noColor, m.plainLocale)
}

// maxWidth caps the text's width on wide terminals.
const maxWidth = 100

// Init asks for the background colour (it is not sent unprompted) and
// starts the flow: Welcome shows first, unless the command line gave the URL
// and the credentials, which go straight to the checks.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, m.startFlow()}
	if w, ok := m.cur().(*work); ok {
		cmds = append(cmds, w.start())
	}
	return tea.Batch(cmds...)
}

// leaveWelcome shows the connect question (when the flow has asked it).
func (m *Model) leaveWelcome() tea.Cmd {
	m.welcomed = true
	if m.pending == nil {
		return nil // the question opens its screen when it comes
	}
	q, ok := m.pending.q.(askConnect)
	if !ok {
		return nil
	}
	cmd := m.screens.get(stConnect).(opener).open(q)
	m.show(stConnect)
	return cmd
}

// Update routes messages: the flow's first, then global keys, then the
// current screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if !m.keepsView(msg) {
		m.lastView = nil
	}
	switch msg := msg.(type) {
	case event, ask, flowDone:
		return m, m.onFlow(msg)
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
		m.interrupted = true
		return m, m.quit()
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.keys.Quit):
			m.interrupted = true
			return m, m.quit()
		case key.Matches(msg, m.keys.Back):
			return m, m.goBack()
		}
	}
	return m, m.cur().update(msg)
}

// quit cancels the flow (a request under way is abandoned; a write already
// sent is reported by its record) and ends the program.
func (m *Model) quit() tea.Cmd {
	m.cancel()
	return tea.Quit
}

func (m *Model) cur() screen { return m.screens.get(m.state) }

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
	for _, s := range m.screens.built {
		m.screens.size(s)
	}
}

// fullWidth is the terminal's whole width: the result's values use it, as a
// value cut at the text's cap would have to be scrolled for no reason.
func (m *Model) fullWidth() int {
	w, _ := m.bodySize()
	return max(w, m.width)
}

// canGoBack: esc has somewhere to go (the flow's previous question, or the
// welcome screen before the first). Nothing comes before Welcome, even once
// the flow has asked its first question behind it.
func (m *Model) canGoBack() bool {
	if m.pending == nil || m.state == stWelcome {
		return false
	}
	switch q := m.pending.q.(type) {
	case askConnect:
		return q.again == nil && (len(m.flows) == 1 || m.parked != nil)
	case askRemove:
		return true
	}
	return true
}

// goBack: a screen's own previous field first, then the flow's previous
// question (steps.ErrBack).
func (m *Model) goBack() tea.Cmd {
	if m.cur().back() {
		return nil
	}
	if m.pending == nil {
		return nil
	}
	if _, first := m.pending.q.(askConnect); first {
		if m.parked != nil {
			m.unpark()
			return nil
		}
		if m.canGoBack() {
			m.welcomed = false
			m.show(stWelcome)
		}
		return nil
	}
	return m.reply(nil, steps.ErrBack)
}

// moreBelow marks a viewport cut at the bottom.
func (m *Model) moreBelow(vp *viewport.Model) string {
	if vp.AtBottom() {
		return ""
	}
	return "\n" + m.st.subtle.Render("↓ more below (↑/↓ scroll)")
}

func (m *Model) show(s state) {
	m.state = s
	m.resize()
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

// frameParts are what a frame is laid out from, and the text laid out: a
// message that changes none of them (the flow's first question behind
// Welcome, Bubble Tea's own requests) makes the same text, which is reused
// rather than laid out again.
type frameParts struct {
	heading, view string
	keys          []key.Binding
	w, h, bodyW   int
	st            *styles
	text          string
}

// same reports whether p and o lay out the same frame.
func (p *frameParts) same(o *frameParts) bool {
	return p.heading == o.heading && p.view == o.view && p.w == o.w && p.h == o.h && p.bodyW == o.bodyW &&
		p.st == o.st && slices.EqualFunc(p.keys, o.keys, func(a, b key.Binding) bool {
		return a.Enabled() == b.Enabled() && a.Help() == b.Help()
	})
}

func (m *Model) render() tea.View {
	w, h := m.bodySize()
	heading := "Mobile OAuth wizard · " + m.cur().heading()
	if m.opts.Demo {
		heading += " · DEMO"
	}
	view := strings.TrimRight(m.cur().View(), "\n")
	if strings.Count(view, "\n") >= h {
		// Cut where the window ends, and say so.
		view = strings.Join(strings.SplitN(view, "\n", h)[:h-1], "\n") + "\n" + m.st.subtle.Render(truncate("↓ more below: the window is too small to show the rest", w))
	}
	bodyW := w
	if m.state == stResult {
		bodyW = m.fullWidth()
	}
	keys := m.cur().bindings()
	if m.canGoBack() && !slices.ContainsFunc(keys, func(k key.Binding) bool { return k.Help().Key == m.keys.Back.Help().Key }) {
		keys = append(keys, m.keys.Back) // once, when the screen did not list it
	}
	if m.state != stWelcome && m.state != stResult {
		keys = append(keys, m.keys.Quit) // there q quits and is shown instead
	}
	parts := frameParts{heading: heading, view: view, keys: keys, w: w, h: h, bodyW: bodyW, st: m.st}
	if !parts.same(&m.frame) {
		lines := []string{m.st.title.Render(truncate(heading, w)), "", block(view, bodyW, h), "", truncate(m.st.helpLine(keys, w), w)}
		parts.text = strings.Join(lines, "\n")
		m.frame = parts
	}
	v := tea.NewView(m.frame.text)
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

// SignInStep is the step a device-code sign-in (of a push) shows in the title:
// the flow works, but it waits for the user, who signs in on another device.
const SignInStep = "sign-in"

// Step is the flow's step the screen is at (steps.Step's name; "welcome"
// before the first; SignInStep), and whether it waits for the instance rather
// than for the user.
func (m *Model) Step() (name string, busy bool) {
	if m.state == stWelcome {
		return "welcome", false
	}
	if name, ok := m.waitsForUser(); ok {
		return name, false
	}
	switch {
	case m.isWorking:
		return m.working.String(), true
	case !m.running:
		return steps.StepDone.String(), false
	}
	return m.working.String(), true
}

// waitsForUser names what the user has the turn for while the flow runs: a
// question, the non-MDM wait screen (the flow looks meanwhile) or a
// device-code sign-in (push.go). Step and busy both ask it.
func (m *Model) waitsForUser() (step string, ok bool) {
	switch {
	case m.pending != nil:
		return m.pending.q.step().String(), true
	case m.state == stWait:
		return steps.StepMobileOAuth.String(), true
	case m.signingIn():
		return SignInStep, true
	}
	return "", false
}

// busy reports whether the flow has the turn: it works on a step and nothing
// waits for the user (waitsForUser).
func (m *Model) busy() bool {
	_, waits := m.waitsForUser()
	return m.running && !waits
}

// shownFormat is the format the result screen shows for app's list (JSON
// before it).
func (m *Model) shownFormat(app steps.App) formatTab {
	if r, ok := m.screens.peek(stResult).(*result); ok {
		return formats[r.format[app]]
	}
	// Not shown yet: the format it would open with.
	return formats[formatIndex(m.opts.Format)]
}

// Done reports whether the wizard reached the result screen.
func (m *Model) Done() bool { return m.done }

// ExitCode is the exit status the wizard ends with, locally and over SSH
// alike: 0 once it reached the result screen, 130 when the user pressed
// Ctrl-C before that (what shells report for an interrupt, as the commands
// do), 1 when it stopped before the end otherwise (q, a failure).
func (m *Model) ExitCode() int {
	switch {
	case m.done:
		return 0
	case m.interrupted:
		return 130
	}
	return 1
}

// summaryWidth is the width of the summary printed after the wizard: the
// narrowest terminal the wizard supports.
const summaryWidth = 80

// Summary is what was done, printed after the program ends: on each instance
// of the session, from the flow's record of it, then each app's site list
// under the app's name.
func (m *Model) Summary() string {
	var b strings.Builder
	if m.ctx.Err() != nil {
		// Stopped: a flow settles what it sent (a create whose answer was
		// lost is looked for by listing) before its record is final.
		m.ended.wait(summaryWait)
	}
	var recs []steps.Record
	for i, st := range m.flows {
		if last, ok := m.ended.get(i); ok {
			st = last
		}
		if st.Record.BaseURL != "" {
			recs = append(recs, st.Record)
		}
	}
	if len(recs) == 0 {
		b.WriteString("Nothing was changed on the instance.\n")
	}
	// Lines are broken at spaces (80 columns), never inside a client ID.
	for _, r := range recs {
		text := strings.Join(r.Lines(), " ")
		if len(recs) > 1 {
			text = r.BaseURL + ": " + text
		}
		b.WriteString(wrap(text, summaryWidth, "") + "\n")
		for _, w := range r.Warnings {
			b.WriteString(wrap("  Warning: "+w, summaryWidth, "    ") + "\n")
		}
	}
	// Each app's list in the format the result screen showed for it, whole
	// and unbroken: on the terminal's normal screen it can be copied as it
	// is, where the clipboard (OSC 52) does not reach.
	lists := m.lists()
	for _, app := range lists.Apps() {
		f := m.shownFormat(app)
		if out, err := steps.RenderSites(lists.List(app), f.f); err == nil {
			b.WriteString("\n" + wrap("The "+app.Name()+"'s site list, "+f.label+" (App Store id "+app.AppStoreID()+", managed app configuration key \""+steps.AppConfigKey+"\"):", summaryWidth, "") + "\n")
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

// summaryWait bounds the wait for stopped flows to settle what they sent
// (the steps' own listing after a lost answer is bounded too).
const summaryWait = 30 * time.Second

// endedFlows hands each flow's last state from its goroutine to the summary.
type endedFlows struct {
	mu      sync.Mutex
	st      map[int]steps.State
	running sync.WaitGroup
}

// wait waits until every flow has returned, at most d.
func (e *endedFlows) wait(d time.Duration) {
	done := make(chan struct{})
	go func() {
		e.running.Wait()
		close(done)
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

func (e *endedFlows) put(id int, st steps.State) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.st == nil {
		e.st = map[int]steps.State{}
	}
	e.st[id] = st
}

func (e *endedFlows) get(id int) (steps.State, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, ok := e.st[id]
	return st, ok
}
