package steps

import (
	"errors"
	"fmt"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
)

// Explain is the sentence a person reads for any error of the flow, what they
// can do about it on the instance, and what would help on the wizard's side
// (which each front-end phrases). api errors already speak plainly and safely.
func Explain(err error) (message, remedy string, f fix.Fix) {
	if err == nil {
		return "", "", fix.Fix{}
	}
	var ae *api.Error
	if errors.As(err, &ae) {
		remedy = ae.Remedy()
	}
	return err.Error(), remedy, fix.Of(err)
}

// MobileClientOutcome says how the non-MDM setup ended. Which client the plugin
// hands the app is not visible over REST (info/login's OAuth fields are not
// documented), so it names the link with the app's redirect without claiming
// who created it: an earlier MDM run may have.
func MobileClientOutcome(cl *api.OAuthClient) string {
	if cl == nil {
		return "The wizard changed nothing on the instance."
	}
	return fmt.Sprintf("OAuth 2.0 is ready: the incoming link %q (client ID %s) carries the iOS app's redirect, and the mobile plugin hands the app its client. The wizard created nothing.",
		cl.Name, cl.ClientID)
}
