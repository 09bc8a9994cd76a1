// Package termsafe makes text that came from a server safe to print on a terminal.
//
// A Jira title, plugin name or error message is attacker-controlled as far as the
// admin's terminal is concerned: an OSC 52 sequence could overwrite the clipboard,
// a title sequence could rename the window, cursor moves could forge a "✓".
package termsafe

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// MaxLen bounds a single server string on screen; longer ones are cut with an ellipsis.
const MaxLen = 512

// String strips escape sequences and every other control character (newlines and
// tabs become spaces), repairs invalid UTF-8 and cuts the result at MaxLen runes.
func String(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = ansi.Strip(s)
	var b strings.Builder
	b.Grow(len(s))
	count := 0
	for _, r := range s {
		if count >= MaxLen {
			b.WriteString("…")
			break
		}
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteRune(' ')
		case unicode.IsControl(r):
			continue
		case unicode.Is(unicode.Cf, r) && r != '\u200d':
			// Bidi overrides and other invisible formatting characters can
			// make text read differently from what it is.
			continue
		default:
			b.WriteRune(r)
		}
		count++
	}
	return strings.TrimSpace(b.String())
}
