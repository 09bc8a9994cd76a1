package jamf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// App Store ids of the Atlassian iOS apps. Their bundle identifiers are not
// confirmed anywhere, so records are matched on these.
const (
	JiraDataCenterStoreID       = "1405353949"
	ConfluenceDataCenterStoreID = "1288365159"
	// JiraCloudStoreID is the Jira Cloud app: its configuration is never changed.
	JiraCloudStoreID = "1006972087"
)

const pathApps = "/JSSResource/mobiledeviceapplications"

// AppSummary is one entry of the app list. Strings are safe to print.
type AppSummary struct {
	ID          int
	Name        string
	DisplayName string
	BundleID    string
	Version     string
	Internal    bool // an in-house app: no App Store URL
}

func (a AppSummary) label() string {
	if a.DisplayName != "" && a.DisplayName != a.Name {
		return a.Name + ", shown as " + a.DisplayName
	}
	return a.Name
}

// App is one app record as far as the wizard needs it.
type App struct {
	AppSummary
	// StoreURL is the record's itunes_store_url, safe to print; StoreID the
	// App Store id in it ("" when there is none).
	StoreURL string
	StoreID  string
	// Preferences is the managed app configuration (a plist <dict>) exactly
	// as Jamf Pro holds it: not cleaned, so that it can be edited in place.
	// Use Sites and SetSites on it; print it only through termsafe.
	Preferences string
}

// flexInt reads a number that Jamf may send as a JSON number or a string.
type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(bytes.TrimSpace(b)), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("id %q is not a number", s)
	}
	*f = flexInt(n)
	return nil
}

// flexBool reads a boolean sent as true/false or "true"/"false".
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	*f = flexBool(strings.EqualFold(strings.Trim(string(bytes.TrimSpace(b)), `"`), "true"))
	return nil
}

type summaryJSON struct {
	ID          flexInt  `json:"id"`
	Name        string   `json:"name"`
	DisplayName string   `json:"display_name"`
	BundleID    string   `json:"bundle_id"`
	Version     string   `json:"version"`
	InternalApp flexBool `json:"internal_app"`
}

func (s summaryJSON) clean() AppSummary {
	return AppSummary{
		ID: int(s.ID), Name: termsafe.String(s.Name), DisplayName: termsafe.String(s.DisplayName),
		BundleID: termsafe.String(s.BundleID), Version: termsafe.String(s.Version), Internal: bool(s.InternalApp),
	}
}

// ListApps lists the mobile device app records (GET
// /JSSResource/mobiledeviceapplications). The list carries no App Store URL.
func (c *Client) ListApps(ctx context.Context) ([]AppSummary, error) {
	var out struct {
		Apps []summaryJSON `json:"mobile_device_applications"`
	}
	if err := c.getJSON(ctx, call{op: "list the mobile device apps", path: pathApps}, &out); err != nil {
		return nil, err
	}
	apps := make([]AppSummary, 0, len(out.Apps))
	for _, a := range out.Apps {
		apps = append(apps, a.clean())
	}
	return apps, nil
}

// App reads one app record (GET …/id/{id}).
func (c *Client) App(ctx context.Context, id int) (*App, error) {
	var out struct {
		App *struct {
			General struct {
				summaryJSON
				ITunesStoreURL string `json:"itunes_store_url"`
			} `json:"general"`
			AppConfiguration struct {
				Preferences json.RawMessage `json:"preferences"`
			} `json:"app_configuration"`
		} `json:"mobile_device_application"`
	}
	cl := call{op: fmt.Sprintf("read app record %d", id), path: appPath(id)}
	if err := c.getJSON(ctx, cl, &out); err != nil {
		return nil, err
	}
	if out.App == nil {
		return nil, &Error{Kind: KindServer, Op: cl.op, Method: http.MethodGet, Path: cl.path, Err: errors.New("the answer holds no mobile_device_application")}
	}
	g := out.App.General
	prefs, err := preferencesText(out.App.AppConfiguration.Preferences)
	if err != nil {
		return nil, &Error{Kind: KindServer, Op: cl.op, Method: http.MethodGet, Path: cl.path, Err: err}
	}
	app := &App{
		AppSummary:  g.clean(),
		StoreURL:    termsafe.String(g.ITunesStoreURL),
		StoreID:     StoreIDOf(g.ITunesStoreURL),
		Preferences: prefs,
	}
	if app.ID == 0 {
		app.ID = id
	}
	return app, nil
}

// preferencesText reads app_configuration/preferences: a string, or an empty
// object, which is how the Classic API's JSON renders an empty element.
func preferencesText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) || bytes.Equal(raw, []byte("{}")) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errors.New("app_configuration/preferences is not a text")
	}
	return s, nil
}

// SetPreferences replaces the app record's managed configuration with prefs
// (PUT …/id/{id} with only the app_configuration section: Jamf Pro leaves
// every other part of the record alone). Jamf Pro drops what it does not
// understand without an error, so the caller reads the record back to see
// what it holds. The PUT is sent once; after an *Error whose Unsettled
// reports true, it may or may not have been applied.
func (c *Client) SetPreferences(ctx context.Context, id int, prefs string) error {
	body, err := putBody(prefs)
	if err != nil {
		return err
	}
	cl := call{
		op: fmt.Sprintf("update the app configuration of app record %d", id), method: http.MethodPut, path: appPath(id),
		accept: "application/xml", contentType: "application/xml; charset=utf-8", body: body,
	}
	_, err = c.do(ctx, cl)
	return err
}

// PreferencesRequest is the request SetPreferences sends, as a dry run shows
// it: the request line and the XML body.
func (c *Client) PreferencesRequest(id int, prefs string) string {
	body, err := putBody(prefs)
	if err != nil {
		return ""
	}
	return http.MethodPut + " " + c.base.String() + appPath(id) + "\n    " + string(body)
}

// putBody is the PUT's body: the app_configuration section alone.
func putBody(prefs string) ([]byte, error) {
	if !utf8.ValidString(prefs) || strings.ContainsFunc(prefs, notXMLChar) {
		return nil, fmt.Errorf("the app configuration holds a character XML cannot carry: nothing was sent")
	}
	var body bytes.Buffer
	body.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	body.WriteString("<mobile_device_application><app_configuration><preferences>")
	escapeText(&body, prefs)
	body.WriteString("</preferences></app_configuration></mobile_device_application>")
	return body.Bytes(), nil
}

func appPath(id int) string { return pathApps + "/id/" + strconv.Itoa(id) }

// escapeText writes s as XML character data that parses back to s exactly:
// a carriage return is written as a reference, or the parser would turn it
// (and a CR LF) into a line feed.
func escapeText(b *bytes.Buffer, s string) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteRune(r)
		}
	}
}

// notXMLChar reports a character XML 1.0 cannot carry.
func notXMLChar(r rune) bool {
	return r == 0xFFFE || r == 0xFFFF || (r < 0x20 && r != '\t' && r != '\n' && r != '\r')
}

// storeIDRE finds the App Store id in a store URL:
// https://apps.apple.com/us/app/jira-data-center/id1405353949?uo=4.
var storeIDRE = regexp.MustCompile(`(?i)(?:^|/)id(\d+)(?:$|[/?#&])`)

// StoreIDOf returns the App Store id in an App Store URL, "" when there is none.
func StoreIDOf(storeURL string) string {
	m := storeIDRE.FindStringSubmatch(strings.TrimSpace(storeURL))
	if m == nil {
		return ""
	}
	return m[1]
}

// productWords name the known apps, to read the likeliest records first.
var productWords = map[string]string{
	JiraDataCenterStoreID:       "jira",
	ConfluenceDataCenterStoreID: "confluence",
}

// FindApp finds the one app record of the App Store app storeID. The list
// lacks the App Store URL, so it reads App Store app records one by one, at
// most MaxAppReads of them (those whose name or bundle id names the product
// first, a few at a time). None: *AppNotFoundError; several:
// *AppAmbiguousError; both list records to pick one by id (AppByID).
func (c *Client) FindApp(ctx context.Context, storeID string) (*App, error) {
	if err := checkStoreID(storeID); err != nil {
		return nil, err
	}
	list, err := c.ListApps(ctx)
	if err != nil {
		return nil, err
	}
	candidates := rankCandidates(list, productWords[storeID])
	checked := candidates[:min(len(candidates), MaxAppReads)]

	var (
		mu      sync.Mutex
		matches []*App
		others  []AppSummary // records read without an App Store id: AppByID takes them
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(readConcurrency)
	for _, cand := range checked {
		g.Go(func() error {
			app, err := c.App(gctx, cand.ID)
			if errors.Is(err, ErrNotFound) {
				return nil // deleted since the list was read
			}
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			switch app.StoreID {
			case storeID:
				matches = append(matches, app)
			case "":
				others = append(others, app.AppSummary)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	byID := func(a, b AppSummary) int { return a.ID - b.ID }
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		// In-house records are not read (they have no App Store URL); one
		// that names the product may be a build of the app.
		if word := productWords[storeID]; word != "" {
			for _, a := range list {
				if a.Internal && mentions(a, word) {
					others = append(others, a)
				}
			}
		}
		slices.SortFunc(others, byID)
		return nil, &AppNotFoundError{StoreID: storeID, Candidates: others, Checked: len(checked), Total: len(candidates)}
	}
	found := make([]AppSummary, 0, len(matches))
	for _, m := range matches {
		found = append(found, m.AppSummary)
	}
	slices.SortFunc(found, byID)
	return nil, &AppAmbiguousError{StoreID: storeID, Matches: found}
}

// AppByID reads the record the admin picked and checks it is not another
// App Store app (a record without an App Store URL, an in-house or custom
// one, is taken as picked).
func (c *Client) AppByID(ctx context.Context, id int, storeID string) (*App, error) {
	if err := checkStoreID(storeID); err != nil {
		return nil, err
	}
	app, err := c.App(ctx, id)
	if err != nil {
		return nil, err
	}
	if app.StoreID != "" && app.StoreID != storeID {
		return nil, &WrongAppError{App: app.AppSummary, StoreID: app.StoreID, Want: storeID}
	}
	return app, nil
}

func checkStoreID(storeID string) error {
	if storeID == JiraCloudStoreID {
		return errors.New("the Jira Cloud app's configuration is never changed by this wizard")
	}
	if _, err := strconv.ParseUint(storeID, 10, 64); err != nil {
		return fmt.Errorf("App Store id %q is not a number", storeID)
	}
	return nil
}

// rankCandidates keeps the App Store app records, those that name the
// product first, each group in list order.
func rankCandidates(list []AppSummary, word string) []AppSummary {
	var named, rest []AppSummary
	for _, a := range list {
		switch {
		case a.Internal:
		case word != "" && mentions(a, word):
			named = append(named, a)
		default:
			rest = append(rest, a)
		}
	}
	return append(named, rest...)
}

func mentions(a AppSummary, word string) bool {
	for _, s := range []string{a.Name, a.DisplayName, a.BundleID} {
		if strings.Contains(strings.ToLower(s), word) {
			return true
		}
	}
	return false
}
