package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestAccessibleDemoFromTheCommandLine answers every prompt with Enter through a
// pipe: plain lines, no escape sequences, and the site list at the end.
func TestAccessibleDemoFromTheCommandLine(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"flag", []string{"--demo", "--accessible"}, nil},
		{"env", []string{"--demo"}, map[string]string{"ACCESSIBLE": "1"}},
		// A terminal that cannot redraw gets line prompts, not the full screen.
		{"TERM=dumb", []string{"--demo"}, map[string]string{"TERM": "dumb"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir()) // a wrong default could write files here; never into the source tree
			var out, errb bytes.Buffer
			stdio := &IO{
				In: strings.NewReader(strings.Repeat("\n", 30)), Out: &out, Err: &errb,
				Getenv:     func(k string) string { return tt.env[k] },
				IsTerminal: func() bool { return tt.env["TERM"] != "" },
			}
			root := NewRootCommand(BuildInfo{Version: "test"}, stdio)
			root.SetArgs(tt.args)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := root.ExecuteContext(ctx); err != nil {
				t.Fatalf("exit %d: %v\n%s%s", ExitCode(err), err, out.String(), errb.String())
			}
			text := out.String()
			if strings.Contains(text, "\x1b") {
				t.Fatalf("accessible mode wrote escape sequences:\n%q", text)
			}
			if !strings.Contains(text, `"clientID"`) || !strings.Contains(text, "https://jira.example.com") {
				t.Fatalf("no site list at the end:\n%s", text)
			}
			if strings.Contains(text, demoToken) {
				t.Fatal("the token was printed")
			}
			if entries, _ := os.ReadDir("."); len(entries) != 0 {
				t.Fatalf("Enter alone wrote %d file(s); saving must be asked for", len(entries))
			}
		})
	}
}

// TestAccessibleStopsAtEndOfInput: a closed stdin is an answer, not a hang: the
// run stops at the first question with an error that says the input ended.
func TestAccessibleStopsAtEndOfInput(t *testing.T) {
	var out, errb bytes.Buffer
	stdio := &IO{In: strings.NewReader(""), Out: &out, Err: &errb,
		Getenv: func(string) string { return "" }, IsTerminal: func() bool { return false }}
	root := NewRootCommand(BuildInfo{Version: "test"}, stdio)
	root.SetArgs([]string{"--demo", "--accessible"})
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(context.Background()) }()
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("accessible mode hung on a closed stdin:\n%s", out.String())
	}
	if err == nil || ExitCode(err) == ExitOK || !strings.Contains(strings.ToLower(describe(err)), "input") {
		t.Fatalf("exit %d, err %v: want a failure that says the input ended\n%s%s", ExitCode(err), err, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "Base URL") {
		t.Errorf("the first question was never asked:\n%s", out.String())
	}
	if strings.Contains(out.String()+errb.String(), "\x1b") {
		t.Errorf("accessible mode wrote escape sequences:\n%q", out.String())
	}
}
