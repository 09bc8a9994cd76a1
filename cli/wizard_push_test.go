package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/jamf"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/intunesim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/jamfsim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// The demo's wizard offers its simulated Intune, and a push there creates
// the app configuration (through the command line's own demo wiring).
func TestWizardDemoOffersItsIntune(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := &globalOptions{io: &IO{Getenv: envOf(nil), DemoOptions: newDemo(ctx)}, Demo: true}
	targets, _ := g.wizardPush(&setupOptions{})
	if len(targets) != 1 || targets[0].Name != "Intune" {
		t.Fatalf("the demo offers %+v, want its Intune", targets)
	}
	m, err := targets[0].Open(func(context.Context, string, string) error {
		t.Error("the demo's Intune asked for a device-code sign-in")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	site := steps.Site{Title: "Demo Jira", BaseURL: demoBaseURL}
	plan, err := steps.PlanPush(ctx, m, steps.PushRequest{App: steps.AppJira, Put: []steps.Site{site}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := steps.ApplyPush(ctx, plan, steps.PushOptions{})
	if err != nil || !res.Created {
		t.Fatalf("push to the demo's Intune: %+v %v", res, err)
	}
}

// Over SSH the MDM's credentials come from the session's environment only:
// a certificate path (a file on the server) is refused, and what to set is
// phrased for ssh's SendEnv. Without a session the same is offered.
func TestWizardPushOverSSHUsesTheSessionsEnvironment(t *testing.T) {
	env := map[string]string{EnvAzureTenant: "t", EnvAzureClient: "c", EnvAzureCert: "/etc/ssh/ssh_host_ed25519_key"}
	g := &globalOptions{io: &IO{Getenv: envOf(env), session: &sessionPolicy{}}}
	targets, missing := g.wizardPush(&setupOptions{})
	if !strings.Contains(missing, "SendEnv") || strings.Contains(missing, EnvAzureCert) {
		t.Errorf("what to set over SSH: %s", missing)
	}
	// A session's wizard takes no flags: Jamf Pro's URL goes to the push command.
	if !strings.Contains(missing, "ssh HOST push --url URL --mdm jamf --jamf-url JAMF-URL") {
		t.Errorf("over SSH, Jamf Pro is not sent to the push command: %s", missing)
	}
	if len(targets) != 1 {
		t.Fatalf("targets %+v, want Intune", targets)
	}
	_, err := targets[0].Open(func(context.Context, string, string) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "reads no file on the server") {
		t.Errorf("a certificate path over SSH: %v", err)
	}
	// No MDM in the session's environment: nothing is offered.
	g = &globalOptions{io: &IO{Getenv: envOf(nil), session: &sessionPolicy{}}}
	if targets, _ := g.wizardPush(&setupOptions{}); len(targets) != 0 {
		t.Errorf("offered %+v with an empty environment", targets)
	}
}

// MSAL polls the token endpoint 50 ms after the device code, then at three
// times the last pause (up to 5 s), whatever interval the answer announced:
// holding the first poll instead of racing it keeps the test on events.
//
// deviceCodeApproved lets the simulated tenant's first device-code poll
// through only once shown is closed (the test saw the code on the screen),
// answers it authorization_pending, and then approves the code, as a person
// who typed it on the sign-in page: the next poll gets the token.
// polls counts the token requests of the device-code grant.
func deviceCodeApproved(isim *intunesim.Sim, shown <-chan struct{}, polls *atomic.Int32) http.Handler {
	var once sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		poll := r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") &&
			strings.HasSuffix(form.Get("grant_type"), "device_code")
		if poll {
			polls.Add(1)
			select {
			case <-shown:
			case <-r.Context().Done():
			}
		}
		isim.ServeHTTP(w, r)
		if poll {
			once.Do(func() { isim.Approve(intunesim.UserCode) })
		}
	})
}

// The wizard of the command line pushes to Intune without a client secret:
// azidentity's device-code credential signs in against the simulated Entra
// ID (--authority-url), the page and the code are shown (full screen; in
// accessible mode as lines), and once the code is approved the push goes on
// to its plan, the write and the read-back.
func TestWizardPushSignsInWithADeviceCode(t *testing.T) {
	signIn := []string{"To sign in to Intune (Microsoft Entra ID), open", simtest.IntuneURL + "/devicelogin", "and enter the code", intunesim.UserCode}
	for _, tc := range []struct {
		name string
		// run runs the wizard; it closes shown once the code is on the screen.
		run func(t *testing.T, e *pushEnv, tr http.RoundTripper, env map[string]string, shown chan struct{}, args []string) result
	}{{
		name: "full screen",
		run: func(t *testing.T, e *pushEnv, tr http.RoundTripper, env map[string]string, shown chan struct{}, args []string) result {
			r, _ := wizardScreen(t, tr, env, 80, 24, func(s *screen) {
				s.waitFor("Create an incoming link")
				s.press("enter")
				s.waitFor("[1 JSON site list]", "p pushes it to an MDM.")
				s.press("p")
				checkWidth(t, s.waitFor(signIn...), 80)
				if len(e.intune.Writes()) != 0 || len(e.intune.Configs()) != 0 {
					t.Errorf("Intune was written before the sign-in: %v", e.intune.Writes())
				}
				close(shown)
				s.waitFor("Create the app configuration", "Press y to write it")
				s.press("y")
				checkWidth(t, s.waitFor("read back and confirmed"), 80)
				s.press("q")
			}, args...)
			return r
		},
	}, {
		name: "accessible",
		run: func(t *testing.T, _ *pushEnv, tr http.RoundTripper, env map[string]string, shown chan struct{}, args []string) result {
			// The lines are written before the credential polls: nothing to hold.
			close(shown)
			r := runIO(t, tr, "\n\n\n\n-\n1\n1\n", true, env, append([]string{"--accessible"}, args...)...)
			out := flatText(r.stdout)
			at := strings.Index(out, "Create the app configuration")
			for _, want := range signIn {
				if i := strings.Index(out, flatText(want)); i < 0 || at < 0 || i > at {
					t.Errorf("accessible mode does not say %q before the plan:\n%s", want, r.stdout)
				}
			}
			return r
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newPushEnv(t)
			shown := make(chan struct{})
			var polls atomic.Int32
			tr := e.with(intuneHost, deviceCodeApproved(e.intune, shown, &polls))
			env := e.env()
			delete(env, EnvAzureSecret)
			r := tc.run(t, e, tr, env, shown, append([]string{"--url", e.jira.URL, "--mode", "mdm", "--no-verify"}, mdmFlags()...))
			if r.code != 0 {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if n := polls.Load(); n < 2 {
				t.Errorf("%d device-code polls: want authorization_pending, then the token", n)
			}
			clientID := e.jira.Sim.Clients()[0].ClientID
			cfgs := e.intune.Configs()
			if len(cfgs) != 1 || !slices.ContainsFunc(cfgs[0].Settings, func(st intunesim.Setting) bool {
				return st.Key == "sites" && strings.Contains(st.Value, clientID)
			}) {
				t.Fatalf("configurations after the push: %+v", cfgs)
			}
			if !strings.Contains(flatText(r.stdout), "Intune: created the app configuration") {
				t.Errorf("the summary does not name the push:\n%s", r.stdout)
			}
		})
	}
}

// The wizard pushes to Jamf Pro (--jamf-url, the API client from the
// environment), full screen and in accessible mode: the plan, then the write
// and the read-back are said; the app record's configuration keeps every
// other key, its $VARIABLES and its comment byte for byte, with the sites
// string added.
func TestWizardPushesToJamfPro(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, tr http.RoundTripper, env map[string]string, jsim *jamfsim.Sim, args []string) result
	}{{
		name: "full screen",
		run: func(t *testing.T, tr http.RoundTripper, env map[string]string, jsim *jamfsim.Sim, args []string) result {
			r, _ := wizardScreen(t, tr, env, 80, 24, func(s *screen) {
				s.waitFor("Create an incoming link")
				s.press("enter")
				s.waitFor("[1 JSON site list]", "p pushes it to an MDM.")
				s.press("p")
				checkWidth(t, s.waitFor("Jamf Pro", "Press y to write it, esc to leave Jamf Pro as it is."), 80)
				if n := jsim.Count(http.MethodPut, "/JSSResource/"); n != 0 {
					t.Errorf("%d writes before the confirmation", n)
				}
				s.press("y")
				checkWidth(t, s.waitFor("Jamf Pro", "read back and confirmed"), 80)
				s.press("q")
			}, args...)
			return r
		},
	}, {
		name: "accessible",
		run: func(t *testing.T, tr http.RoundTripper, env map[string]string, _ *jamfsim.Sim, args []string) result {
			// This instance, the title, the session setting, create, no
			// file; then push to Jamf Pro and write it.
			r := runIO(t, tr, "\n\n\n\n-\n1\n1\n", true, env, append([]string{"--accessible"}, args...)...)
			for _, want := range []string{"Push the Jira Data Center app's site list to Jamf Pro", "Nothing is written to Jamf Pro until you confirm.", "read back and confirmed"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("accessible mode does not say %q:\n%s", want, r.stdout)
				}
			}
			return r
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newPushEnv(t)
			jsim := jamfsim.New(jamfsim.Config{})
			t.Cleanup(jsim.Close)
			const jamfURL = "https://jamf.example.com"
			tr := e.with("jamf.example.com", jsim)
			before, _ := jsim.App(jamfsim.JiraDataCenterAppID)
			env := map[string]string{EnvToken: simtest.SysadminToken, EnvJamfClient: jamfsim.DefaultClientID, EnvJamfSecret: jamfsim.DefaultClientSecret}
			r := tc.run(t, tr, env, jsim, []string{"--url", e.jira.URL, "--mode", "mdm", "--no-verify", "--jamf-url", jamfURL})
			if r.code != 0 {
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			after, _ := jsim.App(jamfsim.JiraDataCenterAppID)
			end := strings.LastIndex(before.Preferences, "</dict>")
			if !strings.HasPrefix(after.Preferences, before.Preferences[:end]) || !strings.HasSuffix(after.Preferences, "</dict>") {
				t.Errorf("the other keys did not stay byte for byte:\nbefore %s\nafter  %s", before.Preferences, after.Preferences)
			}
			sites, found, err := jamf.Sites(after.Preferences)
			clientID := e.jira.Sim.Clients()[0].ClientID
			if err != nil || !found || !strings.Contains(sites, clientID) || !strings.Contains(sites, e.jira.URL) {
				t.Errorf("sites = %q (found %v, %v), want this instance's site with client ID %s", sites, found, err, clientID)
			}
			if !strings.Contains(flatText(r.stdout), "Jamf Pro: ") || strings.Contains(r.stdout+r.stderr, jamfsim.DefaultClientSecret) {
				t.Errorf("the summary does not name the push, or shows the secret:\n%s%s", r.stdout, r.stderr)
			}
		})
	}
}
