package steps

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
)

// ManifestTimeout bounds the anonymous question put to a site of a list file:
// a site that does not answer in time is kept, not checked.
const ManifestTimeout = 5 * time.Second

// askAtOnce bounds how many sites of a file are asked at the same time.
const askAtOnce = 8

// AppAsker says which app a site is for, from its anonymous application links
// manifest. ManifestApp is what it runs on a client without credentials.
type AppAsker func(ctx context.Context, baseURL string) (App, error)

// ManifestApp reads the instance's manifest (anonymous, one request) and says
// which app signs in to it.
func ManifestApp(ctx context.Context, c *api.Client) (App, error) {
	m, err := c.Manifest(ctx)
	if err != nil {
		return "", err
	}
	p, err := api.ParseProduct(m.TypeID)
	if err != nil {
		return "", fmt.Errorf("it is %s, neither Jira nor Confluence", typeName(m.TypeID))
	}
	return AppFor(p), nil
}

// UncheckedSite is a site of a list file whose app could not be learned: it
// is kept as it is, and the output says it was not checked.
type UncheckedSite struct {
	Site Site
	Why  string
}

// Describe says that the site was kept in path without knowing its app.
func (u UncheckedSite) Describe(path string) string {
	return fmt.Sprintf("Not checked: %s (%s) was kept in %s; asking which app it is for failed: %s", u.Site.Title, u.Site.BaseURL, path, u.Why)
}

// ListCheck is what CheckListApps learned about a list file.
type ListCheck struct {
	Path string
	// App is the app whose list the file is: the one asked for, else the app
	// of the sites already in it ("" when it holds none that could be checked).
	App       App
	Unchecked []UncheckedSite
}

// OtherAppError: a site list file holds a site of another app than the one
// whose list it is to be. Nothing was written.
type OtherAppError struct {
	Path string
	// App is the app whose list the file was to take; Site is for SiteApp.
	App     App
	Site    Site
	SiteApp App
}

func (e *OtherAppError) Error() string {
	return fmt.Sprintf("%s holds %q (%s), a site of the %s: it cannot take the %s's sites, since each app has its own managed configuration and a list is pushed to one app; choose another file for the %s's list (or one with %s in its name)",
		e.Path, e.Site.Title, e.Site.BaseURL, e.SiteApp.Name(), e.App.Name(), e.App.Name(), AppPlaceholder)
}

// MixedListError: a site list file already holds the sites of both apps.
type MixedListError struct {
	Path string
	Jira Site
	Wiki Site
}

func (e *MixedListError) Error() string {
	return fmt.Sprintf("%s holds sites of both apps (%q for the %s, %q for the %s): split it into one file per app before merging into it",
		e.Path, e.Jira.Title, AppJira.Name(), e.Wiki.Title, AppConfluence.Name())
}

// CheckListApps makes sure the list at path holds no site of another app than
// app (when app is "", that its sites are all of one app, which becomes the
// list's App). Each site's app comes from known, else from ask (at most 8 at
// once, each within ManifestTimeout); what is learned is added to known. A
// site that cannot be asked is kept and listed in Unchecked. A missing or
// empty file has nothing to check. It writes nothing.
func CheckListApps(ctx context.Context, path string, app App, known SiteApps, ask AppAsker) (*ListCheck, error) {
	sites, _, err := loadSites(path)
	if err != nil {
		return nil, err
	}
	res := &ListCheck{Path: path, App: app}
	type answer struct {
		app App
		err error
	}
	answers := make([]answer, len(sites))
	var eg errgroup.Group
	eg.SetLimit(askAtOnce)
	for i, s := range sites {
		if a, ok := known.Of(s.BaseURL); ok {
			answers[i].app = a
			continue
		}
		if ask == nil {
			answers[i].err = errors.New("nothing to ask it with")
			continue
		}
		eg.Go(func() error {
			actx, cancel := context.WithTimeout(ctx, ManifestTimeout)
			defer cancel()
			answers[i].app, answers[i].err = ask(actx, s.BaseURL)
			return nil
		})
	}
	_ = eg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	byApp := map[App]Site{}
	for i, s := range sites {
		a := answers[i]
		if a.err != nil {
			msg, _, _ := Explain(a.err)
			res.Unchecked = append(res.Unchecked, UncheckedSite{Site: s, Why: msg})
			continue
		}
		known.Set(s.BaseURL, a.app)
		if _, ok := byApp[a.app]; !ok {
			byApp[a.app] = s
		}
	}
	for _, a := range Apps {
		s, ok := byApp[a]
		switch {
		case !ok:
		case app == "":
			res.App = a
		case a != app:
			return nil, &OtherAppError{Path: path, App: app, Site: s, SiteApp: a}
		}
	}
	if j, ok := byApp[AppJira]; ok && app == "" {
		if w, ok := byApp[AppConfluence]; ok {
			return nil, &MixedListError{Path: path, Jira: j, Wiki: w}
		}
	}
	return res, nil
}

// SaveAppList merges app's sites into the list at path, as SaveSiteList does,
// and refuses (writing nothing) when the file holds a site known to be of
// another app: the last guard, under the file's lock, for a file that changed
// since CheckListApps looked, or whose app was learned only by the run.
func SaveAppList(path string, app App, add []Site, f Format, known SiteApps) ([]Site, error) {
	return saveSiteList(path, add, f, func(existing []Site) error {
		for _, s := range existing {
			if a, ok := known.Of(s.BaseURL); ok && a != app {
				return &OtherAppError{Path: path, App: app, Site: s, SiteApp: a}
			}
		}
		return nil
	})
}

// SaveAppListAsking is CheckListApps, then SaveAppList: for a save made when
// the user asks for it (the wizard's result), where the check and the write
// come together. It returns the list as written and the sites kept unchecked.
func SaveAppListAsking(ctx context.Context, path string, app App, add []Site, f Format, known SiteApps, ask AppAsker) ([]Site, []UncheckedSite, error) {
	if known == nil {
		known = SiteApps{}
	}
	for _, s := range add {
		known.Set(s.BaseURL, app)
	}
	res, err := CheckListApps(ctx, path, app, known, ask)
	if err != nil {
		return nil, nil, err
	}
	merged, err := SaveAppList(path, app, add, f, known)
	return merged, res.Unchecked, err
}
