package steps

import (
	"encoding/json"
	"strings"
	"testing"

	version "github.com/hashicorp/go-version"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
)

// checkInvariants holds for every check a user sees: one-line Detail, a
// Remedy exactly when there is something to do.
func checkInvariants(t *testing.T, c Check) {
	t.Helper()
	if c.ID == "" || c.Name == "" || c.Detail == "" {
		t.Errorf("incomplete check: %+v", c)
	}
	if strings.ContainsAny(c.Detail, "\r\n") || strings.ContainsAny(c.Remedy, "\r\n") {
		t.Errorf("Detail/Remedy must be one line: %+v", c)
	}
	// A skipped check was stopped by an earlier one, which carries the
	// remedy: one cause, one remedy.
	if c.Status != StatusOK && c.Status != StatusSkip && c.Remedy == "" {
		t.Errorf("%s verdict without a remedy: %+v", c.Status, c)
	}
	if c.Status == StatusSkip && (c.Remedy != "" || !strings.Contains(c.Detail, "see ")) {
		t.Errorf("a skipped check must name the check that stopped it and repeat no remedy: %+v", c)
	}
	if c.Status == StatusOK && c.Remedy != "" && c.ID != CheckIDIOSApp {
		t.Errorf("ok verdict with a remedy: %+v", c)
	}
}

func wantContains(t *testing.T, what, got string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(got, s) {
			t.Errorf("%s %q does not contain %q", what, got, s)
		}
	}
}

func TestCheckProduct(t *testing.T) {
	tests := []struct {
		product     api.Product
		version     string
		want        Status
		detail      []string
		remedy      []string
		notInDetail string
	}{
		{api.Jira, "9.12.13", StatusFail, []string{"9.12.13", "9.12.14 to 9.x", "10.1.0 or later"}, []string{"9.12.14", "10.1.0"}, ""},
		{api.Jira, "9.12.14", StatusOK, []string{"9.12.14"}, nil, ""},
		{api.Jira, "9.12.14.1", StatusOK, []string{"9.12.14.1"}, nil, ""},
		{api.Jira, "9.13.2", StatusOK, []string{"9.13.2"}, nil, ""},
		{api.Jira, "9.17.5", StatusOK, []string{"9.17.5"}, nil, ""},
		// 10.0.x: Atlassian's list does not call it unsupported; its 9.12.14 rule applies, with a warning.
		{api.Jira, "10.0.0", StatusWarn, []string{"10.0.0", "does not name 10.0.x", `"Jira 9.12.14 and later"`}, []string{"Upgrade Jira to 10.1.0 or later"}, "does not support"},
		{api.Jira, "10.0.5", StatusWarn, []string{"10.0.5", "10.1.0 and later"}, []string{"10.1.0"}, "does not support"},
		{api.Jira, "10.1.0", StatusOK, []string{"10.1.0"}, nil, "later than"},
		{api.Jira, "10.3.19", StatusOK, []string{"10.3.19"}, nil, "later than"},
		{api.Jira, "v10.1.0", StatusOK, []string{"v10.1.0"}, nil, ""},
		{api.Jira, "V10.1.0", StatusOK, []string{"V10.1.0"}, nil, ""},
		{api.Jira, "  10.3.19\n", StatusOK, []string{"Jira 10.3.19 "}, nil, ""},
		{api.Jira, "11.0.0", StatusOK, []string{"11.0.0", "later than the versions Atlassian documents", "10.1.0 or later"}, nil, ""},
		// Milestones: a pre-release of a later version is still that version's row...
		{api.Jira, "10.3.0-m0002", StatusOK, []string{"10.3.0-m0002", "pre-release of 10.3.0"}, nil, ""},
		// ...a 10.0 milestone is Jira 10.0, not Jira 9...
		{api.Jira, "10.0.0-m0002", StatusFail, []string{"10.0.0-m0002", "pre-release of 10.0.0"}, []string{"10.1.0"}, "9.12.14 to 9.x needs"},
		// ...and a milestone of the first supported release does not count as it.
		{api.Jira, "10.1.0-m0002", StatusFail, []string{"10.1.0-m0002", "pre-release of 10.1.0", "earlier than the 10.1.0 release"}, []string{"10.1.0 release"}, ""},
		{api.Jira, "9.12.14-m0001", StatusFail, []string{"pre-release of 9.12.14"}, []string{"9.12.14 release"}, ""},
		{api.Jira, "garbage", StatusFail, []string{`"garbage"`, "not a version number"}, []string{"System info"}, ""},
		{api.Jira, "", StatusFail, []string{"no version"}, []string{"System info"}, ""},
		{api.Jira, "10.3.x", StatusFail, []string{`"10.3.x"`}, nil, ""},
		{api.Jira, "1.0\n<script>" + strings.Repeat("A", 200), StatusFail, []string{`\n<script>`, "…"}, nil, strings.Repeat("A", 41)},
		{api.Confluence, "9.0.9", StatusFail, []string{"Confluence 9.0.9", "9.1.0 or later"}, []string{"9.1.0"}, ""},
		{api.Confluence, "9.1.0", StatusOK, []string{"9.1.0"}, nil, "later than"},
		{api.Confluence, "9.2.3", StatusOK, []string{"9.2.3"}, nil, "later than"},
		{api.Confluence, "9.1.0-m01", StatusFail, []string{"pre-release of 9.1.0"}, []string{"9.1.0"}, ""},
		{api.Confluence, "10.0.1", StatusOK, []string{"10.0.1", "later than the versions Atlassian documents", "up to Confluence 9"}, nil, ""},
		{api.Product("bamboo"), "10.0.0", StatusFail, []string{`"bamboo"`, `"10.0.0"`}, []string{"Jira or Confluence Data Center instance"}, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.product)+"/"+tt.version, func(t *testing.T) {
			c := CheckProduct(tt.product, tt.version)
			checkInvariants(t, c)
			if c.ID != CheckIDProduct {
				t.Errorf("ID = %q", c.ID)
			}
			if c.Status != tt.want {
				t.Errorf("status = %s, want %s: %+v", c.Status, tt.want, c)
			}
			wantContains(t, "Detail", c.Detail, tt.detail...)
			wantContains(t, "Remedy", c.Remedy, tt.remedy...)
			if tt.notInDetail != "" && strings.Contains(c.Detail, tt.notInDetail) {
				t.Errorf("Detail %q must not contain %q", c.Detail, tt.notInDetail)
			}
		})
	}
}

func plugin(v string) *api.Plugin { return &api.Plugin{Version: v, Enabled: true} }

func disabled(v string) *api.Plugin { return &api.Plugin{Version: v, Enabled: false} }

type pluginCase struct {
	product api.Product
	pv      string
	plugin  *api.Plugin
	want    Status
	detail  []string
	remedy  []string
}

func runPluginCases(t *testing.T, check func(api.Product, string, *api.Plugin) Check, id string, tests []pluginCase) {
	t.Helper()
	for _, tt := range tests {
		name := string(tt.product) + "/" + tt.pv + "/"
		if tt.plugin == nil {
			name += "missing"
		} else {
			name += tt.plugin.Version
			if !tt.plugin.Enabled {
				name += "-disabled"
			}
		}
		t.Run(name, func(t *testing.T) {
			c := check(tt.product, tt.pv, tt.plugin)
			checkInvariants(t, c)
			if c.ID != id {
				t.Errorf("ID = %q, want %q", c.ID, id)
			}
			if c.Status != tt.want {
				t.Errorf("status = %s, want %s: %+v", c.Status, tt.want, c)
			}
			wantContains(t, "Detail", c.Detail, tt.detail...)
			wantContains(t, "Remedy", c.Remedy, tt.remedy...)
		})
	}
}

func TestCheckOAuthPlugin(t *testing.T) {
	key := api.OAuth2ProviderPluginKey
	runPluginCases(t, CheckOAuthPlugin, CheckIDOAuthPlugin, []pluginCase{
		// Jira 9 row: 3.1.14.
		{api.Jira, "9.12.14", plugin("3.1.13"), StatusFail, []string{"3.1.13 found", "3.1.14 or later"}, []string{"3.1.14", key, "Manage apps"}},
		{api.Jira, "9.12.14", plugin("3.1.14"), StatusOK, []string{"3.1.14 found"}, nil},
		{api.Jira, "9.17.5", plugin("3.1.15"), StatusOK, []string{"3.1.15"}, nil},
		{api.Jira, "9.13.0", plugin("3.1.14.1"), StatusOK, []string{"3.1.14.1"}, nil},
		{api.Jira, "9.13.0", plugin("3.1.13.9"), StatusFail, []string{"3.1.13.9"}, []string{"3.1.14"}},
		{api.Jira, "9.13.0", plugin("3.1.14-jira9"), StatusOK, []string{"3.1.14-jira9"}, nil},
		{api.Jira, "9.13.0", plugin("3.1.13-jira9"), StatusFail, []string{"3.1.13-jira9"}, []string{"3.1.14"}},
		{api.Jira, "9.13.0", plugin("3.1.14-m0001"), StatusFail, []string{"pre-release of 3.1.14"}, []string{"3.1.14"}},
		{api.Jira, "9.13.0", plugin("3.1.15-m0001"), StatusOK, []string{"3.1.15-m0001"}, nil},
		{api.Jira, "9.13.0", plugin(" v3.1.14 "), StatusOK, []string{"v3.1.14 found"}, nil},
		// Jira 10 row: 4.1.0; a Jira 9 plugin is not enough.
		{api.Jira, "10.3.19", plugin("3.1.14"), StatusFail, []string{"3.1.14 found", "4.1.0 or later"}, []string{"4.1.0"}},
		{api.Jira, "10.3.19", plugin("4.0.9"), StatusFail, []string{"4.0.9"}, []string{"4.1.0"}},
		{api.Jira, "10.1.0", plugin("4.1.0"), StatusOK, []string{"4.1.0 found"}, nil},
		{api.Jira, "10.3.19", plugin("4.1.0.1"), StatusOK, []string{"4.1.0.1"}, nil},
		{api.Jira, "10.3.19", plugin("4.2.3"), StatusOK, []string{"4.2.3"}, nil},
		{api.Jira, "10.3.0-m0002", plugin("4.1.0"), StatusOK, []string{"4.1.0"}, nil},
		// Later majors use the newest row and say so.
		{api.Jira, "11.0.0", plugin("4.1.0"), StatusOK, []string{"4.1.0 found", "11.0.0 is later", "4.1.0 or later"}, nil},
		{api.Jira, "11.0.0", plugin("4.0.0"), StatusFail, []string{"4.0.0 found", "11.0.0 is later"}, []string{"4.1.0"}},
		// Missing, disabled, unreadable.
		{api.Jira, "10.3.19", nil, StatusFail, []string{"not installed", "4.1.0"}, []string{"Install", key, "4.1.0", "Manage apps"}},
		{api.Jira, "10.3.19", disabled("4.1.0"), StatusFail, []string{"4.1.0", "disabled"}, []string{"Enable", key, "Manage apps"}},
		{api.Jira, "10.3.19", disabled("4.0.0"), StatusFail, []string{"4.0.0", "disabled"}, []string{"Update", "4.1.0", "enable"}},
		{api.Jira, "10.3.19", plugin("not-a-version"), StatusFail, []string{`"not-a-version"`}, []string{"4.1.0"}},
		{api.Jira, "10.3.19", plugin(""), StatusFail, []string{"no version"}, []string{"4.1.0"}},
		// Unsupported product: nothing to compare against.
		// Jira 10.0.x: judged by the "9.12.14 and later" rule.
		{api.Jira, "10.0.5", plugin("3.1.14"), StatusOK, []string{"3.1.14 found", `"Jira 9.12.14 and later" rule applies to Jira 10.0.x: 3.1.14 or later`}, nil},
		{api.Jira, "10.0.5", plugin("4.1.0"), StatusOK, []string{"4.1.0 found"}, nil},
		// 4.0.x meets 3.1.14 but is on the 4.x line, whose fix came in 4.1.0.
		{api.Jira, "10.0.5", plugin("4.0.3"), StatusWarn, []string{"4.0.3 found", "4.x line", "came in 4.1.0", "not known to carry it"}, []string{"4.1.0 or later", "412"}},
		{api.Jira, "10.0.0", plugin("4.0.0-m0001"), StatusWarn, []string{"4.x line", "4.1.0"}, []string{"4.1.0"}},
		{api.Jira, "9.17.0", plugin("4.0.9"), StatusWarn, []string{"4.x line", "4.1.0"}, []string{"4.1.0"}},
		{api.Jira, "10.0.5", plugin("3.1.20"), StatusOK, []string{"3.1.20 found"}, nil},
		{api.Jira, "10.0.0", plugin("3.1.13"), StatusFail, []string{"3.1.13 found", "3.1.14 or later"}, []string{"3.1.14"}},
		{api.Jira, "10.0.0-m0002", plugin("4.1.0"), StatusSkip, []string{"10.0.0-m0002", "see Jira version above"}, nil},
		{api.Jira, "9.12.13", nil, StatusSkip, []string{"depends on a supported Jira version", "9.12.13", "see Jira version above"}, nil},
		{api.Jira, "10.1.0-m0002", plugin("4.1.0"), StatusSkip, []string{"10.1.0-m0002"}, nil},
		{api.Jira, "garbage", plugin("4.1.0"), StatusSkip, []string{"depends on a supported Jira version", `"garbage"`, "see Jira version above"}, nil},
		// Confluence: 4.1.1.
		{api.Confluence, "9.1.0", plugin("4.1.0"), StatusFail, []string{"4.1.0 found", "4.1.1"}, []string{"4.1.1", key}},
		{api.Confluence, "9.1.0", plugin("4.1.1"), StatusOK, []string{"4.1.1"}, nil},
		{api.Confluence, "9.2.3", plugin("4.1.2"), StatusOK, []string{"4.1.2"}, nil},
		{api.Confluence, "10.0.1", plugin("4.1.1"), StatusOK, []string{"10.0.1 is later"}, nil},
		{api.Confluence, "9.0.9", plugin("4.1.1"), StatusSkip, []string{"depends on a supported Confluence version", "9.0.9"}, nil},
		{api.Product("bamboo"), "9.0.0", plugin("4.1.1"), StatusSkip, []string{"depends on a supported product", "see Product above"}, nil},
	})
}

func TestCheckMobilePlugin(t *testing.T) {
	jiraKey, confKey := api.JiraMobilePluginKey, api.ConfluenceMobilePluginKey
	runPluginCases(t, CheckMobilePlugin, CheckIDMobilePlugin, []pluginCase{
		{api.Jira, "9.13.0", plugin("4.1.9"), StatusFail, []string{"4.1.9 found", "Jira 9 needs 4.2.0"}, []string{"4.2.0", jiraKey}},
		{api.Jira, "9.12.14", plugin("4.2.0"), StatusOK, []string{"4.2.0 found", "Jira 9"}, nil},
		{api.Jira, "9.17.5", plugin("4.2.0.3"), StatusOK, []string{"4.2.0.3"}, nil},
		{api.Jira, "10.1.0", plugin("4.2.0"), StatusFail, []string{"4.2.0 found", "Jira 10 needs 5.1.2"}, []string{"5.1.2"}},
		{api.Jira, "10.3.19", plugin("5.1.1"), StatusFail, []string{"5.1.1"}, []string{"5.1.2"}},
		{api.Jira, "10.3.19", plugin("5.1.2"), StatusOK, []string{"5.1.2 found"}, nil},
		{api.Jira, "10.3.19", plugin("5.2.0"), StatusOK, []string{"5.2.0"}, nil},
		{api.Jira, "10.3.19", plugin("5.1.2-m0003"), StatusFail, []string{"pre-release of 5.1.2"}, []string{"5.1.2"}},
		{api.Jira, "10.3.19", nil, StatusFail, []string{"not installed"}, []string{"Install", "Jira Mobile plugin", jiraKey, "Manage apps"}},
		{api.Jira, "10.3.19", disabled("5.1.2"), StatusFail, []string{"disabled"}, []string{"Enable", jiraKey}},
		// A major the docs do not name: the older minimum is met, but only a person can confirm.
		{api.Jira, "11.0.0", plugin("5.1.2"), StatusWarn, []string{"5.1.2 found", "documented minimum 5.1.2 is for Jira 10", "11.0.0"}, []string{"Marketplace", "Jira 11", "MDM"}},
		{api.Jira, "11.0.0", plugin("5.1.1"), StatusFail, []string{"5.1.1"}, []string{"5.1.2"}},
		{api.Jira, "11.0.0", nil, StatusFail, []string{"not installed"}, []string{"Install"}},
		// Jira 10.0.x: the mobile plugin by "Jira 10".
		{api.Jira, "10.0.0", plugin("5.1.2"), StatusOK, []string{"5.1.2 found", "Jira 10 needs 5.1.2"}, nil},
		{api.Jira, "10.0.3", plugin("4.2.0"), StatusFail, []string{"4.2.0 found", "Jira 10 needs 5.1.2"}, []string{"5.1.2"}},
		{api.Confluence, "9.2.3", plugin("19.1.46"), StatusFail, []string{"19.1.46"}, []string{"19.1.47", confKey, "Confluence Mobile plugin"}},
		{api.Confluence, "9.1.0", plugin("19.1.47"), StatusOK, []string{"19.1.47 found"}, nil},
		{api.Confluence, "9.2.3", plugin("20.0.0"), StatusOK, []string{"20.0.0"}, nil},
		{api.Confluence, "10.0.1", plugin("19.1.47"), StatusWarn, []string{"19.1.47 found", "10.0.1"}, []string{"Confluence 10"}},
		{api.Confluence, "9.0.9", plugin("19.1.47"), StatusSkip, []string{"depends on a supported Confluence version", "9.0.9"}, nil},
		{api.Confluence, "9.2.3", nil, StatusFail, []string{"not installed"}, []string{confKey}},
	})
}

func TestIOSAppCheck(t *testing.T) {
	for _, p := range []api.Product{api.Jira, api.Confluence} {
		c := IOSAppCheck(p)
		checkInvariants(t, c)
		if c.ID != CheckIDIOSApp || c.Status != StatusOK {
			t.Errorf("%s: %+v", p, c)
		}
		wantContains(t, "Detail", c.Detail, p.Title(), "2.0 or later", "cannot be checked from the server")
		wantContains(t, "Remedy", c.Remedy, "2.0 or later")
	}
}

// The matrix is data: it must stay well-formed when rows are added.
func TestCompatMatrixWellFormed(t *testing.T) {
	for _, p := range []api.Product{api.Jira, api.Confluence} {
		var rows []matrixRow
		for _, r := range compatMatrix {
			if r.product == p {
				rows = append(rows, r)
			}
		}
		if len(rows) == 0 {
			t.Fatalf("%s has no rows", p)
		}
		if rows[0].from != "" || rows[len(rows)-1].to != "" {
			t.Errorf("%s: rows must cover all versions (first from %q, last to %q)", p, rows[0].from, rows[len(rows)-1].to)
		}
		for i, r := range rows {
			for _, v := range []string{r.from, r.to, r.oauthMin, r.mobileMin} {
				if v != "" {
					if _, err := version.NewVersion(v); err != nil {
						t.Errorf("%s row %d: %q: %v", p, i, v, err)
					}
				}
			}
			if i > 0 && r.from != rows[i-1].to {
				t.Errorf("%s row %d starts at %q, previous ends at %q", p, i, r.from, rows[i-1].to)
			}
			if r.supported && (r.oauthMin == "" || r.mobileMin == "" || r.mobileLabel == "" || r.span == "") {
				t.Errorf("%s row %d: supported row without minimums: %+v", p, i, r)
			}
			if !r.supported && r.remedy == "" {
				t.Errorf("%s row %d: unsupported row without a remedy", p, i)
			}
		}
	}
}

func TestIsPreRelease(t *testing.T) {
	tests := map[string]bool{
		"":               false,
		"m0002":          true,
		"M0002":          true,
		"rc1":            true,
		"RC":             true,
		"beta2":          true,
		"SNAPSHOT":       true,
		"jira9-SNAPSHOT": true,
		"20240101":       true,
		"jira9":          false,
		"jira10":         false,
		"jakarta":        false,
	}
	for q, want := range tests {
		if got := isPreRelease(q); got != want {
			t.Errorf("isPreRelease(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestStatus(t *testing.T) {
	for s, name := range map[Status]string{StatusOK: "ok", StatusWarn: "warn", StatusFail: "fail", StatusSkip: "skip"} {
		if s.String() != name {
			t.Errorf("%d.String() = %q, want %q", int(s), s.String(), name)
		}
		b, err := json.Marshal(struct{ S Status }{s})
		if err != nil || string(b) != `{"S":"`+name+`"}` {
			t.Errorf("json of %s = %s, %v", name, b, err)
		}
		var back struct{ S Status }
		if err := json.Unmarshal(b, &back); err != nil || back.S != s {
			t.Errorf("json round trip of %s = %v, %v", name, back.S, err)
		}
	}
	if got := Status(9).String(); got != "Status(9)" {
		t.Errorf("unknown status String = %q", got)
	}
	if _, err := json.Marshal(Status(9)); err == nil {
		t.Error("marshalling an unknown status must fail")
	}
}

func TestCompatible(t *testing.T) {
	ok := Check{ID: "a", Status: StatusOK}
	tests := []struct {
		checks []Check
		want   bool
	}{
		{nil, true},
		{[]Check{ok, {Status: StatusWarn}, {Status: StatusSkip}}, true},
		{[]Check{ok, {Status: StatusFail}}, false},
	}
	for _, tt := range tests {
		if got := Compatible(tt.checks); got != tt.want {
			t.Errorf("Compatible(%v) = %v, want %v", tt.checks, got, tt.want)
		}
	}
	if (Check{Status: StatusWarn}).OK() != true || (Check{Status: StatusFail}).OK() != false {
		t.Error("OK: only a failure is not OK")
	}
}

// A whole Jira 10 report as the wizard would assemble it.
func TestChecksCompatibleEndToEnd(t *testing.T) {
	pv := "10.3.19"
	good := []Check{
		CheckProduct(api.Jira, pv),
		CheckOAuthPlugin(api.Jira, pv, plugin("4.1.0")),
		CheckMobilePlugin(api.Jira, pv, plugin("5.1.2")),
		IOSAppCheck(api.Jira),
	}
	if !Compatible(good) {
		t.Errorf("supported setup reported incompatible: %+v", good)
	}
	bad := append(good[:1:1], CheckOAuthPlugin(api.Jira, pv, nil))
	if Compatible(bad) {
		t.Errorf("missing OAuth plugin reported compatible: %+v", bad)
	}
}

func FuzzCheckProduct(f *testing.F) {
	for _, s := range []string{"9.12.14", "10.3.0-m0002", "v10.1.0", "4.1.0.1", "3.1.14-jira9", " 10.1.0 ", "", "x", "1.2.3+meta"} {
		f.Add("jira", s, s)
	}
	f.Add("confluence", "19.1.47", "9.1.0")
	f.Fuzz(func(t *testing.T, product, productVersion, pluginVersion string) {
		p := api.Product(product)
		checks := []Check{
			CheckProduct(p, productVersion),
			CheckOAuthPlugin(p, productVersion, plugin(pluginVersion)),
			CheckMobilePlugin(p, productVersion, plugin(pluginVersion)),
			CheckOAuthPlugin(p, productVersion, nil),
		}
		for _, c := range checks {
			checkInvariants(t, c)
			if len(c.Detail) > 600 {
				t.Errorf("Detail too long (%d bytes): a server must not flood the report", len(c.Detail))
			}
		}
		if checks[0].Status == StatusFail && checks[1].Status != StatusSkip {
			t.Errorf("plugin judged against an unsupported product: %+v", checks[1])
		}
	})
}
