package steps

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseInventory(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []Instance
	}{
		{
			name: "two instances, one token each",
			yaml: `
instances:
  - url: https://jira.example.com
    title: Jira
    mode: mdm
    token_env: JIRA_TOKEN
  - url: wiki.example.com/confluence/
    mode: non-mdm
    token_file: /etc/wizard/wiki.token
`,
			want: []Instance{
				{URL: "https://jira.example.com", Title: "Jira", Mode: ModeMDM, Creds: CredentialSource{TokenEnv: "JIRA_TOKEN"}, Line: 3},
				{URL: "https://wiki.example.com/confluence", Mode: ModeNonMDM, Creds: CredentialSource{TokenFile: "/etc/wizard/wiki.token"}, Line: 7},
			},
		},
		{
			name: "no credential keys: the run's shared token",
			yaml: "instances:\n  - url: https://jira.example.com\n  - url: https://wiki.example.com\n",
			want: []Instance{
				{URL: "https://jira.example.com", Line: 2},
				{URL: "https://wiki.example.com", Line: 3},
			},
		},
		{
			name: "product names the app whose site list the instance's site goes to",
			yaml: "instances:\n  - url: https://jira.example.com\n    product: Jira\n  - url: https://wiki.example.com\n    product: confluence\n",
			want: []Instance{
				{URL: "https://jira.example.com", Product: "jira", Line: 2},
				{URL: "https://wiki.example.com", Product: "confluence", Line: 4},
			},
		},
		{
			name: "values taken as written, not as YAML types",
			yaml: "instances:\n  - url: https://jira.example.com\n    title: yes\n",
			want: []Instance{{URL: "https://jira.example.com", Title: "yes", Line: 2}},
		},
		{
			name: "defaults shared by every instance; an entry's own key wins",
			yaml: `
defaults:
  mode: mdm
  token_env: SHARED_TOKEN
instances:
  - url: https://jira.example.com
  - url: https://wiki.example.com
    mode: non-mdm
    token_file: wiki.token
`,
			want: []Instance{
				{URL: "https://jira.example.com", Mode: ModeMDM, Creds: CredentialSource{TokenEnv: "SHARED_TOKEN"}, Line: 6},
				{URL: "https://wiki.example.com", Mode: ModeNonMDM, Creds: CredentialSource{TokenFile: "wiki.token"}, Line: 7},
			},
		},
		{
			name: "defaults for mode",
			yaml: "defaults:\n  mode: non-mdm\ninstances:\n  - url: https://jira.example.com\n  - url: https://wiki.example.com\n    mode: mdm\n",
			want: []Instance{
				{URL: "https://jira.example.com", Mode: ModeNonMDM, Line: 4},
				{URL: "https://wiki.example.com", Mode: ModeMDM, Line: 5},
			},
		},
		{
			name: "Basic authentication with its own password variable",
			yaml: "instances:\n  - url: https://jira.example.com\n    user: admin\n    password_env: JIRA_PASSWORD\n",
			want: []Instance{{URL: "https://jira.example.com", Creds: CredentialSource{User: "admin", PasswordEnv: "JIRA_PASSWORD"}, Line: 2}},
		},
		{
			name: "empty value is no value",
			yaml: "instances:\n  - url: https://jira.example.com\n    title:\n",
			want: []Instance{{URL: "https://jira.example.com", Line: 2}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInventory([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestInventoryAnchorsInsideTheList(t *testing.T) {
	got, err := ParseInventory([]byte(`
instances:
  - &jira
    url: https://jira.example.com
    mode: mdm
    token_env: SHARED_TOKEN
  - <<: *jira
    url: https://wiki.example.com
    mode: non-mdm
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].URL != "https://wiki.example.com" || got[1].Mode != ModeNonMDM || got[1].Creds.TokenEnv != "SHARED_TOKEN" {
		t.Fatalf("merge key not applied as written: %+v", got)
	}
}

func TestInventoryErrors(t *testing.T) {
	const secret = "ghp-0123456789abcdefSECRET"
	tests := []struct {
		name, yaml string
		want       []string // all in the error
	}{
		{"empty file", "", []string{"empty", "instances:"}},
		{"not YAML", "instances: [\n", []string{"not an inventory"}},
		{"a bare list", "- url: https://jira.example.com\n", []string{"line 1", "instances:"}},
		{"unknown top-level key", "sites:\n  - url: x\n", []string{"line 1", `"sites"`}},
		{"url in defaults", "defaults:\n  url: https://a.example.com\ninstances:\n  - title: A\n", []string{"line 2", "cannot hold url"}},
		{"inline token in defaults", "defaults:\n  token: " + secret + "\ninstances:\n  - url: https://a.example.com\n", []string{"line 2", `"token"`, "never what they are"}},
		{"no instances", "instances:\n", []string{"lists no instances"}},
		{"empty list", "instances: []\n", []string{"lists no instances"}},
		{"entry not a mapping", "instances:\n  - https://jira.example.com\n", []string{"line 2", "instance 1", "mapping"}},
		{"no url", "instances:\n  - title: Jira\n", []string{"line 2", "instance 1 has no url"}},
		{"bad url", "instances:\n  - url: ftp://jira.example.com\n", []string{"line 2", "url:", "https://"}},
		{"bad mode", "instances:\n  - url: https://a.example.com\n    mode: maybe\n", []string{"line 3", "mode:", "mdm or non-mdm"}},
		{"bad product", "instances:\n  - url: https://a.example.com\n    product: bamboo\n", []string{"line 3", "product:", "jira or confluence"}},
		{"unknown key", "instances:\n  - url: https://a.example.com\n    tokn_env: X\n", []string{"line 3", `unknown key "tokn_env"`, "token_env"}},
		{"inline token", "instances:\n  - url: https://a.example.com\n    token: " + secret + "\n", []string{"line 3", `"token"`, "never what they are", "token_env", "token_file"}},
		{"inline password", "instances:\n  - url: https://a.example.com\n    user: admin\n    password: " + secret + "\n", []string{"line 4", `"password"`, "never"}},
		{"token pasted into token_env", "instances:\n  - url: https://a.example.com\n    token_env: " + secret + "-x.y\n", []string{"line 3", "token_env must name an environment variable", "never put the secret"}},
		// A personal access token is base64: it can look like a name.
		{"PAT-shaped token in token_env", "instances:\n  - url: https://a.example.com\n    token_env: NDY4ODk3NjQ5MjI3OlHkSECRETq8gG1f2vNzYQb3ZkxW\n", []string{"line 3", "token_env must name an environment variable", "never put the secret"}},
		{"PAT-shaped token in password_env", "instances:\n  - url: https://a.example.com\n    user: admin\n    password_env: MzE0NTkSECRET2NzgwOkJxcXp\n", []string{"line 4", "password_env must name an environment variable"}},
		{"two credential sources", "instances:\n  - url: https://a.example.com\n    token_env: A\n    token_file: a.token\n", []string{"line 2", "one of token_env, token_file or user"}},
		{"password_env without user", "instances:\n  - url: https://a.example.com\n    password_env: P\n", []string{"line 3", "password_env needs user"}},
		{"key given twice", "instances:\n  - url: https://a.example.com\n    url: https://b.example.com\n", []string{"line 3", `"url" is given twice`}},
		{"a list as a value", "instances:\n  - url: [https://a.example.com]\n", []string{"line 2", "single value"}},
		{"same instance twice", "instances:\n  - url: https://a.example.com\n  - url: HTTPS://A.example.com:443/\n", []string{"line 3", "listed twice", "instances 1 and 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInventory([]byte(tt.yaml))
			if err == nil {
				t.Fatalf("accepted: %+v", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "SECRET") {
				t.Errorf("the error repeats the secret: %q", err)
			}
		})
	}
}

func TestLoadInventoryTakesTokenFilesFromItsFolder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "instances.yaml")
	body := "instances:\n  - url: https://a.example.com\n    token_file: tokens/a.token\n  - url: https://b.example.com\n    token_file: /abs/b.token\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadInventory(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "tokens", "a.token"); got[0].Creds.TokenFile != want {
		t.Errorf("relative token_file = %q, want %q", got[0].Creds.TokenFile, want)
	}
	if got[1].Creds.TokenFile != "/abs/b.token" {
		t.Errorf("absolute token_file = %q", got[1].Creds.TokenFile)
	}

	if _, err := LoadInventory(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("a missing file was accepted")
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("instances:\n  - title: x\n"), 0o600)
	_, err = LoadInventory(bad)
	var ie *InventoryError
	if !errors.As(err, &ie) || ie.Line != 2 || !strings.HasPrefix(err.Error(), bad+": line 2:") {
		t.Errorf("error %v: want the file name and line 2", err)
	}
}

// The README's inventory example is one an admin may copy: it must parse.
func TestREADMEInventoryExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```yaml\n# instances.yaml\n")
	if !ok {
		t.Fatal("the README has no inventory example")
	}
	example, _, _ := strings.Cut(rest, "```")
	got, err := ParseInventory([]byte(example))
	if err != nil {
		t.Fatalf("the README's example: %v", err)
	}
	if len(got) != 4 || got[2].Mode != ModeNonMDM || got[0].Mode != ModeMDM || got[2].Creds.User != "wikiadmin" || !got[3].Creds.Shared() {
		t.Errorf("the README's example reads as %+v", got)
	}
}

// mergeBomb is an inventory whose one instance merges, n levels deep, two
// copies of the level below: 2^n mappings without bounds (812 bytes for n=40).
func mergeBomb(n int) string {
	s := "{url: https://jira.example.com, mode: mdm}"
	for k := range n {
		s = fmt.Sprintf("{<<: [&d%d %s, *d%d]}", k, s, k)
	}
	return "instances:\n  - " + s + "\n"
}

// TestInventoryMergeKeyBombIsRefused: anchors, aliases and merge keys cannot
// make the parser's work grow with every line (before: n=24 took 6 s, n=40
// more than 10 minutes, deaf to Ctrl-C). Nesting past the bound is refused
// with the line; shallow sharing is worked out once per mapping and parses.
func TestInventoryMergeKeyBombIsRefused(t *testing.T) {
	_, err := ParseInventory([]byte(mergeBomb(40)))
	if err == nil || !strings.Contains(err.Error(), "nested more than") || !strings.Contains(err.Error(), "line ") {
		t.Errorf("a merge key bomb 40 deep: %v", err)
	}
	got, err := ParseInventory([]byte(mergeBomb(maxMergeDepth)))
	if err != nil || len(got) != 1 || got[0].URL != "https://jira.example.com" || got[0].Mode != ModeMDM {
		t.Errorf("merges %d deep: %+v, %v", maxMergeDepth, got, err)
	}

	// Wide rather than deep: one anchor merged 110 000 times.
	wide := "defaults: {<<: [&m {mode: mdm}" + strings.Repeat(", *m", 110000) + "]}\ninstances:\n  - {url: https://jira.example.com}\n"
	if _, err := ParseInventory([]byte(wide)); err == nil || !strings.Contains(err.Error(), "expand to more than") {
		t.Errorf("110 000 merges: %v", err)
	}

	if _, err := ParseInventory(make([]byte, maxInventory+1)); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a document over %d bytes: %v", maxInventory, err)
	}
}

// FuzzParseInventory: whatever the document, with anchors, aliases and
// merge keys, parsing ends (bounded work) without a panic, and what it
// accepts names distinct, normalised instances.
func FuzzParseInventory(f *testing.F) {
	f.Add([]byte("instances:\n  - url: https://jira.example.com\n    token_env: JIRA_TOKEN\n"))
	f.Add([]byte("defaults: &d\n  mode: mdm\ninstances:\n  - &j\n    url: https://jira.example.com\n  - <<: [*j, *d]\n    url: https://wiki.example.com\n"))
	f.Add([]byte("defaults: {<<: [&m {mode: mdm}, *m, *m]}\ninstances:\n  - {<<: *m, url: https://jira.example.com}\n"))
	f.Add([]byte("instances:\n  - &a {url: https://a.example.com, <<: *a}\n"))
	f.Add([]byte(mergeBomb(6)))
	f.Add([]byte(mergeBomb(maxMergeDepth + 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseInventory(data)
		if err != nil {
			return
		}
		if len(got) == 0 {
			t.Fatal("accepted an inventory without instances")
		}
		if err := CheckDistinct(got); err != nil {
			t.Fatalf("accepted instances that are not distinct: %v", err)
		}
		for _, inst := range got {
			if n, err := NormalizeBaseURL(inst.URL); err != nil || n != inst.URL {
				t.Fatalf("accepted url %q (normalised %q, %v)", inst.URL, n, err)
			}
		}
	})
}
