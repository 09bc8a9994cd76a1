package words

import "testing"

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{{0, "site", "0 sites"}, {1, "site", "1 site"}, {2, "other site", "2 other sites"}, {1, "time", "1 time"}, {12, "warning", "12 warnings"}} {
		if got := Count(tc.n, tc.noun); got != tc.want {
			t.Errorf("Count(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
	if Choose(1, "was", "were") != "was" || Choose(3, "was", "were") != "were" {
		t.Error("Choose picks the wrong form")
	}
}
