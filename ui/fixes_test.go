package ui

import (
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
)

// Inside an SSH session nobody can pass a flag: every fix is phrased as a
// screen, a key or whom to ask.
func TestSessionFixesNameNoFlag(t *testing.T) {
	for _, k := range []fix.Kind{fix.CACert, fix.UseToken, fix.NewToken, fix.MoreTime, fix.OtherLinkName, fix.AllowHTTP, fix.OtherProduct, fix.NarrowScope} {
		f := fix.Fix{Kind: k, Product: "jira"}
		s := SessionFixes(f)
		if s == "" || strings.Contains(s, "--") {
			t.Errorf("SessionFixes(%v) = %q: want a sentence without a flag", k, s)
		}
		if LocalFixes(f) == "" {
			t.Errorf("LocalFixes(%v) is empty", k)
		}
	}
	if got := LocalFixes(fix.Fix{Kind: fix.OtherProduct, Product: "confluence"}); !strings.Contains(got, "--product confluence") {
		t.Errorf("OtherProduct = %q, want the product named", got)
	}
}
