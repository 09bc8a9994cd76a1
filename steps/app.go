package steps

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
)

// App is one of the two iOS apps a site list is for. Jira Data Center and
// Confluence Data Center are separate App Store apps, each with its own
// managed app configuration (key "sites"): a site in the other app's list
// shows up in the wrong app, so every output keeps one list per app. An App is
// derived from the product of the instance (AppFor); its value ("jira",
// "confluence") is the key of its list in --json and in --output jira=FILE.
type App string

const (
	AppJira       App = "jira"
	AppConfluence App = "confluence"
)

// Apps is every app, in the order outputs show them.
var Apps = []App{AppJira, AppConfluence}

// AppFor is the iOS app that signs in to an instance of the product.
func AppFor(p api.Product) App {
	if p == api.Confluence {
		return AppConfluence
	}
	return AppJira
}

// ParseApp reads an app's key (jira, confluence), as --output jira=FILE names it.
func ParseApp(s string) (App, error) {
	p, err := api.ParseProduct(s)
	if err != nil {
		return "", fmt.Errorf("unknown app %q: use jira or confluence", s)
	}
	return AppFor(p), nil
}

// Product is the product whose instances the app signs in to.
func (a App) Product() api.Product {
	if a == AppConfluence {
		return api.Confluence
	}
	return api.Jira
}

// Name is the app's name as the App Store gives it, e.g. "Jira Data Center app".
func (a App) Name() string { return a.Product().Title() + " Data Center app" }

// AppStoreID is the app's App Store id: what an MDM matches the app on (its
// bundle identifier is not published). Jira Cloud's app (id1006972087) is
// another app and never one of these.
func (a App) AppStoreID() string {
	if a == AppConfluence {
		return "1288365159"
	}
	return "1405353949"
}

// AppStoreURL is the app's App Store page.
func (a App) AppStoreURL() string { return "https://apps.apple.com/app/id" + a.AppStoreID() }

// Label names the app and the configuration key its list goes under, for the
// heading of a list: Jira Data Center app (App Store id 1405353949), key "sites".
func (a App) Label() string {
	return fmt.Sprintf("%s (App Store id %s), key %q", a.Name(), a.AppStoreID(), AppConfigKey)
}

// SiteLists is the site lists of a run, one per app: every output (text, file,
// --json, the wizard's result, an MDM push) renders from it, so no list ever
// mixes the apps. The zero value is empty and ready to use.
type SiteLists struct {
	lists map[App][]Site
}

// Add merges sites into app's list (MergeSites: a site with the same base URL
// is replaced in place). Several instances of one product share that list.
func (l *SiteLists) Add(app App, sites ...Site) {
	if l.lists == nil {
		l.lists = map[App][]Site{}
	}
	l.lists[app] = MergeAll(l.lists[app], sites...)
}

// Set replaces app's list (a list read back from a file after a merge).
func (l *SiteLists) Set(app App, sites []Site) {
	if l.lists == nil {
		l.lists = map[App][]Site{}
	}
	l.lists[app] = slices.Clone(sites)
}

// Remove takes baseURL's site out of every list, and says how many went.
// Lists left empty are dropped.
func (l *SiteLists) Remove(baseURL string) int {
	n := 0
	for app, sites := range l.lists {
		kept, removed := RemoveSite(sites, baseURL)
		n += removed
		if len(kept) == 0 {
			delete(l.lists, app)
		} else {
			l.lists[app] = kept
		}
	}
	return n
}

// List is app's site list (nil when it has none); the caller may not modify it.
func (l SiteLists) List(app App) []Site { return l.lists[app] }

// Apps is the apps with at least one site, in the order of Apps.
func (l SiteLists) Apps() []App {
	var out []App
	for _, a := range Apps {
		if len(l.lists[a]) > 0 {
			out = append(out, a)
		}
	}
	return out
}

// Len is the number of sites in all lists.
func (l SiteLists) Len() int {
	n := 0
	for _, s := range l.lists {
		n += len(s)
	}
	return n
}

// MarshalJSON writes the lists keyed by app, apps without sites left out:
// {"jira": [...], "confluence": [...]}. A script that sets up one product
// finds its list at .sites.jira or .sites.confluence, whatever else ran.
func (l SiteLists) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, a := range l.Apps() {
		if i > 0 {
			b.WriteByte(',')
		}
		list, err := marshalNoEscape(l.lists[a])
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%q:%s", a, list)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// UnmarshalJSON reads what MarshalJSON writes.
func (l *SiteLists) UnmarshalJSON(data []byte) error {
	var m map[App][]Site
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*l = SiteLists{}
	for a, sites := range m {
		if _, err := ParseApp(string(a)); err != nil {
			return err
		}
		l.Set(a, sites)
	}
	return nil
}

func marshalNoEscape(v any) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}

// SiteApps is what is known of which app each site is for, keyed as
// SameBaseURL compares: the instances of a run, once detected, and the sites
// of a file whose manifest was asked.
type SiteApps map[string]App

// Set records that baseURL's site is for app.
func (k SiteApps) Set(baseURL string, app App) { k[siteKey(baseURL)] = app }

// Of is the app baseURL's site is for, when known.
func (k SiteApps) Of(baseURL string) (App, bool) {
	a, ok := k[siteKey(baseURL)]
	return a, ok
}
