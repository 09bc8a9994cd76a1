package servetest

import (
	"strings"
	"testing"
	"time"
)

func TestTerminalScreen(t *testing.T) {
	tests := []struct {
		name   string
		w, h   int
		writes []string
		want   string
	}{
		{"plain text and newlines", 10, 3, []string{"ab\r\ncd"}, "ab\ncd"},
		{"line feed keeps the column", 10, 3, []string{"ab\ncd"}, "ab\n  cd"},
		{"colours are ignored", 10, 2, []string{"\x1b[1;38;5;200mhi\x1b[m!"}, "hi!"},
		{"cursor position overwrites", 10, 3, []string{"hello", "\x1b[1;2HA", "\x1b[3;4HZ"}, "hAllo\n\n   Z"},
		{"relative moves", 10, 3, []string{"abc\x1b[2D\x1b[BX\x1b[AY"}, "abY\n X"},
		{"column absolute", 10, 1, []string{"abcdef\x1b[3Gx"}, "abxdef"},
		{"erase line right", 10, 1, []string{"abcdef\x1b[3G\x1b[K"}, "ab"},
		{"erase line left", 10, 1, []string{"abcdef\x1b[3G\x1b[1K"}, "   def"},
		{"erase below", 5, 3, []string{"aaaaa\r\nbbbbb\r\nccccc\x1b[2;3H\x1b[J"}, "aaaaa\nbb"},
		{"erase screen", 5, 2, []string{"abc\r\ndef\x1b[2J"}, ""},
		{"erase characters", 10, 1, []string{"abcdef\x1b[2G\x1b[3X"}, "a   ef"},
		{"insert characters", 10, 1, []string{"abcdef\x1b[2G\x1b[2@XY"}, "aXYbcdef"},
		{"delete characters", 10, 1, []string{"abcdef\x1b[2G\x1b[2P"}, "adef"},
		{"deferred wrap", 3, 2, []string{"abc", "d"}, "abc\nd"},
		{"a style change keeps the pending wrap", 3, 2, []string{"abc\x1b[31md"}, "abc\nd"},
		{"a cursor move cancels the pending wrap", 3, 2, []string{"abc\x1b[2Gd"}, "adc"},
		{"no wrap when autowrap is off", 3, 2, []string{"\x1b[?7labcd"}, "abd"},
		{"scrolls at the bottom", 3, 2, []string{"a\r\nb\r\nc"}, "b\nc"},
		{"insert lines", 3, 3, []string{"a\r\nb\r\nc\x1b[2H\x1b[L"}, "a\n\nb"},
		{"delete lines", 3, 3, []string{"a\r\nb\r\nc\x1b[H\x1b[M"}, "b\nc"},
		{"scroll region", 3, 4, []string{"a\r\nb\r\nc\r\nd\x1b[2;3r\x1b[3H\n\x1b[r"}, "a\nc\n\nd"},
		{"reverse index scrolls down", 3, 2, []string{"a\r\nb\x1b[H\x1bM"}, "\na"},
		{"alternate screen keeps the main one", 5, 2, []string{"main\x1b[?1049h\x1b[Halt", "\x1b[?1049l"}, "main"},
		{"alternate screen shows its own content", 5, 2, []string{"main\x1b[?1049h\x1b[Halt"}, "alt"},
		{"save and restore cursor", 10, 1, []string{"ab\x1b7cd\x1b8X"}, "abXd"},
		{"repeat", 10, 1, []string{"a\x1b[3b"}, "aaaa"},
		{"wide characters", 6, 1, []string{"日本x"}, "日本x"},
		{"utf-8 split across writes", 6, 1, []string{"\xe6\x97", "\xa5"}, "日"},
		{"sequence split across writes", 10, 1, []string{"abc\x1b[", "2Dx"}, "axc"},
		{"tab stops", 20, 1, []string{"a\tb"}, "a       b"},
		{"queries are ignored", 10, 1, []string{"\x1b[?2026$p\x1b]11;?\x07ok"}, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term := NewTerminal(tt.w, tt.h)
			for _, w := range tt.writes {
				_, _ = term.Write([]byte(w))
			}
			if got := term.Screen(); got != tt.want {
				t.Errorf("screen:\n%q\nwant:\n%q", got, tt.want)
			}
		})
	}
}

func TestTerminalResizeKeepsContent(t *testing.T) {
	term := NewTerminal(10, 3)
	_, _ = term.Write([]byte("abcdefgh\r\nline2"))
	term.Resize(4, 5)
	if got, want := term.Screen(), "abcd\nline"; got != want {
		t.Errorf("screen %q, want %q", got, want)
	}
	if w, h := term.Size(); w != 4 || h != 5 {
		t.Errorf("size %dx%d, want 4x5", w, h)
	}
}

func TestTerminalWaitFor(t *testing.T) {
	term := NewTerminal(20, 2)
	go func() {
		for _, s := range []string{"wor", "king", "\r\ndone"} {
			_, _ = term.Write([]byte(s))
		}
	}()
	screen := term.WaitFor(t, "done")
	if !strings.HasPrefix(screen, "working") {
		t.Errorf("screen %q", screen)
	}
}

func TestTerminalWaitGivesUp(t *testing.T) {
	tests := []struct {
		name  string
		setup func(*Terminal)
		why   string
	}{
		{"output ended", func(term *Terminal) { term.Close() }, "the output ended first"},
		{"timeout", func(term *Terminal) { term.Timeout = time.Millisecond }, "timed out"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			term := NewTerminal(10, 1)
			_, _ = term.Write([]byte("partial"))
			tt.setup(term)
			screen, why := term.waitUntil(func(s string) bool { return strings.Contains(s, "never") })
			if !strings.Contains(why, tt.why) || screen != "partial" {
				t.Errorf("waitUntil = %q, %q; want the last screen and %q", screen, why, tt.why)
			}
		})
	}
}
