// Package jamfsim is an in-process Jamf Pro that answers the calls the wizard
// makes (api/jamf) the way Jamf Pro does: an OAuth client-credentials token
// that expires, the Classic API's mobile device applications in JSON or XML
// by Accept, and a PUT that updates only the app configuration, answers 201
// and drops what it does not understand without an error. Faults (latency,
// resets, rate limits, an answer lost after the write) are injectable, and
// every request is counted for round-trip tests.
//
// It does not import api/jamf: the two sides keep their own types, so that a
// disagreement shows up as a failing test.
package jamfsim

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
)

// Credentials of the default API client.
const (
	DefaultClientID     = "sim-client-id"
	DefaultClientSecret = "sim-client-secret"
	// DefaultTokenLifetime is the expires_in of Jamf's documented example.
	DefaultTokenLifetime = 599 * time.Second
)

// App Store ids of the seeded apps.
const (
	JiraDataCenterStoreID       = "1405353949"
	ConfluenceDataCenterStoreID = "1288365159"
	JiraCloudStoreID            = "1006972087"
)

// Ids of the seeded app records.
const (
	JiraDataCenterAppID       = 3
	ConfluenceDataCenterAppID = 5
	JiraCloudAppID            = 7
)

// App is one mobile device app record.
type App struct {
	ID          int
	Name        string
	DisplayName string
	BundleID    string
	Version     string
	Internal    bool
	StoreURL    string // itunes_store_url; "" for an in-house app
	Preferences string // app_configuration/preferences, as stored
}

// Config describes the simulated server.
type Config struct {
	ClientID, ClientSecret string        // "" = the defaults
	TokenLifetime          time.Duration // 0 = DefaultTokenLifetime
	Apps                   []App         // nil = DefaultApps()
	// NoRead and NoUpdate take the privileges Read and Update Mobile Device
	// Apps from the API client's role. The Classic API then answers 401, as
	// it does to a missing or expired token.
	NoRead, NoUpdate bool
}

// StoreURL is an App Store URL as Jamf Pro records it.
func StoreURL(slug, storeID string) string {
	return "https://apps.apple.com/us/app/" + slug + "/id" + storeID + "?uo=4"
}

// DefaultApps are a Jamf Pro with both Data Center apps, Jira Cloud and
// others. The bundle ids are made up: the real ones are not confirmed.
func DefaultApps() []App {
	return []App{
		{ID: 1, Name: "Jamf Self Service", BundleID: "com.jamfsoftware.selfservice", Version: "11.2", Internal: true},
		{ID: 2, Name: "Slack", BundleID: "com.example.slack", Version: "24.10", StoreURL: StoreURL("slack", "618783545"),
			Preferences: "<dict>\n\t<key>DefaultServerDomain</key>\n\t<string>example</string>\n</dict>"},
		{ID: JiraDataCenterAppID, Name: "Jira Data Center", BundleID: "com.example.jira-dc", Version: "2.3.0",
			StoreURL: StoreURL("jira-data-center", JiraDataCenterStoreID),
			Preferences: "<dict>\n\t<key>email</key>\n\t<string>$EMAIL</string>\n" +
				"\t<!-- device name for support -->\n\t<key>device</key>\n\t<string>$DEVICENAME</string>\n</dict>"},
		{ID: 4, Name: "Microsoft Outlook", BundleID: "com.example.outlook", Version: "4.24", StoreURL: StoreURL("microsoft-outlook", "951937596")},
		{ID: ConfluenceDataCenterAppID, Name: "Confluence Data Center", DisplayName: "Confluence", BundleID: "com.example.confluence-dc", Version: "2.1.0",
			StoreURL: StoreURL("confluence-data-center", ConfluenceDataCenterStoreID)},
		{ID: JiraCloudAppID, Name: "Jira Cloud by Atlassian", BundleID: "com.example.jira-cloud", Version: "130.0",
			StoreURL:    StoreURL("jira-cloud-by-atlassian", JiraCloudStoreID),
			Preferences: "<dict>\n\t<key>sites</key>\n\t<string>cloud</string>\n</dict>"},
	}
}

// Request is one request as the simulator saw it.
type Request struct {
	Method, Path string
}

// Sim is the simulated Jamf Pro. It is an http.Handler.
type Sim struct {
	cfg Config

	mu       sync.Mutex
	apps     map[int]*App
	tokens   map[string]time.Time // token → expiry
	faults   simulator.Faults[Fault]
	requests []Request
	noRead   bool
	noUpdate bool
	closed   chan struct{}
	once     sync.Once
}

// New builds a simulator.
func New(cfg Config) *Sim {
	cfg.ClientID = cmp.Or(cfg.ClientID, DefaultClientID)
	cfg.ClientSecret = cmp.Or(cfg.ClientSecret, DefaultClientSecret)
	cfg.TokenLifetime = cmp.Or(cfg.TokenLifetime, DefaultTokenLifetime)
	if cfg.Apps == nil {
		cfg.Apps = DefaultApps()
	}
	s := &Sim{cfg: cfg, apps: map[int]*App{}, tokens: map[string]time.Time{},
		noRead: cfg.NoRead, noUpdate: cfg.NoUpdate, closed: make(chan struct{})}
	for _, a := range cfg.Apps {
		s.apps[a.ID] = &a
	}
	return s
}

// Close ends parked requests (FaultHang).
func (s *Sim) Close() { s.once.Do(func() { close(s.closed) }) }

// App returns a copy of the record.
func (s *Sim) App(id int) (App, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[id]
	if !ok {
		return App{}, false
	}
	return *a, true
}

// SetApp adds or replaces a record.
func (s *Sim) SetApp(a App) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps[a.ID] = &a
}

// ExpireTokens makes every token issued so far expired.
func (s *Sim) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.tokens {
		s.tokens[t] = time.Time{}
	}
}

// SetPrivileges gives or takes the role's read and update privileges.
func (s *Sim) SetPrivileges(read, update bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noRead, s.noUpdate = !read, !update
}

// Requests returns every request seen so far, faulted ones included.
func (s *Sim) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Count is how many requests with method (any when "") had a path starting
// with prefix.
func (s *Sim) Count(method, prefix string) int {
	n := 0
	for _, r := range s.Requests() {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

// ResetRequests forgets the requests seen so far.
func (s *Sim) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Paths of the API.
const (
	PathToken = "/api/oauth/token"
	PathApps  = "/JSSResource/mobiledeviceapplications"
)

// ServeHTTP answers one request, through the faults first.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path})
	s.mu.Unlock()
	if f, ok := s.faults.Match(r); ok {
		s.applyFault(w, r, f)
		return
	}
	s.handle(w, r)
}

func (s *Sim) handle(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == PathToken:
		s.token(w, r)
	case r.URL.Path == PathApps || strings.HasPrefix(r.URL.Path, PathApps+"/"):
		s.serveApps(w, r)
	default:
		classicError(w, http.StatusNotFound, "The server has not found anything matching the request URI")
	}
}

// token is POST /api/oauth/token with client credentials.
func (s *Sim) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"httpStatus": 405})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	if r.PostForm.Get("client_id") != s.cfg.ClientID || r.PostForm.Get("client_secret") != s.cfg.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "Client authentication failed"})
		return
	}
	var b [24]byte
	rand.Read(b[:])
	tok := "sim-" + hex.EncodeToString(b[:])
	s.mu.Lock()
	s.tokens[tok] = time.Now().Add(s.cfg.TokenLifetime)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "scope": "api-role:1", "token_type": "Bearer",
		"expires_in": int(s.cfg.TokenLifetime / time.Second),
	})
}

// authorized checks the bearer token and the privilege the method needs.
func (s *Sim) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, known := s.tokens[tok]
	if !ok || !known || !time.Now().Before(exp) {
		return false
	}
	if r.Method == http.MethodGet {
		return !s.noRead
	}
	return !s.noUpdate
}

func (s *Sim) serveApps(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		classicError(w, http.StatusUnauthorized, "The request requires user authentication")
		return
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, PathApps), "/")
	if rest == "" {
		if r.Method != http.MethodGet {
			classicError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
			return
		}
		s.list(w, r)
		return
	}
	idText, ok := strings.CutPrefix(rest, "id/")
	id, err := strconv.Atoi(idText)
	if !ok || err != nil {
		classicError(w, http.StatusNotFound, "The server has not found anything matching the request URI")
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.get(w, r, id)
	case http.MethodPut:
		s.put(w, r, id)
	default:
		classicError(w, http.StatusMethodNotAllowed, "Method Not Allowed")
	}
}

func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

type listEntry struct {
	ID          int    `json:"id" xml:"id"`
	Name        string `json:"name" xml:"name"`
	DisplayName string `json:"display_name" xml:"display_name"`
	BundleID    string `json:"bundle_id" xml:"bundle_id"`
	Version     string `json:"version" xml:"version"`
	InternalApp bool   `json:"internal_app" xml:"internal_app"`
}

func (s *Sim) sorted() []App {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]App, 0, len(s.apps))
	for _, a := range s.apps {
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b App) int { return a.ID - b.ID })
	return out
}

func entryOf(a App) listEntry {
	return listEntry{ID: a.ID, Name: a.Name, DisplayName: cmp.Or(a.DisplayName, a.Name), BundleID: a.BundleID, Version: a.Version, InternalApp: a.Internal}
}

func (s *Sim) list(w http.ResponseWriter, r *http.Request) {
	apps := s.sorted()
	entries := make([]listEntry, 0, len(apps))
	for _, a := range apps {
		entries = append(entries, entryOf(a))
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"mobile_device_applications": entries})
		return
	}
	writeXML(w, http.StatusOK, struct {
		XMLName xml.Name    `xml:"mobile_device_applications"`
		Size    int         `xml:"size"`
		Apps    []listEntry `xml:"mobile_device_application"`
	}{Size: len(entries), Apps: entries})
}

// record is the parts of a full record the simulator renders; the real one
// has more (icons, self service, VPP), which no caller here reads.
type record struct {
	XMLName xml.Name `json:"-" xml:"mobile_device_application"`
	General struct {
		listEntry
		OSType          string `json:"os_type" xml:"os_type"`
		ITunesStoreURL  string `json:"itunes_store_url" xml:"itunes_store_url"`
		DeployAsManaged bool   `json:"deploy_as_managed_app" xml:"deploy_as_managed_app"`
		Site            struct {
			ID   int    `json:"id" xml:"id"`
			Name string `json:"name" xml:"name"`
		} `json:"site" xml:"site"`
	} `json:"general" xml:"general"`
	Scope struct {
		AllMobileDevices bool `json:"all_mobile_devices" xml:"all_mobile_devices"`
	} `json:"scope" xml:"scope"`
	AppConfiguration struct {
		Preferences string `json:"preferences" xml:"preferences"`
	} `json:"app_configuration" xml:"app_configuration"`
}

func (s *Sim) get(w http.ResponseWriter, r *http.Request, id int) {
	a, ok := s.App(id)
	if !ok {
		classicError(w, http.StatusNotFound, "The server has not found anything matching the request URI")
		return
	}
	var rec record
	rec.General.listEntry = entryOf(a)
	rec.General.OSType = "iOS"
	rec.General.ITunesStoreURL = a.StoreURL
	rec.General.DeployAsManaged = true
	rec.General.Site.ID, rec.General.Site.Name = -1, "None"
	rec.AppConfiguration.Preferences = a.Preferences
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]any{"mobile_device_application": rec})
		return
	}
	writeXML(w, http.StatusOK, rec)
}

// sections of a record in the order Jamf Pro reads them: one that comes
// after a later one is dropped.
var sections = []string{"general", "scope", "self_service", "vpp", "app_configuration"}

// put applies a PUT's app_configuration/preferences and nothing else: the
// other sections are accepted and left alone, as unknown elements and
// sections out of order are, all without an error.
func (s *Sim) put(w http.ResponseWriter, r *http.Request, id int) {
	if _, ok := s.App(id); !ok {
		classicError(w, http.StatusNotFound, "The server has not found anything matching the request URI")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<20))
	if err != nil {
		classicError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	prefs, set, err := parsePut(body)
	if err != nil {
		classicError(w, http.StatusConflict, "Error: Problem with file: "+err.Error())
		return
	}
	s.mu.Lock()
	if a, ok := s.apps[id]; ok && set {
		a.Preferences = prefs
	}
	s.mu.Unlock()
	writeXML(w, http.StatusCreated, struct {
		XMLName xml.Name `xml:"mobile_device_application"`
		ID      int      `xml:"id"`
	}{ID: id})
}

// parsePut reads the preferences a PUT sets; set is false when it sets none.
func parsePut(body []byte) (prefs string, set bool, err error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	var (
		path    []string
		lastSec = -1
		dropped = 0 // depth at which a dropped section started; 0 = none
		text    strings.Builder
	)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", false, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name.Local)
			switch {
			case len(path) == 1 && t.Name.Local != "mobile_device_application":
				return "", false, fmt.Errorf("the root element is <%s>", t.Name.Local)
			case len(path) == 2 && dropped == 0:
				i := slices.Index(sections, t.Name.Local)
				if i < lastSec || i < 0 {
					dropped = 2
				} else {
					lastSec = i
				}
			case len(path) == 3 && dropped == 0 && path[1] == "app_configuration" && t.Name.Local == "preferences":
				text.Reset()
			}
		case xml.EndElement:
			if dropped == 0 && len(path) == 3 && path[1] == "app_configuration" && path[2] == "preferences" {
				prefs, set = text.String(), true
			}
			if len(path) == dropped {
				dropped = 0
			}
			path = path[:len(path)-1]
		case xml.CharData:
			if dropped == 0 && len(path) == 3 && path[1] == "app_configuration" && path[2] == "preferences" {
				text.Write(t)
			}
		}
	}
	return prefs, set, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeXML(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	io.WriteString(w, xml.Header)
	xml.NewEncoder(w).Encode(v)
}

// classicError is the Classic API's HTML error page.
func classicError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<html>\n<head>\n   <title>Status page</title>\n</head>\n<body style=\"font-family: sans-serif;\">\n"+
		"<p style=\"font-size: 1.2em;font-weight: bold;margin: 1em 0px;\">%s</p>\n<p>%s</p>\n</body>\n</html>\n",
		http.StatusText(status), html.EscapeString(msg))
}

// sleep waits d, or until the request ends or the simulator closes.
func (s *Sim) sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closed:
		return false
	}
}
