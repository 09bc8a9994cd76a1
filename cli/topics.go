package cli

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/mango"
	mcobra "github.com/muesli/mango-cobra"
	"github.com/muesli/roff"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// topicRow is one line of a help topic's table: a key (an exit code, a
// variable) and what it means.
type topicRow struct{ key, meaning string }

// helpTopic is a page of `help TOPIC`, also a section of the man page.
type helpTopic struct {
	name, short, intro string
	// manSection is the man page's section for it (EXIT STATUS).
	manSection string
	rows       []topicRow
}

// exitCodeRows are the exit codes as users read them: `help exit-codes`, the
// man page's EXIT STATUS and the README's table say these words (a test
// compares them).
var exitCodeRows = []topicRow{
	{fmt.Sprint(ExitOK), "done"},
	{fmt.Sprint(ExitFailed), "failed (server error, the mobile plugin's client did not appear, wrong product, a verify probe failed, …)"},
	{fmt.Sprint(ExitUsage), "usage: a flag or value is missing or wrong"},
	{fmt.Sprint(ExitIncompatible), "incompatible versions"},
	{fmt.Sprint(ExitAuth), "credentials or permissions"},
	{fmt.Sprint(ExitNetwork), "network, TLS, or a proxy / SSO in the way"},
	{fmt.Sprint(ExitInterrupted), "interrupted: stopped with Ctrl-C"},
}

// environmentRows are the environment variables the wizard reads, in the same
// three places as the exit codes.
var environmentRows = []topicRow{
	{EnvToken, "a system administrator's personal access token (or --token-file FILE; never a flag)"},
	{EnvPassword, "the password for --user NAME (Basic authentication)"},
	{"ACCESSIBLE", "any value but 0, false, no or off: plain line prompts, as --accessible"},
	{"NO_COLOR", "any value: no colours, as --no-color"},
	{"TERM", "dumb: plain line prompts, as --accessible (a dumb terminal cannot redraw a screen); over SSH, the TERM of the session's pty request"},
	{"COLUMNS", "the width help and reports are wrapped to (80 at the most)"},
	{"HTTPS_PROXY, NO_PROXY", "the proxy that requests to the instance go through, and the hosts they do not"},
	{"XDG_STATE_HOME", "serve: where the default host key is kept (else ~/.local/state)"},
	{"AZURE_TENANT_ID, AZURE_CLIENT_ID", "push to Intune: the app registration's tenant and application (client) ID"},
	{"AZURE_CLIENT_SECRET", "push to Intune: its client secret (neither it nor a certificate: a device code on a terminal)"},
	{"AZURE_CLIENT_CERTIFICATE_PATH", "push to Intune: its certificate, PEM or PKCS#12 (password in AZURE_CLIENT_CERTIFICATE_PASSWORD)"},
	{envAzureRegion, "push to Intune with a secret or a certificate: the Entra ID region its sign-in goes to (azidentity reads it); serve drops it, so sessions sign in with their own settings only"},
	{"JAMF_CLIENT_ID, JAMF_CLIENT_SECRET", "push to Jamf Pro: the API client's ID and secret"},
}

var helpTopics = []helpTopic{
	{name: "exit-codes", short: "What each exit code means", manSection: "EXIT STATUS",
		intro: "Every command exits with one of these codes; a run over several instances exits with the most serious of theirs.",
		rows:  exitCodeRows},
	{name: "environment", short: "The environment variables the wizard reads", manSection: "ENVIRONMENT",
		intro: "Credentials come from the environment, never from a flag (flags end up in shell history and in ps). In an SSH session (serve), these are the variables your ssh client sends.",
		rows:  environmentRows},
}

// topicCommands are the help topics as cobra's help topics: commands that
// only explain (help exit-codes).
func topicCommands() []*cobra.Command {
	var out []*cobra.Command
	for _, t := range helpTopics {
		out = append(out, &cobra.Command{Use: t.name, Short: t.short, Long: t.text(helpWidth),
			Annotations: map[string]string{topicAnnotation: t.name}})
	}
	return out
}

const topicAnnotation = "help-topic"

// topicOf is the help topic a command shows, if it is one.
func topicOf(c *cobra.Command) (helpTopic, bool) {
	for _, t := range helpTopics {
		if c.Annotations[topicAnnotation] == t.name {
			return t, true
		}
	}
	return helpTopic{}, false
}

// text is the topic as help prints it: the intro, then the table, its
// meanings wrapped in their column.
func (t helpTopic) text(width int) string {
	key := 0
	for _, r := range t.rows {
		key = max(key, ansi.StringWidth(r.key))
	}
	var b strings.Builder
	b.WriteString(wrapText(t.intro, width, 0) + "\n\n")
	lead := 2 + key + 2
	for _, r := range t.rows {
		if key > width/3 { // a long key: the meaning goes under it
			fmt.Fprintf(&b, "  %s\n      %s\n", r.key, strings.Join(wrapWords(r.meaning, width-6), "\n      "))
			continue
		}
		fmt.Fprintf(&b, "  %-*s  %s\n", key, r.key, strings.Join(wrapWords(r.meaning, width-lead), "\n"+strings.Repeat(" ", lead)))
	}
	return strings.TrimRight(b.String(), "\n")
}

// manPage is the man page, made from the command tree so it never drifts
// from the flags, with the help topics and every command's examples as its
// EXIT STATUS, ENVIRONMENT and EXAMPLES.
func manPage(root *cobra.Command) (string, error) {
	page, err := mcobra.NewManPage(1, root)
	if err != nil {
		return "", err
	}
	plainFlags(&page.Root)
	var b strings.Builder
	// No hyphenation: a flag broken as --ac-cessible cannot be copied.
	head, body, _ := strings.Cut(page.Build(roff.NewDocument()), "\n")
	b.WriteString(head + "\n.nh\n" + body)
	for _, t := range helpTopics {
		fmt.Fprintf(&b, "\n.SH %s\n%s\n", t.manSection, roffText(t.intro))
		for _, r := range t.rows {
			fmt.Fprintf(&b, ".TP\n\\fB%s\\fR\n%s\n", roffText(r.key), roffText(r.meaning))
		}
	}
	b.WriteString("\n.SH EXAMPLES\n")
	for _, c := range append([]*cobra.Command{root}, root.Commands()...) {
		if c.Example == "" || c.Hidden {
			continue
		}
		fmt.Fprintf(&b, ".PP\n\\fB%s\\fR\n.PP\n.RS 4\n.nf\n", roffText(c.CommandPath()))
		for line := range strings.Lines(c.Example) {
			b.WriteString(roffText(strings.TrimPrefix(strings.TrimRight(line, "\n"), "  ")) + "\n")
		}
		b.WriteString(".fi\n.RE\n")
	}
	return roffASCII(b.String()), nil
}

// roffASCII spells every non-ASCII character as groff's \[uXXXX]: troff
// reads its input as Latin-1, so a UTF-8 "…" or "→" renders as garbage with
// an "invalid input character" warning.
func roffASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
			continue
		}
		fmt.Fprintf(&b, `\[u%04X]`, r)
	}
	return b.String()
}

// plainFlags gives the man page the flags as help shows them: the value's
// name after the flag (--output FILE), and the text without the backquotes
// that mark that name.
func plainFlags(c *mango.Command) {
	for k, f := range c.Flags {
		name, usage := pflag.UnquoteUsage(&pflag.Flag{Usage: f.Usage, Value: boolish{}})
		if name != "" {
			f.Name += " " + name
		}
		f.Usage = usage
		c.Flags[k] = f
	}
	for _, sub := range c.Commands {
		plainFlags(sub)
	}
}

// boolish lets pflag.UnquoteUsage name only the backquoted value: it names
// a flag without one by its type, which the man page leaves out.
type boolish struct{}

func (boolish) String() string   { return "" }
func (boolish) Set(string) error { return nil }
func (boolish) Type() string     { return "bool" }
func (boolish) IsBoolFlag() bool { return true }

// roffText is text safe in a roff line: backslashes doubled as roff spells
// them, and a leading dot or quote that would start a request escaped.
func roffText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// plainCompletionUsages takes the backquotes that mark a value's name out of
// every flag's text, for shells that show it as the flag's description.
func plainCompletionUsages(root *cobra.Command) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) { f.Usage = strings.ReplaceAll(f.Usage, "`", "") })
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
