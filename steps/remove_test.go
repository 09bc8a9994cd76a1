package steps_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

func TestRemoveOnceThenNothing(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	link := env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
	other := env.Sim.AddClient("Build server", []string{"https://ci.example.com/cb"}, "READ")
	c := env.Client(t, simtest.SysadminToken)
	ctx := context.Background()

	plan, err := steps.PlanRemove(ctx, c, api.Jira, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Changes() || plan.Delete.ID != link.ID || !strings.Contains(plan.Warning(), "signed out") {
		t.Fatalf("plan %+v, warning %q", plan, plan.Warning())
	}
	if reqs := plan.Requests(c); len(reqs) != 1 || !strings.HasPrefix(reqs[0], "DELETE "+env.URL+api.PathClients+"/"+link.ID) {
		t.Errorf("requests %v", reqs)
	}
	res, err := steps.Remove(ctx, c, plan)
	if err != nil || !res.Changed() {
		t.Fatalf("remove: %+v, %v", res, err)
	}
	if got := env.Sim.Clients(); len(got) != 1 || got[0].ID != other.ID {
		t.Errorf("left on the instance: %+v", got)
	}

	again, err := steps.PlanRemove(ctx, c, api.Jira, nil, "")
	if err != nil || again.Changes() {
		t.Fatalf("second plan %+v, %v", again, err)
	}
	env.Sim.ResetRequests()
	res, err = steps.Remove(ctx, c, again)
	if err != nil || res.Changed() || len(env.Sim.Requests()) != 0 {
		t.Errorf("second remove: %+v, %v, %d requests", res, err, len(env.Sim.Requests()))
	}
	if !strings.Contains(res.Outcome(again), "nothing to remove") {
		t.Errorf("outcome %q", res.Outcome(again))
	}
	// Asking again for the link already deleted is not an error either.
	byID, err := steps.PlanRemove(ctx, c, api.Jira, nil, link.ClientID)
	if err != nil || byID.Changes() || byID.NotFound != link.ClientID {
		t.Errorf("plan by a deleted client ID: %+v, %v", byID, err)
	}
}

func TestRemoveSeveralNeedsAChoice(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	a := env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
	b := env.Sim.AddClient("Jira mobile app", []string{jiraRedirect}, "WRITE")
	other := env.Sim.AddClient("Build server", []string{"https://ci.example.com/cb"}, "READ")
	c := env.Client(t, simtest.SysadminToken)
	ctx := context.Background()

	_, err := steps.PlanRemove(ctx, c, api.Jira, nil, "")
	var choose *steps.ChooseLinkError
	if !errors.As(err, &choose) || len(choose.Candidates) != 2 || !strings.Contains(err.Error(), a.ClientID) || !strings.Contains(err.Error(), b.ClientID) {
		t.Fatalf("error %v, want the two candidates named", err)
	}
	if _, err := steps.PlanRemove(ctx, c, api.Jira, nil, other.ClientID); err == nil || !strings.Contains(err.Error(), "does not carry") {
		t.Errorf("a link without the app's redirect: %v", err)
	}
	plan, err := steps.PlanRemove(ctx, c, api.Jira, nil, b.ClientID)
	if err != nil || plan.Delete.ID != b.ID {
		t.Fatalf("plan %+v, %v", plan, err)
	}
	if _, err := steps.Remove(ctx, c, plan); err != nil {
		t.Fatal(err)
	}
	if got := env.Sim.Clients(); len(got) != 2 || got[0].ID != a.ID || got[1].ID != other.ID {
		t.Errorf("left on the instance: %+v", got)
	}
}

// A delete whose answer is lost is not sent again: listing tells whether it happened.
func TestRemoveUnclearDeleteIsReconciled(t *testing.T) {
	tests := []struct {
		name        string
		afterHandle bool
		wantErr     bool
	}{
		{"deleted, answer lost", true, false},
		{"not deleted", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := simtest.New(t, simulator.Config{})
			env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
			c := env.Client(t, simtest.SysadminToken)
			plan, err := steps.PlanRemove(context.Background(), c, api.Jira, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			env.Sim.Inject(simulator.Fault{Method: http.MethodDelete, Status: http.StatusBadGateway, AfterHandle: tt.afterHandle, Times: 1})
			res, err := steps.Remove(context.Background(), c, plan)
			if (err != nil) != tt.wantErr {
				t.Fatalf("remove: %+v, %v", res, err)
			}
			if n := env.Count(http.MethodDelete, api.PathClients+"/"+plan.Delete.ID); n != 1 {
				t.Errorf("%d DELETEs, want 1", n)
			}
			if !tt.wantErr && (!res.Reconciled || !res.Changed()) {
				t.Errorf("result %+v", res)
			}
			if tt.wantErr && !strings.Contains(err.Error(), "still there") {
				t.Errorf("error %v", err)
			}
		})
	}
}

func TestRemoveSiteFromFile(t *testing.T) {
	jira := steps.Site{Title: "Jira", BaseURL: "https://jira.example.com", OAuth: &steps.SiteOAuth{ClientID: "abc"}}
	wiki := steps.Site{Title: "Wiki", BaseURL: "https://wiki.example.com", OAuth: &steps.SiteOAuth{ClientID: "def"}}
	for _, f := range []steps.Format{steps.FormatJSON, steps.FormatPlist, steps.FormatIntune} {
		t.Run(string(f), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sites")
			for _, s := range []steps.Site{jira, wiki} {
				if _, err := steps.SaveSites(path, s, f); err != nil {
					t.Fatal(err)
				}
			}
			kept, n, err := steps.RemoveSiteFromFile(path, "https://JIRA.example.com/")
			if err != nil || n != 1 || len(kept) != 1 || kept[0].BaseURL != wiki.BaseURL {
				t.Fatalf("kept %+v, removed %d, %v", kept, n, err)
			}
			data, _ := os.ReadFile(path)
			back, format, err := steps.ParseSites(data)
			if err != nil || format != f || len(back) != 1 || back[0].Title != "Wiki" {
				t.Errorf("file now %q (%s, %v)", data, format, err)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v", fi.Mode().Perm())
			}
			if _, n, err := steps.RemoveSiteFromFile(path, jira.BaseURL); n != 0 || err != nil {
				t.Errorf("second removal: %d, %v", n, err)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "none.json")
		if _, n, err := steps.RemoveSiteFromFile(path, jira.BaseURL); n != 0 || err != nil {
			t.Errorf("%d, %v", n, err)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Error("a missing file was created")
		}
	})
	t.Run("not a site list", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "notes.txt")
		os.WriteFile(path, []byte("shopping: milk\n"), 0o644)
		if _, _, err := steps.RemoveSiteFromFile(path, jira.BaseURL); err == nil || !strings.Contains(err.Error(), "left unchanged") {
			t.Errorf("error %v", err)
		}
		if data, _ := os.ReadFile(path); string(data) != "shopping: milk\n" {
			t.Errorf("file changed: %q", data)
		}
	})
}

// Before anything is deleted the user learns what the provider does with it:
// the link's tokens go (its users only are signed out), one audit entry is
// written, and the next link has a new client ID that MDM users must deploy
// and non-MDM users must have the mobile plugin hand out again.
func TestRemoveWarningSaysWhatDeletingDoes(t *testing.T) {
	for _, p := range []api.Product{api.Jira, api.Confluence} {
		plan := &steps.RemovePlan{Product: p, Delete: &api.OAuthClient{ID: "1", ClientID: "c", Name: "n", Scope: "WRITE"}}
		w := plan.Warning()
		for _, want := range []string{
			"access and refresh tokens", "signed in through this link are signed out", "other links are not",
			"one audit log entry", "new client ID", "deploy the site list again", "off and on again", steps.MobileAdminPath(p),
		} {
			if !strings.Contains(w, want) {
				t.Errorf("%s: warning %q does not say %q", p, w, want)
			}
		}
	}
	if w := (&steps.RemovePlan{Product: api.Jira}).Warning(); w != "" {
		t.Errorf("nothing to delete, warning %q", w)
	}
}
