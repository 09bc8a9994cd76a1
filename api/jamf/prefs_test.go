package jamf

import (
	"errors"
	"strings"
	"testing"
)

const jiraSites = `[{"title":"Jira","baseURL":"https://jira.example.com"}]`

func TestSetSitesKeepsEverythingElse(t *testing.T) {
	tests := []struct {
		name, in, value, want string
	}{
		{
			name:  "empty configuration",
			in:    "",
			value: jiraSites,
			want:  "<dict>\n\t<key>sites</key>\n\t<string>" + jiraSites + "</string>\n</dict>",
		},
		{
			name:  "replaces the sites string only",
			in:    "<dict>\n  <key>email</key>\n  <string>$EMAIL</string>\n  <key>sites</key>\n  <string>[]</string>\n  <!-- managed by IT -->\n  <key>n</key><integer>3</integer>\n</dict>\n",
			value: jiraSites,
			want:  "<dict>\n  <key>email</key>\n  <string>$EMAIL</string>\n  <key>sites</key>\n  <string>" + jiraSites + "</string>\n  <!-- managed by IT -->\n  <key>n</key><integer>3</integer>\n</dict>\n",
		},
		{
			name:  "adds sites after the last entry, indented alike",
			in:    "<dict>\n\t<key>email</key>\n\t<string>$EMAIL</string>\n</dict>",
			value: "x",
			want:  "<dict>\n\t<key>email</key>\n\t<string>$EMAIL</string>\n\t<key>sites</key>\n\t<string>x</string>\n</dict>",
		},
		{
			name:  "compact dict",
			in:    "<dict><key>a</key><true/></dict>",
			value: "x",
			want:  "<dict><key>a</key><true/><key>sites</key><string>x</string></dict>",
		},
		{
			name:  "empty dict",
			in:    "<dict></dict>",
			value: "x",
			want:  "<dict>\n\t<key>sites</key>\n\t<string>x</string>\n</dict>",
		},
		{
			name:  "self-closing dict",
			in:    " <dict/> ",
			value: "x",
			want:  " <dict>\n\t<key>sites</key>\n\t<string>x</string>\n</dict> ",
		},
		{
			name:  "self-closing sites string",
			in:    "<dict><key>sites</key><string/></dict>",
			value: "x",
			want:  "<dict><key>sites</key><string>x</string></dict>",
		},
		{
			name:  "whole plist document",
			in:    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n\t<key>sites</key>\n\t<string>old</string>\n</dict>\n</plist>\n",
			value: "new",
			want:  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n\t<key>sites</key>\n\t<string>new</string>\n</dict>\n</plist>\n",
		},
		{
			name:  "escapes markup and keeps entities elsewhere",
			in:    "<dict><key>note</key><string>a &amp; b &#x41;</string></dict>",
			value: `[{"title":"R&D <Jira>"}]`,
			want:  "<dict><key>note</key><string>a &amp; b &#x41;</string><key>sites</key><string>[{\"title\":\"R&amp;D &lt;Jira&gt;\"}]</string></dict>",
		},
		{
			name:  "nested dicts keep their own sites",
			in:    "<dict><key>inner</key><dict><key>sites</key><string>keep</string></dict></dict>",
			value: "x",
			want:  "<dict><key>inner</key><dict><key>sites</key><string>keep</string></dict><key>sites</key><string>x</string></dict>",
		},
		{
			name:  "CRLF line ends stay",
			in:    "<dict>\r\n\t<key>a</key>\r\n\t<string>b\r\nc</string>\r\n</dict>",
			value: "x",
			want:  "<dict>\r\n\t<key>a</key>\r\n\t<string>b\r\nc</string>\r\n\t<key>sites</key>\r\n\t<string>x</string>\r\n</dict>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SetSites(tt.in, tt.value)
			if err != nil {
				t.Fatalf("SetSites: %v", err)
			}
			if got != tt.want {
				t.Errorf("SetSites =\n%q\nwant\n%q", got, tt.want)
			}
			back, found, err := Sites(got)
			if err != nil || !found || back != tt.value {
				t.Errorf("Sites(result) = %q, %v, %v; want %q", back, found, err, tt.value)
			}
		})
	}
}

func TestSetSitesRefusesWhatIsNotADict(t *testing.T) {
	tests := []struct{ name, in, reason string }{
		{"an array", "<array><string>a</string></array>", "starts with <array>"},
		{"plain text", "sites=[]", "outside a key or value"},
		{"JSON", `{"sites":"[]"}`, "outside a key or value"},
		{"unclosed", "<dict><key>a</key><string>b</string>", "not closed"},
		{"mismatched", "<dict><key>a</key><string>b</dict></string>", "closes nothing open"},
		{"key without value", "<dict><key>a</key></dict>", `key "a" has no value`},
		{"value without key", "<dict><string>b</string></dict>", "where a <key> belongs"},
		{"two dicts", "<dict></dict><dict></dict>", "follows the dictionary"},
		{"sites not a string", "<dict><key>sites</key><array/></dict>", "holds a <array>"},
		{"sites twice", "<dict><key>sites</key><string>a</string><key>sites</key><string>b</string></dict>", "twice"},
		{"text in the dict", "<dict>oops<key>a</key><string>b</string></dict>", "outside a key or value"},
		{"element in a key", "<dict><key><b>a</b></key><string>b</string></dict>", "a <key> holds"},
		{"not UTF-8", "<dict><key>a</key><string>\xff</string></dict>", "not UTF-8"},
		{"plist refuses", "<dict><key>a</key><integer>x</integer></dict>", "property list library"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SetSites(tt.in, "x")
			var pe *PrefsError
			if !errors.As(err, &pe) {
				t.Fatalf("SetSites = %q, %v; want a *PrefsError", got, err)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("error %q does not say %q", err, tt.reason)
			}
		})
	}
}

func TestSitesReadsTheString(t *testing.T) {
	v, found, err := Sites("<dict><key>email</key><string>$EMAIL</string></dict>")
	if err != nil || found || v != "" {
		t.Errorf("Sites without the key = %q, %v, %v", v, found, err)
	}
	v, found, err = Sites("<dict><key>sites</key><string>[{&quot;a&quot;:1}]</string></dict>")
	if err != nil || !found || v != `[{"a":1}]` {
		t.Errorf("Sites = %q, %v, %v", v, found, err)
	}
	if _, _, err := Sites("<dict><key>sites</key><integer>1</integer></dict>"); err == nil {
		t.Error("a sites integer was read as a string")
	}
}
