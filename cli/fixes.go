package cli

import (
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
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
	}
	return ""
}

// explain is steps.Explain with the fix phrased for the command line.
func explain(err error) (message, remedy string) {
	msg, remedy, f := steps.Explain(err)
	return msg, fix.Join(remedy, f, phrase)
}

// checkRemedy is a check's remedy with its fix phrased by ph.
func checkRemedy(c steps.Check, ph fix.Phraser) string { return fix.Join(c.Remedy, c.Fix, ph) }

// phraser phrases fixes for this run: the command line's flags, or, for one
// instance of a run over several, what its inventory entry points to.
func (g *globalOptions) phraser() fix.Phraser {
	if g.fixPhrase != nil {
		return g.fixPhrase
	}
	return phrase
}
