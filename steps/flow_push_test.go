package steps_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/intunesim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// pushScript is script that pushes from the result once, and confirms (or not).
type pushScript struct {
	script
	mdm     steps.MDM
	confirm error
	pushed  bool
	shown   *steps.PushPlan
}

func (s *pushScript) Result(_ context.Context, st steps.State) (steps.Action, error) {
	if s.pushed {
		return steps.Action{}, nil
	}
	s.pushed = true
	return steps.Action{Kind: steps.ActionPush, MDM: s.mdm, Sites: []steps.Site{*st.Site}}, nil
}

func (s *pushScript) ConfirmPush(_ context.Context, p *steps.PushPlan) error {
	s.shown = p
	return s.confirm
}

// The push is an action of the result: shown as a plan, written only once
// confirmed, its outcome in the record.
func TestFlowPushFromTheResult(t *testing.T) {
	for _, tc := range []struct {
		name    string
		confirm error
		writes  int
		want    string
	}{
		{name: "confirmed", writes: 1, want: "created the app configuration"},
		{name: "declined", confirm: steps.ErrBack, writes: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := simtest.New(t, simulator.Config{})
			sim := intunesim.New()
			p := &pushScript{script: script{client: env.Client(t, simtest.SysadminToken), mode: steps.ModeMDM},
				mdm: steps.Intune{C: simtest.IntuneClient(t, sim, nil)}, confirm: tc.confirm}
			f := steps.NewFlow(steps.Settings{})
			if err := f.Run(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			if p.shown == nil || !p.shown.Changes() {
				t.Fatalf("the plan was not shown before writing: %+v", p.shown)
			}
			if n := len(sim.Writes()); n != tc.writes {
				t.Fatalf("writes %v, want %d", sim.Writes(), tc.writes)
			}
			rec := f.State().Record
			if tc.want != "" && (len(rec.Pushed) != 1 || !strings.Contains(rec.Pushed[0].Text(), tc.want)) {
				t.Fatalf("record %+v", rec.Pushed)
			}
			// Every summary prints from the record's lines: a push that was
			// sent is in it, one declined is not.
			lines := strings.Join(rec.Lines(), " ")
			if sent := strings.Contains(lines, "Intune"); sent != (tc.writes > 0) {
				t.Fatalf("summary %q: names the push %v, want %v", lines, sent, tc.writes > 0)
			}
		})
	}
}
