package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/screentest"
)

func TestRunTableAt80Columns(t *testing.T) {
	names := []string{
		"jira.example.com",
		"confluence.intranet.example.com/wiki",
		"jira-staging.a-rather-long-subdomain.example.com/jira",
		"wiki-staging.example.com",
	}
	m := NewRunTable(names, true)
	for _, msg := range []tea.Msg{
		tea.WindowSizeMsg{Width: 80, Height: 24},
		RowMsg{Index: 0, State: RowDone, Detail: "Jira 10.3.0 · link created"},
		RowMsg{Index: 1, State: RowRunning},
		RowMsg{Index: 2, State: RowFailed, Code: 3, Detail: "Jira 9.4.0 · not ready: Jira version, OAuth 2.0 provider plugin, Jira Mobile plugin"},
	} {
		m.Update(msg)
	}
	view := m.Render()
	lines := strings.Split(strings.TrimRight(ansi.Strip(view), "\n"), "\n")
	if len(lines) != 1+len(names)+1 {
		t.Fatalf("want a header, %d rows and the counts; got %d lines:\n%s", len(names), len(lines), view)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 80 {
			t.Errorf("line %d is %d columns wide:\n%s", i, w, l)
		}
	}
	for i, want := range [][]string{
		{"Instance", "Status", "Result"},
		{"jira.example.com", "✓ done", "Jira 10.3.0 · link created"},
		{"confluence.intranet", "running"},
		{"jira-staging", "✗ exit 3", "Jira 9.4.0 · not ready", "…"},
		{"wiki-staging.example.com", "waiting"},
		{"1 done, 1 not done, 1 running, 1 waiting"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d lacks %q: %q", i, w, lines[i])
			}
		}
	}
	if strings.Contains(view, "38;") {
		t.Errorf("no colour asked, but the table has colours: %q", view)
	}
}

func TestRunTableKeepsToASmallTerminal(t *testing.T) {
	names := make([]string, 30)
	for i := range names {
		names[i] = fmt.Sprintf("jira-%02d.example.com", i)
	}
	m := NewRunTable(names, true)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 12})
	for i := range 25 {
		m.Update(RowMsg{Index: i, State: RowDone, Detail: "ready"})
	}
	m.Update(RowMsg{Index: 27, State: RowFailed, Code: 5, Detail: "unreachable"})
	m.Update(RowMsg{Index: 28, State: RowRunning})
	view := ansi.Strip(m.Render())
	lines := strings.Split(strings.TrimRight(view, "\n"), "\n")
	if len(lines) > 11 {
		t.Fatalf("%d lines on a 12-line terminal:\n%s", len(lines), view)
	}
	// What needs attention comes first: running, failed, waiting.
	for i, want := range []string{"jira-28", "jira-27", "jira-25", "jira-26", "jira-29"} {
		if !strings.Contains(lines[1+i], want) {
			t.Errorf("row %d = %q, want %s", i, lines[1+i], want)
		}
	}
	if !strings.Contains(lines[len(lines)-1], "25 done, 1 not done, 1 running, 3 waiting (21 not shown)") {
		t.Errorf("counts = %q", lines[len(lines)-1])
	}
}

// The table as a program: it draws on its output, keeps its spinner turning,
// and ends when the run says so.
func TestRunTableProgram(t *testing.T) {
	m := NewRunTable([]string{"jira.example.com", "wiki.example.com"}, false)
	tm := screentest.Start(t, m, 80, 24)
	tm.Send(RowMsg{Index: 0, State: RowRunning})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return strings.Contains(string(b), "running") },
		teatest.WithDuration(5*time.Second))
	tm.Send(RowMsg{Index: 0, State: RowDone, Detail: "Jira 10.3.0 · link reused"})
	tm.Send(RowMsg{Index: 1, State: RowFailed, Code: 4, Detail: "not a system administrator"})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		s := ansi.Strip(string(b))
		return strings.Contains(s, "link reused") && strings.Contains(s, "✗ exit 4")
	}, teatest.WithDuration(5*time.Second))
	tm.Send(RunDoneMsg{})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	final := tm.FinalModel(t).(*RunTable).Render()
	if !strings.Contains(final, "1 done, 1 not done, 0 running, 0 waiting") {
		t.Errorf("final table:\n%s", final)
	}
}
