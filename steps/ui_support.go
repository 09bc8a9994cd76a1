package steps

import (
	"errors"
	"fmt"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// Explain is the sentence a person reads for any error of the flow, and what
// they can do about it. api errors already speak plainly; this adds the remedy.
func Explain(err error) (message, remedy string) {
	if err == nil {
		return "", ""
	}
	var ae *api.Error
	if errors.As(err, &ae) {
		remedy = ae.Remedy()
	}
	return termsafe.String(err.Error()), remedy
}

// LinkOutcome says in one sentence what the link step did to the instance.
func LinkOutcome(res *LinkResult) string {
	if res == nil {
		return "Nothing was changed on the instance."
	}
	name := termsafe.String(res.Client.Name)
	if res.Changed {
		return fmt.Sprintf("Created the incoming link %q (client ID %s).", name, res.Client.ClientID)
	}
	return fmt.Sprintf("Reused the existing link %q (client ID %s): nothing changed.", name, res.Client.ClientID)
}

// MobileClientOutcome says what the mobile plugin did in the non-MDM setup.
func MobileClientOutcome(cl *api.OAuthClient) string {
	if cl == nil {
		return "The wizard changed nothing on the instance."
	}
	return fmt.Sprintf("The mobile plugin created the link %q (client ID %s); the wizard itself changed nothing.",
		termsafe.String(cl.Name), cl.ClientID)
}
