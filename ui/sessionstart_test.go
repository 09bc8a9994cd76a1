package ui

import (
	"strings"
	"sync"
	"testing"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Sessions share the styles and the key map, read-only: one session's
// background and NO_COLOR never reach another's screen (run with -race).
func TestSessionsKeepTheirOwnLook(t *testing.T) {
	fresh := func() string {
		m := New(Options{})
		m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
		return m.View().Content
	}
	dark := fresh()
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := range 8 {
		wg.Go(func() {
			m := New(Options{})
			m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
			for range 50 {
				if i%2 == 1 {
					m.Update(tea.BackgroundColorMsg{Color: lightGrey{}})
					m.Update(tea.EnvMsg{"TERM=xterm", "NO_COLOR=1", "LANG=C"})
				}
				v := m.View().Content
				switch coloured := colourSGR.MatchString(v); {
				case i%2 == 1 && coloured:
					errs <- "a session with NO_COLOR shows colour"
					return
				case i%2 == 0 && v != dark:
					errs <- "a session's screen changed with another's background or NO_COLOR:\n" + v
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if fresh() != dark {
		t.Error("a new session does not start with the dark, coloured look")
	}
}

// The help line is what bubbles' short help shows with the wizard's
// separator, at every width (cut with an ellipsis where it does not fit).
func TestHelpLineIsTheShortHelp(t *testing.T) {
	k := sharedKeys()
	sets := [][]key.Binding{
		nil,
		{withHelp(k.Enter, "enter", "start"), k.QuitQ},
		{k.Enter, k.Clear, k.SwitchAuth, k.Back, k.Quit},
		{k.Copy, k.Save, k.Formats, k.Page, k.Another, k.Details, k.Remove, k.OtherApp, k.QuitQ, k.Back},
		{key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "off"), key.WithDisabled()), k.Enter},
	}
	for _, noColor := range []bool{false, true} {
		st := newStyles(true, noColor, false)
		for _, bs := range sets {
			for w := range 101 {
				want := help.Model{ShortSeparator: helpSeparator, Ellipsis: "…", Styles: st.help}
				want.SetWidth(w)
				if got, want := st.helpLine(bs, w), want.ShortHelpView(bs); got != want {
					t.Fatalf("width %d, no colour %v:\n got %q\nwant %q", w, noColor, got, want)
				}
			}
		}
	}
}

// The body is a Lip Gloss block of the screen's text (h lines, cut at w
// columns, tabs as four spaces) without its padding to the widest line.
func TestBodyIsTheScreensTextCutToTheWindow(t *testing.T) {
	texts := []string{
		"",
		"one line",
		"Checks passed\n\n  ✓ Jira 10.3.0\r\n  ! warning\twith a tab",
		strings.Repeat("a long line that goes well past the edge of a narrow window ", 3),
		"\x1b[1mbold and long enough to be cut somewhere\x1b[m\nwide 日本語日本語日本語 text\n" + strings.Repeat("line\n", 30),
	}
	for _, text := range texts {
		for _, w := range []int{10, 33, 80} {
			for _, h := range []int{3, 5, 20} {
				got := block(text, w, h)
				want := lipgloss.NewStyle().Height(h).MaxHeight(h).MaxWidth(w).Render(text)
				gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
				if len(gl) != len(wl) || len(gl) != h {
					t.Fatalf("%q at %dx%d: %d lines, Lip Gloss %d, want %d", text, w, h, len(gl), len(wl), h)
				}
				for i := range gl {
					if strings.TrimRight(gl[i], " ") != strings.TrimRight(wl[i], " ") {
						t.Errorf("%q at %dx%d, line %d:\n got %q\nwant %q", text, w, h, i, gl[i], wl[i])
					}
				}
			}
		}
	}
}
