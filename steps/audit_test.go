package steps_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// TestAuditRecordsWhatEachRunCameTo: create, reuse and delete each leave one
// record, once their outcome is settled (by the answer, or by listing when
// the answer was lost), naming the client ID the admin saw, so that a
// delete's line can be matched with its create's.
func TestAuditRecordsWhatEachRunCameTo(t *testing.T) {
	const name = "Jira iOS app"
	lost := simulator.Fault{Kind: simulator.FaultStatus, Status: http.StatusBadGateway, AfterHandle: true, Times: 1}
	listFails := simulator.Fault{Method: http.MethodGet, PathPrefix: api.PathClients, Kind: simulator.FaultStatus, Status: http.StatusForbidden}
	withMethod := func(f simulator.Fault, m string) simulator.Fault { f.Method = m; return f }
	for _, tt := range []struct {
		name     string
		existing bool
		remove   bool
		faults   []simulator.Fault
		want     api.Change // ClientID "link" stands for the link's public client ID
	}{
		{"create", false, false, nil,
			api.Change{Action: api.ChangeCreated, ClientID: "link", Name: name, SettledBy: api.SettledByAnswer}},
		{"create whose answer was lost", false, false, []simulator.Fault{withMethod(lost, http.MethodPost)},
			api.Change{Action: api.ChangeCreated, ClientID: "link", Name: name, SettledBy: api.SettledByListing}},
		{"create that listing cannot settle", false, false, []simulator.Fault{withMethod(lost, http.MethodPost), listFails},
			api.Change{Action: api.ChangeCreateUnclear, Name: name}},
		{"reuse", true, false, nil,
			api.Change{Action: api.ChangeReused, ClientID: "link", Name: name}},
		{"delete", true, true, nil,
			api.Change{Action: api.ChangeRemoved, ClientID: "link", Name: name, SettledBy: api.SettledByAnswer}},
		{"delete whose answer was lost", true, true, []simulator.Fault{withMethod(lost, http.MethodDelete)},
			api.Change{Action: api.ChangeRemoved, ClientID: "link", Name: name, SettledBy: api.SettledByListing}},
		{"delete that listing cannot settle", true, true, []simulator.Fault{withMethod(lost, http.MethodDelete), listFails},
			api.Change{Action: api.ChangeRemoveUnclear, ClientID: "link", Name: name}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := simtest.New(t, simulator.Config{})
			var clientID string
			if tt.existing {
				clientID = env.Sim.AddClient(name, []string{jiraRedirect}, "WRITE").ClientID
			}
			var mu sync.Mutex
			var got []api.Change
			o := env.Options(simtest.SysadminToken)
			o.OnChange = func(c api.Change) {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, c)
			}
			c := env.ClientWith(t, o)
			ctx := context.Background()
			if tt.remove {
				plan, err := steps.PlanRemove(ctx, c, api.Jira, nil, "")
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range tt.faults {
					env.Sim.Inject(f)
				}
				_, _ = steps.Remove(ctx, c, plan)
			} else {
				plan, err := steps.PlanLink(ctx, c, api.Jira, name, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range tt.faults {
					env.Sim.Inject(f)
				}
				_, _ = steps.EnsureLink(ctx, c, plan)
			}
			if clientID == "" {
				if cls := env.Sim.Clients(); len(cls) == 1 {
					clientID = cls[0].ClientID
				}
			}
			want := tt.want
			if want.ClientID == "link" {
				want.ClientID = clientID
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(got, []api.Change{want}) {
				t.Errorf("recorded %+v, want %+v", got, want)
			}
		})
	}
}
