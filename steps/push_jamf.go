package steps

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/jamf"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// Jamf pushes site lists into Jamf Pro. The list lives in the app record's
// managed app configuration, a plist <dict> whose key "sites" holds it: only
// that string is changed, every other key (and $VARIABLES) stays byte for
// byte, and the PUT carries the app_configuration section alone.
type Jamf struct{ C *jamf.Client }

// Name is the MDM's name.
func (Jamf) Name() string { return "Jamf Pro" }

// SignIn gets the API token the calls will use.
func (m Jamf) SignIn(ctx context.Context) error { return m.C.SignIn(ctx) }

// jamfSlotName names the slot: Jamf Pro has one configuration per app record.
const jamfSlotName = "managed app configuration"

func jamfRecord(a *jamf.App) MDMApp {
	name := a.Name
	if a.DisplayName != "" && a.DisplayName != a.Name {
		name += " (" + a.DisplayName + ")"
	}
	// The record as read, configuration included: LoadSites takes it
	// instead of reading the record a second time.
	return MDMApp{ID: strconv.Itoa(a.ID), Name: name, StoreURL: a.StoreURL, State: a}
}

func jamfSummary(a jamf.AppSummary) MDMApp {
	rec := jamfRecord(&jamf.App{AppSummary: a})
	rec.State = nil // a summary carries no configuration
	return rec
}

// FindApp finds the record whose itunes_store_url carries the app's App
// Store id (reading at most jamf.MaxAppReads records); with pick, the record
// with that id, refused when it is another App Store app (Jira Cloud).
func (m Jamf) FindApp(ctx context.Context, a App, pick string) (MDMApp, error) {
	if pick != "" {
		id, err := strconv.Atoi(pick)
		if err != nil || id <= 0 {
			return MDMApp{}, &AppChoiceError{MDM: m.Name(), App: a, Pick: pick}
		}
		rec, err := m.C.AppByID(ctx, id, a.AppStoreID())
		var wrong *jamf.WrongAppError
		switch {
		case errors.Is(err, jamf.ErrNotFound):
			return MDMApp{}, &AppChoiceError{MDM: m.Name(), App: a, Pick: pick}
		case errors.As(err, &wrong):
			return MDMApp{}, &PushError{MDM: m.Name(), Reason: fmt.Sprintf("the app %s is another App Store app than the %s (App Store id %s)",
				jamfSummary(wrong.App), a.Name(), a.AppStoreID())}
		case err != nil:
			return MDMApp{}, err
		}
		return jamfRecord(rec), nil
	}
	rec, err := m.C.FindApp(ctx, a.AppStoreID())
	var (
		none    *jamf.AppNotFoundError
		several *jamf.AppAmbiguousError
	)
	switch {
	case errors.As(err, &several):
		return MDMApp{}, &AppChoiceError{MDM: m.Name(), App: a, Candidates: jamfSummaries(several.Matches)}
	case errors.As(err, &none):
		// Records without an App Store URL may be the app (an in-house
		// build): listed, as Intune's are, to be picked by id.
		choice := &AppChoiceError{MDM: m.Name(), App: a, Candidates: jamfSummaries(none.Candidates)}
		if none.Checked < none.Total {
			return MDMApp{}, fmt.Errorf("%w\n(%d of %d App Store app records were read, those that name the %s first)", choice, none.Checked, none.Total, a.Product().Title())
		}
		return MDMApp{}, choice
	case err != nil:
		return MDMApp{}, err
	}
	return jamfRecord(rec), nil
}

func jamfSummaries(apps []jamf.AppSummary) []MDMApp {
	out := make([]MDMApp, 0, len(apps))
	for _, a := range apps {
		out = append(out, jamfSummary(a))
	}
	return out
}

// LoadSites reads the record's managed app configuration (FindApp's reading
// of the record, when it carries one). The slot always
// exists (every record has its configuration, perhaps empty): a push adds
// the key when it is absent. A configuration that is not a plist
// dictionary, or whose sites is not a string, is refused with the reason.
func (m Jamf) LoadSites(ctx context.Context, rec MDMApp) (*SiteSlot, error) {
	id, err := strconv.Atoi(rec.ID)
	if err != nil {
		return nil, fmt.Errorf("the Jamf Pro app record id %q is not a number", termsafe.String(rec.ID))
	}
	app, read := rec.State.(*jamf.App)
	if !read || app.ID != id {
		if app, err = m.C.App(ctx, id); err != nil {
			return nil, err
		}
	}
	value, _, err := jamf.Sites(app.Preferences)
	if err != nil {
		return nil, &PushError{MDM: m.Name(), Reason: fmt.Sprintf("the managed app configuration of %s cannot be edited without rewriting it, so it is left as it is", rec), Err: err}
	}
	return &SiteSlot{Exists: true, ID: rec.ID, Name: jamfSlotName, Value: value, State: app.Preferences}, nil
}

// preferences is the configuration with value as its sites string.
func (m Jamf) preferences(slot *SiteSlot, value string) (string, error) {
	prefs, _ := slot.State.(string)
	return jamf.SetSites(prefs, value)
}

// CheckValue refuses a value the configuration cannot carry.
func (m Jamf) CheckValue(_ MDMApp, slot *SiteSlot, value string) error {
	_, err := m.preferences(slot, value)
	return err
}

// StoreSites sends the one PUT of the app_configuration section.
func (m Jamf) StoreSites(ctx context.Context, rec MDMApp, slot *SiteSlot, value string) error {
	id, err := strconv.Atoi(rec.ID)
	if err != nil {
		return fmt.Errorf("the Jamf Pro app record id %q is not a number", termsafe.String(rec.ID))
	}
	prefs, err := m.preferences(slot, value)
	if err != nil {
		return err
	}
	return m.C.SetPreferences(ctx, id, prefs)
}

// WriteRequests is the PUT as a dry run shows it.
func (m Jamf) WriteRequests(rec MDMApp, slot *SiteSlot, value string) []string {
	id, err := strconv.Atoi(rec.ID)
	if err != nil {
		return nil
	}
	prefs, err := m.preferences(slot, value)
	if err != nil {
		return nil
	}
	return []string{m.C.PreferencesRequest(id, prefs)}
}
