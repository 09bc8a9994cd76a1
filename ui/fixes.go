package ui

import (
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/words"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// LocalFixes phrases a fix for the wizard started on this machine: the screen
// or key when the wizard can do it, otherwise how to start it again.
func LocalFixes(f fix.Fix) string {
	switch f.Kind {
	case fix.CACert:
		return "Quit and start the wizard again with --ca-cert FILE (that certificate, PEM)."
	case fix.UseToken:
		return "Go back (esc) to the sign-in screen and press tab to sign in with a personal access token."
	case fix.NewToken:
		return "Go back (esc) to the sign-in screen and paste the new token."
	case fix.MoreTime:
		return "To allow more time, quit and start the wizard again with --timeout 60s."
	case fix.OtherLinkName:
		return "Or quit and start the wizard again with --link-name NAME."
	case fix.AllowHTTP:
		return "If you really mean plain http, quit and start the wizard again with --allow-http."
	case fix.OtherProduct:
		return "Or quit and start the wizard again with --product " + f.Product + "."
	case fix.NarrowScope:
		return "Or let the wizard narrow it: quit and run mobile-oauth-wizard setup --narrow-scope --yes with the same URL and mode."
	case fix.PickMDMApp:
		return "Quit and start the wizard again with --mdm-app ID to pick the app record."
	case fix.AssignGroup:
		return "Or quit and start the wizard again with --group GROUP-ID to assign it."
	}
	return ""
}

// SessionFixes phrases a fix inside an SSH session, whose user cannot restart
// the wizard with other settings: the screen or key, or whom to ask.
func SessionFixes(f fix.Fix) string {
	switch f.Kind {
	case fix.CACert:
		return "Whoever runs this wizard's SSH server has to give it that certificate."
	case fix.UseToken, fix.NewToken:
		return LocalFixes(f)
	case fix.MoreTime:
		return "Whoever runs this wizard's SSH server can allow more time."
	case fix.OtherLinkName:
		return "Or rename that link in Administration → Application links, then go back (esc) and try again."
	case fix.AllowHTTP:
		return "This wizard's SSH server does not allow plain http: go back (esc) and enter the instance's https URL."
	case fix.OtherProduct:
		return "This wizard's SSH server is set up for another product: ask whoever runs it."
	case fix.NarrowScope:
		return "Narrow it in Administration → Application links (edit the link, permission Write)."
	case fix.PickMDMApp:
		return "Run the push with --mdm-app ID (ssh … push …) to pick the app record."
	case fix.AssignGroup:
		return "Or assign it in the MDM's console, or run the push with --group GROUP-ID (ssh … push …)."
	}
	return ""
}

// fixOnInstance is what to do about the failed checks that are fixed on the
// instance, then again (how to check again); "" when every failure is fixed
// in the wizard (another token), which its remedy says.
func fixOnInstance(failed []steps.Check, again string) string {
	n := 0
	for _, c := range failed {
		if c.Fix.Kind == fix.None {
			n++
		}
	}
	switch {
	case n == len(failed):
		return "Fix " + words.Choose(n, "it", "them") + " on the instance, then " + again + "."
	case n > 0:
		return "Fix the rest on the instance, then " + again + "."
	}
	return ""
}

func (o Options) phrase() fix.Phraser {
	if o.Fixes != nil {
		return o.Fixes
	}
	return LocalFixes
}

// explain is steps.Explain with the fix phrased for this front-end.
func (o Options) explain(err error) (message, remedy string) {
	msg, remedy, f := steps.Explain(err)
	return msg, fix.Join(remedy, f, o.phrase())
}

// checkRemedy is a check's remedy with its fix phrased for this front-end.
func (o Options) checkRemedy(c steps.Check) string { return fix.Join(c.Remedy, c.Fix, o.phrase()) }

// errorBlock is how every error is shown: plain words, then the remedy.
func (m *Model) errorBlock(err error, width int) string {
	msg, remedy := m.opts.explain(err)
	out := m.st.errText.Render(wrap("Error: "+msg, width, "  "))
	if remedy != "" {
		out += "\n" + wrap("What to do: "+remedy, width, "  ")
	}
	return out
}
