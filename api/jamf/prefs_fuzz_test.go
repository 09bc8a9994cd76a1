package jamf

import (
	"errors"
	"maps"
	"reflect"
	"testing"
)

// FuzzSetSites: whatever the configuration, SetSites either refuses it with
// a reason or changes the sites string alone: the device reads the new value,
// every other key reads as before, and the bytes outside the one entry are
// the input's.
func FuzzSetSites(f *testing.F) {
	for _, s := range []string{
		"",
		"<dict/>",
		"<dict>\n\t<key>email</key>\n\t<string>$EMAIL</string>\n</dict>",
		"<dict><key>sites</key><string>[]</string><!-- c --><key>n</key><integer>1</integer></dict>",
		"<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>sites</key><string/></dict></plist>",
		"<dict><key>a</key><dict><key>sites</key><string>x</string></dict></dict>",
		"<dict>\r\n<key>a</key>\r\n<array><string>b</string></array>\r\n</dict>",
		"<dict><key>x</key><string><![CDATA[<&>]]></string></dict>",
	} {
		f.Add(s, `[{"title":"J & <C>","baseURL":"https://j.example.com"}]`)
	}
	f.Fuzz(func(t *testing.T, prefs, value string) {
		out, err := SetSites(prefs, value)
		if err != nil {
			var pe *PrefsError
			if !errors.As(err, &pe) && err.Error() != "the site list holds a character a property list cannot carry" {
				t.Fatalf("SetSites refused with an untyped error: %v", err)
			}
			return
		}
		got, found, err := Sites(out)
		if err != nil || !found || got != value {
			t.Fatalf("Sites(SetSites(%q, %q)) = %q, %v, %v", prefs, value, got, found, err)
		}
		again, err := SetSites(out, value)
		if err != nil || again != out {
			t.Fatalf("a second SetSites changed %q into %q (%v)", out, again, err)
		}
		if xmlBlank(prefs) {
			return
		}
		before, _ := scanDict(prefs)
		after, _ := scanDict(out)
		mb, err1 := parseDict(prefs, before)
		ma, err2 := parseDict(out, after)
		if err1 != nil || err2 != nil {
			t.Fatalf("parse: %v, %v", err1, err2)
		}
		delete(mb, SitesKey)
		delete(ma, SitesKey)
		if !reflect.DeepEqual(mb, ma) {
			t.Fatalf("other keys changed: %v → %v", maps.Collect(maps.All(mb)), ma)
		}
		// Outside the one entry, the bytes are the input's.
		replaced := 0
		switch {
		case before.sites != nil:
			replaced = before.sites.valueEnd - before.sites.valueStart
		case before.selfClosing:
			replaced = before.end - before.start
		}
		p, s := commonPrefix(prefs, out), 0
		for s < len(prefs)-p && s < len(out)-p && prefs[len(prefs)-1-s] == out[len(out)-1-s] {
			s++
		}
		if p+s < len(prefs)-replaced {
			t.Fatalf("bytes outside the sites entry changed:\n%q\n%q", prefs, out)
		}
	})
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
