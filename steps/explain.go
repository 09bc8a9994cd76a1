package steps

import (
	"errors"

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
