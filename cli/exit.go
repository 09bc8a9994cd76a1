package cli

import (
	"errors"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// Exit codes: the contract scripts rely on (DESIGN §6).
const (
	ExitOK           = 0
	ExitFailed       = 1
	ExitUsage        = 2
	ExitIncompatible = 3
	ExitAuth         = 4
	ExitNetwork      = 5
)

// ExitError carries an exit code with an error the user reads.
type ExitError struct {
	Code int
	Err  error
	// Silent: the message was already printed (e.g. a report); print nothing more.
	Silent bool
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

func isSilent(err error) bool {
	var ee *ExitError
	return errors.As(err, &ee) && ee.Silent
}

// ExitCode maps an error to its exit code.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	if code := codeForKind(api.KindOf(err)); code != 0 {
		return code
	}
	return ExitFailed
}

func codeForKind(k api.Kind) int {
	switch k {
	case api.KindUnauthorized, api.KindAnonymous, api.KindNotSysadmin, api.KindWebSudo,
		api.KindBasicAuthDisabled, api.KindForbidden:
		return ExitAuth
	case api.KindIntercepted, api.KindTLS, api.KindTimeout, api.KindNetwork:
		return ExitNetwork
	case api.KindUnknown:
		return 0
	}
	return ExitFailed
}

// reportCode is the exit code of a check report: the API errors that kept checks
// from being made come first (network before credentials), then incompatibility.
func reportCode(r *steps.Report) int {
	code := ExitOK
	for _, err := range r.Errs {
		switch c := codeForKind(api.KindOf(err)); {
		case c == ExitNetwork:
			return ExitNetwork
		case c == ExitAuth:
			code = ExitAuth
		case c != 0 && code == ExitOK:
			code = c
		}
	}
	if code != ExitOK {
		return code
	}
	if !r.Compatible() {
		return ExitIncompatible
	}
	return ExitOK
}

// describe turns any error into what the user reads: the sentence and, for API
// errors, the remedy.
func describe(err error) string {
	msg, remedy := explain(err)
	if remedy != "" {
		return msg + "\n  → " + remedy
	}
	return msg
}
