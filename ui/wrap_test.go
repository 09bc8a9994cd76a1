package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		width      int
		want       string
	}{
		{"short", "run with --product jira", 40, "run with --product jira"},
		{"never at a hyphen", "aaaa bbbb --product jira-server://oauth-callback", 30, "aaaa bbbb --product\n  jira-server://oauth-callback"},
		{"long word is cut", strings.Repeat("x", 25), 22, strings.Repeat("x", 20) + "\n  xxxxx"},
		{"newlines kept", "a\nb", 20, "a\n  b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := wrap(tc.text, tc.width, "  ")
			if got != tc.want {
				t.Errorf("wrap = %q, want %q", got, tc.want)
			}
			for _, l := range strings.Split(got, "\n") {
				if ansi.StringWidth(l) > tc.width {
					t.Errorf("line %q wider than %d", l, tc.width)
				}
			}
		})
	}
}
