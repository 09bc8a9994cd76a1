package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// RowState is where one instance of a run over several is.
type RowState int

const (
	RowWaiting RowState = iota // not started: --parallel instances are running
	RowRunning
	RowDone
	RowFailed
)

// RowMsg updates one instance's row.
type RowMsg struct {
	Index  int
	State  RowState
	Detail string // what the instance came to, in a few words
	Code   int    // the exit code of a failed instance
}

// RunDoneMsg ends the table: every instance has finished.
type RunDoneMsg struct{}

type runRow struct {
	name, detail string
	state        RowState
	code         int
}

// RunTable is the live table of a run over several instances, drawn on
// stderr while the command runs: one row per instance, a spinner on those
// that are running. It reads no keys; the run ends it with RunDoneMsg.
type RunTable struct {
	rows          []runRow
	spin          spinner.Model
	st            *styles
	width, height int
}

// defaultRunWidth is the width drawn to before the terminal reports its own.
const defaultRunWidth = 80

// NewRunTable is the table for the named instances, all waiting.
func NewRunTable(names []string, noColor bool) *RunTable {
	rows := make([]runRow, len(names))
	for i, n := range names {
		rows[i] = runRow{name: n}
	}
	return &RunTable{
		rows:  rows,
		spin:  spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		st:    newStyles(true, noColor, false),
		width: defaultRunWidth,
	}
}

func (m *RunTable) Init() tea.Cmd { return m.spin.Tick }

func (m *RunTable) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		if msg.Width > 0 {
			m.width, m.height = msg.Width, msg.Height
		}
	case RowMsg:
		if msg.Index >= 0 && msg.Index < len(m.rows) {
			r := &m.rows[msg.Index]
			r.state, r.detail, r.code = msg.State, msg.Detail, msg.Code
		}
	case RunDoneMsg:
		return m, tea.Quit
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *RunTable) View() tea.View { return tea.NewView(m.Render()) }

// Render is the table at the current width, and a line with the counts.
func (m *RunTable) Render() string {
	nameW := 0
	for _, r := range m.rows {
		nameW = max(nameW, lipgloss.Width(r.name))
	}
	const statusW, pad = 12, 2 // each cell has one space either side
	nameW = min(max(nameW, len("Instance")), 36, max(12, m.width/3))
	detailW := max(10, m.width-3*pad-nameW-statusW)

	shown := m.visible()
	rows := make([]table.Row, 0, len(shown))
	for _, i := range shown {
		r := m.rows[i]
		rows = append(rows, table.Row{r.name, m.status(r), r.detail})
	}
	plain := lipgloss.NewStyle()
	t := table.New(
		table.WithColumns([]table.Column{
			{Title: "Instance", Width: nameW},
			{Title: "Status", Width: statusW},
			{Title: "Result", Width: detailW},
		}),
		table.WithRows(rows),
		table.WithHeight(len(rows)+1),
		table.WithWidth(nameW+statusW+detailW+3*pad),
		table.WithFocused(false),
		table.WithStyles(table.Styles{
			Header:   m.st.title.Padding(0, 1),
			Cell:     plain.Padding(0, 1),
			Selected: plain,
		}),
	)
	return strings.TrimRight(t.View(), "\n") + "\n" + m.st.subtle.Render(m.counts(len(shown))) + "\n"
}

// visible is the rows that fit the terminal: all of them in the order given
// when they fit, else the running and failed ones first, then the waiting,
// then the done (the final report lists every instance anyway).
func (m *RunTable) visible() []int {
	room := len(m.rows)
	if m.height > 0 {
		room = max(1, m.height-3) // header, counts, and the line the cursor rests on
	}
	all := make([]int, 0, len(m.rows))
	if room >= len(m.rows) {
		for i := range m.rows {
			all = append(all, i)
		}
		return all
	}
	for _, st := range []RowState{RowRunning, RowFailed, RowWaiting, RowDone} {
		for i, r := range m.rows {
			if r.state == st {
				all = append(all, i)
			}
		}
	}
	return all[:room]
}

func (m *RunTable) status(r runRow) string {
	switch r.state {
	case RowRunning:
		return m.spin.View() + " running"
	case RowDone:
		return m.st.ok.Render("✓ done")
	case RowFailed:
		return m.st.fail.Render(fmt.Sprintf("✗ exit %d", r.code))
	}
	return m.st.subtle.Render("· waiting")
}

func (m *RunTable) counts(shown int) string {
	var n [4]int
	for _, r := range m.rows {
		n[r.state]++
	}
	s := fmt.Sprintf("%d done, %d not done, %d running, %d waiting", n[RowDone], n[RowFailed], n[RowRunning], n[RowWaiting])
	if hidden := len(m.rows) - shown; hidden > 0 {
		s += fmt.Sprintf(" (%d not shown)", hidden)
	}
	return s
}
