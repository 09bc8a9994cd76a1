package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// jiraAndWiki are an in-process Jira and Confluence, and a transport that
// reaches both.
func jiraAndWiki(t *testing.T) (jira, wiki *simtest.Env) {
	t.Helper()
	jira = simtest.New(t, simulator.Config{DevMode: true, Product: "jira", Title: "Acme Jira"})
	wiki = simtest.New(t, simulator.Config{DevMode: true, Product: "confluence", Title: "Acme Wiki"})
	return jira, wiki
}

// readList is the site list in path.
func readList(t *testing.T, path string) []steps.Site {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sites, _, err := steps.ParseSites(data)
	if err != nil {
		t.Fatalf("%s: %v\n%s", path, err, data)
	}
	return sites
}

// The setup JSON of a run over several instances, as a script reads it.
type perAppRun struct {
	Instances []struct {
		URL string `json:"url"`
		App string `json:"app"`
	} `json:"instances"`
	Sites    map[string][]steps.Site `json:"sites"`
	Output   map[string]string       `json:"output"`
	ExitCode int                     `json:"exitCode"`
}

// --output with {app} in the name, or jira=FILE and confluence=FILE, writes
// each app's list to its own file; --json gives the lists and the files
// keyed by app.
func TestOutputGivesEachAppItsOwnFile(t *testing.T) {
	for _, tt := range []struct {
		name       string
		output     func(dir string) []string
		jira, wiki string
	}{
		{"a placeholder in the name", func(dir string) []string { return []string{"--output", filepath.Join(dir, "sites-{app}.json")} }, "sites-jira.json", "sites-confluence.json"},
		{"a file per app", func(dir string) []string {
			return []string{"--output", "confluence=" + filepath.Join(dir, "wiki.plist"), "--output", "jira=" + filepath.Join(dir, "jira.json")}
		}, "jira.json", "wiki.plist"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			jira, wiki := jiraAndWiki(t)
			dir := t.TempDir()
			args := append([]string{"setup", "--url", jira.URL, "--url", wiki.URL, "--mode", "mdm", "--yes", "--json"}, tt.output(dir)...)
			r := runWith(t, simtest.Route(jira, wiki), tokenEnv(simtest.SysadminToken), args...)
			if r.code != ExitOK {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			jiraFile, wikiFile := filepath.Join(dir, tt.jira), filepath.Join(dir, tt.wiki)
			if s := readList(t, jiraFile); len(s) != 1 || s[0].BaseURL != jira.URL || s[0].OAuth.ClientID != clientIDOf(t, jira) {
				t.Errorf("the Jira app's file holds %+v", s)
			}
			if s := readList(t, wikiFile); len(s) != 1 || s[0].BaseURL != wiki.URL || s[0].OAuth.ClientID != clientIDOf(t, wiki) {
				t.Errorf("the Confluence app's file holds %+v", s)
			}
			var out perAppRun
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("%v\n%s", err, r.stdout)
			}
			if len(out.Sites["jira"]) != 1 || out.Sites["jira"][0].BaseURL != jira.URL || len(out.Sites["confluence"]) != 1 || out.Sites["confluence"][0].BaseURL != wiki.URL {
				t.Errorf("sites = %+v", out.Sites)
			}
			if out.Output["jira"] != jiraFile || out.Output["confluence"] != wikiFile {
				t.Errorf("output = %v", out.Output)
			}
			if out.Instances[0].App != "jira" || out.Instances[1].App != "confluence" {
				t.Errorf("instances = %+v", out.Instances)
			}
			for _, want := range []string{"Saved the Jira Data Center app's site list (1 site) to " + jiraFile, "Saved the Confluence Data Center app's site list (1 site) to " + wikiFile} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
		})
	}
}

// An --output that could end up holding both apps' sites is refused from the
// flags alone: exit 2, and not one request reaches an instance.
func TestOutputThatCouldMixTheAppsIsRefusedBeforeAnyRequest(t *testing.T) {
	jira, wiki := jiraAndWiki(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "sites.json")
	inv := filepath.Join(dir, "instances.yaml")
	os.WriteFile(inv, fmt.Appendf(nil, "instances:\n  - url: %s\n    product: jira\n  - url: %s\n    product: confluence\n", jira.URL, wiki.URL), 0o600)
	both := []string{"--url", jira.URL, "--url", wiki.URL}
	for _, tt := range []struct {
		name string
		args []string
		says string
	}{
		{"one file, products not known", append(both, "--output", file), "not known before it is asked"},
		{"one file, the inventory names both products", []string{"--inventory", inv, "--output", file}, "both the Jira and the Confluence app"},
		{"no file for the Confluence app", append(both, "--output", "jira="+file), "add confluence=FILE"},
		{"one instance, no file for its app perhaps", []string{"--url", wiki.URL, "--output", "jira=" + file}, "add confluence=FILE"},
		{"the Jira app's file named twice", append(both, "--output", "jira="+file, "--output", "jira="+file+"2"), "given twice"},
		{"--product against the inventory", []string{"--inventory", inv, "--product", "jira", "--output", filepath.Join(dir, "s-{app}.json")}, "the inventory says"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"setup", "--mode", "mdm", "--yes"}, tt.args...)
			r := runWith(t, simtest.Route(jira, wiki), tokenEnv(simtest.SysadminToken), args...)
			if r.code != ExitUsage || !strings.Contains(flat(r.stderr), tt.says) {
				t.Fatalf("exit %d, want %d saying %q:\n%s", r.code, ExitUsage, tt.says, r.stderr)
			}
			if n := len(jira.Sim.Requests()) + len(wiki.Sim.Requests()); n != 0 {
				t.Fatalf("%d requests before the refusal", n)
			}
		})
	}
	if _, err := os.Stat(file); err == nil {
		t.Error("a refused run wrote the file")
	}
}

// Merging into a file that holds a site of the other app is refused before
// anything is changed: the site's app is the run's knowledge (an instance of
// this run), or what its anonymous manifest says. A site that cannot be
// asked is kept, and the output says it was not checked.
func TestMergingRefusesAFileOfTheOtherApp(t *testing.T) {
	wikiSite := func(wiki *simtest.Env) steps.Site {
		return steps.Site{Title: "Acme Wiki", BaseURL: wiki.URL, OAuth: &steps.SiteOAuth{ClientID: "0123456789abcdef0123456789abcdef"}}
	}
	for _, tt := range []struct {
		name string
		// args are the run's flags after the file: jiraURL, wikiURL and file are filled in.
		args func(jira, wiki, file string) []string
	}{
		{"one instance, its product asked", func(j, _, f string) []string { return []string{"--url", j, "--output", f} }},
		{"one instance of a named product", func(j, _, f string) []string { return []string{"--url", j, "--product", "jira", "--output", f} }},
		{"several instances of a named product", func(j, _, f string) []string {
			return []string{"--url", j, "--url", j + "/second", "--product", "jira", "--output", f}
		}},
		{"the Jira app's file holds an instance of this run", func(j, w, f string) []string {
			return []string{"--url", j, "--url", w, "--output", "jira=" + f, "--output", "confluence=" + f + ".wiki"}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			jira, wiki := jiraAndWiki(t)
			file := filepath.Join(t.TempDir(), "sites.json")
			before, _ := steps.RenderSites([]steps.Site{wikiSite(wiki)}, steps.FormatJSON)
			os.WriteFile(file, before, 0o600)
			args := append([]string{"setup", "--mode", "mdm", "--yes"}, tt.args(jira.URL, wiki.URL, file)...)
			r := runWith(t, simtest.Route(jira, wiki), tokenEnv(simtest.SysadminToken), args...)
			if r.code != ExitUsage || !strings.Contains(flat(r.stderr), `holds "Acme Wiki" (`+wiki.URL+"), a site of the Confluence Data Center app") {
				t.Fatalf("exit %d, want %d naming the Confluence site:\n%s", r.code, ExitUsage, r.stderr)
			}
			if after, _ := os.ReadFile(file); string(after) != string(before) {
				t.Errorf("the file changed:\n%s", after)
			}
			for _, env := range []*simtest.Env{jira, wiki} {
				for _, req := range env.Sim.Requests() {
					if req.Path != "/rest/applinks/1.0/manifest" || (req.User != "" && req.User != "anonymous") {
						t.Errorf("%s got %s %s as %q before the refusal: only anonymous manifests may be read", env.URL, req.Method, req.Path, req.User)
					}
				}
			}
		})
	}

	t.Run("a site that cannot be asked is kept, not checked", func(t *testing.T) {
		jira, _ := jiraAndWiki(t)
		file := filepath.Join(t.TempDir(), "sites.json")
		away := steps.Site{Title: "Away", BaseURL: "https://away.invalid"}
		data, _ := steps.RenderSites([]steps.Site{away}, steps.FormatJSON)
		os.WriteFile(file, data, 0o600)
		r := runWith(t, simtest.Route(jira), tokenEnv(simtest.SysadminToken), "setup", "--url", jira.URL, "--mode", "mdm", "--yes", "--output", file, "--json")
		if r.code != ExitOK {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		if s := readList(t, file); len(s) != 2 || s[0].Title != "Away" || s[1].BaseURL != jira.URL {
			t.Errorf("the file holds %+v", s)
		}
		if !strings.Contains(flat(r.stderr), "Not checked: Away (https://away.invalid) was kept in "+file) {
			t.Errorf("stderr does not say Away was not checked:\n%s", r.stderr)
		}
		var out struct {
			NotChecked map[string][]string `json:"notChecked"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.NotChecked["jira"]) != 1 || out.NotChecked["jira"][0] != away.BaseURL {
			t.Errorf("notChecked = %v (%v)", out.NotChecked, err)
		}
	})
}

// remove --output takes the instance out of its own app's list; the other
// app's file is never touched.
func TestRemoveTakesTheSiteOutOfItsAppsListOnly(t *testing.T) {
	jira, wiki := jiraAndWiki(t)
	dir := t.TempDir()
	outputs := []string{"--output", "jira=" + filepath.Join(dir, "jira.json"), "--output", "confluence=" + filepath.Join(dir, "wiki.json")}
	tr := simtest.Route(jira, wiki)
	if r := runWith(t, tr, tokenEnv(simtest.SysadminToken), append([]string{"setup", "--url", jira.URL, "--url", wiki.URL, "--mode", "mdm", "--yes"}, outputs...)...); r.code != ExitOK {
		t.Fatalf("setup: exit %d\n%s", r.code, r.stderr)
	}
	jiraBefore, _ := os.ReadFile(filepath.Join(dir, "jira.json"))
	r := runWith(t, tr, tokenEnv(simtest.SysadminToken), append([]string{"remove", "--url", wiki.URL, "--yes", "--json"}, outputs...)...)
	if r.code != ExitOK {
		t.Fatalf("remove: exit %d\n%s", r.code, r.stderr)
	}
	if s := readList(t, filepath.Join(dir, "wiki.json")); len(s) != 0 {
		t.Errorf("the Confluence app's list still holds %+v", s)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "jira.json")); string(after) != string(jiraBefore) {
		t.Errorf("the Jira app's file changed:\n%s", after)
	}
	var out struct {
		Output      map[string]string       `json:"output"`
		Sites       map[string][]steps.Site `json:"sites"`
		SiteRemoved bool                    `json:"siteRemoved"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || !out.SiteRemoved || len(out.Output) != 1 || out.Output["confluence"] != filepath.Join(dir, "wiki.json") {
		t.Errorf("remove --json: %+v (%v)\n%s", out, err, r.stdout)
	}
	if !strings.Contains(r.stderr, "the Confluence Data Center app's list") {
		t.Errorf("stderr does not name the app's list:\n%s", r.stderr)
	}
}
