package jamf

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"howett.net/plist"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// SitesKey is the managed-configuration key the apps read their site list from.
const SitesKey = "sites"

// maxPreferences bounds the configuration the editor reads.
const maxPreferences = 1 << 20

// PrefsError: the app configuration is not a property list dictionary the
// editor can change without touching anything else.
type PrefsError struct{ Reason string }

func (e *PrefsError) Error() string {
	return "the app configuration is not a property list dictionary: " + e.Reason
}

func prefsErr(format string, args ...any) error {
	return &PrefsError{Reason: fmt.Sprintf(format, args...)}
}

// Sites returns the sites string of a managed app configuration (a plist
// <dict>, bare as Jamf Pro holds it, or a whole plist document); found is
// false when the key is absent or the configuration empty.
func Sites(prefs string) (value string, found bool, err error) {
	if xmlBlank(prefs) {
		return "", false, nil
	}
	d, err := scanDict(prefs)
	if err != nil {
		return "", false, err
	}
	m, err := parseDict(prefs, d)
	if err != nil {
		return "", false, err
	}
	v, ok := m[SitesKey]
	if !ok {
		return "", false, nil
	}
	s, ok := v.(string)
	if !ok {
		return "", false, prefsErr("the %q key does not hold a string", SitesKey)
	}
	return s, true, nil
}

// SetSites returns prefs with the sites string set to value, added at the end
// of the dictionary when absent. Every other byte stays as it was: other keys
// and values (variables such as $EMAIL), comments, white space and the
// document around the dictionary. Empty prefs become a dictionary holding
// only sites. A configuration that is not a dictionary, or whose sites is not
// a string, is refused with the reason.
func SetSites(prefs, value string) (string, error) {
	if !utf8.ValidString(value) || strings.ContainsFunc(value, notXMLChar) {
		return "", errors.New("the site list holds a character a property list cannot carry")
	}
	var v bytes.Buffer
	v.WriteString("<string>")
	escapeText(&v, value)
	v.WriteString("</string>")
	str := v.String()

	if xmlBlank(prefs) {
		return "<dict>\n\t<key>" + SitesKey + "</key>\n\t" + str + "\n</dict>", nil
	}
	d, err := scanDict(prefs)
	if err != nil {
		return "", err
	}
	if _, err := parseDict(prefs, d); err != nil {
		return "", err
	}
	var out string
	switch {
	case d.sites != nil:
		if d.sites.valueName != "string" {
			return "", prefsErr("the %q key holds a <%s>, not a <string>", SitesKey, termsafe.String(d.sites.valueName))
		}
		out = prefs[:d.sites.valueStart] + str + prefs[d.sites.valueEnd:]
	case d.selfClosing:
		out = prefs[:d.start] + "<dict>\n\t<key>" + SitesKey + "</key>\n\t" + str + "\n</dict>" + prefs[d.end:]
	case d.last == nil:
		// An empty dictionary: the entry goes right after <dict>, one level in.
		entry := "\n\t<key>" + SitesKey + "</key>\n\t" + str
		if d.contentStart == d.contentEnd {
			entry += "\n"
		}
		out = prefs[:d.contentStart] + entry + prefs[d.contentStart:]
	default:
		// After the last value, indented as the last key and with the same
		// space between key and value.
		out = prefs[:d.last.valueEnd] + d.last.indent + "<key>" + SitesKey + "</key>" + d.last.sep + str + prefs[d.last.valueEnd:]
	}
	return out, nil
}

// xmlBlank reports text of XML white space only (an empty configuration).
func xmlBlank(s string) bool {
	return strings.Trim(s, " \t\r\n") == ""
}

// entry is one key and its value in the top dictionary, by byte offsets.
type entry struct {
	key                  string
	keyStart, keyEnd     int // the whole <key>…</key>
	valueStart, valueEnd int // the whole value element
	valueName            string
	indent               string // white space right before <key>
	sep                  string // white space between </key> and the value
}

// dictScan locates the top dictionary's parts in the text.
type dictScan struct {
	start, end               int // the whole <dict> element
	contentStart, contentEnd int // between <dict> and </dict>
	selfClosing              bool
	inPlist                  bool   // inside <plist>, not bare
	last                     *entry // the last complete entry
	sites                    *entry
}

// scanDict walks the tokens of prefs, checking that it is one <dict> (bare or
// inside <plist>) of <key> and value pairs, and records where each part is.
// encoding/xml's RawToken does not match end tags to start tags, so the walk
// keeps its own stack.
func scanDict(prefs string) (*dictScan, error) {
	if len(prefs) > maxPreferences {
		return nil, prefsErr("it is over %d KiB", maxPreferences>>10)
	}
	if !utf8.ValidString(prefs) {
		return nil, prefsErr("it is not UTF-8 text")
	}
	dec := xml.NewDecoder(strings.NewReader(prefs))
	dec.Strict = true
	var (
		stack    []string
		d        = &dictScan{start: -1}
		dictDone bool
		dictLvl  = -1 // stack depth of the top dict's children
		cur      *entry
		keyText  strings.Builder
		inKey    bool
		wsStart  = -1 // start of the white space run before the current token
	)
	for {
		off := int(dec.InputOffset())
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, prefsErr("malformed XML (%s)", termsafe.String(err.Error()))
		}
		end := int(dec.InputOffset())
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != "" {
				return nil, prefsErr("the element <%s:%s> has a namespace prefix", termsafe.String(t.Name.Space), termsafe.String(t.Name.Local))
			}
			name := t.Name.Local
			depth := len(stack)
			switch {
			case dictLvl < 0:
				// Outside the dictionary: <plist> around it, then <dict>.
				if dictDone {
					return nil, prefsErr("<%s> follows the dictionary", termsafe.String(name))
				}
				switch {
				case name == "plist" && depth == 0:
				case name == "dict" && (depth == 0 || depth == 1 && stack[0] == "plist"):
					d.start, d.contentStart, d.inPlist = off, end, depth == 1
					dictLvl = depth + 1
				case depth == 0:
					return nil, prefsErr("it starts with <%s>, not <dict>", termsafe.String(name))
				default:
					return nil, prefsErr("<%s> holds <%s>, not <dict>", termsafe.String(stack[depth-1]), termsafe.String(name))
				}
			case depth == dictLvl:
				// A child of the dictionary: a key, or the value of the key before.
				ws := ""
				if wsStart >= 0 {
					ws = prefs[wsStart:off]
				}
				if cur == nil {
					if name != "key" {
						return nil, prefsErr("the dictionary holds <%s> where a <key> belongs", termsafe.String(name))
					}
					cur = &entry{keyStart: off, indent: ws}
					inKey = true
					keyText.Reset()
				} else {
					if cur.valueName != "" || inKey {
						return nil, prefsErr("the dictionary's entries are not <key> and value pairs")
					}
					if name == "key" {
						return nil, prefsErr("the key %q has no value", termsafe.String(cur.key))
					}
					cur.valueStart, cur.valueName, cur.sep = off, name, ws
				}
			case inKey:
				return nil, prefsErr("a <key> holds <%s>", termsafe.String(name))
			}
			stack = append(stack, name)
			wsStart = -1
		case xml.EndElement:
			if len(stack) == 0 || t.Name.Space != "" || stack[len(stack)-1] != t.Name.Local {
				return nil, prefsErr("malformed XML (</%s> closes nothing open)", termsafe.String(t.Name.Local))
			}
			stack = stack[:len(stack)-1]
			depth := len(stack)
			switch {
			case dictLvl >= 0 && depth == dictLvl-1:
				// </dict> of the top dictionary.
				if cur != nil {
					return nil, prefsErr("the key %q has no value", termsafe.String(cur.key))
				}
				d.contentEnd, d.end = off, end
				d.selfClosing = off == end
				if d.selfClosing {
					d.contentStart, d.contentEnd = end, end
				}
				dictLvl, dictDone = -1, true
			case dictLvl >= 0 && depth == dictLvl && inKey:
				cur.keyEnd, cur.key, inKey = end, keyText.String(), false
			case dictLvl >= 0 && depth == dictLvl:
				cur.valueEnd = end
				if cur.key == SitesKey {
					if d.sites != nil {
						return nil, prefsErr("the %q key is there twice", SitesKey)
					}
					d.sites = cur
				}
				d.last, cur = cur, nil
			}
			wsStart = -1
		case xml.CharData:
			blank := len(bytes.TrimLeft(t, " \t\r\n")) == 0
			switch {
			case inKey:
				keyText.Write(t)
			case dictLvl >= 0 && len(stack) == dictLvl || dictLvl < 0 && len(stack) <= 1:
				if !blank {
					return nil, prefsErr("text %q stands outside a key or value", termsafe.String(shorten(string(t))))
				}
				if wsStart < 0 {
					wsStart = off
				}
			}
		case xml.Comment, xml.ProcInst, xml.Directive:
			// Kept as they are; a comment breaks the white space run, so the
			// indent is taken from after it.
			wsStart = -1
		}
	}
	switch {
	case len(stack) > 0:
		return nil, prefsErr("malformed XML (<%s> is not closed)", termsafe.String(stack[len(stack)-1]))
	case !dictDone:
		return nil, prefsErr("it holds no <dict>")
	}
	return d, nil
}

// parseDict checks with the plist library that the text is a dictionary, as
// the device will read it.
func parseDict(prefs string, d *dictScan) (m map[string]any, err error) {
	// The library re-raises runtime panics on some malformed input: an error
	// here, not a crash.
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, prefsErr("the property list library could not read it")
		}
	}()
	doc := []byte(prefs)
	if !d.inPlist {
		doc = []byte(prefs[:d.start] + `<plist version="1.0">` + prefs[d.start:d.end] + `</plist>` + prefs[d.end:])
	}
	format, err := plist.Unmarshal(doc, &m)
	if err != nil || format != plist.XMLFormat {
		return nil, prefsErr("the property list library could not read it as a dictionary")
	}
	return m, nil
}
