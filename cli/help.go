package cli

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// helpWidth caps help text: long lines are hard to read, and 80 columns is the
// narrowest terminal the wizard supports.
const helpWidth = 80

// terminalWidth is the width help is wrapped to: COLUMNS when set (scripts and
// tests), the terminal's width when stdout is one, capped at helpWidth.
func terminalWidth(getenv func(string) string) int {
	if n, err := strconv.Atoi(strings.TrimSpace(getenv("COLUMNS"))); err == nil && n > 0 {
		return min(n, helpWidth)
	}
	if w, _, err := term.GetSize(os.Stdout.Fd()); err == nil && w > 0 {
		return min(w, helpWidth)
	}
	return helpWidth
}

// writeHelp prints a command's help wrapped to width, keeping every word as
// written: descriptions are not re-cased, flags show the kind of value they
// take, and a command lists only the flags it accepts.
func writeHelp(w io.Writer, c *cobra.Command, width int) {
	width = max(width, 40)
	if t, ok := topicOf(c); ok {
		fmt.Fprintln(w, t.text(width))
		return
	}
	wrap := func(s string, indent int) string { return wrapText(s, width, indent) }
	fmt.Fprintln(w, wrap(cmp.Or(c.Long, c.Short), 0))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	if c.Runnable() {
		fmt.Fprintln(w, wrap(c.UseLine(), 2))
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintln(w, wrap(c.CommandPath()+" [command] [flags]", 2))
	}
	if c.Example != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Examples:")
		fmt.Fprintln(w, wrapExamples(c.Example, width))
	}
	if c.HasAvailableSubCommands() {
		listCommands(w, "Commands:", c.Commands(), (*cobra.Command).IsAvailableCommand, width)
	}
	if c.HasHelpSubCommands() {
		listCommands(w, "Help topics (help TOPIC):", c.Commands(), (*cobra.Command).IsAdditionalHelpTopicCommand, width)
	}
	if fs := c.LocalFlags(); fs.HasAvailableFlags() {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Flags:")
		fmt.Fprint(w, flagUsages(fs, width))
	}
	if fs := c.InheritedFlags(); fs.HasAvailableFlags() {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Global flags:")
		fmt.Fprint(w, flagUsages(fs, width))
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintln(w)
		fmt.Fprintln(w, wrap(`Use "`+c.CommandPath()+` [command] --help" for more about a command.`, 0))
	}
}

// listCommands writes the commands that pass show under a heading: names in
// one column, their short texts wrapped in the next.
func listCommands(w io.Writer, heading string, cmds []*cobra.Command, show func(*cobra.Command) bool, width int) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, heading)
	pad := 0
	for _, sub := range cmds {
		if show(sub) {
			pad = max(pad, len(sub.Name()))
		}
	}
	for _, sub := range cmds {
		if !show(sub) {
			continue
		}
		lead := "  " + sub.Name() + strings.Repeat(" ", pad-len(sub.Name())+2)
		body := strings.Join(wrapWords(sub.Short, width-len(lead)), "\n"+strings.Repeat(" ", len(lead)))
		fmt.Fprintln(w, lead+body)
	}
}

// wrapText wraps prose to width behind indent spaces. Blank lines separate
// paragraphs; the lines of a paragraph are joined (source strings may be broken
// anywhere), except lines that start with a space, which are laid out by hand.
func wrapText(s string, width, indent int) string {
	pad := strings.Repeat(" ", indent)
	var out, para []string
	flush := func() {
		if len(para) > 0 {
			for _, l := range wrapWords(strings.Join(para, " "), width-indent) {
				out = append(out, pad+l)
			}
			para = nil
		}
	}
	for _, line := range strings.Split(s, "\n") {
		switch {
		case strings.TrimSpace(line) == "":
			flush()
			out = append(out, "")
		case strings.HasPrefix(line, " "):
			flush()
			out = append(out, pad+line)
		default:
			para = append(para, strings.TrimSpace(line))
		}
	}
	flush()
	return strings.Join(out, "\n")
}

// wrapWords breaks text at spaces only (never inside a flag name such as
// --token-file); a word longer than the width gets a line of its own.
func wrapWords(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// wrapExamples keeps each example command on its own line and breaks one that
// is too long with a shell continuation, so it can still be pasted.
func wrapExamples(ex string, width int) string {
	var out []string
	for _, line := range strings.Split(ex, "\n") {
		if !strings.HasPrefix(line, "      ") {
			line = "  " + strings.TrimLeft(line, " ")
		}
		// A comment is never continued: a shell would run its second half.
		for ansi.StringWidth(line) > width && !strings.Contains(line, "#") {
			cut := strings.LastIndex(line[:width-2], " ")
			if cut <= 4 {
				break
			}
			out = append(out, line[:cut]+` \`)
			line = "      " + line[cut+1:]
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// flagUsages is pflag's own layout (which names the value's kind, e.g.
// "--output FILE", "--timeout duration") wrapped to width.
func flagUsages(fs *pflag.FlagSet, width int) string {
	return fs.FlagUsagesWrapped(width - 1)
}
