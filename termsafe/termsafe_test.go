package termsafe

import (
	"strings"
	"testing"
)

func TestStringMakesHostileTextInert(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Jira Software", "Jira Software"},
		{"osc52 clipboard", "Evil\x1b]52;c;cm0gLXJmIC8=\x07Jira", "EvilJira"},
		{"title set", "\x1b]0;pwned\x1b\\Jira", "Jira"},
		{"hyperlink", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", "click"},
		{"cursor moves", "ok\x1b[2A\x1b[2K✓ fine", "ok✓ fine"},
		{"colour", "\x1b[31mred\x1b[0m", "red"},
		{"bare ESC sequence and BEL", "a\x1bb\x07c", "ac"},
		{"C1 CSI loses its introducer", "a\u009b31mb", "a31mb"},
		{"newlines fold", "line1\nline2\r\n", "line1 line2"},
		{"bidi override", "abc\u202edef", "abcdef"},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := String(tt.in)
			if got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if strings.ContainsAny(got, "\x1b\x07\u009b") {
				t.Errorf("control characters survived: %q", got)
			}
		})
	}
}

func TestStringBoundsLength(t *testing.T) {
	got := String(strings.Repeat("x", 10000))
	if n := len([]rune(got)); n != MaxLen+1 || !strings.HasSuffix(got, "…") {
		t.Fatalf("len = %d, want %d runes ending in an ellipsis", n, MaxLen+1)
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"", "Jira", "\x1b]52;c;AAAA\x07", "\x1b[31mx", "\u009b1m", "a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := String(s)
		for _, r := range got {
			if r < 0x20 || (r >= 0x7f && r < 0xa0) {
				t.Fatalf("control rune %U in %q (from %q)", r, got, s)
			}
		}
		if String(got) != got {
			t.Fatalf("not idempotent: %q -> %q", got, String(got))
		}
	})
}
