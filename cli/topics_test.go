package cli

import (
	"os"
	"strings"
	"testing"
	"unicode"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// readmeTable is the table under a README heading, as rows of cells without
// the backquotes of code spans.
func readmeTable(t *testing.T, heading string) []topicRow {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q", heading)
	}
	var rows []topicRow
	started := false
	for line := range strings.Lines(after) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			if started {
				break
			}
			continue
		}
		started = true
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 2 || strings.HasPrefix(strings.TrimSpace(cells[0]), "---") {
			continue
		}
		rows = append(rows, topicRow{strings.ReplaceAll(strings.TrimSpace(cells[0]), "`", ""), strings.ReplaceAll(strings.TrimSpace(cells[1]), "`", "")})
	}
	return rows[1:] // the header
}

// TestHelpTopicsAreTheREADMEsTables: help exit-codes and help environment
// print the README's tables, word for word, within 80 columns.
func TestHelpTopicsAreTheREADMEsTables(t *testing.T) {
	for _, tt := range []struct{ topic, heading string }{
		{"exit-codes", "### Exit codes"},
		{"environment", "### Environment"},
	} {
		t.Run(tt.topic, func(t *testing.T) {
			want := readmeTable(t, tt.heading)
			r := run(t, map[string]string{"COLUMNS": "80"}, "help", tt.topic)
			if r.code != ExitOK || len(want) < 5 {
				t.Fatalf("exit %d, %d README rows\n%s%s", r.code, len(want), r.stdout, r.stderr)
			}
			text := flat(r.stdout)
			for _, row := range want {
				if !strings.Contains(text, row.key+" "+row.meaning) {
					t.Errorf("help %s lacks the README's row %q: %q", tt.topic, row.key, row.meaning)
				}
			}
			for _, topic := range helpTopics {
				if topic.name == tt.topic && len(topic.rows) != len(want) {
					t.Errorf("help %s has %d rows, the README %d", tt.topic, len(topic.rows), len(want))
				}
			}
			for _, line := range strings.Split(r.stdout, "\n") {
				if len([]rune(line)) > 80 {
					t.Errorf("line wider than 80 columns: %q", line)
				}
			}
		})
	}
	if r := run(t, nil, "--help"); !strings.Contains(r.stdout, "exit-codes") || !strings.Contains(r.stdout, "environment") {
		t.Errorf("--help does not list the help topics:\n%s", r.stdout)
	}
}

// TestManPageReadsAsAManPage: no markdown backquotes, the value after each
// flag as help shows it, and EXIT STATUS, ENVIRONMENT and EXAMPLES sections.
func TestManPageReadsAsAManPage(t *testing.T) {
	r := run(t, nil, "man")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if n := strings.Count(r.stdout, "`"); n > 0 {
		t.Errorf("%d backquotes in the man page", n)
	}
	// troff reads Latin-1: a UTF-8 "…" renders as garbage and fails the release check.
	if i := strings.IndexFunc(r.stdout, func(c rune) bool { return c > unicode.MaxASCII }); i >= 0 {
		t.Errorf("a non-ASCII character in the man page: %q", r.stdout[max(0, i-40):min(len(r.stdout), i+10)])
	}
	for _, want := range []string{".SH EXIT STATUS", ".SH ENVIRONMENT", ".SH EXAMPLES", `\fB130\fR`, `\fBMOBILE_OAUTH_TOKEN\fR`,
		"--output FILE", "mobile-oauth-wizard setup --url https://jira.example.com"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the man page lacks %q", want)
		}
	}
}

// TestCompletionDescriptionsHaveNoBackquotes: the shells show each flag's
// text as its description: without the backquotes that mark its value.
func TestCompletionDescriptionsHaveNoBackquotes(t *testing.T) {
	r := run(t, nil, "__complete", "setup", "--")
	if !strings.Contains(r.stdout, "--mode\tsetup MODE: mdm or non-mdm") || strings.Contains(r.stdout, "`") {
		t.Errorf("completions:\n%s", r.stdout)
	}
}

// TestServeHelpListsOnlyItsFlags: serve takes no credentials, terminal or
// request log of its own.
func TestServeHelpListsOnlyItsFlags(t *testing.T) {
	r := run(t, map[string]string{"COLUMNS": "80"}, "serve", "--help")
	for _, flag := range []string{"--token-file", "--user", "--accessible", "--debug"} {
		if strings.Contains(r.stdout, flag+" ") {
			t.Errorf("serve --help lists %s:\n%s", flag, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "--url URL") || !strings.Contains(r.stdout, "--authorized-keys FILE") {
		t.Errorf("serve --help lacks its own flags:\n%s", r.stdout)
	}
}

// TestTypoGetsDidYouMean: a mistyped command names the one that was meant.
func TestTypoGetsDidYouMean(t *testing.T) {
	r := run(t, nil, "chek", "--url", "https://jira.example.com")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "did you mean check?") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
}

// TestRemoveSaysNothingToRemoveOnce: with no link, one line; the question
// "Type yes" takes yes only.
func TestRemoveSaysNothingToRemoveOnce(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	r := runOn(t, env, tokenEnv(simtest.SysadminToken), "remove", "--url", env.URL, "--yes")
	if r.code != ExitOK || strings.Count(r.stderr, "nothing to remove") != 1 {
		t.Errorf("exit %d, want one 'nothing to remove' line:\n%s", r.code, r.stderr)
	}
	env.Sim.AddClient("Jira iOS app", []string{"jira-server://oauth-callback"}, "WRITE")
	for _, answer := range []string{"y", "YES please", ""} {
		r = runIO(t, env.Transport, answer+"\n", true, tokenEnv(simtest.SysadminToken), "remove", "--url", env.URL)
		if r.code == ExitOK || len(env.Sim.Clients()) != 1 {
			t.Fatalf("%q deleted the link (exit %d):\n%s", answer, r.code, r.stderr)
		}
	}
	r = runIO(t, env.Transport, "yes\n", true, tokenEnv(simtest.SysadminToken), "remove", "--url", env.URL)
	if r.code != ExitOK || len(env.Sim.Clients()) != 0 {
		t.Errorf("yes did not delete the link (exit %d):\n%s", r.code, r.stderr)
	}
}
