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

// LinkOutcome says in one sentence what the link step did to the instance.
func LinkOutcome(res *LinkResult) string {
	if res == nil {
		return "Nothing was changed on the instance."
	}
	name := res.Client.Name
	switch {
	case res.Reconciled:
		return fmt.Sprintf("Created the incoming link %q (client ID %s); the instance's answer was lost, so the wizard confirmed it by listing the links.", name, res.Client.ClientID)
	case res.Changed:
		return fmt.Sprintf("Created the incoming link %q (client ID %s).", name, res.Client.ClientID)
	}
	return fmt.Sprintf("Reused the existing link %q (client ID %s): nothing changed.", name, res.Client.ClientID)
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
