package cli

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Every command's --help, as a user at an 80-column terminal reads it.
func TestHelpFitsEightyColumns(t *testing.T) {
	root := NewRootCommand(BuildInfo{Version: "test"}, &IO{Getenv: func(string) string { return "" }})
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		paths = append(paths, path)
		for _, sub := range c.Commands() {
			if !sub.Hidden {
				walk(sub, append(append([]string(nil), path...), sub.Name()))
			}
		}
	}
	walk(root, nil)
	if len(paths) < 6 {
		t.Fatalf("walked only %d commands: %v", len(paths), paths)
	}
	for _, path := range paths {
		name := strings.Join(append([]string{"mobile-oauth-wizard"}, path...), " ")
		t.Run(name, func(t *testing.T) {
			r := run(t, map[string]string{"COLUMNS": "80"}, append(path, "--help")...)
			_, topic := topicOf(root.Commands()[0])
			for _, c := range root.Commands() {
				if len(path) > 0 && c.Name() == path[0] {
					_, topic = topicOf(c)
				}
			}
			if r.code != ExitOK || (!topic && !strings.Contains(r.stdout, "Usage:")) {
				t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			for i, line := range strings.Split(r.stdout, "\n") {
				if n := len([]rune(line)); n > 80 {
					t.Errorf("line %d is %d columns wide:\n%s", i+1, n, line)
				}
			}
			// Words stay as written: no title-casing of descriptions.
			for _, bad := range []string{"Mdm", "Non-Mdm", "Cachesessioninmobilebrowser", "Pem file"} {
				if strings.Contains(r.stdout, bad) {
					t.Errorf("help rewrites a word: %q", bad)
				}
			}
		})
	}
}

func TestHelpListsOnlyTheFlagsACommandTakes(t *testing.T) {
	for _, cmd := range []string{"simulate", "completion"} {
		r := run(t, map[string]string{"COLUMNS": "80"}, cmd, "--help")
		for _, flag := range []string{"--url", "--token-file", "--demo", "--mode"} {
			if strings.Contains(r.stdout, flag+" ") {
				t.Errorf("%s --help lists %s, which it does not use:\n%s", cmd, flag, r.stdout)
			}
		}
	}
	r := run(t, map[string]string{"COLUMNS": "80"}, "setup", "--help")
	for _, want := range []string{"--url URL", "--token-file FILE", "--output FILE", "--mode MODE", "--timeout duration", "--wait duration", "cacheSessionInMobileBrowser"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("setup --help lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestHelpExamplesBreakCommandsNotComments(t *testing.T) {
	got := wrapExamples("  some-command --first-flag value --second-flag value --third-flag value --fourth\n  export X=1   # a comment that is long enough to pass the width of the help text", 60)
	lines := strings.Split(got, "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[0], `\`) || !strings.HasPrefix(lines[1], "      ") {
		t.Fatalf("a long command is continued with a backslash on an indented line:\n%s", got)
	}
	if !strings.HasPrefix(lines[2], "  export X=1   # a comment") {
		t.Fatalf("a comment line was broken:\n%s", got)
	}
}

func TestShellCompletionOffersFlagValues(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"setup", "--mode", ""}, []string{"mdm", "non-mdm"}},
		{[]string{"check", "--mode", ""}, []string{"mdm", "non-mdm"}},
		{[]string{"--mode", ""}, []string{"mdm", "non-mdm"}},
		{[]string{"setup", "--format", ""}, []string{"json", "plist", "intune"}},
		{[]string{"check", "--product", ""}, []string{"jira", "confluence"}},
		{[]string{"simulate", "--product", ""}, []string{"jira", "confluence"}},
	} {
		r := run(t, nil, append([]string{cobra.ShellCompNoDescRequestCmd}, tc.args...)...)
		got := strings.Fields(r.stdout)
		for _, w := range tc.want {
			if !strings.Contains(" "+strings.Join(got, " ")+" ", " "+w+" ") {
				t.Errorf("%v: completions %v lack %q", tc.args, got, w)
			}
		}
		if strings.Contains(r.stdout, ".go") {
			t.Errorf("%v: offers file names: %v", tc.args, got)
		}
	}
}

func TestVersionOfASourceBuildNamesItsRevision(t *testing.T) {
	settings := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "34f894b20a30f0cb303fdc360046627f695f84d5"},
		{Key: "vcs.time", Value: "2026-11-23T17:48:31Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	got := BuildInfo{}.withVCS(settings)
	got.Version = "dev"
	if s := got.String(); s != "dev (34f894b20a30, 2026-11-23T17:48:31Z, modified)" {
		t.Fatalf("version = %q", s)
	}
	if s := (BuildInfo{Version: "1.2.3", Commit: "abc", Date: "2026-11-01"}).String(); s != "1.2.3 (abc, 2026-11-01)" {
		t.Fatalf("release version = %q", s)
	}
}
