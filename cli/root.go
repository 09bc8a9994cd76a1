// Package cli holds the command line: flags, sub-commands and exit codes.
// It wires api, steps and ui together; it holds no domain logic of its own.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"syscall"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"
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
		if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
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

// Main runs the command line and returns the process exit code.
func Main(bi BuildInfo) int {
	stdio := systemIO()
	root := NewRootCommand(bi, stdio)
	// Commands' own errors are printed here, not by fang: its error styling asks
	// the terminal for its background colour, which a terminal that does not
	// answer turns into seconds of waiting after every failed run.
	var failed error
	interceptErrors(root, func(err error) {
		failed = err
		if !isSilent(err) {
			fmt.Fprintln(stdio.Err, "Error: "+describe(err))
		}
	})
	err := fang.Execute(context.Background(), root,
		fang.WithVersion(bi.String()),
		fang.WithNotifySignal(os.Interrupt, syscall.SIGTERM),
		fang.WithErrorHandler(errorHandler),
	)
	if err == nil {
		err = failed
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
	g := &globalOptions{io: stdio}
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
		Args:          cobra.NoArgs,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	g.register(root)
	answers := &setupOptions{}
	answers.registerAnswers(root)
	root.RunE = func(cmd *cobra.Command, _ []string) error { return runWizard(cmd, g, answers) }
	root.AddCommand(newCheckCommand(g), newSetupCommand(g), newSimulateCommand(g), newServeCommand(g))
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return g.prepare(cmd) }
	// Wrong flags and arguments are usage errors (exit 2), marked where cobra
	// reports them rather than recognised later by their wording.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err.Error()) })
	markArgErrorsAsUsage(root)
	return root
}

// errorHandler prints a failed command's error; the text is already plain words with a remedy.
func errorHandler(w io.Writer, _ fang.Styles, err error) {
	if err == nil || isSilent(err) {
		return
	}
	fmt.Fprintln(w, "Error:", describe(err))
}
