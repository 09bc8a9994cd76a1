// Package cli holds the command line: flags, sub-commands and exit codes.
// It wires api, steps and ui together; it holds no domain logic of its own.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// BuildInfo is injected by the release build.
type BuildInfo struct {
	Version, Commit, Date string
}

// String is what --version prints.
func (b BuildInfo) String() string {
	v := b.Version
	if v == "" {
		v = "dev"
		// A source build (go build, go run, go install) carries its module
		// version and the VCS revision and time it was built from.
		if info, ok := debug.ReadBuildInfo(); ok {
			if info.Main.Version != "" && info.Main.Version != "(devel)" {
				v = info.Main.Version
			}
			if b.Commit == "" {
				b = b.withVCS(info.Settings)
			}
		}
	}
	s := v
	if b.Commit != "" {
		c := b.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		s += " (" + c
		if b.Date != "" {
			s += ", " + b.Date
		}
		s += ")"
	}
	return s
}

func (b BuildInfo) withVCS(settings []debug.BuildSetting) BuildInfo {
	dirty := false
	for _, kv := range settings {
		switch kv.Key {
		case "vcs.revision":
			b.Commit = kv.Value
		case "vcs.time":
			b.Date = kv.Value
		case "vcs.modified":
			dirty = kv.Value == "true"
		}
	}
	if dirty && b.Commit != "" {
		b.Date += ", modified"
	}
	return b
}

// Main runs the command line and returns the process exit code.
func Main(bi BuildInfo) int {
	stdio := systemIO()
	root := NewRootCommand(bi, stdio)
	// Commands hand their errors here: printed once, in plain words with the
	// remedy, without colour queries to the terminal.
	var failed error
	interceptErrors(root, func(err error) { failed = err })
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := root.ExecuteContext(ctx)
	if err == nil {
		err = failed
	}
	if err != nil && !isSilent(err) {
		fmt.Fprintln(stdio.Err, "Error: "+describe(err))
	}
	return ExitCode(err)
}

func markArgErrorsAsUsage(cmd *cobra.Command) {
	if check := cmd.Args; check != nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				return usageError(err.Error())
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		markArgErrorsAsUsage(sub)
	}
}

// interceptErrors makes every command hand its error to report and return nil.
func interceptErrors(cmd *cobra.Command, report func(error)) {
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			if err := run(c, args); err != nil {
				report(err)
			}
			return nil
		}
	}
	for _, sub := range cmd.Commands() {
		interceptErrors(sub, report)
	}
}

// NewRootCommand builds the whole command tree; tests and the man page use it too.
func NewRootCommand(bi BuildInfo, stdio *IO) *cobra.Command {
	g := &globalOptions{io: stdio, build: bi}
	root := &cobra.Command{
		Use:   "mobile-oauth-wizard",
		Short: "Turn on OAuth 2.0 sign-in for the Jira and Confluence Data Center iOS apps",
		Long: "mobile-oauth-wizard checks a Jira or Confluence Data Center instance against the OAuth 2.0 " +
			"compatibility matrix of the iOS apps (2.0+), creates the incoming application link over REST " +
			"(MDM) or guides you through the mobile plugin's switch (non-MDM), and prints the site list " +
			"to paste into your MDM console.\n\n" +
			"Run it with no command for the interactive wizard (flags pre-answer its questions), or with " +
			"--demo to try it against an embedded simulated Jira. Credentials never go on the command line: " +
			"set MOBILE_OAUTH_TOKEN, or use --token-file, or --user with MOBILE_OAUTH_PASSWORD.",
		Version:       bi.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
		// A word that is not a command gets cobra's "did you mean" list.
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
			if s := c.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return errors.New(msg + ` (see "` + c.CommandPath() + ` --help")`)
		},
	}
	root.SuggestionsMinimumDistance = 2
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetHelpFunc(func(c *cobra.Command, _ []string) {
		width := reportWidth(stdio.Getenv) // a session's terminal is not this process's
		if stdio.session == nil {
			width = terminalWidth(stdio.Getenv)
		}
		writeHelp(c.OutOrStdout(), c, width)
	})
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	answers := &setupOptions{}
	answers.registerAnswers(root)
	answers.registerWizardPush(root)
	root.RunE = func(cmd *cobra.Command, _ []string) error { return runWizard(cmd, g, answers) }
	root.AddCommand(newCheckCommand(g), newSetupCommand(g), newVerifyCommand(g), newRemoveCommand(g), newPushCommand(g), newSimulateCommand(g), newServeCommand(g), newManCommand())
	root.AddCommand(topicCommands()...)
	root.InitDefaultCompletionCmd()
	// The instance flags go on the commands that talk to an instance, not on
	// simulate or completion, whose help would otherwise list them.
	instance := pflag.NewFlagSet("instance", pflag.ContinueOnError)
	g.register(instance)
	root.Flags().AddFlagSet(instance)
	for _, c := range root.Commands() {
		if noInstanceFlags[c.Name()] {
			continue
		}
		instance.VisitAll(func(f *pflag.Flag) {
			if !slices.Contains(instanceFlagsNotOn[c.Name()], f.Name) {
				c.Flags().AddFlag(f)
			}
		})
	}
	registerCompletions(root)
	refuseRepeats(root)
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if cmd.Name() == cobra.ShellCompRequestCmd || cmd.Name() == cobra.ShellCompNoDescRequestCmd {
			// A shell asks for completions, whose descriptions are the flags' texts.
			plainCompletionUsages(cmd.Root())
			return nil
		}
		return g.prepare(cmd)
	}
	// Wrong flags and arguments are usage errors (exit 2), marked where cobra
	// reports them rather than recognised later by their wording.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err.Error()) })
	markArgErrorsAsUsage(root)
	return root
}

// noInstanceFlags are the commands that never talk to a Jira or Confluence.
var noInstanceFlags = map[string]bool{"simulate": true, "completion": true, "help": true, "man": true,
	"exit-codes": true, "environment": true}

// instanceFlagsNotOn are instance flags a command has no use for: serve's
// sessions bring their own credentials and terminals, and a request log on
// the server's stderr would mix sessions.
var instanceFlagsNotOn = map[string][]string{"serve": {"token-file", "user", "accessible", "debug"}}

// valueCompletions are the fixed values shells offer for flags of these names.
var valueCompletions = map[string][]string{
	"mode":    {"mdm	MDM: the wizard creates the link and prints the site list", "non-mdm	the mobile plugin hands the app its client"},
	"format":  {"json	the site list as JSON", "plist	AppConfig for Jamf and Workspace ONE", "intune	the key, type and value for Intune"},
	"product": {"jira", "confluence"},
	"mdm":     {"intune	Microsoft Intune (Graph)", "jamf	Jamf Pro (Classic API)"},
	"push":    {"intune	Microsoft Intune (Graph)", "jamf	Jamf Pro (Classic API)"},
	"proxy":   {"none", "login-redirect", "sso-redirect", "sso-html"},
}

// registerCompletions offers the values of the enumerated flags on every command
// that has them (a flag shared by several commands is registered once).
func registerCompletions(root *cobra.Command) {
	seen := map[*pflag.Flag]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			values, ok := valueCompletions[f.Name]
			if !ok || seen[f] {
				return
			}
			seen[f] = true
			_ = c.RegisterFlagCompletionFunc(f.Name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// newManCommand prints the man page (manPage); the release build packages it.
func newManCommand() *cobra.Command {
	return &cobra.Command{
		Use:                   "man",
		Short:                 "Print the man page",
		Hidden:                true,
		DisableFlagsInUseLine: true,
		Args:                  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			page, err := manPage(cmd.Root())
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), page)
			return err
		},
	}
}
