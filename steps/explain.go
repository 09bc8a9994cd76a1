package steps

import (
	"errors"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
)

// Explain is the sentence a person reads for any error of the flow, what they
// can do about it on the instance, and what would help on the wizard's side
// (which each front-end phrases). api errors already speak plainly and safely.
func Explain(err error) (message, remedy string, f fix.Fix) {
	if err == nil {
		return "", "", fix.Fix{}
	}
	// api errors, and the MDMs' clients' errors, know their service-side remedy.
	var r interface{ Remedy() string }
	if errors.As(err, &r) {
		remedy = r.Remedy()
	}
	return err.Error(), remedy, fix.Of(err)
}
