package cli

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// A link with scope ADMIN is reused and passes verify with a warning that
// offers narrowing; setup narrows it only with --narrow-scope, confirmed by
// --yes, and verifies the link as it then is.
func TestSetupReusesAndNarrowsABroaderScope(t *testing.T) {
	sysadmin := tokenEnv(simtest.SysadminToken)
	env := simtest.StartTLS(t, simulator.Config{})
	link := env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "ADMIN")
	args := append([]string{"setup", "--mode", "mdm"}, caArgs(t, env)...)

	r := run(t, sysadmin, append(args, "--yes", "--json")...)
	m := decode(t, r.stdout)
	if r.code != ExitOK || m["clientId"] != link.ClientID || m["changed"] != false || len(env.Sim.Clients()) != 1 {
		t.Fatalf("reuse: exit %d, %v, links %v\n%s", r.code, m, env.Sim.Clients(), r.stderr)
	}
	for _, want := range []string{"grants more than the WRITE the app needs", "--narrow-scope"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("setup does not say %q:\n%s", want, r.stderr)
		}
	}
	if env.Sim.Clients()[0].Scope != "ADMIN" || env.Count(http.MethodPut, api.PathClients+"/"+link.ID) != 0 {
		t.Fatal("the scope was changed without --narrow-scope")
	}

	if r := run(t, sysadmin, append(args, "--narrow-scope", "--no-verify")...); r.code != ExitUsage || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("--narrow-scope without --yes: exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, sysadmin, append(args, "--narrow-scope", "--dry-run", "--json")...)
	if m := decode(t, r.stdout); r.code != ExitOK || !strings.Contains(strings.Join(asStrings(m["requests"]), "\n"), "PUT "+env.URL+api.PathClients+"/"+link.ID) || env.Sim.Clients()[0].Scope != "ADMIN" {
		t.Errorf("dry run: exit %d, %v\n%s", r.code, m, r.stderr)
	}

	r = run(t, sysadmin, append(args, "--narrow-scope", "--yes", "--json")...)
	m = decode(t, r.stdout)
	if r.code != ExitOK || m["changed"] != true || env.Sim.Clients()[0].Scope != "WRITE" || env.Sim.Clients()[0].ClientID != link.ClientID {
		t.Fatalf("narrow: exit %d, %v, links %v\n%s", r.code, m, env.Sim.Clients(), r.stderr)
	}
	if v, _ := m["verify"].(map[string]any); v == nil || strings.Contains(r.stderr[strings.Index(r.stderr, "Verifying again"):], "grants more") {
		t.Errorf("not verified again after narrowing:\n%s", r.stderr)
	}
}

func asStrings(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// verify -v and --json show the metadata's token endpoint authentication
// methods and say that the token exchange is not tested, without a warning.
func TestVerifyShowsTokenEndpointAuthMethods(t *testing.T) {
	env := simtest.StartTLS(t, simulator.Config{})
	env.Sim.AddClient("Jira iOS app", []string{jiraRedirect}, "WRITE")
	args := append([]string{"verify", "--mode", "mdm"}, caArgs(t, env)...)
	r := run(t, tokenEnv(simtest.SysadminToken), append(args, "-v")...)
	if out := flat(r.stdout); r.code != ExitOK || !strings.Contains(out, "token_endpoint_auth_methods_supported): client_secret_post") ||
		!strings.Contains(out, "stops before the token exchange") || strings.Contains(out, "! Provider metadata") {
		t.Errorf("-v: exit %d\n%s", r.code, r.stdout)
	}
	if r := run(t, tokenEnv(simtest.SysadminToken), args...); strings.Contains(r.stdout, "token_endpoint_auth_methods_supported") {
		t.Errorf("without -v:\n%s", r.stdout)
	}
	r = run(t, tokenEnv(simtest.SysadminToken), append(args, "--json")...)
	m := decode(t, r.stdout)
	if got := asStrings(m["tokenEndpointAuthMethods"]); r.code != ExitOK || len(got) != 1 || got[0] != "client_secret_post" || !strings.Contains(asString(m["notTested"]), "token exchange") {
		t.Errorf("--json: exit %d, %v", r.code, m)
	}
}
