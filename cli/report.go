package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// jsonCheck is a check in --json output.
type jsonCheck struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Remedy string `json:"remedy,omitempty"`
}

// jsonStatus is the envelope every --json object carries, whatever the
// command: ok is exitCode == 0, and exitCode is the process's exit status.
type jsonStatus struct {
	OK       bool `json:"ok"`
	ExitCode int  `json:"exitCode"`
}

func (s *jsonStatus) setExit(code int) { s.OK, s.ExitCode = code == ExitOK, code }

// jsonResult is the one object --json prints on stdout.
type jsonResult struct {
	jsonStatus
	Product    string      `json:"product,omitempty"`
	Version    string      `json:"version,omitempty"`
	Title      string      `json:"title,omitempty"`
	BaseURL    string      `json:"baseUrl,omitempty"`
	Compatible bool        `json:"compatible"`
	Checks     []jsonCheck `json:"checks"`
	Mode       string      `json:"mode,omitempty"`
	ClientID   string      `json:"clientId,omitempty"`
	LinkName   string      `json:"linkName,omitempty"`
	Changed    *bool       `json:"changed,omitempty"`
	DryRun     bool        `json:"dryRun,omitempty"`
	Requests   []string    `json:"requests,omitempty"`
	// App is the iOS app whose site list the instance's site goes to.
	App string `json:"app,omitempty"`
	// Sites are the site lists keyed by app ({"jira": [...]}): with
	// --output, each file's whole list as written.
	Sites *steps.SiteLists `json:"sites,omitempty"`
	// Output is each app's file; NotChecked, the sites of those files whose
	// app could not be asked (kept).
	Output     map[steps.App]string   `json:"output,omitempty"`
	NotChecked map[steps.App][]string `json:"notChecked,omitempty"`
	// Verify is setup's last step, unless skipped.
	Verify *jsonVerify `json:"verify,omitempty"`
	// Push is each app's push into the MDM (--push), keyed by app.
	Push   map[string]*jsonPush `json:"push,omitempty"`
	Error  string               `json:"error,omitempty"`
	Remedy string               `json:"remedy,omitempty"`
}

func (j *jsonResult) fill(r *steps.Report, ph fix.Phraser) {
	if r == nil {
		return
	}
	if d := r.Detection; d != nil {
		j.Product, j.Version, j.Title, j.BaseURL = string(d.Product), d.Version, d.Title, d.InstanceBaseURL
		j.App = string(steps.AppFor(d.Product))
	}
	j.Compatible = r.Compatible()
	j.Checks = jsonChecks(r.Checks, ph)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

var statusMark = map[steps.Status]string{
	steps.StatusOK: "✓", steps.StatusWarn: "!", steps.StatusFail: "✗", steps.StatusSkip: "-",
}

// reportWidth is the width check, verify and setup reports are wrapped to:
// 80 columns (the narrowest terminal the wizard supports, and a comfortable
// line), or COLUMNS when it is narrower. The terminal is not asked: a report
// may go to a file, a pipe or an SSH session.
func reportWidth(getenv func(string) string) int {
	if n, err := strconv.Atoi(strings.TrimSpace(getenv("COLUMNS"))); err == nil && n > 0 {
		return max(min(n, helpWidth), 40)
	}
	return helpWidth
}

// printReport writes the checks as lines a person reads: mark, name, detail,
// remedy, each wrapped to width.
func printReport(w io.Writer, r *steps.Report, ph fix.Phraser, width int) {
	if d := r.Detection; d != nil {
		fmt.Fprintln(w, wrapText(fmt.Sprintf("%s %s %q at %s", d.Product.Title(), d.Version, d.Title, firstNonEmpty(d.InstanceBaseURL, "(base URL not reported)")), width, 0))
		fmt.Fprintln(w)
	}
	printChecks(w, r.Checks, ph, width)
	fmt.Fprintln(w)
	if r.Compatible() {
		fmt.Fprintln(w, wrapText(r.Verdict(), width, 0))
	} else {
		fmt.Fprintln(w, wrapText(r.Verdict()+" Fix what the arrows say, then run again.", width, 0))
	}
}

// maxNameColumn bounds the column of check names: a longer name puts its
// detail on the next line rather than squeezing every detail.
const maxNameColumn = 34

// printChecks writes checks (or probes) as lines: mark, name, detail, and the
// remedy under anything that is not ok. Details and remedies wrap within
// width, under the detail column, so a report reads as a table at 80 columns
// and every word stays as written (only spaces become line breaks).
func printChecks(w io.Writer, checks []steps.Check, ph fix.Phraser, width int) {
	name := 0
	for _, c := range checks {
		if n := ansi.StringWidth(c.Name); n <= maxNameColumn {
			name = max(name, n)
		}
	}
	col := 2 + name + 2 // mark, space, name, two spaces
	for _, c := range checks {
		remedy := ""
		if c.Status != steps.StatusOK {
			remedy = checkRemedy(c, ph)
		}
		indent := col
		if ansi.StringWidth(c.Name) > name || longestWord(c.Detail) > width-col || longestWord(remedy) > width-col-2 {
			// A word that does not fit the column (a long URL) is not
			// broken: the text goes under the name, with the line's width.
			indent = 4
		}
		pad := strings.Repeat(" ", indent)
		head := statusMark[c.Status] + " " + c.Name
		detail := wrapWords(c.Detail, width-indent)
		switch {
		case len(detail) == 0:
			fmt.Fprintln(w, head)
		case indent != col:
			fmt.Fprintln(w, head)
			fmt.Fprintln(w, pad+strings.Join(detail, "\n"+pad))
		default:
			head += strings.Repeat(" ", col-ansi.StringWidth(head))
			fmt.Fprintln(w, head+strings.Join(detail, "\n"+pad))
		}
		if remedy != "" {
			lines := wrapWords(remedy, width-indent-2)
			fmt.Fprintln(w, pad+"→ "+strings.Join(lines, "\n"+pad+"  "))
		}
	}
}

func longestWord(s string) int {
	n := 0
	for _, w := range strings.Fields(s) {
		n = max(n, ansi.StringWidth(w))
	}
	return n
}

// jsonChecks is checks (or probes) as --json carries them.
func jsonChecks(checks []steps.Check, ph fix.Phraser) []jsonCheck {
	out := make([]jsonCheck, 0, len(checks))
	for _, c := range checks {
		out = append(out, jsonCheck{ID: c.ID, Name: c.Name, OK: c.OK(), Status: c.Status.String(), Detail: c.Detail, Remedy: checkRemedy(c, ph)})
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// jsonOutput is a command's --json object, which carries any error and the
// exit code too.
type jsonOutput interface {
	setError(message, remedy string)
	setExit(code int)
}

func (j *jsonResult) setError(message, remedy string) { j.Error, j.Remedy = message, remedy }

// withJSON runs a command body; with --json, human text goes to stderr and stdout
// gets exactly one object, the error included, whatever happened.
func withJSON(g *globalOptions, asJSON bool, res jsonOutput, body func(human io.Writer) error) error {
	human := g.io.Out
	if asJSON {
		human = g.io.Err
	}
	err := body(human)
	if asJSON {
		if err != nil && !isSilent(err) {
			res.setError(g.explain(err))
		}
		res.setExit(ExitCode(err))
		if werr := writeJSON(g.io.Out, res); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

// setLists puts what writing the site lists came to into the object.
func (j *jsonResult) setLists(s *savedLists) {
	if s == nil {
		return
	}
	lists := s.lists
	j.Sites = &lists
	if len(s.files) > 0 {
		j.Output = s.files
	}
	if len(s.notChecked) > 0 {
		j.NotChecked = s.notChecked
	}
}
