package steps

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"howett.net/plist"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/regularfile"
)

// Site is one entry of the iOS apps' managed site list, in the shape Atlassian documents
// (note the spellings baseURL and clientID).
type Site struct {
	Title   string     `json:"title"`
	BaseURL string     `json:"baseURL"`
	OAuth   *SiteOAuth `json:"oauth,omitempty"`
}

// SiteOAuth is what the app needs to sign in with OAuth 2.0: only the client
// ID (a public client with PKCE), never a secret.
type SiteOAuth struct {
	ClientID                    string `json:"clientID"`
	CacheSessionInMobileBrowser bool   `json:"cacheSessionInMobileBrowser"`
}

// Format is how the site list is written for an MDM console.
type Format string

const (
	FormatJSON   Format = "json"   // the list itself
	FormatPlist  Format = "plist"  // AppConfig <dict> for Jamf, Workspace ONE
	FormatIntune Format = "intune" // Intune configuration designer key/type/value
)

// AppConfigKey is the managed app configuration key holding the JSON list.
const AppConfigKey = "sites"

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case FormatJSON, FormatPlist, FormatIntune:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q: use json, plist or intune", s)
}

// errNotSiteList is wrapped by every ParseSites error, so callers can tell
// "this file is something else" from an I/O problem.
var errNotSiteList = errors.New("not a site list")

func notSiteList(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errNotSiteList}, args...)...)
}

// RenderSites writes the list in the given format. The JSON inside every
// format is the same list; HTML escaping is off so titles such as "R&D <EU>"
// stay readable in a console.
func RenderSites(sites []Site, f Format) ([]byte, error) {
	if err := validateSites(sites); err != nil {
		return nil, err
	}
	if sites == nil {
		sites = []Site{} // "[]", not "null"
	}
	switch f {
	case FormatJSON:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sites); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case FormatPlist:
		compact, err := compactSites(sites)
		if err != nil {
			return nil, err
		}
		return renderPlistDict(compact)
	case FormatIntune:
		compact, err := compactSites(sites)
		if err != nil {
			return nil, err
		}
		return fmt.Appendf(nil, "%s %s\n%s String\n%s %s\n",
			intuneKeyLabel, AppConfigKey, intuneTypeLabel, intuneValueLabel, compact), nil
	}
	return nil, fmt.Errorf("unknown format %q: use json, plist or intune", string(f))
}

const (
	intuneKeyLabel   = "Configuration key:"
	intuneTypeLabel  = "Value type:"
	intuneValueLabel = "Configuration value:"
)

// validateSites holds RenderSites to what ParseSites accepts, so that
// everything written can be read back.
func validateSites(sites []Site) error {
	for i, s := range sites {
		if strings.TrimSpace(s.BaseURL) == "" {
			return fmt.Errorf("site %d (%q) has no base URL", i+1, s.Title)
		}
		if s.OAuth != nil && strings.TrimSpace(s.OAuth.ClientID) == "" {
			return fmt.Errorf("site %d (%q) has OAuth settings without a client ID", i+1, s.Title)
		}
		if s.OAuth != nil && !api.ValidClientID(s.OAuth.ClientID) {
			return fmt.Errorf("site %d (%q) has a client ID that is not a plain token (letters, digits, - and _): %s", i+1, s.Title, api.QuoteClientID(s.OAuth.ClientID))
		}
	}
	return nil
}

// compactSites is the one-line JSON the AppConfig value holds.
func compactSites(sites []Site) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(sites); err != nil {
		return "", err
	}
	return xmlSafeJSON(strings.TrimSuffix(buf.String(), "\n")), nil
}

// xmlSafeJSON escapes, JSON-style, the characters XML 1.0 cannot carry
// (U+FFFE, U+FFFF, surrogates never occur in Go strings). encoding/json leaves
// them raw and the plist encoder would replace them, changing the title.
// Control characters are already escaped by encoding/json.
func xmlSafeJSON(s string) string {
	if !strings.ContainsFunc(s, notXMLChar) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if notXMLChar(r) {
			fmt.Fprintf(&b, `\u%04x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func notXMLChar(r rune) bool {
	return r == 0xFFFE || r == 0xFFFF || (r < 0x20 && r != '\t' && r != '\n' && r != '\r')
}

// plainQuotes undoes the encoder's escapes of quotes, which XML needs only in
// attribute values (the dict has none).
var plainQuotes = strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&quot;", `"`, "&apos;", "'")

// renderPlistDict encodes {"sites": compact} with the plist library and cuts
// the <dict> out of the document: MDM consoles want the dict, not a file.
func renderPlistDict(compact string) ([]byte, error) {
	doc, err := plist.MarshalIndent(map[string]string{AppConfigKey: compact}, plist.XMLFormat, "\t")
	if err != nil {
		return nil, err
	}
	start := bytes.Index(doc, []byte("<dict>"))
	end := bytes.LastIndex(doc, []byte("</dict>"))
	if start < 0 || end < start {
		return nil, fmt.Errorf("plist encoder wrote no <dict>")
	}
	// The encoder escapes every quote; element text may hold them as they
	// are, which keeps the JSON readable and copyable in an MDM console. A
	// quote in a title is still a JSON \" inside, and & < > stay escaped.
	dict := plainQuotes.Replace(string(doc[start : end+len("</dict>")]))
	// The dict sat one level inside <plist>: take that level off every line.
	var out bytes.Buffer
	for line := range strings.Lines(dict) {
		out.WriteString(strings.TrimPrefix(line, "\t"))
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// ParseSites reads a site list in any of the formats RenderSites writes, and
// a JSON list written by hand as in the Atlassian docs (entries without
// oauth included). Anything else is an error wrapping "not a site list": a
// file that holds something else must never be taken for an empty list.
func ParseSites(data []byte) ([]Site, Format, error) {
	text := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\uFEFF")))
	switch {
	case len(text) == 0:
		return nil, "", notSiteList("the text is empty")
	case !utf8.Valid(text):
		return nil, "", notSiteList("the text is not UTF-8")
	case text[0] == '[':
		sites, err := parseSiteJSON(text)
		return sites, FormatJSON, err
	case text[0] == '<':
		sites, err := parsePlistSites(text)
		return sites, FormatPlist, err
	case bytes.HasPrefix(text, []byte(intuneKeyLabel)):
		sites, err := parseIntuneSites(text)
		return sites, FormatIntune, err
	}
	return nil, "", notSiteList("expected a JSON list of sites, an AppConfig <dict> or Intune configuration lines")
}

// parseSiteJSON reads the list strictly: key names must match exactly (the
// app is case-sensitive, encoding/json is not) and unknown keys are refused
// rather than dropped, because the list is rewritten on save.
func parseSiteJSON(text []byte) ([]Site, error) {
	var entries []map[string]json.RawMessage
	if err := json.Unmarshal(text, &entries); err != nil {
		return nil, notSiteList("expected a JSON list of site objects (%v)", err)
	}
	sites := make([]Site, 0, len(entries))
	for i, e := range entries {
		s, err := parseSiteEntry(e)
		if err != nil {
			return nil, notSiteList("entry %d: %v", i+1, err)
		}
		sites = append(sites, s)
	}
	return sites, nil
}

func parseSiteEntry(e map[string]json.RawMessage) (Site, error) {
	if e == nil {
		return Site{}, errors.New("not an object")
	}
	if err := onlyKeys(e, "title", "baseURL", "oauth"); err != nil {
		return Site{}, err
	}
	var s Site
	if err := requiredJSON(e, "title", &s.Title); err != nil {
		return Site{}, err
	}
	if err := requiredJSON(e, "baseURL", &s.BaseURL); err != nil {
		return Site{}, err
	}
	if strings.TrimSpace(s.BaseURL) == "" {
		return Site{}, errors.New("baseURL is empty")
	}
	raw, ok := e["oauth"]
	if !ok || isJSONNull(raw) {
		return s, nil
	}
	var o map[string]json.RawMessage
	if err := json.Unmarshal(raw, &o); err != nil || o == nil {
		return Site{}, errors.New("oauth is not an object")
	}
	if err := onlyKeys(o, "clientID", "cacheSessionInMobileBrowser"); err != nil {
		return Site{}, fmt.Errorf("oauth: %w", err)
	}
	s.OAuth = &SiteOAuth{}
	if err := requiredJSON(o, "clientID", &s.OAuth.ClientID); err != nil {
		return Site{}, fmt.Errorf("oauth: %w", err)
	}
	if strings.TrimSpace(s.OAuth.ClientID) == "" {
		return Site{}, errors.New("oauth: clientID is empty")
	}
	if !api.ValidClientID(s.OAuth.ClientID) {
		return Site{}, fmt.Errorf("oauth: clientID %s is not a plain token (letters, digits, - and _)", api.QuoteClientID(s.OAuth.ClientID))
	}
	// The docs always write the flag; when a hand-written entry leaves it
	// out, false is what the app assumes and what we write back.
	if _, ok := o["cacheSessionInMobileBrowser"]; ok {
		if err := requiredJSON(o, "cacheSessionInMobileBrowser", &s.OAuth.CacheSessionInMobileBrowser); err != nil {
			return Site{}, fmt.Errorf("oauth: %w", err)
		}
	}
	return s, nil
}

func onlyKeys(m map[string]json.RawMessage, allowed ...string) error {
	for k := range m {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("unknown key %q (expected %s)", k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// requiredJSON decodes m[key] into v; missing and null are errors (encoding/json
// would silently leave v alone for null).
func requiredJSON(m map[string]json.RawMessage, key string, v any) error {
	raw, ok := m[key]
	if !ok {
		return fmt.Errorf("%s is missing", key)
	}
	if isJSONNull(raw) {
		return fmt.Errorf("%s is null", key)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s has the wrong type", key)
	}
	return nil
}

func isJSONNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func parsePlistSites(text []byte) (sites []Site, err error) {
	// The plist parser re-raises runtime panics; a malformed file must be an
	// error, not a crash of the wizard.
	defer func() {
		if r := recover(); r != nil {
			sites, err = nil, notSiteList("malformed property list")
		}
	}()
	doc := text
	if bytes.HasPrefix(text, []byte("<dict")) {
		doc = append(append([]byte(`<plist version="1.0">`), text...), "</plist>"...)
	}
	var m map[string]any
	format, err := plist.Unmarshal(doc, &m)
	if err != nil || format != plist.XMLFormat {
		return nil, notSiteList("not an AppConfig property list dictionary")
	}
	if len(m) != 1 {
		// Other keys belong to other settings of the app: rewriting the file
		// would lose them.
		return nil, notSiteList("the dictionary must hold only the %q key", AppConfigKey)
	}
	v, ok := m[AppConfigKey].(string)
	if !ok {
		return nil, notSiteList("the dictionary has no %q string", AppConfigKey)
	}
	return parseEmbeddedJSON(v)
}

func parseEmbeddedJSON(v string) ([]Site, error) {
	t := strings.TrimSpace(v)
	if !strings.HasPrefix(t, "[") {
		return nil, notSiteList("the %q value is not a JSON list", AppConfigKey)
	}
	return parseSiteJSON([]byte(t))
}

func parseIntuneSites(text []byte) ([]Site, error) {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(nil, len(text)+1)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, notSiteList("%v", err)
	}
	if len(lines) != 3 {
		return nil, notSiteList("expected three lines: %s, %s and %s", intuneKeyLabel, intuneTypeLabel, intuneValueLabel)
	}
	field := func(line, label string) (string, bool) {
		v, ok := strings.CutPrefix(line, label)
		return strings.TrimSpace(v), ok
	}
	if k, ok := field(lines[0], intuneKeyLabel); !ok || k != AppConfigKey {
		return nil, notSiteList("the configuration key must be %q", AppConfigKey)
	}
	if t, ok := field(lines[1], intuneTypeLabel); !ok || !strings.EqualFold(t, "String") {
		return nil, notSiteList("the value type must be String")
	}
	v, ok := field(lines[2], intuneValueLabel)
	if !ok {
		return nil, notSiteList("the third line must be %s", intuneValueLabel)
	}
	return parseEmbeddedJSON(v)
}

// MergeSites puts s into the list: it replaces the entry with the same base
// URL (SameBaseURL) in place, or appends s. Other entries keep their order.
// Later entries with that base URL are dropped too: the app would show the
// site twice, one of them with a stale client ID. existing is not modified.
func MergeSites(existing []Site, s Site) []Site {
	out := make([]Site, 0, len(existing)+1)
	placed := false
	for _, e := range existing {
		if !SameBaseURL(e.BaseURL, s.BaseURL) {
			out = append(out, e)
			continue
		}
		if !placed {
			out = append(out, s)
			placed = true
		}
	}
	if !placed {
		out = append(out, s)
	}
	return out
}

// MergeAll merges each of add into existing in turn, as MergeSites does: the
// list several instances share.
func MergeAll(existing []Site, add ...Site) []Site {
	for _, s := range add {
		existing = MergeSites(existing, s)
	}
	return existing
}

// maxSiteFile bounds what SaveSites reads: a site list is a few kilobytes.
const maxSiteFile = 4 << 20

// lockWait bounds how long a write waits for another run writing the same
// list: long enough for any write, short enough that a stuck run is reported.
const lockWait = 30 * time.Second

// SaveSites merges s into the site list at path and writes it in format f,
// atomically and with mode 0600 (the list names the instances and their
// client IDs). A missing or empty file counts as an empty list; a file that
// holds anything else is refused and left as it was. The read, merge and
// write happen under a lock on the list, so runs saving to one file at the
// same time each keep the others' sites.
func SaveSites(path string, s Site, f Format) ([]Site, error) {
	return SaveSiteList(path, []Site{s}, f)
}

// SaveSiteList is SaveSites for the sites of several instances, written once.
func SaveSiteList(path string, add []Site, f Format) ([]Site, error) {
	return saveSiteList(path, add, f, nil)
}

// saveSiteList is SaveSiteList; check, when not nil, sees the sites already
// in the file under the lock, and its error leaves the file as it was.
func saveSiteList(path string, add []Site, f Format, check func(existing []Site) error) ([]Site, error) {
	f, err := ParseFormat(string(f))
	if err != nil {
		return nil, err
	}
	unlock, err := lockSiteList(path)
	if err != nil {
		return nil, err
	}
	defer unlock()
	existing, _, err := loadSites(path)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(existing); err != nil {
			return nil, err
		}
	}
	merged := MergeAll(existing, add...)
	if err := writeSites(path, merged, f); err != nil {
		return nil, err
	}
	return merged, nil
}

// CheckSiteListFile says, before anything is changed on an instance, whether
// SaveSites could write to path: a missing file in a folder that exists and
// can be written to, or a writable regular file holding a site list (or
// nothing), that is not another user's link in a shared folder. It also
// returns the format the file calls for: its name's (FormatOf), else the
// format of the list already in it; "" when neither says. The only thing
// written is a temporary file in the folder, removed at once: the one sure
// test that the folder takes a new file.
func CheckSiteListFile(path string) (Format, error) {
	if err := checkFolder(path, path); err != nil {
		return "", err
	}
	target, err := resolveTarget(path)
	if err != nil {
		return "", err
	}
	if target != path {
		// A link: the list is written in the folder of the file it points to.
		if err := checkFolder(path, target); err != nil {
			return "", err
		}
	}
	_, inFile, err := loadSites(path)
	if err != nil {
		return "", err
	}
	return cmp.Or(FormatOf(path), inFile), nil
}

// FormatOf is the format a file's name calls for: .json the JSON list,
// .plist the AppConfig plist; "" for any other name.
func FormatOf(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return FormatJSON
	case ".plist":
		return FormatPlist
	}
	return ""
}

// checkFolder: the folder the list is written to (by a rename, so a new file
// is made there even when the list exists) exists and takes a new file.
func checkFolder(path, target string) error {
	dir := filepath.Dir(target)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("cannot write %s: the folder %s does not exist", path, dir)
	case err != nil:
		return fmt.Errorf("cannot write %s: %w", path, err)
	case !fi.IsDir():
		return fmt.Errorf("cannot write %s: %s is not a folder", path, dir)
	}
	probe, err := os.CreateTemp(dir, "."+filepath.Base(target)+".check-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: the folder %s does not take new files (%w)", path, dir, unwrapPath(err))
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// unwrapPath is the reason of a file error without the path it names (the
// message names the folder already).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// RemoveSite is the list without the entries for baseURL (SameBaseURL), and
// how many there were. existing is not modified.
func RemoveSite(existing []Site, baseURL string) ([]Site, int) {
	out := make([]Site, 0, len(existing))
	for _, e := range existing {
		if !SameBaseURL(e.BaseURL, baseURL) {
			out = append(out, e)
		}
	}
	return out, len(existing) - len(out)
}

// RemoveSiteFromFile takes baseURL's entries out of the site list at path and
// writes the rest back in the file's own format, atomically, with mode 0600
// and under the same lock as SaveSites. A missing file, or one without that
// site, is left alone (removed is 0); a file that is not a site list is
// refused and left as it was.
func RemoveSiteFromFile(path, baseURL string) (sites []Site, removed int, err error) {
	unlock, err := lockSiteList(path)
	if err != nil {
		return nil, 0, err
	}
	defer unlock()
	existing, f, err := loadSites(path)
	if err != nil || len(existing) == 0 {
		return existing, 0, err
	}
	kept, removed := RemoveSite(existing, baseURL)
	if removed == 0 {
		return existing, 0, nil
	}
	if err := writeSites(path, kept, f); err != nil {
		return nil, 0, err
	}
	return kept, removed, nil
}

// loadSites reads the site list at path; a missing or empty file is an empty
// list (format ""), anything that is not a site list an error. Special files
// are refused before they are opened (a FIFO would block the open), reads are
// bounded, and a read-only file is refused: whoever made it so did not want
// it replaced.
func loadSites(path string) ([]Site, Format, error) {
	data, err := regularfile.Read(path, maxSiteFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, "", nil
	case errors.Is(err, regularfile.ErrTooLarge):
		return nil, "", fmt.Errorf("%s was left unchanged: it is larger than a site list can be", path)
	case errors.Is(err, regularfile.ErrNotRegular):
		return nil, "", fmt.Errorf("%s was left unchanged: %w; choose a regular file to write the site list to", path, err)
	case err != nil:
		return nil, "", err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o200 == 0 {
		return nil, "", fmt.Errorf("%s was left unchanged: it is read-only; make it writable or choose another file", path)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, "", nil
	}
	sites, f, err := ParseSites(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s was left unchanged: it is %w; choose another file to write the site list to", path, err)
	}
	return sites, f, nil
}

func writeSites(path string, sites []Site, f Format) error {
	out, err := RenderSites(sites, f)
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, out, 0o600)
}

// lockSiteList takes an exclusive lock (flock on Unix, LockFileEx on Windows)
// that every run writing the same list takes, waiting at most lockWait. It
// also refuses a path WriteFileAtomic would refuse, before waiting.
func lockSiteList(path string) (func(), error) {
	target, err := resolveTarget(path)
	if err != nil {
		return nil, err
	}
	fl, err := siteListLock(target)
	if err != nil {
		return nil, fmt.Errorf("write %s: lock: %w", path, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), lockWait)
	defer cancel()
	ok, err := fl.TryLockContext(ctx, 20*time.Millisecond)
	switch {
	case errors.Is(err, context.DeadlineExceeded) || (err == nil && !ok):
		return nil, fmt.Errorf("write %s: another run has been writing it for %s; try again when it has finished", path, lockWait)
	case err != nil:
		return nil, fmt.Errorf("write %s: lock: %w", path, err)
	}
	return func() { _ = fl.Unlock() }, nil
}
