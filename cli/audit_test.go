package cli

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// TestSessionAuditLinesMatchCreateReuseAndRemove: a served session's audit
// lines for a create, a reuse and a delete whose answer was lost (settled by
// listing) name the same client ID, the one the admin saw, and the link's
// name, in one vocabulary.
func TestSessionAuditLinesMatchCreateReuseAndRemove(t *testing.T) {
	env := simtest.New(t, simulator.Config{})
	logs := &simtest.Buffer{}
	policy := (&sessionPolicy{}).forSession(serve.Session{Log: slog.New(slog.NewTextHandler(logs, nil))})
	o := env.Options(simtest.SysadminToken)
	policy.apply(&o)
	c := env.ClientWith(t, o)
	ctx := context.Background()

	for range 2 { // create, then reuse
		plan, err := steps.PlanLink(ctx, c, api.Jira, "Jira iOS app", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := steps.EnsureLink(ctx, c, plan); err != nil {
			t.Fatal(err)
		}
	}
	clientID := env.Sim.Clients()[0].ClientID
	plan, err := steps.PlanRemove(ctx, c, api.Jira, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	env.Sim.Inject(simulator.Fault{Method: http.MethodDelete, Kind: simulator.FaultStatus, Status: http.StatusBadGateway, AfterHandle: true, Times: 1})
	if _, err := steps.Remove(ctx, c, plan); err != nil {
		t.Fatal(err)
	}

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	want := [][]string{
		{`msg="instance changed"`, `action="client created"`, "settled_by=answer"},
		{`msg="instance unchanged"`, `action="client reused"`},
		{`msg="instance changed"`, `action="client removed"`, "settled_by=listing"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d audit lines, want %d:\n%s", len(lines), len(want), logs)
	}
	for i, line := range lines {
		for _, w := range append(want[i], "instance="+env.URL, "client_id="+clientID, `name="Jira iOS app"`) {
			if !strings.Contains(line, w) {
				t.Errorf("audit line %q lacks %q", line, w)
			}
		}
	}
}
