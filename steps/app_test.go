package steps

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
)

func TestAppOfEachProduct(t *testing.T) {
	tests := []struct {
		product     api.Product
		app         App
		name, store string
	}{
		{api.Jira, AppJira, "Jira Data Center app", "1405353949"},
		{api.Confluence, AppConfluence, "Confluence Data Center app", "1288365159"},
	}
	for _, tt := range tests {
		a := AppFor(tt.product)
		if a != tt.app || a.Name() != tt.name || a.AppStoreID() != tt.store || a.Product() != tt.product {
			t.Errorf("%s: app %q %q %q %q", tt.product, a, a.Name(), a.AppStoreID(), a.Product())
		}
		if p, err := ParseApp(strings.ToUpper(string(tt.app))); err != nil || p != tt.app {
			t.Errorf("ParseApp(%q) = %q, %v", tt.app, p, err)
		}
	}
	if _, err := ParseApp("bamboo"); err == nil {
		t.Error("ParseApp accepted bamboo")
	}
}

func site(title, base string) Site {
	return Site{Title: title, BaseURL: base, OAuth: &SiteOAuth{ClientID: "0123456789abcdef0123456789abcdef"}}
}

// Sites of one product merge into that app's list; the other app's list
// never sees them, and --json finds each list under its app's key.
func TestSiteListsKeepOneListPerApp(t *testing.T) {
	var l SiteLists
	if got, _ := json.Marshal(l); string(got) != "{}" {
		t.Fatalf("empty lists = %s", got)
	}
	l.Add(AppConfluence, site("Wiki", "https://wiki.example.com"))
	l.Add(AppJira, site("Jira", "https://jira.example.com"))
	l.Add(AppJira, site("Jira staging", "https://jira-staging.example.com"))
	l.Add(AppJira, site("Jira again", "https://JIRA.example.com:443/")) // the same site: replaced in place
	if got := l.Apps(); len(got) != 2 || got[0] != AppJira || got[1] != AppConfluence {
		t.Fatalf("apps = %v, want jira then confluence", got)
	}
	jira := l.List(AppJira)
	if len(jira) != 2 || jira[0].Title != "Jira again" || jira[1].Title != "Jira staging" || l.Len() != 3 {
		t.Fatalf("jira list = %+v", jira)
	}
	if w := l.List(AppConfluence); len(w) != 1 || w[0].Title != "Wiki" {
		t.Fatalf("confluence list = %+v", w)
	}
	data, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	var shape map[string][]Site
	if err := json.Unmarshal(data, &shape); err != nil || len(shape["jira"]) != 2 || len(shape["confluence"]) != 1 || len(shape) != 2 {
		t.Fatalf("json = %s (%v)", data, err)
	}
	var back SiteLists
	if err := json.Unmarshal(data, &back); err != nil || back.Len() != 3 || back.List(AppConfluence)[0].BaseURL != "https://wiki.example.com" {
		t.Fatalf("read back %+v, %v", back, err)
	}
	if n := l.Remove("https://wiki.example.com/"); n != 1 || len(l.Apps()) != 1 || l.List(AppConfluence) != nil {
		t.Fatalf("remove: %d, apps %v", n, l.Apps())
	}
}

func TestParseAppPaths(t *testing.T) {
	tests := []struct {
		values     []string
		err        string
		jira, wiki string
		single     string
	}{
		{values: []string{"sites.json"}, jira: "sites.json", wiki: "sites.json", single: "sites.json"},
		{values: []string{"sites-{app}.plist"}, jira: "sites-jira.plist", wiki: "sites-confluence.plist"},
		{values: []string{"jira=j.json", "Confluence=w.json"}, jira: "j.json", wiki: "w.json"},
		{values: []string{"jira=j.json"}, jira: "j.json"},
		{values: []string{"a=b.json"}, jira: "a=b.json", wiki: "a=b.json", single: "a=b.json"},
		{values: []string{"a.json", "b.json"}, err: "one file holds one app's site list"},
		{values: []string{"a.json", "jira=b.json"}, err: "not both"},
		{values: []string{"jira=a.json", "jira=b.json"}, err: "given twice"},
		{values: []string{"jira=a.json", "confluence=./a.json"}, err: "name one file"},
		{values: []string{"jira="}, err: "empty"},
		{values: []string{"jira=x-{app}.json"}, err: "{app} belongs"},
	}
	for _, tt := range tests {
		p, err := ParseAppPaths(tt.values)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want %q", tt.values, err, tt.err)
			}
			continue
		}
		if err != nil || p.For(AppJira) != tt.jira || p.For(AppConfluence) != tt.wiki || p.Single() != tt.single {
			t.Errorf("%q: jira %q confluence %q single %q, %v", tt.values, p.For(AppJira), p.For(AppConfluence), p.Single(), err)
		}
	}
}

// The rule for two apps is decided from the flags alone: a run it refuses
// never sends a request.
func TestAppPathsCheckRun(t *testing.T) {
	tests := []struct {
		values []string
		apps   []App
		err    string
	}{
		{nil, []App{"", ""}, ""},
		{[]string{"s.json"}, []App{""}, ""},
		{[]string{"s.json"}, []App{AppJira, AppJira}, ""},
		{[]string{"s.json"}, []App{"", ""}, "not known before"},
		{[]string{"s.json"}, []App{AppJira, AppConfluence}, "both the Jira and the Confluence app"},
		{[]string{"s-{app}.json"}, []App{"", ""}, ""},
		{[]string{"jira=j.json", "confluence=w.json"}, []App{"", ""}, ""},
		{[]string{"jira=j.json"}, []App{AppJira, AppJira}, ""},
		{[]string{"jira=j.json"}, []App{AppJira, AppConfluence}, "no file for the Confluence Data Center app's"},
		{[]string{"jira=j.json"}, []App{""}, "add confluence=FILE"},
	}
	for _, tt := range tests {
		p, err := ParseAppPaths(tt.values)
		if err != nil {
			t.Fatal(err)
		}
		err = p.CheckRun(tt.apps)
		if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%q over %q: %v, want %q", tt.values, tt.apps, err, tt.err)
		}
	}
}

func writeList(t *testing.T, sites ...Site) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sites.json")
	data, err := RenderSites(sites, FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A file whose sites are of the other app is refused before anything is
// written; a site that cannot be asked is kept and reported.
func TestCheckListApps(t *testing.T) {
	manifests := map[string]App{"https://jira.example.com": AppJira, "https://wiki.example.com": AppConfluence}
	var asked atomic.Int32
	ask := func(_ context.Context, base string) (App, error) {
		asked.Add(1)
		if a, ok := manifests[base]; ok {
			return a, nil
		}
		return "", errors.New("no answer")
	}
	jira, wiki, gone := site("Jira", "https://jira.example.com"), site("Wiki", "https://wiki.example.com"), site("Gone", "https://gone.example.com")

	path := writeList(t, wiki, gone)
	before, _ := os.ReadFile(path)
	_, err := CheckListApps(context.Background(), path, AppJira, SiteApps{}, ask)
	var other *OtherAppError
	if !errors.As(err, &other) || other.SiteApp != AppConfluence || !strings.Contains(err.Error(), "Confluence Data Center app") {
		t.Fatalf("a Jira list over a Confluence file: %v", err)
	}
	if _, err := SaveAppList(path, AppJira, []Site{jira}, FormatJSON, SiteApps{"https://wiki.example.com": AppConfluence}); !errors.As(err, &other) {
		t.Fatalf("SaveAppList wrote a Jira site into a Confluence list: %v", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatalf("the file changed: %s", after)
	}

	// Known apps (the run's instances) are not asked again.
	known := SiteApps{}
	known.Set("https://wiki.example.com", AppConfluence)
	asked.Store(0)
	res, err := CheckListApps(context.Background(), path, AppConfluence, known, ask)
	if err != nil || asked.Load() != 1 || len(res.Unchecked) != 1 || res.Unchecked[0].Site.BaseURL != gone.BaseURL || res.Unchecked[0].Why == "" {
		t.Fatalf("res %+v, asked %d, err %v", res, asked.Load(), err)
	}

	// A single file whose app is not known yet takes the app of its sites;
	// one holding both is refused.
	if res, err := CheckListApps(context.Background(), writeList(t, jira), "", SiteApps{}, ask); err != nil || res.App != AppJira {
		t.Fatalf("app of a Jira file: %+v %v", res, err)
	}
	var mixed *MixedListError
	if _, err := CheckListApps(context.Background(), writeList(t, jira, wiki), "", SiteApps{}, ask); !errors.As(err, &mixed) {
		t.Fatalf("a mixed file: %v", err)
	}
	if res, err := CheckListApps(context.Background(), filepath.Join(t.TempDir(), "new.json"), AppJira, SiteApps{}, ask); err != nil || len(res.Unchecked) != 0 {
		t.Fatalf("a new file: %+v %v", res, err)
	}
}
