package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

type checkOptions struct {
	mode string
	json bool
}

func newCheckCommand(g *globalOptions) *cobra.Command {
	o := &checkOptions{}
	m := &multiOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Report whether the instance is ready for OAuth 2.0 sign-in; changes nothing",
		Long: "Detects the product and checks its version, the OAuth 2.0 provider plugin, the credentials\n" +
			"and permissions, the base URL and, for non-MDM, the mobile plugin, against the iOS app's\n" +
			"compatibility matrix. It only reads: nothing on the instance is changed.",
		Example: "  export MOBILE_OAUTH_TOKEN=...    # a system administrator's token\n" +
			"  mobile-oauth-wizard check --url https://jira.example.com\n" +
			"  mobile-oauth-wizard check --url https://wiki.example.com --mode non-mdm --json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if m.several(g) {
				return runCheckMany(cmd, g, o, m)
			}
			return runCheck(cmd, g, o)
		},
	}
	m.register(cmd)
	cmd.Flags().StringVar(&o.mode, "mode", "", "setup `MODE` to check for: mdm or non-mdm; only what that setup needs (default: both)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print one JSON object on stdout (human text goes to stderr)")
	return cmd
}

func runCheck(cmd *cobra.Command, g *globalOptions, o *checkOptions) error {
	res := jsonResult{Checks: []jsonCheck{}}
	return withJSON(g, o.json, &res, func(human io.Writer) error { return doCheck(cmd, g, o, &res, human) })
}

func doCheck(cmd *cobra.Command, g *globalOptions, o *checkOptions, res *jsonResult, human io.Writer) error {
	ctx := ctxOf(cmd)
	var mode steps.Mode
	if o.mode != "" {
		m, err := steps.ParseMode(o.mode)
		if err != nil {
			return usageError("--mode: " + err.Error())
		}
		mode = m
	}
	res.Mode = string(mode)
	product, err := g.product()
	if err != nil {
		return err
	}
	// The same flow as setup, stopped after the checks: the same verdicts.
	f := steps.NewFlow(steps.Settings{Product: product, Mode: mode, ChecksOnly: true})
	err = f.Run(ctx, &flagPrompter{g: g, report: human})
	res.fill(f.State().Report, g.phraser())
	return err
}
