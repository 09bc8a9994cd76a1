package cli

import (
	"context"
	"errors"
	"slices"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// Exit codes: the contract scripts rely on; the README lists them.
const (
	ExitOK           = 0
	ExitFailed       = 1
	ExitUsage        = 2
	ExitIncompatible = 3
	ExitAuth         = 4
	ExitNetwork      = 5
	// ExitInterrupted is the shell's code for a run stopped by SIGINT (128+2):
	// the user stopped it, so it neither succeeded nor said anything about the instance.
	ExitInterrupted = 130
)

// severity orders the exit codes from the least to the most serious. A
// command line that cannot run is worse than an instance that cannot be
// reached, which is worse than credentials that do not work (the checks behind
// them could not be made), than a failure, and than a clear "incompatible".
// A run over several instances exits with the most serious of theirs, and a
// check report with the most serious of its errors.
var severity = []int{ExitOK, ExitIncompatible, ExitFailed, ExitAuth, ExitNetwork, ExitUsage, ExitInterrupted}

// MostSerious is the most serious of the codes; an unknown code counts as failed.
func MostSerious(codes ...int) int {
	rank := func(c int) int {
		if i := slices.Index(severity, c); i >= 0 {
			return i
		}
		return slices.Index(severity, ExitFailed)
	}
	worst := ExitOK
	for _, c := range codes {
		if rank(c) > rank(worst) {
			worst = c
		}
	}
	return worst
}

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
	if interrupted(err) {
		return ExitInterrupted
	}
	if code := codeForKind(api.KindOf(err)); code != 0 {
		return code
	}
	return ExitFailed
}

// interrupted reports an error that is the user's Ctrl-C (or SIGTERM), not
// the instance's doing.
func interrupted(err error) bool {
	return errors.Is(err, context.Canceled) || api.KindOf(err) == api.KindCanceled
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

// reportCode is the exit code of a check report: the most serious of the API
// errors that kept checks from being made, else incompatibility.
func reportCode(r *steps.Report) int {
	if code := errsCode(r.Errs); code != ExitOK {
		return code
	}
	if !r.Compatible() {
		return ExitIncompatible
	}
	return ExitOK
}

// errsCode is the exit code of the API errors that kept checks or probes from
// being made: the most serious of them.
func errsCode(errs []error) int {
	code := ExitOK
	for _, err := range errs {
		code = MostSerious(code, codeForKind(api.KindOf(err)))
	}
	return code
}

// describe turns any error into what the user reads: the sentence and, for API
// errors, the remedy.
func describe(err error) string { return describeWith(err, phrase) }

// describeWith is describe with the fix phrased by ph.
func describeWith(err error, ph fix.Phraser) string {
	if errors.Is(err, context.Canceled) && api.KindOf(err) == api.KindUnknown && !isExitError(err) {
		return "interrupted"
	}
	msg, remedy := explainWith(err, ph)
	if remedy != "" {
		return msg + "\n  → " + remedy
	}
	return msg
}

func isExitError(err error) bool {
	var ee *ExitError
	return errors.As(err, &ee)
}
