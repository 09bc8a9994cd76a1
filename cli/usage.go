package cli

import "strings"

// isCobraUsage recognises cobra's own flag and argument errors.
func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "unknown command", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "bad flag syntax"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}
