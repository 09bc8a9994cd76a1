package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"
	"howett.net/plist"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/intune"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// Intune pushes site lists into Microsoft Intune through Graph. The list
// lives in an iOS app configuration policy that targets the app and carries
// the key "sites": as a setting (the configuration designer) or inside the
// XML data (encodedSettingXml).
type Intune struct {
	C *intune.Client
	// DeviceCode: the sign-in asks a person to enter a code.
	DeviceCode bool
}

// Name is the MDM's name.
func (Intune) Name() string { return "Intune" }

// SignIn gets the Graph token the calls will use.
func (m Intune) SignIn(ctx context.Context) error { return m.C.SignIn(ctx) }

// Interactive reports a sign-in that asks a person (a device code).
func (m Intune) Interactive() bool { return m.DeviceCode }

// ConfigurationName is the name a configuration the wizard creates gets: it
// says what it is and who made it.
func ConfigurationName(a App) string {
	return a.Product().Title() + " Data Center iOS sites (mobile-oauth-wizard)"
}

func isIOS(odataType string) bool {
	t := strings.ToLower(odataType)
	return strings.Contains(t, "ios")
}

// FindApp finds the iOS record whose appStoreUrl carries the app's App Store id.
func (m Intune) FindApp(ctx context.Context, a App, pick string) (MDMApp, error) {
	// The configurations are listed at the same time: LoadSites needs them
	// next, and they do not depend on the app's id.
	var (
		apps []intune.MobileApp
		cfgs []intune.AppConfiguration
		cerr error
	)
	if err := m.C.SignIn(ctx); err != nil {
		return MDMApp{}, err
	}
	var eg errgroup.Group
	eg.Go(func() error { cfgs, cerr = m.C.AppConfigurations(ctx); return nil })
	apps, err := m.C.MobileApps(ctx)
	_ = eg.Wait()
	if err != nil {
		return MDMApp{}, err
	}
	if cerr != nil {
		return MDMApp{}, cerr
	}
	found, err := m.findApp(apps, a, pick)
	found.State = cfgs
	return found, err
}

func (m Intune) findApp(apps []intune.MobileApp, a App, pick string) (MDMApp, error) {
	rec := func(x intune.MobileApp) MDMApp {
		return MDMApp{ID: x.ID, Name: x.DisplayName, Kind: strings.TrimPrefix(x.ODataType, "#microsoft.graph."), StoreURL: x.AppStoreURL}
	}
	var matches, named []MDMApp
	for _, x := range apps {
		if !isIOS(x.ODataType) {
			continue
		}
		switch {
		case a.IsStoreURL(x.AppStoreURL):
			matches = append(matches, rec(x))
		case x.AppStoreURL == "" && strings.Contains(strings.ToLower(x.DisplayName), strings.ToLower(a.Product().Title())):
			named = append(named, rec(x))
		}
	}
	if pick != "" {
		i := slices.IndexFunc(apps, func(x intune.MobileApp) bool { return x.ID == pick })
		switch {
		case i < 0:
			return MDMApp{}, &AppChoiceError{MDM: m.Name(), App: a, Pick: pick, Candidates: append(matches, named...)}
		case !isIOS(apps[i].ODataType):
			return MDMApp{}, &PushError{MDM: m.Name(), Reason: fmt.Sprintf("the app %s is not an iOS app", rec(apps[i]))}
		case apps[i].AppStoreURL != "" && !a.IsStoreURL(apps[i].AppStoreURL):
			return MDMApp{}, &PushError{MDM: m.Name(), Reason: fmt.Sprintf("the app %s is another App Store app than the %s (App Store id %s)", rec(apps[i]), a.Name(), a.AppStoreID())}
		}
		return rec(apps[i]), nil
	}
	if len(matches) == 1 {
		return matches[0], nil
	}
	if len(matches) == 0 {
		matches = named
	}
	return MDMApp{}, &AppChoiceError{MDM: m.Name(), App: a, Candidates: matches}
}

// intuneState is a configuration as read, with how its sites string is held.
type intuneState struct {
	cfg *intune.AppConfiguration
	// assignments were read with the configuration (read: they were).
	assignments []intune.Assignment
	read        bool
	// xml: the sites string sits in encodedSettingXml at [start:end] (escaped).
	xml        bool
	start, end int
}

// LoadSites finds the configuration that targets the app and carries the key
// sites. List items lack settings, so each configuration targeting the app is
// read whole.
func (m Intune) LoadSites(ctx context.Context, rec MDMApp) (*SiteSlot, error) {
	cfgs, listed := rec.State.([]intune.AppConfiguration)
	if !listed {
		var err error
		if cfgs, err = m.C.AppConfigurations(ctx); err != nil {
			return nil, err
		}
	}
	var targeting []intune.AppConfiguration
	for _, c := range cfgs {
		if slices.Contains(c.TargetedMobileApps, rec.ID) && (c.ODataType == "" || c.ODataType == intune.TypeIOSConfiguration) {
			targeting = append(targeting, c)
		}
	}
	// Each one is read whole with its assignments, all at once.
	full := make([]*intune.AppConfiguration, len(targeting))
	assigned := make([][]intune.Assignment, len(targeting))
	eg, gctx := errgroup.WithContext(ctx)
	for i, c := range targeting {
		eg.Go(func() (err error) { full[i], err = m.C.AppConfiguration(gctx, c.ID); return err })
		eg.Go(func() (err error) { assigned[i], err = m.C.Assignments(gctx, c.ID); return err })
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	var carriers []*SiteSlot
	var others []string
	for i, full := range full {
		slot, has, err := intuneSlot(full)
		if err != nil {
			return nil, &PushError{MDM: m.Name(), Reason: fmt.Sprintf("the app configuration %q (id %s) holds the key %s in a form the wizard does not edit", full.DisplayName, termsafe.String(full.ID), AppConfigKey), Err: err}
		}
		if has {
			st := slot.State.(*intuneState)
			st.assignments, st.read = assigned[i], true
			carriers = append(carriers, slot)
		} else {
			others = append(others, fmt.Sprintf("%q (id %s)", full.DisplayName, termsafe.String(full.ID)))
		}
	}
	switch len(carriers) {
	case 0:
		slot := &SiteSlot{Name: ConfigurationName(appOfRecord(rec))}
		if len(others) > 0 {
			slot.Notes = append(slot.Notes, fmt.Sprintf("Other app configurations also target the app (%s): a device in the groups of two configurations gets one of them, not both.", strings.Join(others, ", ")))
		}
		return slot, nil
	case 1:
		return carriers[0], nil
	}
	var names []string
	for _, c := range carriers {
		names = append(names, fmt.Sprintf("%q (id %s)", c.Name, termsafe.String(c.ID)))
	}
	return nil, &PushError{MDM: m.Name(), Reason: fmt.Sprintf("%d app configurations target the app and carry the key %s: %s; keep one (delete or merge the others in Intune) and push again", len(carriers), AppConfigKey, strings.Join(names, ", "))}
}

// appOfRecord guesses which app a record is for, for a configuration's name.
func appOfRecord(rec MDMApp) App {
	if AppConfluence.IsStoreURL(rec.StoreURL) || strings.Contains(strings.ToLower(rec.Name), "confluence") {
		return AppConfluence
	}
	return AppJira
}

var xmlSitesString = regexp.MustCompile(`<key>\s*` + AppConfigKey + `\s*</key>\s*<string>([^<]*)</string>`)

// intuneSlot reads where cfg holds the sites string, if it does.
func intuneSlot(cfg *intune.AppConfiguration) (*SiteSlot, bool, error) {
	slot := &SiteSlot{Exists: true, ID: cfg.ID, Name: cfg.DisplayName}
	for _, s := range cfg.Settings {
		if s.Key != AppConfigKey {
			continue
		}
		if s.Type != intune.StringType {
			return nil, false, fmt.Errorf("its value type is %s, not String", termsafe.String(s.Type))
		}
		slot.Value, slot.State = s.Value, &intuneState{cfg: cfg}
		return slot, true, nil
	}
	if len(cfg.EncodedSettingXML) == 0 {
		return nil, false, nil
	}
	var dict map[string]any
	doc := append(append([]byte(`<plist version="1.0">`), cfg.EncodedSettingXML...), "</plist>"...)
	if _, err := plist.Unmarshal(doc, &dict); err != nil {
		// XML data the plist reader does not understand: whether it holds
		// sites cannot be told, so it is not touched.
		if strings.Contains(string(cfg.EncodedSettingXML), "<key>"+AppConfigKey+"</key>") {
			return nil, false, errors.New("its XML data could not be read as a property list dictionary")
		}
		return nil, false, nil
	}
	v, ok := dict[AppConfigKey]
	if !ok {
		return nil, false, nil
	}
	str, isString := v.(string)
	if !isString {
		return nil, false, fmt.Errorf("in its XML data the key is a %T, not a <string>", v)
	}
	loc := xmlSitesString.FindAllSubmatchIndex(cfg.EncodedSettingXML, -1)
	if len(loc) != 1 || html.UnescapeString(string(cfg.EncodedSettingXML[loc[0][2]:loc[0][3]])) != str {
		return nil, false, errors.New("in its XML data the string is written in a form (CDATA, an empty element, or twice) that cannot be edited without rewriting the rest")
	}
	slot.Value, slot.State = str, &intuneState{cfg: cfg, xml: true, start: loc[0][2], end: loc[0][3]}
	return slot, true, nil
}

// write is the request that puts value in place: method, path and body.
func (m Intune) write(rec MDMApp, slot *SiteSlot, value string) (string, string, any, error) {
	if strings.Contains(value, "{{") {
		// Intune replaces {{…}} with a device's or user's value.
		return "", "", nil, errors.New("a site's title holds {{, which Intune reserves for its tokens")
	}
	if !slot.Exists {
		return http.MethodPost, intune.ConfigurationsPath, intune.AppConfiguration{
			ODataType:          intune.TypeIOSConfiguration,
			DisplayName:        slot.Name,
			Description:        "The iOS app's OAuth 2.0 site list (managed key " + AppConfigKey + "), written by mobile-oauth-wizard.",
			TargetedMobileApps: []string{rec.ID},
			Settings:           []intune.Setting{{Key: AppConfigKey, Type: intune.StringType, Value: value}},
		}, nil
	}
	st := slot.State.(*intuneState)
	if st.xml {
		x := st.cfg.EncodedSettingXML
		var b strings.Builder
		b.Write(x[:st.start])
		b.WriteString(escapeXMLText(value))
		b.Write(x[st.end:])
		return http.MethodPatch, intune.ConfigPath(slot.ID), map[string]any{"@odata.type": intune.TypeIOSConfiguration, "encodedSettingXml": []byte(b.String())}, nil
	}
	// Every other setting stays as it was, in order: PATCH replaces the array whole.
	settings := slices.Clone(st.cfg.Settings)
	for i := range settings {
		if settings[i].Key == AppConfigKey {
			settings[i].Value = value
		}
	}
	return http.MethodPatch, intune.ConfigPath(slot.ID), map[string]any{"@odata.type": intune.TypeIOSConfiguration, "settings": settings}, nil
}

func escapeXMLText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// CheckValue refuses a value Intune would change on devices.
func (m Intune) CheckValue(rec MDMApp, slot *SiteSlot, value string) error {
	_, _, _, err := m.write(rec, slot, value)
	return err
}

// StoreSites sends the one write.
func (m Intune) StoreSites(ctx context.Context, rec MDMApp, slot *SiteSlot, value string) error {
	method, _, body, err := m.write(rec, slot, value)
	if err != nil {
		return err
	}
	if method == http.MethodPost {
		created, err := m.C.CreateAppConfiguration(ctx, body.(intune.AppConfiguration))
		if err == nil {
			slot.ID = created.ID // for ReloadSites
		}
		return err
	}
	b := body.(map[string]any)
	if x, ok := b["encodedSettingXml"]; ok {
		return m.C.SetEncodedSettingXML(ctx, slot.ID, x.([]byte))
	}
	return m.C.SetSettings(ctx, slot.ID, b["settings"].([]intune.Setting))
}

// WriteRequests is the write as a dry run shows it.
func (m Intune) WriteRequests(rec MDMApp, slot *SiteSlot, value string) []string {
	method, path, body, err := m.write(rec, slot, value)
	if err != nil {
		return nil
	}
	return []string{m.C.RequestLine(method, path, body)}
}

// ReloadSites reads the configuration back by its id.
func (m Intune) ReloadSites(ctx context.Context, _ MDMApp, slot *SiteSlot) (*SiteSlot, error) {
	cfg, err := m.C.AppConfiguration(ctx, slot.ID)
	if err != nil {
		return nil, err
	}
	back, has, err := intuneSlot(cfg)
	if err != nil || !has {
		return &SiteSlot{ID: slot.ID, Name: cfg.DisplayName}, err
	}
	return back, nil
}

// assignments are the slot's, as read with it, or read now.
func (m Intune) assignments(ctx context.Context, slot *SiteSlot) ([]intune.Assignment, error) {
	if st, ok := slot.State.(*intuneState); ok && st.read {
		return st.assignments, nil
	}
	if !slot.Exists || slot.ID == "" {
		return nil, nil
	}
	return m.C.Assignments(ctx, slot.ID)
}

// Groups lists the configuration's assignment targets: group ids, and the
// other targets (all users, all devices) by their type.
func (m Intune) Groups(ctx context.Context, slot *SiteSlot) ([]string, error) {
	as, err := m.assignments(ctx, slot)
	var out []string
	for _, a := range as {
		if g := a.GroupID(); g != "" {
			out = append(out, g)
			continue
		}
		var t struct {
			Type string `json:"@odata.type"`
		}
		_ = json.Unmarshal(a.Target, &t)
		out = append(out, termsafe.String(t.Type))
	}
	return out, err
}

// Assign adds the last of groups to the configuration, keeping every target it
// has (Graph's assign replaces them all).
func (m Intune) Assign(ctx context.Context, slot *SiteSlot, groups []string) error {
	if slot.ID == "" {
		// Created by this run: read it to learn its id.
		return errors.New("the configuration's id is not known")
	}
	as, err := m.assignments(ctx, slot)
	if err != nil {
		return err
	}
	return m.C.Assign(ctx, slot.ID, assignTargets(as, groups[len(groups)-1]))
}

func assignTargets(as []intune.Assignment, group string) []json.RawMessage {
	targets := make([]json.RawMessage, 0, len(as)+1)
	for _, a := range as {
		targets = append(targets, a.Target)
	}
	return append(targets, intune.GroupTarget(group))
}

// AssignRequests is the assignment as a dry run shows it.
func (m Intune) AssignRequests(slot *SiteSlot, groups []string) []string {
	id := slot.ID
	if id == "" {
		id = "{id of the new configuration}"
	}
	targets := make([]json.RawMessage, 0, len(groups))
	for _, g := range groups {
		targets = append(targets, intune.GroupTarget(g))
	}
	return []string{m.C.RequestLine(http.MethodPost, intune.ConfigPath(id)+"/assign", intune.AssignBody(targets))}
}
