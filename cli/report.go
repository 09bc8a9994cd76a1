package cli

import (
	"encoding/json"
	"fmt"
	"io"

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

// jsonResult is the one object --json prints on stdout.
type jsonResult struct {
	Product    string       `json:"product,omitempty"`
	Version    string       `json:"version,omitempty"`
	Title      string       `json:"title,omitempty"`
	BaseURL    string       `json:"baseUrl,omitempty"`
	Compatible bool         `json:"compatible"`
	Checks     []jsonCheck  `json:"checks"`
	Mode       string       `json:"mode,omitempty"`
	ClientID   string       `json:"clientId,omitempty"`
	LinkName   string       `json:"linkName,omitempty"`
	Changed    *bool        `json:"changed,omitempty"`
	DryRun     bool         `json:"dryRun,omitempty"`
	Requests   []string     `json:"requests,omitempty"`
	Sites      []steps.Site `json:"sites,omitempty"`
	Output     string       `json:"output,omitempty"`
	// Verify is setup's last step, unless skipped.
	Verify *jsonVerify `json:"verify,omitempty"`
	Error  string      `json:"error,omitempty"`
	Remedy string      `json:"remedy,omitempty"`
}

func (j *jsonResult) fill(r *steps.Report, ph fix.Phraser) {
	if r == nil {
		return
	}
	if d := r.Detection; d != nil {
		j.Product, j.Version, j.Title, j.BaseURL = string(d.Product), d.Version, d.Title, d.InstanceBaseURL
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

// printReport writes the checks as lines a person reads: mark, name, detail, remedy.
func printReport(w io.Writer, r *steps.Report, ph fix.Phraser) {
	if d := r.Detection; d != nil {
		fmt.Fprintf(w, "%s %s %q at %s\n\n", d.Product.Title(), d.Version, d.Title, firstNonEmpty(d.InstanceBaseURL, "(base URL not reported)"))
	}
	printChecks(w, r.Checks, ph)
	fmt.Fprintln(w)
	if r.Compatible() {
		fmt.Fprintln(w, r.Verdict())
	} else {
		fmt.Fprintln(w, r.Verdict()+" Fix what the arrows say, then run again.")
	}
}

// printChecks writes checks (or probes) as lines: mark, name, detail, and the
// remedy under anything that is not ok.
func printChecks(w io.Writer, checks []steps.Check, ph fix.Phraser) {
	for _, c := range checks {
		fmt.Fprintf(w, "%s %-34s %s\n", statusMark[c.Status], c.Name, c.Detail)
		if r := checkRemedy(c, ph); r != "" && c.Status != steps.StatusOK {
			fmt.Fprintf(w, "  %-34s → %s\n", "", r)
		}
	}
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

// jsonOutput is a command's --json object, which carries any error too.
type jsonOutput interface{ setError(message, remedy string) }

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
			res.setError(explain(err))
		}
		if werr := writeJSON(g.io.Out, res); werr != nil && err == nil {
			err = werr
		}
	}
	return err
}
