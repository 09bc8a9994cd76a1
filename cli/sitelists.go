package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/words"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// siteListOutput is where and how setup writes its site lists: one list per
// app (steps.AppPaths is the --output rule), each file in the format it calls
// for. Everything in it is checked before the first request.
type siteListOutput struct {
	paths steps.AppPaths
	// given is --format; formats, what each file calls for (its name, or the
	// list in it).
	given   steps.Format
	formats map[string]steps.Format
}

// siteListOutput reads --format and --output, and checks each file: that
// setup could write it, and that its format agrees with --format.
func (o *setupOptions) siteListOutput() (*siteListOutput, error) {
	out := &siteListOutput{formats: map[string]steps.Format{}}
	if o.format != "" {
		var err error
		if out.given, err = steps.ParseFormat(o.format); err != nil {
			return nil, usageError("--format: " + err.Error())
		}
	}
	var err error
	if out.paths, err = steps.ParseAppPaths(o.outputs); err != nil {
		return nil, usageError("--output: " + err.Error())
	}
	for _, f := range out.paths.Files() {
		wants, err := steps.CheckSiteListFile(f.Path)
		switch {
		case err != nil:
			return nil, usageError("--output: " + err.Error())
		case out.given != "" && wants != "" && out.given != wants:
			return nil, usageError(fmt.Sprintf("--format %s, but %s calls for %s: pass --format %s, or an --output whose name ends in the format's extension", out.given, f.Path, wants, wants))
		}
		out.formats[f.Path] = wants
	}
	return out, nil
}

// format is the format app's list is written (or printed) in.
func (s *siteListOutput) format(app steps.App) steps.Format {
	return cmp.Or(s.given, s.formats[s.paths.For(app)], steps.FormatJSON)
}

// printFormat is the format of lists printed rather than saved.
func (s *siteListOutput) printFormat() steps.Format {
	if len(s.formats) == 1 {
		for _, f := range s.formats {
			return cmp.Or(s.given, f, steps.FormatJSON)
		}
	}
	return cmp.Or(s.given, steps.FormatJSON)
}

// checkRun refuses, before any request, an --output that cannot take the
// sites of these instances (apps: each one's app when the flags or the
// inventory settle it, else "").
func (s *siteListOutput) checkRun(apps []steps.App) error {
	if err := s.paths.CheckRun(apps); err != nil {
		return usageError("--output: " + err.Error())
	}
	return nil
}

// listCheck is what was learned, before the run, about the sites already in
// the --output files.
type listCheck struct {
	// known: which app each site is for (the run's instances included, once
	// detected), the last guard when writing.
	known steps.SiteApps
	// notChecked: sites of the files that could not be asked; kept.
	notChecked map[steps.App][]steps.UncheckedSite
	// single is the files' unchecked sites where the app is not known yet.
	single []steps.UncheckedSite
}

// checkLists makes sure no --output file holds a site of another app than
// the one whose list it is to take, before anything is changed: each site's
// app is settled by the run (an instance whose product is named) or asked
// of its anonymous manifest. instances are the run's base URLs with their
// settled apps ("" when not known). A site that cannot be asked is kept and
// reported as not checked.
func (g *globalOptions) checkLists(ctx context.Context, s *siteListOutput, urls []string, apps []steps.App) (*listCheck, error) {
	lc := &listCheck{known: steps.SiteApps{}, notChecked: map[steps.App][]steps.UncheckedSite{}}
	// settled is the run's one app, when the flags or the inventory say
	// which app every instance is for and it is the same.
	settled := apps[0]
	for i, u := range urls {
		if apps[i] != "" {
			lc.known.Set(u, apps[i])
		}
		if apps[i] != settled {
			settled = ""
		}
	}
	ask := g.askApp
	for _, f := range s.paths.Files() {
		app := cmp.Or(f.App, settled)
		res, err := steps.CheckListApps(ctx, f.Path, app, lc.known, ask)
		if err == nil && app == "" && res.App != "" && len(urls) == 1 {
			// One instance whose product is not named, and a file that holds
			// one app's sites: which is the instance for? Its manifest says,
			// as the file's sites' do.
			app = res.App
			if got, aerr := ask(ctx, urls[0]); aerr == nil {
				lc.known.Set(urls[0], got)
				// Everything in the file was asked already: nothing to ask again.
				_, err = steps.CheckListApps(ctx, f.Path, got, lc.known, nil)
			}
		}
		if err != nil {
			return nil, usageError("--output: " + err.Error())
		}
		if app == "" {
			lc.single = append(lc.single, res.Unchecked...)
			continue
		}
		lc.notChecked[app] = append(lc.notChecked[app], res.Unchecked...)
	}
	return lc, nil
}

// askApp asks a site's anonymous manifest which app it is for, with the
// run's TLS settings and no credentials (they belong to the run's instances,
// not to the sites a file names).
func (g *globalOptions) askApp(ctx context.Context, baseURL string) (steps.App, error) {
	c, err := g.newClient(baseURL, Credentials{})
	if err != nil {
		return "", err
	}
	return steps.ManifestApp(ctx, c)
}

// unchecked is the sites of app's file that could not be asked.
func (lc *listCheck) unchecked(app steps.App) []steps.UncheckedSite {
	if lc == nil {
		return nil
	}
	return append(lc.notChecked[app], lc.single...)
}

// savedLists is what writing (or printing) the site lists came to.
type savedLists struct {
	// lists are the lists as written: with the other sites of each file.
	lists steps.SiteLists
	// files is where each app's list went.
	files map[steps.App]string
	// notChecked are the sites of those files that could not be asked.
	notChecked map[steps.App][]string
}

// writeLists writes each app's list to its --output file (merged with what
// is in it), or prints them on human when no file was given (and not with
// --json, whose object carries them). With two apps, each printed list has
// its app's heading; with one, the list is printed as it is.
func writeLists(g *globalOptions, s *siteListOutput, lc *listCheck, lists steps.SiteLists, asJSON bool, human io.Writer) (*savedLists, error) {
	out := &savedLists{lists: lists, files: map[steps.App]string{}, notChecked: map[steps.App][]string{}}
	var printed steps.SiteLists
	var known steps.SiteApps
	if lc != nil {
		known = lc.known
	}
	for _, app := range lists.Apps() {
		for _, site := range lists.List(app) {
			if known != nil {
				known.Set(site.BaseURL, app)
			}
		}
	}
	for _, app := range lists.Apps() {
		sites := lists.List(app)
		path := s.paths.For(app)
		if path == "" {
			printed.Add(app, sites...)
			continue
		}
		merged, err := steps.SaveAppList(path, app, sites, s.format(app), known)
		if err != nil {
			if _, ok := err.(*steps.OtherAppError); ok {
				return out, usageError("--output: " + err.Error())
			}
			return out, err
		}
		out.lists.Set(app, merged)
		out.files[app] = path
		fmt.Fprintf(g.io.Err, "Saved the %s's site list (%s) to %s (mode 0600).\n", app.Name(), words.Count(len(merged), "site"), path)
		for _, u := range lc.unchecked(app) {
			out.notChecked[app] = append(out.notChecked[app], u.Site.BaseURL)
			fmt.Fprintln(g.io.Err, "  "+u.Describe(path))
		}
	}
	if asJSON || printed.Len() == 0 {
		return out, nil
	}
	return out, printLists(human, printed, s.printFormat())
}

// printLists writes the lists in format: one list as it is (what a script
// redirects to a file), two each under a line naming its app.
func printLists(w io.Writer, lists steps.SiteLists, f steps.Format) error {
	apps := lists.Apps()
	for i, app := range apps {
		text, err := steps.RenderSites(lists.List(app), f)
		if err != nil {
			return err
		}
		if len(apps) > 1 {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "# %s:\n", app.Label())
		}
		if _, err := w.Write(text); err != nil {
			return err
		}
	}
	return nil
}

// settledApp is the app an instance is for when the product is named
// (--product, or product in the inventory), else "".
func settledApp(p api.Product) steps.App {
	if p == "" {
		return ""
	}
	return steps.AppFor(p)
}
