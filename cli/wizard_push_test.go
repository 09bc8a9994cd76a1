package cli

import (
	"context"
	"strings"
	"testing"

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
