package cli

import "errors"

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
	return ExitFailed
}
