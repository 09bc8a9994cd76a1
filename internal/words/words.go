// Package words counts things in the wizard's English: "1 site", "2 sites".
//
// The wizard counts with it rather than go-humanize's english package: a
// count is all it needs. (go-humanize is linked anyway, through huh's
// filepicker, so its start-up regular expression is compiled either way.)
package words

import "strconv"

// Count is n and the noun, with an s when n is not 1. The nouns the wizard
// counts all take an s.
func Count(n int, noun string) string {
	return strconv.Itoa(n) + " " + Choose(n, noun, noun+"s")
}

// Choose is one when n is 1, else other.
func Choose(n int, one, other string) string {
	if n == 1 {
		return one
	}
	return other
}
