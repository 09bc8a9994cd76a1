package cli

import (
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/ui"
)

// phrase says a fix in the command line's terms: the flag to pass.
func phrase(f fix.Fix) string {
	switch f.Kind {
	case fix.CACert:
		return "Pass that certificate (PEM) with --ca-cert FILE."
	case fix.UseToken:
		return "Give the token in the environment variable " + EnvToken + " or with --token-file FILE."
	case fix.NewToken:
		return "Give the new token in the environment variable " + EnvToken + " or with --token-file FILE."
	case fix.MoreTime:
		return "Or allow more time with --timeout (for example --timeout 60s)."
	case fix.OtherLinkName:
		return "Or choose another name with --link-name NAME."
	case fix.AllowHTTP:
		return "If you really mean plain http, pass --allow-http."
	case fix.OtherProduct:
		return "Or run the wizard with --product " + f.Product + "."
	case fix.PickMDMApp:
		return "Pick the app record with --mdm-app ID."
	case fix.AssignGroup:
		return "Or assign it with --group GROUP-ID."
	case fix.NarrowScope:
		return "Or let the wizard narrow it: run setup again with --narrow-scope --yes (--dry-run shows the request first)."
	}
	return ""
}

// sessionPhrase says a fix for a command line run in an SSH session (ssh
// HOST check …): flags that name a file on the SSH server are refused there,
// so a token comes from the admin's machine, and what the server allows is
// for whoever runs it to change.
func sessionPhrase(f fix.Fix) string {
	switch f.Kind {
	case fix.UseToken, fix.NewToken:
		return sessionTokenAdvice
	case fix.CACert:
		return ui.SessionFixes(f)
	case fix.AllowHTTP:
		return "This SSH server does not allow plain http: use the instance's https URL."
	}
	return phrase(f)
}

// sessionTokenAdvice is how a session's command line gets a token: from the
// admin's machine, never from a file on the SSH server.
const sessionTokenAdvice = "Send the token from your machine: set " + EnvToken + " there and add -o SendEnv=" + EnvToken +
	" to ssh, or pipe it in with --token-file - (ssh HOST check --token-file - < FILE)."

// explainWith is steps.Explain with the fix phrased by ph.
func explainWith(err error, ph fix.Phraser) (message, remedy string) {
	msg, remedy, f := steps.Explain(err)
	return msg, fix.Join(remedy, f, ph)
}

// explain is explain in this run's terms (see phraser).
func (g *globalOptions) explain(err error) (message, remedy string) {
	return explainWith(err, g.phraser())
}

// checkRemedy is a check's remedy with its fix phrased by ph.
func checkRemedy(c steps.Check, ph fix.Phraser) string { return fix.Join(c.Remedy, c.Fix, ph) }

// phraser phrases fixes for this run: the command line's flags, or, for one
// instance of a run over several, what its inventory entry points to, or, in
// an SSH session, what a session can do.
func (g *globalOptions) phraser() fix.Phraser {
	switch {
	case g.fixPhrase != nil:
		return g.fixPhrase
	case g.io != nil && g.io.session != nil:
		return sessionPhrase
	}
	return phrase
}
