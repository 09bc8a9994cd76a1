package ui

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/intunesim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// intuneTarget is a push target on an in-process simulated Intune.
func intuneTarget(t *testing.T, isim *intunesim.Sim) PushTarget {
	return PushTarget{Name: "Intune", Open: func(SignInPrompt) (steps.MDM, error) {
		return steps.Intune{C: simtest.IntuneClient(t, isim, nil)}, nil
	}}
}

// writes are the requests that change the simulated Intune.
func writes(isim *intunesim.Sim) []string {
	var out []string
	for _, r := range isim.Requests() {
		if !strings.HasPrefix(r, "GET ") {
			out = append(out, r)
		}
	}
	return out
}

// atPushResult is the wizard at an MDM result with push targets.
func atPushResult(t *testing.T, targets ...PushTarget) (*harness, string) {
	t.Helper()
	sim, srv := newSim(t, simulator.Config{Title: "Acme Jira"})
	h := start(t, sim, srv, Options{BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM,
		Title: "Acme Jira", CacheSession: boolPtr(false), NoVerify: true, Push: targets, NoPush: "To push into an MDM, set AZURE_CLIENT_ID."})
	h.waitFor("Create an incoming link")
	h.pressWait("enter")
	h.waitFor("[1 JSON site list]")
	return h, sim.Clients()[0].ClientID
}

// p on the result shows the plan (which MDM, app record, configuration and
// change) and writes nothing until y; then the outcome read back.
func TestResultPushesToIntuneAfterYes(t *testing.T) {
	isim := intunesim.New()
	h, id := atPushResult(t, intuneTarget(t, isim))
	s := h.waitFor("p push · a another", "q quit", "p pushes it to an MDM.")
	checkFits(t, s.view, 80)
	h.pressWait("p")
	s = h.waitFor("Create the app configuration", "Press y to write it, esc to leave Intune as it is.", "y yes, write it")
	if n := strings.Count(s.view, "esc back"); n != 1 {
		t.Errorf("the help line names esc %d times, want once:\n%s", n, s.view)
	}
	checkFits(t, s.view, 80)
	if !strings.Contains(flat(s.view), "The Jira Data Center app's list only (1 site)") && !strings.Contains(flat(s.view), "list only (1 site)") {
		t.Errorf("the plan does not say which app's list:\n%s", s.view)
	}
	if w := writes(isim); len(w) != 0 {
		t.Fatalf("written before the confirmation: %v", w)
	}
	h.pressWait("y")
	s = h.waitFor("read back and confirmed")
	checkFits(t, s.view, 80)
	cfgs := isim.Configs()
	if len(cfgs) != 1 || !slices.ContainsFunc(cfgs[0].Settings, func(st intunesim.Setting) bool {
		return st.Key == "sites" && strings.Contains(st.Value, id)
	}) {
		t.Fatalf("configurations after the push: %+v", cfgs)
	}
	// Again: nothing to change, nothing sent, no question.
	h.pressWait("esc")
	n := len(writes(isim))
	h.pressWait("p")
	h.waitFor("already held these sites: nothing was sent")
	if w := writes(isim); len(w) != n {
		t.Errorf("a second push wrote: %v", w[n:])
	}
}

// esc at the plan leaves the MDM as it was: not one write.
func TestResultPushDeclinedWritesNothing(t *testing.T) {
	isim := intunesim.New()
	h, _ := atPushResult(t, intuneTarget(t, isim))
	h.pressWait("p")
	h.waitFor("Press y to write it")
	h.pressWait("esc")
	s := h.waitFor("[1 JSON site list]", "p pushes it to an MDM.")
	if strings.Contains(s.view, "Press y to write it") {
		t.Errorf("the plan is still shown:\n%s", s.view)
	}
	if w := writes(isim); len(w) != 0 || len(isim.Configs()) != 0 {
		t.Errorf("declining wrote %v; configurations %+v", w, isim.Configs())
	}
}

// Two MDMs: the screen asks which; none: it says what to set.
func TestResultPushChoosesTheMDMOrSaysWhatIsNeeded(t *testing.T) {
	isim := intunesim.New()
	h, _ := atPushResult(t, PushTarget{Name: "Jamf Pro", Open: func(SignInPrompt) (steps.MDM, error) {
		t.Error("Jamf Pro was opened, Intune was chosen")
		return nil, context.Canceled
	}}, intuneTarget(t, isim))
	h.pressWait("p")
	h.waitFor("Which MDM should hold the Jira Data Center app's site list?", "1. Jamf Pro", "2. Intune")
	h.pressWait("2")
	h.waitFor("Press y to write it, esc to leave Intune as it is.")

	h2, _ := atPushResult(t)
	h2.pressWait("p")
	h2.waitFor("To push into an MDM, set AZURE_CLIENT_ID.")
}

// The device-code sign-in shows the page as a link and the code, plainly.
func TestResultPushShowsTheDeviceCode(t *testing.T) {
	isim := intunesim.New()
	h, _ := atPushResult(t, PushTarget{Name: "Intune", Open: func(signIn SignInPrompt) (steps.MDM, error) {
		return signInFirst{MDM: steps.Intune{C: simtest.IntuneClient(t, isim, nil)}, signIn: signIn}, nil
	}})
	h.press("p")
	s := h.waitFor("To sign in to Intune (Microsoft Entra ID), open", "https://microsoft.com/devicelogin", "ABCD-EFGH")
	checkFits(t, s.view, 80)
	// The window title says the wizard waits for the sign-in, as the idle
	// check does (it read "result…", as if the instance had the turn).
	if s.title != TitlePrefix+SignInStep || s.busy {
		t.Errorf("while signing in: title %q, busy %v; want %q, waiting for the user", s.title, s.busy, TitlePrefix+SignInStep)
	}
	// Ctrl+C cancels the sign-in and ends the wizard; nothing was written.
	h.press("ctrl+c")
	h.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	if w := writes(isim); len(w) != 0 {
		t.Errorf("wrote %v", w)
	}
}

// signInFirst asks for a device-code sign-in before finding the app, as a
// credential without a secret does, and waits for the test to end.
type signInFirst struct {
	steps.MDM
	signIn SignInPrompt
}

func (m signInFirst) FindApp(ctx context.Context, app steps.App, pick string) (steps.MDMApp, error) {
	if err := m.signIn(ctx, "https://microsoft.com/devicelogin", "ABCD-EFGH"); err != nil {
		return steps.MDMApp{}, err
	}
	<-ctx.Done()
	return steps.MDMApp{}, ctx.Err()
}

// Accessible mode offers the push with the same words, shows the plan and
// writes after yes.
func TestAccessiblePushesAfterYes(t *testing.T) {
	_, srv := newSim(t, simulator.Config{})
	isim := intunesim.New()
	for _, tc := range []struct {
		confirm string
		wrote   bool
	}{{"1", true}, {"2", false}} {
		answers := strings.Join([]string{srv.URL, "", "sysadmin-token", "", "", "Field Jira", "", "", "-",
			"1",        // push the Jira list to Intune
			tc.confirm, // write it, or not
		}, "\n") + "\n"
		var buf bytes.Buffer
		err := RunAccessible(context.Background(), Options{NewClient: testClient, NoVerify: true, Push: []PushTarget{intuneTarget(t, isim)}},
			strings.NewReader(answers), &buf)
		if err != nil {
			t.Fatalf("%v\n%s", err, buf.String())
		}
		text := buf.String()
		for _, want := range []string{"Push the Jira Data Center app's site list to Intune", "Create the app configuration", "Nothing is written to Intune until you confirm."} {
			if !strings.Contains(text, want) {
				t.Errorf("output lacks %q:\n%s", want, text)
			}
		}
		if got := len(writes(isim)) > 0; got != tc.wrote {
			t.Errorf("confirm %s: wrote %v, want %v:\n%s", tc.confirm, writes(isim), tc.wrote, text)
		}
		if tc.wrote && !strings.Contains(text, "read back and confirmed") {
			t.Errorf("the outcome is not said:\n%s", text)
		}
		if !tc.wrote {
			continue
		}
		isim = intunesim.New() // the next case starts with an empty tenant
	}
}

// Two records of the app: the push stops with the candidates and the fix;
// with the record picked (--mdm-app) it plans against that one.
func TestResultPushTwoRecordsNeedsAPick(t *testing.T) {
	const second = "a0000000-0000-4000-8000-0000000000b2"
	for _, pick := range []string{"", second} {
		isim := intunesim.New()
		isim.AddApp(intunesim.App{ODataType: "#microsoft.graph.iosVppApp", ID: second, DisplayName: "Jira DC (VPP)", AppStoreURL: intunesim.JiraStoreURL})
		target := intuneTarget(t, isim)
		target.PickApp = pick
		h, _ := atPushResult(t, target)
		h.pressWait("p")
		if pick == "" {
			// The wizard itself takes --mdm-app: the remedy restarts it, not another command.
			s := h.waitFor("Error: ", "app records with the App Store id 1405353949", second, "Quit and start the wizard again with --mdm-app ID")
			if strings.Contains(s.view, "run mobile-oauth-wizard push") {
				t.Errorf("the remedy sends the wizard's user to another command:\n%s", s.view)
			}
		} else {
			h.waitFor("Press y to write it", "id "+second)
		}
		if w := writes(isim); len(w) != 0 {
			t.Errorf("pick %q: wrote %v", pick, w)
		}
	}
}
