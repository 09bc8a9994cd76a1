package ui

import (
	"image/color"
	"strings"

	"charm.land/bubbles/v2/help"
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
	help    help.Styles
	// ascii: no colour and no UTF-8 locale, so marks are ASCII.
	ascii bool
	// plain: no colour, so no hyperlinks either.
	plain bool
}

func newStyles(dark, noColor bool) styles {
	if noColor {
		plain := lipgloss.NewStyle()
		return styles{
			title: plain.Bold(true), subtle: plain, ok: plain, warn: plain, fail: plain.Bold(true),
			errText: plain.Bold(true), accent: plain, chosen: plain.Bold(true),
			help: help.Styles{ShortKey: plain, ShortDesc: plain, ShortSeparator: plain, Ellipsis: plain,
				FullKey: plain, FullDesc: plain, FullSeparator: plain},
		}
	}
	ld := lipgloss.LightDark(dark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	return styles{
		title:   lipgloss.NewStyle().Bold(true).Foreground(c("#5A3FC0", "#B8A6FF")),
		subtle:  lipgloss.NewStyle().Foreground(c("#6B6B6B", "#A4A4A4")),
		ok:      lipgloss.NewStyle().Foreground(c("#1B7F3B", "#5FD787")),
		warn:    lipgloss.NewStyle().Foreground(c("#9A6700", "#FFD75F")),
		fail:    lipgloss.NewStyle().Bold(true).Foreground(c("#B3261E", "#FF6B6B")),
		errText: lipgloss.NewStyle().Foreground(c("#B3261E", "#FF8787")),
		accent:  lipgloss.NewStyle().Foreground(c("#005FAF", "#87D7FF")),
		chosen:  lipgloss.NewStyle().Bold(true).Foreground(c("#5A3FC0", "#B8A6FF")),
		help:    helpStyles(c),
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

// marks are the check command's: the same ✓ ! ✗ on every front-end.
var marks = map[steps.Status]string{steps.StatusOK: "✓", steps.StatusWarn: "!", steps.StatusFail: "✗", steps.StatusSkip: "-"}

// asciiMarks stand in where neither colour nor Unicode can be shown.
var asciiMarks = map[steps.Status]string{steps.StatusOK: "+", steps.StatusWarn: "!", steps.StatusFail: "x", steps.StatusSkip: "-"}

// status renders a check verdict as its mark.
func (s styles) status(st steps.Status) string {
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
	var out []string
	for _, para := range strings.Split(text, "\n") {
		// The line's width is kept as words are added: measuring the whole
		// line again for every word made each frame quadratic in its text.
		// Leading spaces are the paragraph's own indent: kept, not collapsed.
		body := strings.TrimLeft(para, " ")
		lead := para[:len(para)-len(body)]
		line, lineW := lead, len(lead)
		for _, word := range strings.Split(body, " ") {
			wordW := ansi.StringWidth(word)
			switch {
			case line == lead:
				line, lineW = lead+word, len(lead)+wordW
			case lineW+1+wordW <= limit:
				line, lineW = line+" "+word, lineW+1+wordW
			default:
				out = append(out, line)
				line, lineW = word, wordW
			}
			for lineW > limit {
				out = append(out, ansi.Truncate(line, limit, ""))
				line = ansi.TruncateLeft(line, limit, "")
				lineW = ansi.StringWidth(line)
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n"+indent)
}

// link shows a URL as an OSC 8 hyperlink where the terminal can follow one
// (the text is the URL itself, so a terminal that cannot still shows it in
// full); plain text without colour, where escape sequences are unwelcome.
func (s styles) link(url string) string {
	if s.plain {
		return url
	}
	return s.accent.Hyperlink(url).Render(url)
}

// linkAs is link for a URL too long for the line: the text is label, which a
// terminal that cannot follow the link still shows as words.
func (s styles) linkAs(url, label string) string {
	if s.plain {
		return label
	}
	return s.accent.Hyperlink(url).Render(label)
}
