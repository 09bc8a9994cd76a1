package ptyrun

import (
	"io"
	"os"
	"testing"
)

// TestAnswersQueriesLikeATerminal: without answers, a program that asks the
// terminal for its background colour waits two seconds per question, and the
// harness would time that instead of the program.
func TestAnswersQueriesLikeATerminal(t *testing.T) {
	tests := []struct {
		name  string
		reads []string
		want  string
	}{
		{"background colour, BEL", []string{"\x1b]11;?\x07"}, "\x1b]11;rgb:0000/0000/0000\x07"},
		{"background colour, ST", []string{"text\x1b]11;?\x1b\\more"}, "\x1b]11;rgb:0000/0000/0000\x1b\\"},
		{"device attributes", []string{"\x1b[c"}, "\x1b[?62;22c"},
		{"both, in order", []string{"\x1b]11;?\x07\x1b[c"}, "\x1b]11;rgb:0000/0000/0000\x07\x1b[?62;22c"},
		{"a query split across reads", []string{"frame\x1b]1", "1;?\x07"}, "\x1b]11;rgb:0000/0000/0000\x07"},
		{"a query is answered once", []string{"\x1b[c", "after"}, "\x1b[?62;22c"},
		{"other sequences are not queries", []string{"\x1b[?25l\x1b[2J\x1b[H"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			p := &Proc{ptmx: w}
			var tail []byte
			for _, read := range tt.reads {
				tail = p.answer(append(tail, read...))
			}
			w.Close()
			got, _ := io.ReadAll(r)
			if string(got) != tt.want {
				t.Errorf("answered %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTitlesListsWhatTheProgramSet(t *testing.T) {
	out := append(TitleSeq("mobile-oauth-wizard: welcome"), "\x1b[2Jtext"...)
	out = append(out, "\x1b]2;mobile-oauth-wizard: connect\x1b\\more"...)
	got := Titles(out)
	if len(got) != 2 || got[0] != "mobile-oauth-wizard: welcome" || got[1] != "mobile-oauth-wizard: connect" {
		t.Fatalf("Titles = %q", got)
	}
}
