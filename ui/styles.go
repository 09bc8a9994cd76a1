package ui

import (
	"image/color"
	"strings"
	"sync"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// styles is every look of the wizard, built once per background and colour choice.
type styles struct {
	title   lipgloss.Style
	subtle  lipgloss.Style
	ok      lipgloss.Style
	warn    lipgloss.Style
	fail    lipgloss.Style
	errText lipgloss.Style
	accent  lipgloss.Style
	chosen  lipgloss.Style
	// help styles the help line's keys, texts and separators (see helpLine).
	help help.Styles
	// ascii: no colour and no UTF-8 locale, so marks are ASCII.
	ascii bool
	// plain: no colour, so no hyperlinks either.
	plain bool
}

// sharedStyles are the looks, built once per background, colour choice and
// marks, and shared by every wizard in the process (each SSH session has
// one): a styles value is never changed once built. Each session built its
// own before, a dozen Lip Gloss styles of 650 bytes each, twice before its
// first frame, in stack frames that made the session's goroutine grow its
// stack several times.
var sharedStyles [2][2][2]func() *styles

func init() {
	for _, dark := range []bool{false, true} {
		for _, noColor := range []bool{false, true} {
			for _, ascii := range []bool{false, true} {
				sharedStyles[b2i(dark)][b2i(noColor)][b2i(ascii)] = sync.OnceValue(func() *styles {
					st := buildStyles(dark, noColor)
					st.plain, st.ascii = noColor, noColor && ascii
					return st
				})
			}
		}
	}
}

// newStyles is the look for a dark or light background, with or without
// colour; ascii (without colour, where the locale is not UTF-8) makes the
// marks ASCII. The result is shared: never change it.
func newStyles(dark, noColor, ascii bool) *styles {
	return sharedStyles[b2i(dark)][b2i(noColor)][b2i(ascii)]()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func buildStyles(dark, noColor bool) *styles {
	if noColor {
		plain := lipgloss.NewStyle()
		return &styles{
			title: plain.Bold(true), subtle: plain, ok: plain, warn: plain, fail: plain.Bold(true),
			errText: plain.Bold(true), accent: plain, chosen: plain.Bold(true),
			help: helpLineStyles(help.Styles{ShortKey: plain, ShortDesc: plain, ShortSeparator: plain, Ellipsis: plain,
				FullKey: plain, FullDesc: plain, FullSeparator: plain}),
		}
	}
	ld := lipgloss.LightDark(dark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	return &styles{
		title:   lipgloss.NewStyle().Bold(true).Foreground(c("#5A3FC0", "#B8A6FF")),
		subtle:  lipgloss.NewStyle().Foreground(c("#6B6B6B", "#A4A4A4")),
		ok:      lipgloss.NewStyle().Foreground(c("#1B7F3B", "#5FD787")),
		warn:    lipgloss.NewStyle().Foreground(c("#9A6700", "#FFD75F")),
		fail:    lipgloss.NewStyle().Bold(true).Foreground(c("#B3261E", "#FF6B6B")),
		errText: lipgloss.NewStyle().Foreground(c("#B3261E", "#FF8787")),
		accent:  lipgloss.NewStyle().Foreground(c("#005FAF", "#87D7FF")),
		chosen:  lipgloss.NewStyle().Bold(true).Foreground(c("#5A3FC0", "#B8A6FF")),
		help:    helpLineStyles(helpStyles(c)),
	}
}

// helpStyles keep the help line readable: at least 4.5:1 against common dark
// and light backgrounds (bubbles' defaults are about 2:1 to 3.5:1).
func helpStyles(c func(light, dark string) color.Color) help.Styles {
	key := lipgloss.NewStyle().Foreground(c("#4E4E4E", "#A8A8A8"))
	desc := lipgloss.NewStyle().Foreground(c("#5E5E5E", "#B0B0B0"))
	sep := lipgloss.NewStyle().Foreground(c("#6E6E6E", "#A0A0A0"))
	return help.Styles{ShortKey: key, ShortDesc: desc, ShortSeparator: sep, Ellipsis: sep, FullKey: key, FullDesc: desc, FullSeparator: sep}
}

// helpLineStyles are h for one line: what the help line renders must not
// break it.
func helpLineStyles(h help.Styles) help.Styles {
	h.ShortKey, h.ShortDesc = h.ShortKey.Inline(true), h.ShortDesc.Inline(true)
	h.ShortSeparator, h.Ellipsis = h.ShortSeparator.Inline(true), h.Ellipsis.Inline(true)
	return h
}

// helpSeparator goes between the help line's bindings: a middle dot, like
// the heading's. The first character from U+0300 up on screen makes the
// width library fill a 2.2 MB table, which the first screen (Welcome) has
// no need of.
const helpSeparator = " · "

// helpLine is the short help of bindings in width columns: each enabled
// binding's key and text, helpSeparator between them, and an ellipsis where
// the next would not fit (where not even the ellipsis fits, the binding is
// added and the caller's cut ends the line). It is what bubbles' help.Model
// shows, without a help.Model per session (4.6 KB, copied by every call of
// its view).
func (s *styles) helpLine(bindings []key.Binding, width int) string {
	var b strings.Builder
	total := 0
	for _, kb := range bindings {
		if !kb.Enabled() {
			continue
		}
		h := kb.Help()
		var sep string
		w := textWidth(h.Key) + 1 + textWidth(h.Desc)
		if total > 0 {
			sep = s.help.ShortSeparator.Render(helpSeparator)
			w += textWidth(helpSeparator)
		}
		if width > 0 && total+w > width {
			if tail := " " + s.help.Ellipsis.Render("…"); total+lipgloss.Width(tail) < width {
				b.WriteString(tail)
				break
			}
		}
		total += w
		b.WriteString(sep + s.help.ShortKey.Render(h.Key) + " " + s.help.ShortDesc.Render(h.Desc))
	}
	return b.String()
}

// marks are the check command's: the same ✓ ! ✗ on every front-end.
var marks = map[steps.Status]string{steps.StatusOK: "✓", steps.StatusWarn: "!", steps.StatusFail: "✗", steps.StatusSkip: "-"}

// asciiMarks stand in where neither colour nor Unicode can be shown.
var asciiMarks = map[steps.Status]string{steps.StatusOK: "+", steps.StatusWarn: "!", steps.StatusFail: "x", steps.StatusSkip: "-"}

// status renders a check verdict as its mark.
func (s *styles) status(st steps.Status) string {
	word := marks[st]
	if s.ascii {
		word = asciiMarks[st]
	}
	switch st {
	case steps.StatusOK:
		return s.ok.Render(word)
	case steps.StatusWarn:
		return s.warn.Render(word)
	case steps.StatusFail:
		return s.fail.Render(word)
	}
	return s.subtle.Render(word)
}

// wrap breaks text at spaces to fit the screen width; indent goes before
// continuation lines. Unlike ansi.Wordwrap it never breaks at a hyphen, which
// would split "--product" and "jira-server://". A word longer than a line is cut.
func wrap(text string, width int, indent string) string {
	limit := width - len(indent)
	if limit < 10 {
		return text
	}
	// One buffer for the result and one for the line being filled: joining
	// strings word by word was most of what drawing a screen allocated.
	var out strings.Builder
	out.Grow(len(text) + len(text)/16*(1+len(indent)))
	lines := 0
	emit := func(line []byte) {
		if lines > 0 {
			out.WriteByte('\n')
			out.WriteString(indent)
		}
		out.Write(line)
		lines++
	}
	var line []byte
	for para := range strings.SplitSeq(text, "\n") {
		// The line's width is kept as words are added: measuring the whole
		// line again for every word made each frame quadratic in its text.
		// Leading spaces are the paragraph's own indent: kept, not collapsed.
		body := strings.TrimLeft(para, " ")
		lead := para[:len(para)-len(body)]
		line = append(line[:0], lead...)
		lineW := len(lead)
		for word := range strings.SplitSeq(body, " ") {
			wordW := textWidth(word)
			switch {
			case string(line) == lead:
				line, lineW = append(line, word...), len(lead)+wordW
			case lineW+1+wordW <= limit:
				line, lineW = append(append(line, ' '), word...), lineW+1+wordW
			default:
				emit(line)
				line, lineW = append(line[:0], word...), wordW
			}
			for lineW > limit {
				l := string(line)
				emit([]byte(ansi.Truncate(l, limit, "")))
				line = append(line[:0], ansi.TruncateLeft(l, limit, "")...)
				lineW = textWidth(string(line))
			}
		}
		emit(line)
	}
	return out.String()
}

// block fits a screen's text into the body: at most h lines, each cut at w
// columns, and empty lines below it up to h, so that the help line stays at
// the bottom. Tabs become four spaces and CRLF a plain line break, as in Lip
// Gloss. Lines are not padded to the widest with spaces, as a Lip Gloss
// block is: the alternate screen is cleared for every frame, and the padding
// was a screenful of blanks for Bubble Tea to parse and draw.
func block(text string, w, h int) string {
	if strings.ContainsAny(text, "\t\r") {
		text = strings.ReplaceAll(strings.ReplaceAll(text, "\t", "    "), "\r\n", "\n")
	}
	lines := strings.SplitN(text, "\n", h+1)
	lines = lines[:min(len(lines), h)]
	for i, l := range lines {
		if textWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	return strings.Join(lines, "\n") + strings.Repeat("\n", h-len(lines))
}

// textWidth is ansi.StringWidth, at once for printable ASCII (a column a
// byte), which is most of what the wizard shows: the width library looks up
// every character's grapheme cluster.
func textWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// link shows a URL as an OSC 8 hyperlink where the terminal can follow one
// (the text is the URL itself, so a terminal that cannot still shows it in
// full); plain text without colour, where escape sequences are unwelcome.
func (s *styles) link(url string) string {
	if s.plain {
		return url
	}
	return s.accent.Hyperlink(url).Render(url)
}

// linkAs is link for a URL too long for the line: the text is label, which a
// terminal that cannot follow the link still shows as words.
func (s *styles) linkAs(url, label string) string {
	if s.plain {
		return label
	}
	return s.accent.Hyperlink(url).Render(label)
}
