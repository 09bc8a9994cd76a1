package cli

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// The fault matrix: every step of `setup` that talks to the instance, under every
// fault the simulator can inject. For each: the exit code (cli/exit.go), a message
// that names the step and a remedy, and the instance's state: never two clients,
// never a client the output does not mention, and a plain re-run that finishes.

type step struct {
	name   string
	mode   string
	method string
	path   string // fault path prefix
	phrase string // what the message must name
	write  bool   // the create
	reread bool   // after the create succeeded
}

var setupSteps = []step{
	{"detect", "mdm", "GET", api.PathManifest, "application links manifest", false, false},
	{"credentials", "mdm", "GET", api.PathJiraMyself, "who the credentials belong to", false, false},
	{"plugin", "mdm", "GET", "/rest/plugins/1.0/", "version of com.atlassian.oauth2", false, false},
	{"list", "mdm", "GET", api.PathClients, "list the OAuth 2.0 clients|System administrator", false, false},
	{"create", "mdm", "POST", api.PathClients, "create the OAuth 2.0 client", true, false},
	{"re-read", "mdm", "GET", api.PathClients + "/", "read the OAuth 2.0 client", false, true},
	{"info/login", "non-mdm", "GET", api.PathMobileLogin, api.PathMobileLogin, false, false},
}

type fault struct {
	name  string
	f     simulator.Fault
	get   int // exit code when the step is a GET (retried where that helps)
	write int // exit code when the step is the create (never retried)
}

var loginPage = "<!DOCTYPE html><html><body><form action=\"/login.jsp\">Log in</form></body></html>"

var faults = []fault{
	{"latency beyond the timeout", simulator.Fault{Kind: simulator.FaultLatency, Latency: 8 * time.Second}, ExitNetwork, ExitNetwork},
	{"500", simulator.Fault{Kind: simulator.FaultStatus, Status: 500, ContentType: "application/json", Body: `{"message":"NullPointerException"}`}, ExitFailed, ExitFailed},
	{"503 burst", simulator.Fault{Kind: simulator.FaultStatus, Status: 503, Times: 2}, ExitOK, ExitFailed},
	{"502 burst", simulator.Fault{Kind: simulator.FaultStatus, Status: 502, Times: 1}, ExitOK, ExitFailed},
	{"429 with Retry-After", simulator.Fault{Kind: simulator.FaultRateLimit, RetryAfter: time.Second, Times: 1}, ExitOK, ExitFailed},
	{"connection reset", simulator.Fault{Kind: simulator.FaultReset, Times: 1}, ExitOK, ExitNetwork},
	{"hang", simulator.Fault{Kind: simulator.FaultHang}, ExitNetwork, ExitNetwork},
	{"HTML login page", simulator.Fault{Kind: simulator.FaultStatus, Status: 200, ContentType: "text/html;charset=UTF-8", Body: loginPage}, ExitNetwork, ExitNetwork},
	{"302 to login", simulator.Fault{Kind: simulator.FaultStatus, Status: 302, Header: http.Header{"Location": {"/login.jsp?permissionViolation=true&os_destination=%2Frest"}}}, ExitNetwork, ExitNetwork},
	{"anonymous fallback", simulator.Fault{Kind: simulator.FaultStatus, Status: 401, ContentType: "application/json", Header: http.Header{"X-Ausername": {"anonymous"}}, Body: `{"message":"Client must be authenticated to access this resource.","status-code":401}`}, ExitAuth, ExitAuth},
	{"non-sysadmin", simulator.Fault{Kind: simulator.FaultStatus, Status: 401, ContentType: "application/json", Header: http.Header{"X-Ausername": {"jadmin"}}, Body: `{"errors":["You are not authorised to access this resource."],"fieldErrors":{}}`}, ExitAuth, ExitAuth},
}

func TestFaultMatrix(t *testing.T) {
	if testing.Short() {
		t.Skip("the fault matrix takes a while")
	}
	for _, st := range setupSteps {
		for _, ft := range faults {
			t.Run(st.name+"/"+ft.name, func(t *testing.T) {
				t.Parallel()
				// Timeouts, hangs and Retry-After run on the bubble's clock.
				synctest.Test(t, func(t *testing.T) {
					env := simtest.New(t, simulator.Config{DevMode: true})
					if st.mode == "non-mdm" {
						env.Sim.SetMobileOAuth(true)
					}
					f := ft.f
					f.Method, f.PathPrefix = st.method, st.path
					env.Sim.Inject(f)

					args := []string{"setup", "--url", env.URL, "--mode", st.mode, "--yes", "--timeout", "2s"}
					r := runOn(t, env, tokenEnv(simtest.SysadminToken), args...)
					out := r.stdout + r.stderr
					want := ft.get
					if st.write {
						want = ft.write
					}
					if r.code != want {
						t.Fatalf("exit %d, want %d\n%s", r.code, want, out)
					}
					if want != ExitOK {
						if !containsAny(flat(out), strings.Split(st.phrase, "|")) {
							t.Errorf("the message does not name the step (%q):\n%s", st.phrase, out)
						}
						if !strings.Contains(out, "→") {
							t.Errorf("the message carries no remedy:\n%s", out)
						}
					}
					if strings.Contains(out, simtest.SysadminToken) {
						t.Fatal("the token is in the output")
					}
					clients := env.Sim.Clients()
					if len(clients) > 1 {
						t.Fatalf("%d clients after one run", len(clients))
					}
					if len(clients) == 1 && st.mode == "mdm" && !strings.Contains(out, clients[0].ClientID) {
						t.Fatalf("a client was left behind that the output does not mention:\n%s", out)
					}
					if st.write && env.Count("POST", api.PathClients) > 1 {
						t.Fatal("the create was retried")
					}

					// After the fault clears, a plain re-run finishes with exactly one link.
					env.Sim.ClearFaults()
					again := runOn(t, env, tokenEnv(simtest.SysadminToken), args...)
					if again.code != ExitOK || len(env.Sim.Clients()) != 1 {
						t.Fatalf("re-run: exit %d, %d clients\n%s%s", again.code, len(env.Sim.Clients()), again.stdout, again.stderr)
					}
				})
			})
		}
	}
}

func containsAny(s string, subs []string) bool {
	return slices.ContainsFunc(subs, func(sub string) bool { return strings.Contains(s, sub) })
}
