package cli

import (
	"cmp"
	"context"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/intune"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/ui"
)

// wizardPush is what the wizard's result offers to push into: each MDM whose
// credentials are in the environment (a session's own, over SSH: never the
// server's), built by newMDM as the push command builds it. The demo offers
// its simulated Intune. missing says what to set when none is offered.
func (g *globalOptions) wizardPush(o *setupOptions) (targets []ui.PushTarget, missing string) {
	demo := g.Demo && g.io.DemoOptions.on()
	if demo || strings.TrimSpace(g.io.Getenv(EnvAzureClient)) != "" {
		targets = append(targets, ui.PushTarget{Name: "Intune", Group: o.push.group, PickApp: o.push.mdmApp, Open: g.openMDM(o, mdmIntune)})
	}
	if !demo && strings.TrimSpace(g.io.Getenv(EnvJamfClient)) != "" && g.io.Getenv(EnvJamfSecret) != "" && o.push.jamfURL != "" {
		targets = append(targets, ui.PushTarget{Name: "Jamf Pro", PickApp: o.push.mdmApp, Open: g.openMDM(o, mdmJamf)})
	}
	where := "before starting the wizard"
	cert := " with " + EnvAzureSecret + " or " + EnvAzureCert
	jamf := "for Jamf Pro " + EnvJamfClient + " and " + EnvJamfSecret + ", and --jamf-url."
	if p := g.io.session; p != nil {
		// A session's wizard takes no flags: Jamf Pro's server is named to the push command.
		where, cert = "in your ssh's environment (SendEnv)", " with "+EnvAzureSecret
		push := "push --mdm jamf --jamf-url JAMF-URL"
		if p.pinned == "" {
			push = "push --url URL --mdm jamf --jamf-url JAMF-URL"
		}
		jamf = "for Jamf Pro " + EnvJamfClient + " and " + EnvJamfSecret + ", then " + p.sshCommand(push) + "."
	}
	missing = "To push into an MDM, set " + where + ": for Intune " + EnvAzureTenant + " and " + EnvAzureClient + cert +
		" (without a secret: a device-code sign-in); " + jamf
	return targets, missing
}

// openMDM builds the MDM's client when the push is chosen; a device-code
// sign-in is shown by the wizard.
func (g *globalOptions) openMDM(o *setupOptions, mdm string) func(ui.SignInPrompt) (steps.MDM, error) {
	return func(signIn ui.SignInPrompt) (steps.MDM, error) {
		p := o.push
		p.mdm = mdm
		p.authorityURL = cmp.Or(p.authorityURL, intune.DefaultAuthorityURL)
		p.graphURL = cmp.Or(p.graphURL, intune.DefaultGraphURL)
		p.deviceCode = func(ctx context.Context, dc intune.DeviceCodePrompt) error { return signIn(ctx, dc.URL, dc.Code) }
		return g.newMDM(&p)
	}
}

// registerWizardPush gives the wizard the push's flags, without the one that
// names the MDM: the result screen asks which.
func (o *setupOptions) registerWizardPush(cmd *cobra.Command) {
	fs := pflag.NewFlagSet("push", pflag.ContinueOnError)
	o.push.register(fs, "push", "")
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name != "push" {
			cmd.Flags().AddFlag(f)
		}
	})
}
