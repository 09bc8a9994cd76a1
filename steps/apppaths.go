package steps

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// AppPlaceholder in a site list's file name stands for the app's key: with
// sites-{app}.json the Jira app's list goes to sites-jira.json and the
// Confluence app's to sites-confluence.json.
const AppPlaceholder = "{app}"

// AppPaths says where each app's site list is written. It is one of:
//   - one path: the list of the run's one app (several instances of one
//     product share it); a run whose sites could be of both apps cannot use it;
//   - one path with {app}: each app's list in its own file;
//   - a path per app (jira=FILE, confluence=FILE): the apps not named get no file.
//
// No file ever holds both apps' lists.
type AppPaths struct {
	one   string
	byApp map[App]string
}

// ParseAppPaths reads the values of --output: one FILE (with or without
// {app}), or APP=FILE once per app.
func ParseAppPaths(values []string) (AppPaths, error) {
	var p AppPaths
	for _, v := range values {
		if strings.TrimSpace(v) == "" {
			return AppPaths{}, fmt.Errorf("a file name is empty")
		}
		key, path, keyed := strings.Cut(v, "=")
		var app App
		if keyed {
			var err error
			if app, err = ParseApp(key); err != nil {
				// Not an app: a file name with "=" in it.
				keyed = false
			}
		}
		if !keyed {
			if p.one != "" || p.byApp != nil {
				return AppPaths{}, fmt.Errorf("one file holds one app's site list: give one FILE (with %s in its name for a file per app), or jira=FILE and confluence=FILE", AppPlaceholder)
			}
			p.one = v
			continue
		}
		if p.one != "" {
			return AppPaths{}, fmt.Errorf("give either one FILE or jira=FILE and confluence=FILE, not both")
		}
		if strings.TrimSpace(path) == "" {
			return AppPaths{}, fmt.Errorf("%s=: the file name is empty", app)
		}
		if strings.Contains(path, AppPlaceholder) {
			return AppPaths{}, fmt.Errorf("%s=%s: %s belongs in a single FILE, not after %s=", app, path, AppPlaceholder, app)
		}
		if p.byApp == nil {
			p.byApp = map[App]string{}
		}
		if _, dup := p.byApp[app]; dup {
			return AppPaths{}, fmt.Errorf("%s= is given twice", app)
		}
		p.byApp[app] = path
	}
	if a, b := p.byApp[AppJira], p.byApp[AppConfluence]; a != "" && b != "" && sameFile(a, b) {
		return AppPaths{}, fmt.Errorf("jira= and confluence= name one file (%s): each app's list needs its own", a)
	}
	return p, nil
}

func sameFile(a, b string) bool {
	if x, err := filepath.Abs(a); err == nil {
		a = x
	}
	if x, err := filepath.Abs(b); err == nil {
		b = x
	}
	return a == b
}

// Given reports whether any file was named.
func (p AppPaths) Given() bool { return p.one != "" || len(p.byApp) > 0 }

// PerApp reports whether each app has a file of its own ({app} or APP=FILE),
// rather than one file for the run's one app.
func (p AppPaths) PerApp() bool { return p.byApp != nil || strings.Contains(p.one, AppPlaceholder) }

// For is the file app's list is written to; "" when none was named for it.
func (p AppPaths) For(app App) string {
	if p.byApp != nil {
		return p.byApp[app]
	}
	return strings.ReplaceAll(p.one, AppPlaceholder, string(app))
}

// Single is the one path named without {app} ("" otherwise): the file of
// whichever app the run turns out to set up.
func (p AppPaths) Single() string {
	if p.PerApp() {
		return ""
	}
	return p.one
}

// Covers reports whether app's sites have a file.
func (p AppPaths) Covers(app App) bool { return p.For(app) != "" }

// Files is every file named, each with its app ("" for a single path, whose
// app is the run's), in the order of Apps.
func (p AppPaths) Files() []AppFile {
	if p.one != "" && !p.PerApp() {
		return []AppFile{{Path: p.one}}
	}
	var out []AppFile
	for _, a := range Apps {
		if f := p.For(a); f != "" {
			out = append(out, AppFile{App: a, Path: f})
		}
	}
	return out
}

// AppFile is a site list file and the app whose list it is ("" when not known yet).
type AppFile struct {
	App  App
	Path string
}

// CheckRun says whether the paths can take the sites of a run whose instances
// are for apps (one entry per instance, "" where the app is not known before
// the instance is asked): nil when they can whatever the instances turn out
// to be. It sends nothing: a run it refuses never starts.
func (p AppPaths) CheckRun(apps []App) error {
	if !p.Given() {
		return nil
	}
	unknown := false
	var seen []App
	for _, a := range apps {
		switch {
		case a == "":
			unknown = true
		case !slices.Contains(seen, a):
			seen = append(seen, a)
		}
	}
	if single := p.Single(); single != "" {
		if len(apps) <= 1 || (!unknown && len(seen) == 1) {
			return nil
		}
		if len(seen) > 1 {
			return fmt.Errorf("%s would hold the sites of both the Jira and the Confluence app; each app has its own managed configuration: put %s in the name (e.g. sites-%s.json) for a file per app, or pass jira=FILE and confluence=FILE", single, AppPlaceholder, AppPlaceholder)
		}
		return fmt.Errorf("%s holds one app's site list, and which app each instance is for is not known before it is asked: put %s in the name (e.g. sites-%s.json) for a file per app, pass jira=FILE and confluence=FILE, or say which product the instances are when every one is of one product", single, AppPlaceholder, AppPlaceholder)
	}
	for _, a := range seen {
		if !p.Covers(a) {
			return fmt.Errorf("no file for the %s's site list: add %s=FILE", a.Name(), a)
		}
	}
	if unknown {
		for _, a := range Apps {
			if !p.Covers(a) {
				return fmt.Errorf("no file for the %s's site list, and which app each instance is for is not known before it is asked: add %s=FILE, or say which product the instances are", a.Name(), a)
			}
		}
	}
	return nil
}
