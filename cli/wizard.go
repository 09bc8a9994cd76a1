package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/ui"
)

// wizardOptions turns the flags into the wizard's pre-answers.
func (g *globalOptions) wizardOptions(cmd *cobra.Command, o *setupOptions) (ui.Options, error) {
	var opts ui.Options
	if err := o.checkAnswers(); err != nil {
		return opts, err
	}
	base, err := g.baseURL(false)
	if err != nil {
		return opts, err
	}
	if opts.Product, err = g.product(); err != nil {
		return opts, err
	}
	if opts.Creds, err = g.credentials(); err != nil {
		return opts, err
	}
	if o.mode != "" {
		if opts.Mode, err = steps.ParseMode(o.mode); err != nil {
			return opts, usageError("--mode: " + err.Error())
		}
	}
	out, err := o.siteListOutput()
	if err != nil {
		return opts, err
	}
	opts.Format, opts.Output = out.printFormat(), out.paths
	if cmd.Flags().Changed("cache-session") {
		v := o.cacheSession
		opts.CacheSession = &v
	}
	opts.BaseURL, opts.Title, opts.LinkName = base, o.title, o.linkName
	opts.NoVerify = o.noVerify
	opts.NoColor, opts.Demo = g.noColor(), g.Demo
	opts.NewClient = func(baseURL string, c ui.Credentials) (*api.Client, error) { return g.newClient(baseURL, c) }
	opts.Push, opts.NoPush = g.wizardPush(o)
	if g.Demo {
		opts.DemoDefaults.BaseURL, opts.DemoDefaults.Token = demoBaseURL, demoToken
	}
	if p := g.io.session; p != nil {
		opts.NoSave, opts.PinURL, opts.Fixes = p.noSave(), p.pinned != "", ui.SessionFixes
	}
	return opts, nil
}

// runWizard is the interactive wizard: the full-screen one on a terminal, plain
// line prompts in accessible mode, and without a terminal a usage error that
// names the flags to pass instead of a prompt that would hang.
func runWizard(cmd *cobra.Command, g *globalOptions, o *setupOptions) error {
	opts, err := g.wizardOptions(cmd, o)
	if err != nil {
		return err
	}
	ctx := ctxOf(cmd)
	if g.accessible() {
		// Line prompts have no screens to go back to: the fix is a flag (in
		// a session, what a session's command line can do).
		opts.Fixes = g.phraser()
		if p := g.io.session; p != nil {
			opts.NoSave = p.noSaveLines()
		}
		return ui.RunAccessible(ctx, opts, g.io.In, g.io.Out)
	}
	if !g.io.IsTerminal() {
		return usageError("no terminal to run the wizard in. Without one, use:\n" +
			"  mobile-oauth-wizard setup --url https://jira.example.com --mode mdm --yes   (token in env " + EnvToken + ")\n" +
			"  mobile-oauth-wizard check --url https://jira.example.com\n" +
			"or --accessible for plain line prompts")
	}
	run := func(ctx context.Context, opts ui.Options) (*ui.Model, error) {
		return ui.Run(ctx, opts, g.io.In, g.io.Out)
	}
	if g.io.screen != nil {
		run = g.io.screen
	}
	m, err := run(ctx, opts)
	if m != nil {
		if s := strings.TrimSpace(m.Summary()); s != "" {
			fmt.Fprintln(g.io.Out, s)
		}
	}
	if err != nil {
		return err
	}
	if m == nil {
		return nil
	}
	switch m.ExitCode() {
	case ExitInterrupted:
		return &ExitError{Code: ExitInterrupted, Err: errors.New("interrupted"), Silent: true}
	case ExitOK:
		return nil
	}
	return &ExitError{Code: ExitFailed, Err: errors.New("stopped before the end"), Silent: true}
}
