package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// setup checks --output and --format before it sends a single request: what
// it could not write, or a format the file disagrees with, is a usage error
// and the instance never sees a POST (nor anything else).
func TestSetupChecksItsOutputBeforeAnyRequest(t *testing.T) {
	dir := t.TempDir()
	aFile := filepath.Join(dir, "notes.txt")
	os.WriteFile(aFile, []byte("my notes\n"), 0o644)
	jsonList := filepath.Join(dir, "sites")
	list, _ := steps.RenderSites([]steps.Site{{Title: "Other", BaseURL: "https://other.example.com"}}, steps.FormatJSON)
	os.WriteFile(jsonList, list, 0o600)
	locked := filepath.Join(dir, "locked")
	os.Mkdir(locked, 0o500)

	tests := []struct {
		name   string
		args   []string
		says   string
		asRoot bool // root writes anywhere: the case shows nothing then
	}{
		{"folder missing", []string{"--output", filepath.Join(dir, "missing", "sites.json")}, "does not exist", true},
		{"folder is a file", []string{"--output", filepath.Join(aFile, "sites.json")}, "is not a folder", true},
		{"folder takes no new file", []string{"--output", filepath.Join(locked, "sites.json")}, "does not take new files", false},
		{"not a site list", []string{"--output", aFile}, "not a site list", true},
		{"format against the name", []string{"--output", filepath.Join(dir, "sites.plist"), "--format", "json"}, "calls for plist", true},
		{"format against the list in the file", []string{"--output", jsonList, "--format", "intune"}, "calls for json", true},
		{"unknown format", []string{"--output", filepath.Join(dir, "a.json"), "--format", "yaml"}, "--format", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.asRoot && (runtime.GOOS == "windows" || os.Geteuid() == 0) {
				t.Skip("root (or Windows) writes in a folder whatever its mode")
			}
			env := simtest.New(t, simulator.Config{DevMode: true})
			for _, cmd := range [][]string{
				{"setup", "--url", env.URL, "--mode", "mdm", "--yes"},
				{"setup", "--url", env.URL, "--url", env.URL + "/second", "--mode", "mdm", "--yes"},
				{"--accessible", "--url", env.URL, "--mode", "mdm"}, // the wizard takes the same flags
			} {
				r := runOn(t, env, tokenEnv(simtest.SysadminToken), append(cmd, tt.args...)...)
				if r.code != ExitUsage {
					t.Fatalf("%v: exit %d, want %d (usage)\n%s", cmd, r.code, ExitUsage, r.stderr)
				}
				if !strings.Contains(flat(r.stderr), tt.says) {
					t.Errorf("%v: the error does not say %q:\n%s", cmd, tt.says, r.stderr)
				}
				if n := len(env.Sim.Requests()); n != 0 {
					t.Fatalf("%v: %d requests reached the instance before the usage error (POSTs: %d)", cmd, n, env.Count("POST", "/rest/oauth2/latest/client"))
				}
			}
		})
	}
	if b, _ := os.ReadFile(aFile); string(b) != "my notes\n" {
		t.Fatalf("a file that is not a site list changed: %q", b)
	}
	if b, _ := os.ReadFile(jsonList); string(b) != string(list) {
		t.Fatalf("the list changed: %q", b)
	}
}

// Without --format, the site list takes the format its file calls for: the
// name's extension, or the list already in a file without one.
func TestSetupWritesTheFormatTheFileCallsFor(t *testing.T) {
	env := simtest.New(t, simulator.Config{DevMode: true, Title: "Jira"})
	dir := t.TempDir()
	plain := filepath.Join(dir, "sites-for-jamf")
	list, _ := steps.RenderSites([]steps.Site{{Title: "Other", BaseURL: "https://other.example.com"}}, steps.FormatPlist)
	os.WriteFile(plain, list, 0o600)
	for _, tt := range []struct {
		file string
		want steps.Format
		n    int
	}{
		{filepath.Join(dir, "sites.plist"), steps.FormatPlist, 1},
		{filepath.Join(dir, "Sites.JSON"), steps.FormatJSON, 1},
		{plain, steps.FormatPlist, 2},
		{filepath.Join(dir, "sites.txt"), steps.FormatJSON, 1},
	} {
		r := runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "mdm", "--yes", "--no-verify", "--output", tt.file)
		if r.code != ExitOK {
			t.Fatalf("%s: exit %d\n%s", tt.file, r.code, r.stderr)
		}
		data, _ := os.ReadFile(tt.file)
		sites, format, err := steps.ParseSites(data)
		if err != nil || format != tt.want || len(sites) != tt.n {
			t.Errorf("%s holds %d sites as %q (%v), want %d as %q:\n%s", filepath.Base(tt.file), len(sites), format, err, tt.n, tt.want, data)
		}
	}
	// --format that agrees with the name is fine.
	r := runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "mdm", "--yes", "--no-verify", "--format", "plist", "--output", filepath.Join(dir, "sites.plist"))
	if r.code != ExitOK {
		t.Fatalf("agreeing --format: exit %d\n%s", r.code, r.stderr)
	}
}
