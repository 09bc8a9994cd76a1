package steps

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var (
	jiraSite = Site{
		Title:   "My Jira Site",
		BaseURL: "https://jira.example.com",
		OAuth:   &SiteOAuth{ClientID: "0123456789abcdef0123456789abcdef"},
	}
	confluenceSite = Site{
		Title:   "My Confluence Site",
		BaseURL: "https://example.com/confluence",
		OAuth:   &SiteOAuth{ClientID: "fedcba9876543210fedcba9876543210", CacheSessionInMobileBrowser: true},
	}
)

func TestRenderSitesJSONExact(t *testing.T) {
	tests := []struct {
		name  string
		sites []Site
		want  string
	}{
		{"one site", []Site{jiraSite}, `[
  {
    "title": "My Jira Site",
    "baseURL": "https://jira.example.com",
    "oauth": {
      "clientID": "0123456789abcdef0123456789abcdef",
      "cacheSessionInMobileBrowser": false
    }
  }
]
`},
		{"jira and confluence", []Site{jiraSite, confluenceSite}, `[
  {
    "title": "My Jira Site",
    "baseURL": "https://jira.example.com",
    "oauth": {
      "clientID": "0123456789abcdef0123456789abcdef",
      "cacheSessionInMobileBrowser": false
    }
  },
  {
    "title": "My Confluence Site",
    "baseURL": "https://example.com/confluence",
    "oauth": {
      "clientID": "fedcba9876543210fedcba9876543210",
      "cacheSessionInMobileBrowser": true
    }
  }
]
`},
		{"site without oauth", []Site{{Title: "Old", BaseURL: "https://old.example.com"}}, `[
  {
    "title": "Old",
    "baseURL": "https://old.example.com"
  }
]
`},
		{"empty list", nil, "[]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RenderSites(tt.sites, FormatJSON)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestRenderSitesPlistExact(t *testing.T) {
	// Quotes are written as they are (XML escapes them only in attributes);
	// & stays escaped.
	got, err := RenderSites([]Site{{Title: "R&D's", BaseURL: "https://jira.example.com", OAuth: &SiteOAuth{ClientID: "abc"}}}, FormatPlist)
	if err != nil {
		t.Fatal(err)
	}
	want := "<dict>\n" +
		"\t<key>sites</key>\n" +
		"\t<string>[{\"title\":\"R&amp;D's\",\"baseURL\":\"https://jira.example.com\"," +
		"\"oauth\":{\"clientID\":\"abc\",\"cacheSessionInMobileBrowser\":false}}]</string>\n" +
		"</dict>\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRenderSitesIntuneExact(t *testing.T) {
	got, err := RenderSites([]Site{jiraSite}, FormatIntune)
	if err != nil {
		t.Fatal(err)
	}
	want := "Configuration key: sites\n" +
		"Value type: String\n" +
		`Configuration value: [{"title":"My Jira Site","baseURL":"https://jira.example.com","oauth":{"clientID":"0123456789abcdef0123456789abcdef","cacheSessionInMobileBrowser":false}}]` + "\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRenderSitesSpecialTitles(t *testing.T) {
	titles := []string{
		`R&D <Jira>`,
		`Team "Blue" 'quoted'`,
		"Zürich · 東京 · 🚀",
		`back\slash`,
		"tab\there, line\nbreak",
		"odd \u2028 \ufffe \uffff",
	}
	for _, title := range titles {
		sites := []Site{{Title: title, BaseURL: "https://jira.example.com", OAuth: &SiteOAuth{ClientID: "abc"}}}
		js, err := RenderSites(sites, FormatJSON)
		if err != nil {
			t.Fatal(err)
		}
		for _, raw := range []string{"&", "<", ">", "Zürich", "🚀"} {
			if strings.Contains(title, raw) && !bytes.Contains(js, []byte(raw)) {
				t.Errorf("title %q: JSON escapes %q, it must stay readable:\n%s", title, raw, js)
			}
		}
		for _, f := range []Format{FormatJSON, FormatPlist, FormatIntune} {
			out, err := RenderSites(sites, f)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			back, gotF, err := ParseSites(out)
			if err != nil || gotF != f || !reflect.DeepEqual(back, sites) {
				t.Errorf("title %q via %s: got %+v (%s), %v", title, f, back, gotF, err)
			}
		}
	}
}

func TestRenderSitesRefusesUnreadable(t *testing.T) {
	for _, sites := range [][]Site{
		{{Title: "x"}},
		{{Title: "x", BaseURL: "  "}},
		{{Title: "x", BaseURL: "https://x.example.com", OAuth: &SiteOAuth{}}},
	} {
		if _, err := RenderSites(sites, FormatJSON); err == nil {
			t.Errorf("RenderSites(%+v) succeeded; the app could not use it", sites)
		}
	}
	if _, err := RenderSites([]Site{jiraSite}, Format("yaml")); err == nil {
		t.Error("unknown format accepted")
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"json": FormatJSON, " PLIST ": FormatPlist, "Intune": FormatIntune} {
		got, err := ParseFormat(in)
		if err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "yaml", "xml"} {
		if _, err := ParseFormat(in); err == nil || !strings.Contains(err.Error(), "json, plist or intune") {
			t.Errorf("ParseFormat(%q) error = %v", in, err)
		}
	}
}

func TestParseSitesRoundTrip(t *testing.T) {
	lists := [][]Site{
		{},
		{jiraSite},
		{jiraSite, confluenceSite, {Title: "", BaseURL: "http://legacy.internal:8080"}},
	}
	for _, sites := range lists {
		for _, f := range []Format{FormatJSON, FormatPlist, FormatIntune} {
			out, err := RenderSites(sites, f)
			if err != nil {
				t.Fatal(err)
			}
			back, gotF, err := ParseSites(out)
			if err != nil {
				t.Fatalf("%s: %v\n%s", f, err, out)
			}
			if gotF != f || !reflect.DeepEqual(back, sites) {
				t.Errorf("%s: got %+v as %s, want %+v", f, back, gotF, sites)
			}
			// CRLF line ends (a file edited on Windows) read the same.
			crlf := bytes.ReplaceAll(out, []byte("\n"), []byte("\r\n"))
			if back, _, err := ParseSites(crlf); err != nil || !reflect.DeepEqual(back, sites) {
				t.Errorf("%s with CRLF: %+v, %v", f, back, err)
			}
		}
	}
}

func TestParseSitesHandWritten(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Site
	}{
		{"seed without oauth", `[
{ "title": "My Confluence Site", "baseURL": "https://confluence.example.com"}
]`, []Site{{Title: "My Confluence Site", BaseURL: "https://confluence.example.com"}}},
		{"seed with oauth", `[
{ "title": "My Jira Site", "baseURL": "https://jira.example.com", "oauth": { "clientID": "your_clientID", "cacheSessionInMobileBrowser": false } }
]`, []Site{{Title: "My Jira Site", BaseURL: "https://jira.example.com", OAuth: &SiteOAuth{ClientID: "your_clientID"}}}},
		{"flag left out", `[{"title":"J","baseURL":"https://j.example.com","oauth":{"clientID":"c"}}]`,
			[]Site{{Title: "J", BaseURL: "https://j.example.com", OAuth: &SiteOAuth{ClientID: "c"}}}},
		{"oauth null", `[{"title":"J","baseURL":"https://j.example.com","oauth":null}]`,
			[]Site{{Title: "J", BaseURL: "https://j.example.com"}}},
		{"byte order mark", "\uFEFF[]", []Site{}},
		{"full plist document", `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict><key>sites</key><string>[{"title":"J","baseURL":"https://j.example.com"}]</string></dict></plist>`,
			[]Site{{Title: "J", BaseURL: "https://j.example.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := ParseSites([]byte(tt.in))
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestParseSitesRejects(t *testing.T) {
	for _, in := range []string{
		``,
		`   `,
		`{"foo":1}`,
		`{"title":"J","baseURL":"https://j.example.com"}`,
		`[1,2]`,
		`[null]`,
		`["https://j.example.com"]`,
		`[{}]`,
		`[{"title":"J"}]`,
		`[{"baseURL":"https://j.example.com"}]`,
		`[{"title":"J","baseURL":""}]`,
		`[{"title":"J","baseURL":null}]`,
		`[{"title":null,"baseURL":"https://j.example.com"}]`,
		`[{"title":"J","baseUrl":"https://j.example.com"}]`,
		`[{"title":"J","baseURL":"https://j.example.com","extra":true}]`,
		`[{"title":"J","baseURL":"https://j.example.com","oauth":{}}]`,
		`[{"title":"J","baseURL":"https://j.example.com","oauth":{"clientID":""}}]`,
		`[{"title":"J","baseURL":"https://j.example.com","oauth":{"clientId":"c"}}]`,
		`[{"title":"J","baseURL":"https://j.example.com","oauth":{"clientID":"c","secret":"s"}}]`,
		`[{"title":"J","baseURL":"https://j.example.com","oauth":{"clientID":"c","cacheSessionInMobileBrowser":"false"}}]`,
		`[{"title":"J","baseURL":"https://j.example.com","oauth":"c"}]`,
		`[] trailing`,
		`[{"title":"J","baseURL":"https://j.example.com"}`,
		"[{\"title\":\"\xff\",\"baseURL\":\"https://j.example.com\"}]",
		`just some notes about our sites`,
		`<dict><key>sites</key><integer>1</integer></dict>`,
		`<dict><key>other</key><string>[]</string></dict>`,
		`<dict><key>sites</key><string>[]</string><key>serverURL</key><string>x</string></dict>`,
		`<dict><key>sites</key><string>not json</string></dict>`,
		`<array><string>[]</string></array>`,
		`<html><body>hi</body></html>`,
		`<0fbd77>`,
		"Configuration key: sites\nValue type: String\n",
		"Configuration key: other\nValue type: String\nConfiguration value: []\n",
		"Configuration key: sites\nValue type: Integer\nConfiguration value: []\n",
		"Configuration key: sites\nValue type: String\nConfiguration value: {}\n",
		"Configuration key: sites\nValue type: String\nConfiguration value: []\nmore\n",
	} {
		got, _, err := ParseSites([]byte(in))
		if err == nil {
			t.Errorf("ParseSites(%q) = %+v; want an error", in, got)
			continue
		}
		if !strings.Contains(err.Error(), "not a site list") {
			t.Errorf("ParseSites(%q) error %q does not say it is not a site list", in, err)
		}
	}
}

func TestMergeSites(t *testing.T) {
	other := Site{Title: "Other", BaseURL: "https://other.example.com"}
	updated := Site{Title: "Jira (new)", BaseURL: "https://jira.example.com", OAuth: &SiteOAuth{ClientID: "new"}}
	tests := []struct {
		name     string
		existing []Site
		add      Site
		want     []Site
	}{
		{"empty", nil, jiraSite, []Site{jiraSite}},
		{"append keeps others", []Site{other, confluenceSite}, jiraSite, []Site{other, confluenceSite, jiraSite}},
		{"replace in place", []Site{other, jiraSite, confluenceSite}, updated, []Site{other, updated, confluenceSite}},
		{"trailing slash and case", []Site{other, {Title: "J", BaseURL: "https://JIRA.example.com/"}, confluenceSite}, updated,
			[]Site{other, updated, confluenceSite}},
		{"default port", []Site{{Title: "J", BaseURL: "https://jira.example.com:443"}}, updated, []Site{updated}},
		{"duplicates collapse", []Site{{Title: "J1", BaseURL: "https://jira.example.com"}, other, {Title: "J2", BaseURL: "https://jira.example.com/"}},
			updated, []Site{updated, other}},
		{"other context path is another site", []Site{{Title: "C", BaseURL: "https://jira.example.com/confluence"}}, updated,
			[]Site{{Title: "C", BaseURL: "https://jira.example.com/confluence"}, updated}},
		{"http is another site", []Site{{Title: "Plain", BaseURL: "http://jira.example.com"}}, updated,
			[]Site{{Title: "Plain", BaseURL: "http://jira.example.com"}, updated}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]Site(nil), tt.existing...)
			got := MergeSites(tt.existing, tt.add)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if !reflect.DeepEqual(tt.existing, before) {
				t.Errorf("MergeSites modified its input: %+v", tt.existing)
			}
		})
	}
}

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func TestSaveSitesCreates(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sites.json")
	got, err := SaveSites(path, jiraSite, FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []Site{jiraSite}) {
		t.Errorf("returned %+v", got)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	want, _ := RenderSites([]Site{jiraSite}, FormatJSON)
	if !bytes.Equal(data, want) {
		t.Errorf("file =\n%s\nwant\n%s", data, want)
	}
	if names := dirEntries(t, dir); !reflect.DeepEqual(names, []string{"sites.json"}) {
		t.Errorf("directory holds %v: temporary files left behind", names)
	}
}

func TestSaveSitesMergesAndTightens(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sites.json")
	handWritten := `[
{ "title": "My Confluence Site", "baseURL": "https://confluence.example.com"},
{ "title": "Old Jira", "baseURL": "https://JIRA.example.com/"}
]`
	if err := os.WriteFile(path, []byte(handWritten), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := SaveSites(path, jiraSite, FormatPlist)
	if err != nil {
		t.Fatal(err)
	}
	want := []Site{{Title: "My Confluence Site", BaseURL: "https://confluence.example.com"}, jiraSite}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged %+v, want %+v", got, want)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	back, f, err := ParseSites(data)
	if err != nil || f != FormatPlist || !reflect.DeepEqual(back, want) {
		t.Errorf("file reads back as %+v (%s), %v", back, f, err)
	}
	// Saving again (a re-run) changes nothing.
	if _, err := SaveSites(path, jiraSite, FormatPlist); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, data) {
		t.Errorf("second save changed the file:\n%s\nthen\n%s", data, again)
	}
	if names := dirEntries(t, dir); len(names) != 1 {
		t.Errorf("directory holds %v: temporary files left behind", names)
	}
}

func TestSaveSitesEmptyFileIsEmptyList(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sites.txt")
	if err := os.WriteFile(path, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := SaveSites(path, jiraSite, FormatIntune)
	if err != nil || !reflect.DeepEqual(got, []Site{jiraSite}) {
		t.Errorf("got %+v, %v", got, err)
	}
}

func TestSaveSitesRefusesOtherFiles(t *testing.T) {
	for name, content := range map[string]string{
		"object.json": `{"foo":1}`,
		"notes.txt":   "remember to renew the certificate\n",
		"other.plist": `<dict><key>serverURL</key><string>https://x</string></dict>`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := SaveSites(path, jiraSite, FormatJSON)
			if err == nil {
				t.Fatal("SaveSites overwrote a file that is not a site list")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a site list") {
				t.Errorf("error %q must name the file and say why", err)
			}
			if !errors.Is(err, errNotSiteList) {
				t.Errorf("error %v does not wrap errNotSiteList", err)
			}
			data, _ := os.ReadFile(path)
			if string(data) != content {
				t.Errorf("file changed to %q", data)
			}
			fi, _ := os.Stat(path)
			if fi.Mode().Perm() != 0o644 {
				t.Errorf("mode changed to %v", fi.Mode().Perm())
			}
			if names := dirEntries(t, dir); len(names) != 1 {
				t.Errorf("directory holds %v", names)
			}
		})
	}
}

func TestSaveSitesRefusesDirectoryAndBadFormat(t *testing.T) {
	dir := t.TempDir()
	if _, err := SaveSites(dir, jiraSite, FormatJSON); err == nil {
		t.Error("SaveSites wrote over a directory")
	}
	path := filepath.Join(dir, "sites.json")
	if _, err := SaveSites(path, jiraSite, Format("yaml")); err == nil {
		t.Error("unknown format accepted")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("a failed save created the file: %v", err)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if string(data) != "new" || fi.Mode().Perm() != 0o600 {
		t.Errorf("got %q mode %v", data, fi.Mode().Perm())
	}

	// A link is followed: the target is replaced and the link stays a link.
	target := filepath.Join(dir, "real.json")
	link := filepath.Join(dir, "link.json")
	if err := os.WriteFile(target, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.json", link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := WriteFileAtomic(link, []byte("via link"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("link replaced by a file: %v %v", fi, err)
	}
	if data, _ := os.ReadFile(target); string(data) != "via link" {
		t.Errorf("target holds %q", data)
	}

	// A directory that does not exist: an error, nothing created.
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "x"), []byte("x"), 0o600); err == nil {
		t.Error("write into a missing directory succeeded")
	}
	for _, n := range dirEntries(t, dir) {
		if strings.Contains(n, ".tmp-") {
			t.Errorf("temporary file %s left behind", n)
		}
	}
}

func FuzzParseSites(f *testing.F) {
	f.Add([]byte(`[{"title":"My Jira Site","baseURL":"https://jira.example.com","oauth":{"clientID":"x","cacheSessionInMobileBrowser":false}}]`))
	f.Add([]byte(`[{ "title": "My Confluence Site", "baseURL": "https://confluence.example.com"}]`))
	f.Add([]byte(`{"foo":1}`))
	f.Add([]byte("Configuration key: sites\nValue type: String\nConfiguration value: []\n"))
	f.Add([]byte(`<dict><key>sites</key><string>[{&#34;title&#34;:&#34;a&#34;,&#34;baseURL&#34;:&#34;b&#34;}]</string></dict>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sites, format, err := ParseSites(data)
		if err != nil {
			if !errors.Is(err, errNotSiteList) {
				t.Errorf("error %v does not wrap errNotSiteList", err)
			}
			return
		}
		for _, f := range []Format{format, FormatJSON, FormatPlist, FormatIntune} {
			out, err := RenderSites(sites, f)
			if err != nil {
				t.Fatalf("parsed %+v but cannot render it as %s: %v", sites, f, err)
			}
			back, gotF, err := ParseSites(out)
			if err != nil || gotF != f {
				t.Fatalf("rendered %s does not parse back (%s, %v):\n%s", f, gotF, err, out)
			}
			if len(back) != len(sites) || (len(sites) > 0 && !reflect.DeepEqual(back, sites)) {
				t.Fatalf("%s round trip changed the sites:\n%+v\n%+v", f, sites, back)
			}
		}
	})
}

func FuzzMergeSites(f *testing.F) {
	f.Add("https://jira.example.com", "https://JIRA.example.com/", "https://other.example.com", "jira.example.com:443")
	f.Add("a", "a/", "b", "a")
	f.Add("", "x", "", "")
	f.Fuzz(func(t *testing.T, u1, u2, u3, add string) {
		existing := []Site{{Title: "1", BaseURL: u1}, {Title: "2", BaseURL: u2}, {Title: "3", BaseURL: u3}}
		s := Site{Title: "new", BaseURL: add}
		got := MergeSites(existing, s)

		var kept []Site
		for _, e := range existing {
			if !SameBaseURL(e.BaseURL, add) {
				kept = append(kept, e)
			}
		}
		if len(got) != len(kept)+1 {
			t.Fatalf("merged %d sites, want %d others + 1: %+v", len(got), len(kept), got)
		}
		placed := 0
		var others []Site
		for _, g := range got {
			if g == s {
				placed++
			} else {
				others = append(others, g)
			}
		}
		if placed != 1 {
			t.Errorf("new site appears %d times: %+v", placed, got)
		}
		if !reflect.DeepEqual(others, kept) {
			t.Errorf("other sites changed or reordered: got %+v, want %+v", others, kept)
		}
		// Merging the same site again is a no-op.
		if again := MergeSites(got, s); !reflect.DeepEqual(again, got) {
			t.Errorf("second merge changed the list: %+v then %+v", got, again)
		}
	})
}
