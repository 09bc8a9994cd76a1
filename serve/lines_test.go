package serve

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve/servetest"
)

// What a raw terminal sends, read as lines: Enter (CR, or CR LF) ends a
// line, Backspace and Ctrl-U edit it, cursor keys are dropped, and what is
// typed is echoed except while the echo is off.
func TestLineDisciplineEditsAndEchoes(t *testing.T) {
	tests := []struct {
		name, typed string
		noEcho      bool
		lines, echo string
	}{
		{"Enter is CR", "jira\r", false, "jira\n", "jira\n"},
		{"CR LF is one Enter", "a\r\nb\r", false, "a\nb\n", "a\nb\n"},
		{"Backspace", "ab\x7fc\r", false, "ac\n", "ab\b \bc\n"},
		{"Backspace on a wide character", "é\x7f\r", false, "\n", "é\b \b\n"},
		{"Ctrl-U", "abc\x15x\r", false, "x\n", "abc\b \b\b \b\b \bx\n"},
		{"cursor keys", "1\x1b[A\x1bOB2\r", false, "12\n", "12\n"},
		{"a secret is not echoed", "s3cret\x7fT\r", true, "s3creT\n", "\n"},
		{"Ctrl-D at the start of a line ends the input", "last\r\x04ignored\r", false, "last\n", "last\n"},
		{"a tab is kept", "a\tb\r", false, "a\tb\n", "a\tb\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var echo strings.Builder
			d := newLineDiscipline(strings.NewReader(tt.typed), &echo, nil)
			d.SetEcho(!tt.noEcho)
			got, err := io.ReadAll(d)
			if err != nil || string(got) != tt.lines {
				t.Errorf("lines %q (%v), want %q", got, err, tt.lines)
			}
			if echo.String() != tt.echo {
				t.Errorf("echo %q, want %q", echo.String(), tt.echo)
			}
		})
	}
}

func TestLineDisciplineCtrlCInterrupts(t *testing.T) {
	interrupted := false
	d := newLineDiscipline(strings.NewReader("half\x03more\r"), io.Discard, func() { interrupted = true })
	got, _ := io.ReadAll(d)
	if !interrupted || len(got) != 0 {
		t.Errorf("interrupted %v, read %q: want the interrupt and no line", interrupted, got)
	}
}

// A session whose terminal is dumb gets line prompts: the command line with
// no arguments (Exec), reading lines through the line discipline; another
// terminal gets the full-screen program.
func TestDumbTerminalSessionsGetLinePrompts(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.LineMode = func(s Session) bool { return s.Term == "dumb" }
		o.Exec = func(ctx context.Context, s Session, args []string, stdio ExecIO) int {
			stdio.In.(interface{ SetEcho(bool) }).SetEcho(true)
			fmt.Fprintf(stdio.Out, "line mode, args %q\nName: ", args)
			var name string
			if _, err := fmt.Fscanln(stdio.In, &name); err != nil {
				fmt.Fprintf(stdio.Out, "read: %v\n", err)
				return 1
			}
			fmt.Fprintf(stdio.Out, "hello %s\n", name)
			return 0
		}
	})
	dumb := openSession(t, mustDial(t, ts.addr, "admin", ts.key), sessionOpts{pty: true, w: 80, h: 24, term: "dumb"})
	dumb.WaitFor(t, "Name:")
	dumb.send("ann\r")
	if code := dumb.exitStatus(t); code != 0 {
		t.Fatalf("exit %d:\n%s", code, dumb.Screen())
	}
	raw := dumb.Raw()
	if !strings.Contains(raw, "line mode, args []\r\nName: ann\r\nhello ann\r\n") {
		t.Errorf("want the prompt, the typed name echoed and the answer, each line ending in CR LF:\n%q", raw)
	}
	if strings.Contains(raw, "\x1b") {
		t.Errorf("escape sequences on a dumb terminal:\n%q", raw)
	}

	xterm := openSession(t, mustDial(t, ts.addr, "admin", ts.key), sessionOpts{pty: true, w: 80, h: 24})
	xterm.WaitFor(t, "echo for admin")
}

// A command whose reader never turns the echo on (a token read from standard
// input) shows nothing of what is typed; Enter and Ctrl-D still work.
func TestCommandsOnATerminalReadLinesWithoutEcho(t *testing.T) {
	ts := startServer(t, func(o *Options) {
		o.Exec = func(ctx context.Context, s Session, args []string, stdio ExecIO) int {
			fmt.Fprint(stdio.Out, "Token: ")
			b, err := io.ReadAll(stdio.In)
			fmt.Fprintf(stdio.Out, "read %d bytes (%v) ending in %q\n", len(b), err, b[max(len(b)-1, 0):])
			return 0
		}
	})
	gs, err := mustDial(t, ts.addr, "admin", ts.key).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer gs.Close()
	term := servetest.NewTerminal(80, 24)
	gs.Stdout = term
	in, _ := gs.StdinPipe()
	if err := gs.RequestPty("xterm-256color", 24, 80, nil); err != nil {
		t.Fatal(err)
	}
	if err := gs.Start("setup --token-file -"); err != nil {
		t.Fatal(err)
	}
	term.WaitFor(t, "Token:")
	_, _ = in.Write([]byte("s3cret-token\r\x04"))
	if err := gs.Wait(); err != nil {
		t.Fatal(err)
	}
	raw := term.Raw()
	if strings.Contains(raw, "s3cret") || !strings.Contains(raw, `read 13 bytes (<nil>) ending in "\n"`) {
		t.Errorf("want the token read as one line and not shown:\n%q", raw)
	}
}
