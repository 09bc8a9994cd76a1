package ui

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/words"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// formatTab is a tab of the result screen: a format and its file name.
type formatTab struct {
	f     steps.Format
	label string
	file  string
}

var formats = []formatTab{
	{steps.FormatJSON, "JSON site list", "sites.json"},
	{steps.FormatPlist, "AppConfig plist", "sites.plist"},
	{steps.FormatIntune, "Intune", "sites-intune.txt"},
}

// result shows each app's site list in each format, copies it and saves it:
// one list at a time (o shows the other app's), each with its own format.
type result struct {
	m    *Model
	w, h int
	// full is the terminal's width, which the values use (w is the text's).
	full int
	// app is the app whose list is shown; format, the format chosen for
	// each app's list (an index into formats).
	app    steps.App
	format map[steps.App]int
	vp     viewport.Model
	text   string
	saving bool
	path   textinput.Model
	status string
	err    error
	// panel is what the scrolling area shows; remove is the flow's question
	// before a deletion.
	panel  panel
	remove *askRemove
	push   *pushView
	load   loader
	// saves is how many saves the flow has reported.
	saves int
	// opened: the flow has asked for this instance's result already.
	opened bool
}

func newResult(m *Model) *result {
	vp := viewport.New()
	vp.KeyMap = scrollKeys()
	// A value is never broken by a line break (a copied plist or Intune
	// value would not work): long lines scroll sideways instead.
	vp.SoftWrap = false
	vp.SetHorizontalStep(16)
	s := &result{m: m, vp: vp, path: newInput("Save to: ", false), load: newLoader(), format: map[steps.App]int{}}
	for _, a := range steps.Apps {
		s.format[a] = formatIndex(m.opts.Format)
	}
	return s
}

// formatIndex is f's place in formats (0, JSON, when it has none).
func formatIndex(f steps.Format) int {
	return max(slices.IndexFunc(formats, func(t formatTab) bool { return t.f == f }), 0)
}

// chosen is the format of the shown app's list.
func (s *result) chosen() steps.Format { return formats[s.format[s.app]].f }

// sites is the shown app's list.
func (s *result) sites() []steps.Site { return s.m.lists().List(s.app) }

// twoApps: the session has set up instances of both apps.
func (s *result) twoApps() bool { return len(s.m.lists().Apps()) > 1 }

func (s *result) heading() string { return "Result" }

func (s *result) SetSize(w, h int) {
	s.w, s.h = w, h
	sizeInput(&s.path, w)
	s.vp.SetWidth(max(w, s.full))
	// Room for the top, a blank line, the marker line and the hint.
	s.vp.SetHeight(max(h-countLines(s.top())-4, 3))
}

// open shows the outcome the flow reached and waits for what the user does.
func (s *result) open(q question) tea.Cmd {
	switch r := q.(type) {
	case askRemove:
		s.openRemove(r)
		return nil
	case askPush, showSignIn:
		s.openPush(q)
		return nil
	}
	s.remove = nil
	s.load.stop()
	if !s.opened {
		// The list of the instance just set up is shown first; the flow asks
		// again after each action, and the screen stays as the user left it.
		s.opened = true
		s.app = q.(askResult).st.App()
		if apps := s.m.lists().Apps(); len(s.sites()) == 0 && len(apps) > 0 {
			s.app = apps[0]
		}
	}
	if s.panel == panelRemove {
		s.panel = panelSites
	}
	s.render()
	return nil
}

// observe hears the flow's work for this screen: a verification, a removal, a save.
func (s *result) observe(e steps.Event) tea.Cmd {
	if !e.Done {
		if e.Step == steps.StepVerify && s.panel == panelVerify {
			s.panel = panelSites
		}
		s.render()
		return s.load.start()
	}
	rec := e.State.Record
	if n := len(rec.Saved); n > s.saves {
		s.saves = n
		if sv := rec.Saved[n-1]; sv.Err != nil {
			s.err = sv.Err
		} else {
			s.status = sv.Text()
			for _, u := range sv.Unchecked {
				s.status += " " + u.Describe(sv.Path) + "."
			}
		}
	}
	s.observePush(rec)
	if rec.Removed != nil && s.panel == panelRemove {
		s.panel = panelRemoved
	}
	s.render()
	return nil
}

func (s *result) back() bool {
	if s.saving {
		s.saving = false
		s.path.Blur()
		return true
	}
	return s.backFromPanel()
}

func (s *result) render() {
	if s.panel != panelSites {
		s.vp.SetContent(s.panelText())
		s.vp.GotoTop()
		// A value scrolled sideways leaves the panel's text where it starts.
		s.vp.SetXOffset(0)
		s.SetSize(s.w, s.h)
		return
	}
	sites := s.sites()
	if len(sites) == 0 {
		s.text = ""
		s.vp.SetContent("The site list is empty.")
		return
	}
	out, err := steps.RenderSites(sites, s.chosen())
	if err != nil {
		s.err = err
		return
	}
	s.text = string(out)
	// The terminal's tab stops are not the viewport's: show tabs as spaces
	// (the clipboard and the file keep them).
	s.vp.SetContent(strings.ReplaceAll(s.text, "\t", "    "))
	s.vp.GotoTop()
	s.vp.SetXOffset(0)
	s.SetSize(s.w, s.h)
}

func (s *result) bindings() []key.Binding {
	if s.saving {
		return []key.Binding{withHelp(s.m.keys.Enter, "enter", "save")}
	}
	if s.panel == panelRemove {
		return append(s.removeBindings(), s.m.keys.QuitQ)
	}
	if s.panel == panelPush {
		return append(s.pushBindings(), s.m.keys.QuitQ)
	}
	keys := []key.Binding{s.m.keys.Formats, s.m.keys.Copy}
	if s.twoApps() {
		keys = append(keys, s.m.keys.OtherApp)
	}
	if s.m.opts.NoSave == "" {
		keys = append(keys, s.m.keys.Save)
	}
	keys = append(keys, s.removeBindings()...)
	if s.pushHint() != "" {
		keys = append(keys, pushKey)
	}
	if s.m.canAddInstance() {
		keys = append(keys, s.m.keys.Another)
	}
	if !s.twoApps() {
		// Room for o at 80 columns: the arrows scroll as the marker says.
		keys = append(keys, s.m.keys.Page)
	}
	return append(keys, s.m.keys.QuitQ)
}

func (s *result) update(msg tea.Msg) tea.Cmd {
	if cmd, ok := s.pushUpdate(msg); ok {
		return cmd
	}
	if _, isKey := msg.(tea.KeyPressMsg); !isKey || !s.saving {
		if cmd, ok := s.removeUpdate(msg); ok {
			return cmd
		}
	}
	if s.saving {
		if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, s.m.keys.Enter) {
			return s.save()
		}
		return updateInput(&s.path, msg)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, s.m.keys.Formats):
		s.pick((s.format[s.app] + 1) % len(formats))
	case key.Matches(k, s.m.keys.OtherApp) && s.twoApps():
		for _, a := range s.m.lists().Apps() {
			if a != s.app {
				s.app = a
				break
			}
		}
		s.status, s.err = "", nil
		s.render()
	case key.Matches(k, s.m.keys.Format1):
		s.pick(0)
	case key.Matches(k, s.m.keys.Format2):
		s.pick(1)
	case key.Matches(k, s.m.keys.Format3):
		s.pick(2)
	case key.Matches(k, s.m.keys.Copy):
		s.status = "Copied to the clipboard (OSC 52; some terminals and tmux ignore it). Quit with q and this format is printed whole, unwrapped, to copy from your terminal."
		return tea.SetClipboard(s.text)
	case key.Matches(k, s.m.keys.Save) && s.m.opts.NoSave != "":
		s.status = s.m.opts.NoSave
	case key.Matches(k, s.m.keys.Save):
		s.saving, s.status, s.err = true, "", nil
		s.path.SetValue(s.defaultPath())
		s.path.CursorEnd()
		return s.path.Focus()
	case key.Matches(k, s.m.keys.Another) && s.m.canAddInstance():
		return s.m.another()
	case key.Matches(k, s.m.keys.QuitQ):
		s.m.reply(steps.Action{}, nil)
		return s.m.quit()
	default:
		var cmd tea.Cmd
		s.vp, cmd = s.vp.Update(k)
		return cmd
	}
	return nil
}

func (s *result) pick(i int) {
	s.format[s.app], s.status = i, ""
	s.render()
}

// defaultPath is the file offered for the shown app's list: --output's for
// that app, else the format's usual name. With both apps in the session, a
// name that is not the app's own gets the app's key before its extension, as
// {app} would: one file never holds both apps' lists.
func (s *result) defaultPath() string {
	if p := s.m.opts.Output.For(s.app); p != "" && (s.m.opts.Output.PerApp() || !s.twoApps()) {
		return p
	}
	def := cmp.Or(s.m.opts.Output.Single(), defaultFile(s.chosen()))
	if !s.twoApps() {
		return def
	}
	ext := filepath.Ext(def)
	if strings.HasSuffix(def, "-intune.txt") {
		ext = "-intune.txt"
	}
	return strings.TrimSuffix(def, ext) + "-" + string(s.app) + ext
}

func (s *result) save() tea.Cmd {
	path := strings.TrimSpace(s.path.Value())
	if path == "" {
		s.err = fmt.Errorf("enter a file name")
		return nil
	}
	if s.m.pending == nil {
		return nil // the flow is busy: the path stays for the next enter
	}
	s.saving = false
	s.path.Blur()
	// Every site of the session is known to be of its app: a file holding
	// the other app's is refused without asking.
	known := steps.SiteApps{}
	lists := s.m.lists()
	for _, a := range lists.Apps() {
		for _, site := range lists.List(a) {
			known.Set(site.BaseURL, a)
		}
	}
	return s.m.reply(steps.Action{Kind: steps.ActionSave, Path: path, Format: s.chosen(), App: s.app, Sites: s.sites(),
		Known: known, Ask: s.m.opts.askApp}, nil)
}

// top is the summary of what was changed and the format switcher.
func (s *result) top() string {
	st := s.m.st
	rec := s.m.know.Record
	outcome := rec.Outcome()
	if rec.Removed.Changed() {
		outcome = rec.Removed.Outcome(rec.RemovePlan)
	}
	var tabs []string
	for i, f := range formats {
		label := fmt.Sprintf("%d %s", i+1, f.label)
		if i == s.format[s.app] {
			tabs = append(tabs, st.chosen.Render("["+label+"]"))
		} else {
			tabs = append(tabs, st.subtle.Render(" "+label+" "))
		}
	}
	top := st.ok.Render(wrap(outcome, s.w, "")) + "\n"
	if v := s.verifyLine(); v != "" {
		top += v + "\n"
	}
	if s.twoApps() {
		// One tab per app: each app has its own managed configuration.
		var apps []string
		lists := s.m.lists()
		for _, a := range lists.Apps() {
			label := fmt.Sprintf("%s (%s)", a.Name(), words.Count(len(lists.List(a)), "site"))
			if a == s.app {
				apps = append(apps, st.chosen.Render("["+label+"]"))
			} else {
				apps = append(apps, st.subtle.Render(" "+label+" "))
			}
		}
		top += wrap(strings.Join(apps, " "), s.w, "") + "\n"
	}
	if sites := s.sites(); len(sites) > 1 {
		n := len(sites)
		titles := make([]string, n)
		for i, site := range sites {
			titles[i] = site.Title
		}
		top += wrap(fmt.Sprintf("The %s's site list holds %d sites: %s.", s.app.Name(), n, strings.Join(titles, ", ")), s.w, "") + "\n"
	}
	return top + wrap(strings.Join(tabs, " "), s.w, "")
}

func (s *result) View() string {
	top, bottom := s.top(), s.bottom()
	// The list gets the room the text above and below leaves: the bottom is
	// never pushed off the screen.
	vp := s.vp
	vp.SetHeight(max(s.h-countLines(top)-2-countLines(bottom), 3))
	return top + "\n\n" + vp.View() + "\n" + s.m.st.subtle.Render(s.cut(&vp)) + "\n" + bottom
}

// bottom is what the screen says under the list.
func (s *result) bottom() string {
	switch {
	case s.saving:
		return s.path.View()
	case s.err != nil:
		return s.m.errorBlock(s.err, s.w)
	case s.status != "":
		return wrap(s.status, s.w, "")
	case s.panel != panelSites:
		return s.m.st.subtle.Render(wrap("esc: back to the site list.", s.w, ""))
	}
	// One phrasing with accessible mode: no "paste this" for non-MDM, after a
	// deletion, or before saying that the sign-in will fail.
	know := s.m.know
	hint := resultHint(know, s.app)
	if know.Mode == steps.ModeNonMDM || know.Site == nil {
		return s.m.st.subtle.Render(wrap(hint, s.w, ""))
	}
	if p := s.pushHint(); p != "" {
		hint += " " + p
	}
	if s.twoApps() {
		hint += " o shows the other app's list."
	}
	if s.m.canAddInstance() {
		hint += " Press a to set up another instance: its site joins its app's list."
	}
	return s.m.st.subtle.Render(wrap(hint, s.w, "")) + "\n" + s.m.st.subtle.Render("The link is listed at:") + "\n" + s.m.st.link(steps.ApplicationLinksPage(know.BaseURL))
}

// defaultFile is the file name offered for saving a format.
func defaultFile(f steps.Format) string {
	for _, x := range formats {
		if x.f == f {
			return x.file
		}
	}
	return "sites.json"
}

// cut says where the list goes on beyond the screen: below, to the right or
// to the left (long values are never broken, they scroll sideways).
func (s *result) cut(vp *viewport.Model) string {
	var more []string
	if !vp.AtBottom() {
		more = append(more, "↓ more below")
	}
	if vp.XOffset() > 0 {
		more = append(more, "← more to the left")
	}
	if s.wide() && vp.HorizontalScrollPercent() < 1 {
		more = append(more, "→ more to the right")
	}
	if len(more) == 0 {
		return ""
	}
	return strings.Join(more, " · ") + " (arrow keys scroll)"
}

// wide: a line of the text is wider than the screen.
func (s *result) wide() bool {
	for _, l := range strings.Split(s.vp.GetContent(), "\n") {
		if ansi.StringWidth(l) > s.vp.Width() {
			return true
		}
	}
	return false
}
