package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/intune"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/words"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

var storeID = regexp.MustCompile(`/id(\d+)(?:[/?#]|$)`)

// IsStoreURL reports whether an App Store URL is the app's page, by its id:
// the only part of the URL that does not change with country or name.
func (a App) IsStoreURL(storeURL string) bool {
	m := storeID.FindStringSubmatch(storeURL)
	return m != nil && m[1] == a.AppStoreID()
}

// MDM is a mobile device management service the site list is pushed into.
// Intune and Jamf Pro implement it; the push's order (find the app, read the
// list, merge, write once, read back) is written once, in Push.
type MDM interface {
	// Name is the service's name: "Intune", "Jamf Pro".
	Name() string
	// FindApp finds the MDM's record of app by its App Store id; with pick, the
	// record with that MDM id. None or several: an *AppChoiceError.
	FindApp(ctx context.Context, app App, pick string) (MDMApp, error)
	// LoadSites reads where the record's site list lives; a slot that does not
	// exist yet has Exists false.
	LoadSites(ctx context.Context, app MDMApp) (*SiteSlot, error)
	// StoreSites writes value as the sites string, creating the slot when it
	// does not exist; sent once, never repeated by the MDM's client.
	StoreSites(ctx context.Context, app MDMApp, slot *SiteSlot, value string) error
	// WriteRequests lists what StoreSites would send (a dry run).
	WriteRequests(app MDMApp, slot *SiteSlot, value string) []string
}

// Rereader is an MDM that reads a slot back by its id, in one request
// instead of a search; StoreSites sets the id of a slot it creates.
type Rereader interface {
	ReloadSites(ctx context.Context, app MDMApp, slot *SiteSlot) (*SiteSlot, error)
}

// Assigner is an MDM whose configurations reach devices only once assigned
// to groups (Intune).
type Assigner interface {
	Groups(ctx context.Context, slot *SiteSlot) ([]string, error)
	// Assign sets the groups; groups holds those assigned already.
	Assign(ctx context.Context, slot *SiteSlot, groups []string) error
	AssignRequests(slot *SiteSlot, groups []string) []string
}

// MDMApp is the MDM's record of the app.
type MDMApp struct {
	ID       string
	Name     string
	Kind     string // the record's type, as the MDM names it
	StoreURL string
	// State is what the MDM read while finding the record and its LoadSites
	// may use instead of reading again (Intune lists the configurations
	// alongside the apps); PlanPush drops it once the slot is read, so that
	// later reads are fresh.
	State any
}

func (a MDMApp) String() string {
	s := termsafe.String(a.Name) + " (id " + termsafe.String(a.ID)
	if a.Kind != "" {
		s += ", " + termsafe.String(a.Kind)
	}
	return s + ")"
}

// SiteSlot is where the app's site list lives in the MDM: an Intune app
// configuration policy, a Jamf Pro app record's managed configuration.
type SiteSlot struct {
	Exists bool
	ID     string // the configuration's (or record's) id; "" before it exists
	Name   string
	// Value is the sites string as the MDM holds it.
	Value string
	// Notes are what the MDM side should know (another configuration targets the app).
	Notes []string
	// State is the MDM's own reading (the configuration with its other settings).
	State any
}

// AppChoiceError: no record, or several, match the app; --mdm-app picks.
type AppChoiceError struct {
	MDM        string
	App        App
	Pick       string // the id asked for, not found
	Candidates []MDMApp
}

func (e *AppChoiceError) Error() string {
	var b strings.Builder
	switch {
	case e.Pick != "":
		fmt.Fprintf(&b, "%s has no app with the id %s", e.MDM, termsafe.String(e.Pick))
	case len(e.Candidates) == 0:
		fmt.Fprintf(&b, "%s has no iOS app whose App Store id is %s (%s): add the app from the App Store (or Apple Business Manager) to %s first", e.MDM, e.App.AppStoreID(), e.App.Name(), e.MDM)
	default:
		fmt.Fprintf(&b, "%s has %d app records with the App Store id %s (%s); pick one:", e.MDM, len(e.Candidates), e.App.AppStoreID(), e.App.Name())
	}
	if e.Pick != "" || len(e.Candidates) > 0 {
		for _, c := range e.Candidates {
			b.WriteString("\n    " + c.String())
		}
	}
	return b.String()
}

// Fix: pick the record by its id.
func (e *AppChoiceError) Fix() fix.Fix { return fix.Fix{Kind: fix.PickMDMApp} }

// PushError is a push that did not end with the list in place: a refusal
// found while reading, or a read-back that differs.
type PushError struct {
	MDM    string
	Reason string
	Err    error
}

func (e *PushError) Error() string {
	if e.Err != nil {
		return e.MDM + ": " + e.Reason + ": " + e.Err.Error()
	}
	return e.MDM + ": " + e.Reason
}
func (e *PushError) Unwrap() error { return e.Err }

// PushPlan is what a push will do, read before anything is written.
type PushPlan struct {
	MDM   MDM
	App   App
	Rec   MDMApp
	Slot  *SiteSlot
	Value string // the sites string after the merge
	// Put are the sites this run sets; Removed are base URLs it takes out.
	Put     []Site
	Removed []string
	// ChangesSites: the sites string differs from the MDM's.
	ChangesSites bool
	// Groups: the groups assigned now; AddGroup the one to add ("" none).
	Groups   []string
	AddGroup string
	// Unassigned: the configuration reaches no device (a warning says so;
	// fix.AssignGroup is the way past it).
	Unassigned bool
	Warnings   []string
}

// Changes reports whether carrying out the plan writes to the MDM.
func (p *PushPlan) Changes() bool { return p.ChangesSites || p.AddGroup != "" }

// Describe says in a sentence what the plan does.
func (p *PushPlan) Describe() string {
	where := fmt.Sprintf("the app configuration %q", p.Slot.Name)
	if p.MDM.Name() != "Intune" {
		where = "the managed app configuration of " + p.Rec.String()
	}
	var parts []string
	switch {
	case !p.ChangesSites:
		parts = append(parts, fmt.Sprintf("%s already holds these sites in %s: nothing to change", p.MDM.Name(), where))
	case !p.Slot.Exists:
		parts = append(parts, fmt.Sprintf("Create %s in %s for %s with the key %s", where, p.MDM.Name(), p.Rec, AppConfigKey))
	default:
		parts = append(parts, fmt.Sprintf("Update the key %s of %s in %s", AppConfigKey, where, p.MDM.Name()))
	}
	if p.AddGroup != "" {
		parts = append(parts, "assign it to the group "+termsafe.String(p.AddGroup))
	}
	return strings.Join(parts, "; ") + "."
}

// Requests lists the writes carrying out the plan sends (a dry run).
func (p *PushPlan) Requests() []string {
	var out []string
	if p.ChangesSites {
		out = append(out, p.MDM.WriteRequests(p.Rec, p.Slot, p.Value)...)
	}
	if a, ok := p.MDM.(Assigner); ok && p.AddGroup != "" {
		out = append(out, a.AssignRequests(p.Slot, append(slices.Clone(p.Groups), p.AddGroup))...)
	}
	return out
}

// PushRequest is one app's push: the sites to put in and the base URLs to take out.
type PushRequest struct {
	App     App
	Put     []Site
	Remove  []string
	PickApp string // the MDM's id of the app record
	Group   string // assign the configuration to this group
	// KeepTitles: an entry the MDM has for a site keeps its title and its
	// cacheSessionInMobileBrowser (a push from the links that exist knows
	// only the client ID for sure).
	KeepTitles bool
}

// PlanPush reads the MDM and works out what a push changes; it writes nothing.
func PlanPush(ctx context.Context, m MDM, req PushRequest) (*PushPlan, error) {
	if err := validateSites(req.Put); err != nil {
		return nil, err
	}
	read, err := ReadPush(ctx, m, req.App, req.PickApp)
	if err != nil {
		return nil, err
	}
	return read.Plan(req)
}

// PushRead is what a push reads from the MDM before anything is merged: the
// app's record, the slot that holds its site list and, where configurations
// are assigned, its groups. None of it depends on this run's sites, so it can
// be read while the instance's link is still being made.
type PushRead struct {
	MDM  MDM
	App  App
	Pick string
	Rec  MDMApp
	Slot *SiteSlot
	// Groups are the slot's groups (an Assigner's slot that exists).
	Groups []string
}

// ReadPush finds the app's record (pick: by its MDM id) and reads its slot;
// it writes nothing.
func ReadPush(ctx context.Context, m MDM, app App, pick string) (*PushRead, error) {
	rec, err := m.FindApp(ctx, app, pick)
	if err != nil {
		return nil, err
	}
	slot, err := m.LoadSites(ctx, rec)
	if err != nil {
		return nil, err
	}
	// Later reads (after a write, the read-back) go to the MDM afresh.
	rec.State = nil
	r := &PushRead{MDM: m, App: app, Pick: pick, Rec: rec, Slot: slot}
	if a, ok := m.(Assigner); ok && slot.Exists {
		if r.Groups, err = a.Groups(ctx, slot); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Plan merges req's sites into what was read and works out what the push
// changes; it sends nothing.
func (r *PushRead) Plan(req PushRequest) (*PushPlan, error) {
	if err := validateSites(req.Put); err != nil {
		return nil, err
	}
	m, rec, slot := r.MDM, r.Rec, r.Slot
	put := req.Put
	if req.KeepTitles {
		put = keepTitles(slot.Value, put)
	}
	value, changed, err := MergeSitesValue(slot.Value, put, req.Remove)
	if err != nil {
		return nil, &PushError{MDM: m.Name(), Reason: fmt.Sprintf("the %s value of %s is not a site list, so it is left as it is", AppConfigKey, slotLabel(slot)), Err: err}
	}
	if vc, ok := m.(interface {
		CheckValue(MDMApp, *SiteSlot, string) error
	}); ok && changed {
		if err := vc.CheckValue(rec, slot, value); err != nil {
			return nil, &PushError{MDM: m.Name(), Reason: "the site list cannot be written", Err: err}
		}
	}
	p := &PushPlan{MDM: m, App: req.App, Rec: rec, Slot: slot, Value: value, Put: put, Removed: req.Remove,
		ChangesSites: changed && (slot.Exists || len(req.Put) > 0), Warnings: slices.Clone(slot.Notes), Groups: slices.Clone(r.Groups)}
	if _, ok := m.(Assigner); ok {
		switch {
		case req.Group != "" && !slices.Contains(p.Groups, req.Group) && (slot.Exists || p.ChangesSites):
			p.AddGroup = req.Group
		case req.Group == "" && len(p.Groups) == 0 && (slot.Exists || p.ChangesSites):
			p.Unassigned = true
			p.Warnings = append(p.Warnings, fmt.Sprintf("The app configuration is assigned to no group, so it reaches no device: assign it in %s (Apps → App configuration policies).", m.Name()))
		}
	}
	return p, nil
}

func slotLabel(s *SiteSlot) string {
	if s.Name != "" {
		return fmt.Sprintf("%q", s.Name)
	}
	return "the app's managed configuration"
}

// PushResult is what a push did.
type PushResult struct {
	MDM           string
	App           MDMApp
	Configuration string // the configuration's name (Intune) or the app record (Jamf)
	ConfigID      string
	Changed       bool
	Created       bool
	Assigned      string // the group assigned by this run
	Sites         int    // how many sites the list holds now
	Unassigned    bool
	Warnings      []string
}

// Outcome says in a sentence what the push did.
func (r *PushResult) Outcome() string {
	switch {
	case r.Created:
		return fmt.Sprintf("%s: created the app configuration %q with %s for %s; read back and confirmed.", r.MDM, r.Configuration, words.Count(r.Sites, "site"), r.App)
	case r.Changed:
		return fmt.Sprintf("%s: %q now holds %s for %s; read back and confirmed.", r.MDM, r.Configuration, words.Count(r.Sites, "site"), r.App)
	}
	return fmt.Sprintf("%s: %q already held these sites: nothing was sent.", r.MDM, r.Configuration)
}

// PushOptions tune ApplyPush.
type PushOptions struct {
	// Sleep waits before a write is tried again after the MDM refused it for
	// load (429/503); nil means a timer. Tests inject it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// maxWriteAttempts bounds the writes of one value: a 429 or 503 answer says
// the MDM did not take it, so it may be sent again, after the wait it asks for.
const maxWriteAttempts = 3

// ApplyPush carries out the plan. A write whose answer is lost is settled by
// reading back, never by writing twice; a write refused for load (429/503)
// is sent again after the wait. The list is always read back and compared.
func ApplyPush(ctx context.Context, p *PushPlan, o PushOptions) (*PushResult, error) {
	sleep := o.Sleep
	if sleep == nil {
		sleep = intune.Sleep
	}
	m := p.MDM
	res := &PushResult{MDM: m.Name(), App: p.Rec, Configuration: p.Slot.Name, ConfigID: p.Slot.ID, Warnings: p.Warnings, Unassigned: p.Unassigned}
	slot := p.Slot
	if p.ChangesSites {
		for attempt := 1; ; attempt++ {
			werr := m.StoreSites(ctx, p.Rec, slot, p.Value)
			if werr == nil {
				break
			}
			if errors.Is(werr, context.Canceled) || api.KindOf(werr) == api.KindCanceled {
				return nil, werr
			}
			// Whatever the answer, read what is there now.
			now, rerr := m.LoadSites(ctx, p.Rec)
			if rerr == nil && now.Exists && sameSites(now.Value, p.Value) {
				slot = now
				break
			}
			wait, again := retryWait(werr)
			if !again || attempt == maxWriteAttempts {
				return nil, &PushError{MDM: m.Name(), Reason: "the write failed and the site list is not in place", Err: werr}
			}
			if rerr == nil {
				slot = now
			}
			if err := sleep(ctx, wait); err != nil {
				return nil, err
			}
		}
		var back *SiteSlot
		var err error
		if rr, ok := m.(Rereader); ok && slot.ID != "" {
			back, err = rr.ReloadSites(ctx, p.Rec, slot)
		} else {
			back, err = m.LoadSites(ctx, p.Rec)
		}
		if err != nil {
			return nil, &PushError{MDM: m.Name(), Reason: "the write was sent but could not be read back", Err: err}
		}
		if !back.Exists || !sameSites(back.Value, p.Value) {
			return nil, &PushError{MDM: m.Name(), Reason: fmt.Sprintf("read back, the %s value differs from what was written (the MDM dropped or changed it)", AppConfigKey)}
		}
		slot = back
		res.Changed, res.Created = true, !p.Slot.Exists
		res.Configuration, res.ConfigID = back.Name, back.ID
	}
	if a, ok := m.(Assigner); ok && p.AddGroup != "" {
		groups := append(slices.Clone(p.Groups), p.AddGroup)
		if err := a.Assign(ctx, slot, groups); err != nil {
			now, rerr := a.Groups(ctx, slot)
			if rerr != nil || !slices.Contains(now, p.AddGroup) {
				return nil, &PushError{MDM: m.Name(), Reason: "the site list is in place but assigning it to the group failed", Err: err}
			}
		}
		res.Assigned, res.Changed = p.AddGroup, true
	}
	sites, _ := parseSitesValue(slot.Value)
	res.Sites = len(sites)
	return res, nil
}

// retryWait: a write refused with 429 or 503 was not taken and may be sent
// again after Retry-After (or a back-off); nothing else is sent again.
func retryWait(err error) (time.Duration, bool) {
	var rw interface {
		error
		RetryStatus() (int, time.Duration)
	}
	if !errors.As(err, &rw) {
		return 0, false
	}
	status, wait := rw.RetryStatus()
	if status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable {
		return 0, false
	}
	if wait <= 0 {
		wait = 2 * time.Second
	}
	return wait, wait <= 2*time.Minute
}

// MergeSitesValue puts sites into the JSON list held in current and takes out
// those of remove (base URLs), compared by SameBaseURL. Entries of other sites
// stay as they were, byte for byte and in order; an entry this run replaces
// keeps its place. changed is false when the list says the same as before
// (then value is current, untouched).
func MergeSitesValue(current string, put []Site, remove []string) (value string, changed bool, err error) {
	var entries []json.RawMessage
	if strings.TrimSpace(current) != "" {
		if err := json.Unmarshal([]byte(current), &entries); err != nil {
			return "", false, errors.New("it is not a JSON list")
		}
	}
	placed := make([]bool, len(put))
	out := make([]json.RawMessage, 0, len(entries)+len(put))
	for _, raw := range entries {
		var e struct {
			BaseURL string `json:"baseURL"`
		}
		_ = json.Unmarshal(raw, &e)
		i := slices.IndexFunc(put, func(s Site) bool { return e.BaseURL != "" && SameBaseURL(s.BaseURL, e.BaseURL) })
		switch {
		case i >= 0 && placed[i]:
			changed = true // a second entry for the site: the app would show it twice
		case i >= 0:
			placed[i] = true
			enc, err := encodeSite(put[i])
			if err != nil {
				return "", false, err
			}
			if !sameJSON(raw, enc) {
				raw, changed = enc, true
			}
			out = append(out, raw)
		case e.BaseURL != "" && slices.ContainsFunc(remove, func(u string) bool { return SameBaseURL(u, e.BaseURL) }):
			changed = true
		default:
			out = append(out, raw)
		}
	}
	for i, s := range put {
		if !placed[i] {
			enc, err := encodeSite(s)
			if err != nil {
				return "", false, err
			}
			out, changed = append(out, enc), true
		}
	}
	if !changed {
		return current, false, nil
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i, raw := range out {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(raw)
	}
	b.WriteByte(']')
	return b.String(), true, nil
}

// keepTitles gives each of put the title and session setting of the entry
// current holds for its base URL.
func keepTitles(current string, put []Site) []Site {
	var entries []Site
	if json.Unmarshal([]byte(current), &entries) != nil {
		return put
	}
	out := slices.Clone(put)
	for i := range out {
		j := slices.IndexFunc(entries, func(e Site) bool { return e.BaseURL != "" && SameBaseURL(e.BaseURL, out[i].BaseURL) })
		if j < 0 {
			continue
		}
		if t := entries[j].Title; t != "" {
			out[i].Title = t
		}
		if out[i].OAuth != nil && entries[j].OAuth != nil {
			o := *out[i].OAuth
			o.CacheSessionInMobileBrowser = entries[j].OAuth.CacheSessionInMobileBrowser
			out[i].OAuth = &o
		}
	}
	return out
}

func encodeSite(s Site) (json.RawMessage, error) {
	c, err := compactSites([]Site{s})
	if err != nil {
		return nil, err
	}
	return json.RawMessage(strings.TrimSuffix(strings.TrimPrefix(c, "["), "]")), nil
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// sameSites compares two sites strings as JSON: an MDM may store the text
// with other spacing.
func sameSites(a, b string) bool { return a == b || sameJSON([]byte(a), []byte(b)) }

// parseSitesValue reads a sites string leniently, for counting.
func parseSitesValue(v string) ([]json.RawMessage, error) {
	var entries []json.RawMessage
	err := json.Unmarshal([]byte(v), &entries)
	return entries, err
}
