// Package intunesim is an in-process Microsoft Entra ID and Microsoft Graph
// (v1.0, the Intune app calls only) for tests, the demo and the benchmarks.
// It answers as the real services do where a client can tell: OpenID
// metadata, client-credentials and device-code token requests (with
// authorization_pending, slow_down, expired_token and authorization_declined),
// paged lists with @odata.nextLink, list items without settings, PATCH
// replacing a collection whole, {"error":{code,message}} bodies, 429 with and
// without Retry-After, and answers lost after the change was made.
//
// One handler serves both: the authority is its URL, Graph is its URL too.
package intunesim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Accepted credentials of the simulated tenant.
const (
	Tenant       = "00000000-0000-4000-8000-000000000001"
	ClientID     = "11111111-1111-4111-8111-111111111111"
	ClientSecret = "sim-client-secret"
	// UserCode is the code the device-code flow hands out.
	UserCode = "SIMCODE42"
)

// App Store ids of the two apps (and Jira Cloud, which a push must never touch).
const (
	JiraStoreURL       = "https://apps.apple.com/us/app/jira-data-center/id1405353949"
	ConfluenceStoreURL = "https://apps.apple.com/us/app/confluence-data-center/id1288365159"
	JiraCloudStoreURL  = "https://apps.apple.com/us/app/jira-cloud-by-atlassian/id1006972087"
)

// App is an Intune app record.
type App struct {
	ODataType   string `json:"@odata.type"`
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Publisher   string `json:"publisher,omitempty"`
	BundleID    string `json:"bundleId,omitempty"`
	AppStoreURL string `json:"appStoreUrl,omitempty"`
}

// Setting is one app configuration item.
type Setting struct {
	Key   string `json:"appConfigKey"`
	Type  string `json:"appConfigKeyType"`
	Value string `json:"appConfigKeyValue"`
}

// Config is an app configuration policy.
type Config struct {
	ODataType          string    `json:"@odata.type"`
	ID                 string    `json:"id"`
	DisplayName        string    `json:"displayName"`
	Description        string    `json:"description,omitempty"`
	TargetedMobileApps []string  `json:"targetedMobileApps"`
	Settings           []Setting `json:"settings"`
	EncodedSettingXML  []byte    `json:"encodedSettingXml"`
	Version            int       `json:"version"`
	// Targets are the assignments' targets, as sent.
	Targets []json.RawMessage `json:"-"`
}

// Fault is served instead of (or after) the real answer to matching requests.
type Fault struct {
	Method string // "" any
	// Path matches when the request path (below /v1.0, or the token path) contains it.
	Path string
	// Status answers with this status and a Graph error body, without doing anything.
	Status int
	// RetryAfter, in seconds, is sent with Status when > 0.
	RetryAfter int
	// LoseAnswer does the request, then drops the connection before answering.
	LoseAnswer bool
	// Times is how many requests it hits; 0 means 1.
	Times int
}

// Sim is the simulated tenant. Its fields are read under its lock; use the methods.
type Sim struct {
	mu sync.Mutex
	// PageSize bounds list pages (Graph pages at its own sizes; small here to
	// make paging happen).
	PageSize int
	apps     []App
	configs  []*Config
	faults   []*Fault
	tokens   map[string]time.Time // access token → expiry
	codes    map[string]*deviceCode
	// ReadOnly: the app has only …Read.All: writes answer 403.
	readOnly bool
	// noPermission: every Graph call answers 403.
	noPermission bool
	publicClient bool
	requests     []string
	nextID       int
	now          func() time.Time
	onDeviceCode func(userCode string)
	latency      time.Duration
}

// SetLatency delays every answer by d (benchmarks of round trips; under
// testing/synctest the delay is on the bubble's clock).
func (s *Sim) SetLatency(d time.Duration) { s.mu.Lock(); s.latency = d; s.mu.Unlock() }

type deviceCode struct {
	state   string // pending, approved, declined, expired
	polls   int
	slowed  bool
	expires time.Time
}

// New builds a tenant holding the Jira DC, Confluence DC and Jira Cloud apps
// (and an Android app), with public client flows on.
func New() *Sim {
	s := &Sim{PageSize: 2, tokens: map[string]time.Time{}, codes: map[string]*deviceCode{}, publicClient: true, now: time.Now}
	s.apps = []App{
		{ODataType: "#microsoft.graph.androidStoreApp", ID: "a0000000-0000-4000-8000-00000000000a", DisplayName: "Jira Data Center (Android)"},
		{ODataType: "#microsoft.graph.iosStoreApp", ID: "a0000000-0000-4000-8000-000000000c10", DisplayName: "Jira Cloud by Atlassian", Publisher: "Atlassian", BundleID: "com.atlassian.jira.app", AppStoreURL: JiraCloudStoreURL},
		{ODataType: "#microsoft.graph.iosStoreApp", ID: "a0000000-0000-4000-8000-000000000001", DisplayName: "Jira Data Center", Publisher: "Atlassian", BundleID: "sim.jira.dc", AppStoreURL: JiraStoreURL},
		{ODataType: "#microsoft.graph.iosVppApp", ID: "a0000000-0000-4000-8000-000000000002", DisplayName: "Confluence Data Center", Publisher: "Atlassian", BundleID: "sim.confluence.dc", AppStoreURL: ConfluenceStoreURL},
	}
	return s
}

// JiraAppID and ConfluenceAppID are the ids of the apps' records in New's tenant.
const (
	JiraAppID       = "a0000000-0000-4000-8000-000000000001"
	ConfluenceAppID = "a0000000-0000-4000-8000-000000000002"
)

// AddApp adds an app record.
func (s *Sim) AddApp(a App) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps = append(s.apps, a)
}

// SetApps replaces the app records.
func (s *Sim) SetApps(apps []App) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.apps = slices.Clone(apps)
}

// AddConfig adds a configuration as a person would in the console; it returns its id.
func (s *Sim) AddConfig(c Config) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		c.ID = s.newID()
	}
	c.ODataType = "#microsoft.graph.iosMobileAppConfiguration"
	c.Version = 1
	s.configs = append(s.configs, &c)
	return c.ID
}

// Configs returns copies of the configurations.
func (s *Sim) Configs() []Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Config, 0, len(s.configs))
	for _, c := range s.configs {
		cc := *c
		cc.Settings = slices.Clone(c.Settings)
		cc.Targets = slices.Clone(c.Targets)
		out = append(out, cc)
	}
	return out
}

// Groups are the groups a configuration is assigned to.
func (c Config) Groups() []string {
	var out []string
	for _, t := range c.Targets {
		var v struct {
			Type    string `json:"@odata.type"`
			GroupID string `json:"groupId"`
		}
		if json.Unmarshal(t, &v) == nil && v.Type == "#microsoft.graph.groupAssignmentTarget" {
			out = append(out, v.GroupID)
		}
	}
	return out
}

// Config returns a copy of one configuration.
func (s *Sim) Config(id string) (Config, bool) {
	for _, c := range s.Configs() {
		if c.ID == id {
			return c, true
		}
	}
	return Config{}, false
}

// SetReadOnly makes writes answer 403, as for an app with only the Read permission.
func (s *Sim) SetReadOnly(v bool) { s.mu.Lock(); s.readOnly = v; s.mu.Unlock() }

// SetNoPermission makes every Graph call answer 403.
func (s *Sim) SetNoPermission(v bool) { s.mu.Lock(); s.noPermission = v; s.mu.Unlock() }

// SetPublicClient turns the app registration's public client flows on or off.
func (s *Sim) SetPublicClient(v bool) { s.mu.Lock(); s.publicClient = v; s.mu.Unlock() }

// OnDeviceCode is called (outside the lock) when a device code is handed out,
// so a test or the demo can act as the person at the browser.
func (s *Sim) OnDeviceCode(f func(userCode string)) { s.mu.Lock(); s.onDeviceCode = f; s.mu.Unlock() }

// Approve, Decline, Expire settle the device-code sign-in of userCode as the
// person (or the clock) would.
func (s *Sim) Approve(userCode string) { s.setCode(userCode, "approved") }
func (s *Sim) Decline(userCode string) { s.setCode(userCode, "declined") }
func (s *Sim) Expire(userCode string)  { s.setCode(userCode, "expired") }

func (s *Sim) setCode(userCode, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.codes[userCode]; ok {
		c.state = state
	}
}

// SlowDown makes the next poll of userCode answer slow_down.
func (s *Sim) SlowDown(userCode string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.codes[userCode]; ok {
		c.slowed = true
	}
}

// ExpireTokens makes every access token handed out so far expired.
func (s *Sim) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.tokens {
		s.tokens[k] = time.Time{}
	}
}

// AddFault queues a fault.
func (s *Sim) AddFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// Requests lists "METHOD /path" of every Graph request served, in order.
func (s *Sim) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Writes lists the Graph requests that were not GETs.
func (s *Sim) Writes() []string {
	var w []string
	for _, r := range s.Requests() {
		if !strings.HasPrefix(r, "GET ") {
			w = append(w, r)
		}
	}
	return w
}

func (s *Sim) newID() string {
	s.nextID++
	return fmt.Sprintf("c0000000-0000-4000-8000-%012d", s.nextID)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ServeHTTP serves Entra ID below /{tenant}/ and Graph below /v1.0/.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	latency := s.latency
	s.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if strings.HasPrefix(r.URL.Path, "/v1.0/") {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+strings.TrimPrefix(r.URL.Path, "/v1.0"))
		s.mu.Unlock()
	}
	if f := s.fault(r); f != nil {
		if !f.LoseAnswer {
			if f.RetryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
			}
			code := map[int]string{429: "TooManyRequests", 503: "ServiceUnavailable", 500: "InternalServerError", 502: "BadGateway"}[f.Status]
			graphError(w, f.Status, code, "Simulated fault.")
			return
		}
		// Do the work, then drop the connection: the client never hears
		// whether it happened.
		s.route(discard{}, r)
		panic(http.ErrAbortHandler)
	}
	s.route(w, r)
}

// discard is a ResponseWriter that discards the answer of a lost request.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

func (s *Sim) fault(r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == r.Method) && strings.Contains(r.URL.Path, f.Path) {
			f.Times--
			if f.Times <= 0 {
				s.faults = slices.Delete(s.faults, i, i+1)
			}
			return f
		}
	}
	return nil
}

func (s *Sim) route(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/v1.0/") {
		s.graph(w, r)
		return
	}
	s.entra(w, r)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func graphError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": msg,
		"innerError": map[string]any{"date": "2026-01-01T00:00:00", "request-id": randHex(8)},
	}})
}

// base is the URL the client used to reach the simulator.
func base(r *http.Request) string {
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	return scheme + "://" + r.Host
}
