package steps_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/intunesim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/jamfsim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

const aheadLatency = 100 * time.Millisecond

// Read ahead, the plan is the one read in turn would give, and carrying it
// out costs the write and the read-back only.
func TestPushAheadPlansAsInTurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := intunesim.New()
		sim.SetLatency(aheadLatency)
		m := steps.Intune{C: simtest.IntuneClient(t, sim, nil)}
		a := steps.StartPushAhead(t.Context(), m, "")
		defer a.Stop()
		a.For(steps.AppJira)
		time.Sleep(10 * aheadLatency) // the instance's work
		req := steps.PushRequest{App: steps.AppJira, Put: []steps.Site{jiraSite("https://jira.example.com", cidA)}}
		t0 := time.Now()
		plan, err := a.Plan(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d != 0 {
			t.Errorf("the plan waited %s for reads that were done", d)
		}
		if plan.Slot.Exists || !plan.ChangesSites || plan.Rec.ID != intunesim.JiraAppID {
			t.Fatalf("plan %+v", plan)
		}
		if _, err := steps.ApplyPush(t.Context(), plan, steps.PushOptions{}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d != 2*aheadLatency {
			t.Errorf("the push took %s after the reads: want the write and its read-back, %s", d, 2*aheadLatency)
		}
	})
}

// Stop ends the reads under way (a failed setup does not wait for them) and
// returns once they have ended: nothing reaches the MDM afterwards, though
// the run's own context goes on.
func TestPushAheadStopLeavesNothingRunning(t *testing.T) {
	for _, mdm := range []string{"Intune", "Jamf Pro"} {
		t.Run(mdm, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				isim, jsim := intunesim.New(), jamfsim.New(jamfsim.Config{})
				isim.SetLatency(aheadLatency)
				isim.AddConfig(intunesim.Config{DisplayName: "Jira sites", TargetedMobileApps: []string{intunesim.JiraAppID},
					Settings: []intunesim.Setting{{Key: "sites", Type: "stringType", Value: "[]"}}})
				jsim.Inject(jamfsim.Fault{Kind: jamfsim.FaultLatency, Latency: aheadLatency})
				// Stopped while reads are under way: Intune's configuration
				// (after its sign-in and the lists, logged as they end), Jamf
				// Pro's app list (after the token, logged as they arrive).
				var m steps.MDM = steps.Intune{C: simtest.IntuneClient(t, isim, nil)}
				count, stopAt := func() int { return len(isim.Requests()) }, 3*aheadLatency+aheadLatency/2
				if mdm == "Jamf Pro" {
					m, count, stopAt = jamfMDM(t, jsim, jamfsim.DefaultClientSecret), func() int { return len(jsim.Requests()) }, aheadLatency+aheadLatency/2
				}
				a := steps.StartPushAhead(t.Context(), m, "")
				a.For(steps.AppJira)
				time.Sleep(stopAt)
				t0 := time.Now()
				a.Stop()
				if d := time.Since(t0); d != 0 {
					t.Errorf("Stop waited %s for the reads under way instead of ending them", d)
				}
				seen := count()
				time.Sleep(10 * aheadLatency)
				if n := count(); n != seen || seen == 0 {
					t.Errorf("%d requests before Stop, %d after it", seen, n-seen)
				}
				a.Stop() // again: nothing to end
			})
		})
	}
}

// What was read ahead serves only the app it was read for; a refused sign-in
// is the push's error whichever app; a device-code sign-in (it asks a
// person) is not started ahead at all.
func TestPushAheadServesTheAppItRead(t *testing.T) {
	req := func(app steps.App) steps.PushRequest {
		return steps.PushRequest{App: app, Put: []steps.Site{jiraSite("https://x.example.com", cidA)}}
	}
	t.Run("another app reads in turn", func(t *testing.T) {
		sim := intunesim.New()
		a := steps.StartPushAhead(t.Context(), steps.Intune{C: simtest.IntuneClient(t, sim, nil)}, "")
		defer a.Stop()
		a.For(steps.AppJira)
		plan, err := a.Plan(t.Context(), req(steps.AppConfluence))
		if err != nil || plan.Rec.ID != intunesim.ConfluenceAppID {
			t.Fatalf("plan %+v, %v", plan, err)
		}
	})
	t.Run("a refused sign-in", func(t *testing.T) {
		sim := jamfsim.New(jamfsim.Config{})
		a := steps.StartPushAhead(t.Context(), jamfMDM(t, sim, "wrong"), "")
		defer a.Stop()
		a.For(steps.AppJira)
		_, err := a.Plan(t.Context(), req(steps.AppJira))
		if err == nil || sim.Count("GET", "") != 0 || sim.Count("POST", "") != 1 {
			t.Fatalf("err = %v, %d reads after a refused sign-in", err, sim.Count("GET", ""))
		}
	})
	t.Run("device code: nothing ahead", func(t *testing.T) {
		sim := intunesim.New()
		a := steps.StartPushAhead(t.Context(), steps.Intune{C: simtest.IntuneClient(t, sim, nil), DeviceCode: true}, "")
		a.For(steps.AppJira)
		a.Stop()
		if n := len(sim.Requests()); n != 0 {
			t.Fatalf("%d requests before the push's turn", n)
		}
		if _, err := a.Plan(context.Background(), req(steps.AppJira)); err != nil {
			t.Fatal(err)
		}
	})
}
