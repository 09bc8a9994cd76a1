package steps_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// Scopes nest (READ ⊂ WRITE ⊂ ADMIN ⊂ SYSTEM_ADMIN): a link with a broader
// scope grants the app's WRITE, so it is reused (said to grant more than the
// app needs) rather than passed over for a second link whose name clashes;
// the app's own scope wins when there are both; READ is not reused.
func TestPlanLinkReusesABroaderScope(t *testing.T) {
	tests := []struct {
		name    string
		seed    map[string]string // link name → scope, all with the app's redirect
		reuse   string            // "" = create
		broader bool
	}{
		{"ADMIN", map[string]string{"Jira iOS app": "ADMIN"}, "Jira iOS app", true},
		{"SYSTEM_ADMIN", map[string]string{"Old link": "SYSTEM_ADMIN"}, "Old link", true},
		{"WRITE wins over ADMIN", map[string]string{"Admin link": "ADMIN", "Write link": "WRITE"}, "Write link", false},
		{"READ is not reused", map[string]string{"Read link": "READ"}, "", false},
		{"scope names are case-sensitive", map[string]string{"Lower": "admin"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := simtest.New(t, simulator.Config{})
			for _, name := range []string{"Admin link", "Write link", "Jira iOS app", "Old link", "Read link", "Lower"} {
				if sc, ok := tt.seed[name]; ok {
					env.Sim.AddClient(name, []string{jiraRedirect}, sc)
				}
			}
			plan, err := steps.PlanLink(context.Background(), env.Client(t, simtest.SysadminToken), api.Jira, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.reuse == "" {
				if plan.Existing != nil || plan.Create == nil {
					t.Fatalf("plan %+v, want a create", plan)
				}
				return
			}
			if plan.Existing == nil || plan.Existing.Name != tt.reuse || plan.Changes() {
				t.Fatalf("plan %+v, want %q reused", plan, tt.reuse)
			}
			if got := strings.Contains(plan.Describe(), "grants more than the WRITE the app needs"); got != tt.broader {
				t.Errorf("Describe() = %q", plan.Describe())
			}
		})
	}
}

// verify passes a link with a broader scope, with a warning that says how to
// narrow it (the provider's PUT with scope WRITE) and a fix the front-ends
// phrase; the scope probe asks for the scope above the link's.
func TestVerifyPassesABroaderScopeWithAWarning(t *testing.T) {
	ok, warn, skip := steps.StatusOK, steps.StatusWarn, steps.StatusSkip
	for _, tt := range []struct {
		scope string
		want  verdicts
	}{
		{"ADMIN", verdicts{"link": warn, "metadata": ok, "authorize": ok, "scope": ok, "consent": ok}},
		{"SYSTEM_ADMIN", verdicts{"link": warn, "metadata": ok, "authorize": ok, "scope": skip, "consent": ok}},
	} {
		t.Run(tt.scope, func(t *testing.T) {
			env := simtest.NewTLS(t, simulator.Config{})
			env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, tt.scope)
			c := env.TLSClient(t, simtest.SysadminToken)
			det, err := steps.Detect(context.Background(), c, "")
			if err != nil {
				t.Fatal(err)
			}
			r := steps.Verify(context.Background(), c, det, steps.VerifyOptions{Mode: steps.ModeMDM})
			if !r.OK() {
				t.Errorf("a broader scope failed verify: %+v", r.Probes)
			}
			got := map[string]steps.Check{}
			for _, p := range r.Probes {
				got[p.ID] = p
			}
			for id, want := range tt.want {
				// StatusOK is the zero Status: a probe that did not run must not pass as ok.
				if p, ran := got[id]; !ran || p.Status != want {
					t.Errorf("%s: %s (%s, ran %v), want %s", id, p.Status, p.Detail, ran, want)
				}
			}
			link := got[steps.ProbeIDLink]
			for _, s := range []string{"grants more than the WRITE the app needs", "PUT " + api.PathClients + "/{id} with scope WRITE"} {
				if !strings.Contains(link.Remedy, s) {
					t.Errorf("link remedy %q does not say %q", link.Remedy, s)
				}
			}
			if link.Fix.Kind != fix.NarrowScope {
				t.Errorf("link fix = %v, want NarrowScope", link.Fix.Kind)
			}
		})
	}
}

// Narrowing is one PUT that keeps the link's name and redirects, read back.
func TestNarrowLink(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	seeded := env.Sim.AddClient("Jira iOS app", []string{jiraRedirect, "https://other.example.com/cb"}, "ADMIN")
	var changes []api.Change
	o := env.Options(simtest.SysadminToken)
	o.OnChange = func(ch api.Change) { changes = append(changes, ch) }
	c := env.ClientWith(t, o)
	link := api.OAuthClient{ID: seeded.ID, ClientID: seeded.ClientID, Name: seeded.Name, Redirects: seeded.Redirects, Scope: seeded.Scope}
	got, err := steps.NarrowLink(context.Background(), c, link)
	if err != nil {
		t.Fatal(err)
	}
	after := env.Sim.Clients()[0]
	if got.Scope != "WRITE" || after.Scope != "WRITE" || after.Name != seeded.Name || len(after.Redirects) != 2 || after.ClientID != seeded.ClientID {
		t.Errorf("after narrowing: %+v (returned %+v)", after, got)
	}
	if n := env.Count(http.MethodPut, api.PathClients+"/"+seeded.ID); n != 1 {
		t.Errorf("%d PUTs, want 1", n)
	}
	if len(changes) != 1 || changes[0].Action != api.ChangeNarrowed || changes[0].ClientID != seeded.ClientID {
		t.Errorf("recorded %+v", changes)
	}
	// A link with the app's scope is left alone.
	env.Sim.ResetRequests()
	if _, err := steps.NarrowLink(context.Background(), c, *got); err != nil || len(env.Sim.Requests()) != 0 {
		t.Errorf("narrowing a WRITE link: %v, %d requests", err, len(env.Sim.Requests()))
	}
}
