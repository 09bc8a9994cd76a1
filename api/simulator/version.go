package simulator

import (
	"strconv"
	"strings"
)

// versionNumbers is Jira's versionNumbers: the leading numeric parts, so
// "10.3.0-m0001" gives [10 3 0].
func versionNumbers(v string) []int {
	var out []int
	for _, part := range strings.Split(v, ".") {
		end := 0
		for end < len(part) && part[end] >= '0' && part[end] <= '9' {
			end++
		}
		if end == 0 {
			break
		}
		n, err := strconv.Atoi(part[:end])
		if err != nil {
			break
		}
		out = append(out, n)
		if end < len(part) {
			break
		}
	}
	return out
}

// versionAt is the i-th number of v, 0 when absent.
func versionAt(v string, i int) int {
	n := versionNumbers(v)
	if i < len(n) {
		return n[i]
	}
	return 0
}

// buildNumber follows Jira's scheme (10.3.19 -> 10030019). Confluence's real
// build numbers are not derivable from the version; a small number of the same
// shape as theirs (9.1.0 -> 9100) is enough for a client that only displays it.
func buildNumber(product, v string) int64 {
	major, minor, patch := int64(versionAt(v, 0)), int64(versionAt(v, 1)), int64(versionAt(v, 2))
	if product == productConfluence {
		return major*1000 + minor*100 + patch
	}
	return major*1000000 + minor*10000 + patch
}

// applinksVersion is the Application Links plugin bundled with the version.
func applinksVersion(product, v string) string {
	major := versionAt(v, 0)
	if (product == productJira && major >= 10) || (product == productConfluence && major >= 9) {
		return "10.0.8"
	}
	return "9.1.6"
}
