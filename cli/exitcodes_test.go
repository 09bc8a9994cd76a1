package cli

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// runInterrupted runs the command line on sim inside a synctest bubble and
// cancels its context, as Ctrl-C does, once every goroutine of the run
// waits: the request the test holds is then hanging in the simulator, which
// reached confirms. No clock decides when.
func runInterrupted(t *testing.T, sim *simtest.Env, env map[string]string, reached func() bool, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan result, 1)
	go func() { done <- runIOCtx(ctx, t, sim.Transport, "", false, env, args...) }()
	synctest.Wait()
	if !reached() {
		t.Fatal("the run stopped before the request the test holds")
	}
	cancel()
	return <-done
}

func sent(env *simtest.Env, method, prefix string) bool {
	for _, r := range env.Sim.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			return true
		}
	}
	return false
}

func TestCtrlCDuringTheChecksSaysInterrupted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := simtest.New(t, simulator.Config{DevMode: true})
		env.Sim.Inject(simulator.Fault{Method: "GET", PathPrefix: "/rest/plugins/1.0/", Kind: simulator.FaultHang})
		r := runInterrupted(t, env, tokenEnv(simtest.SysadminToken), func() bool { return sent(env, "GET", "/rest/plugins/1.0/") },
			"setup", "--url", env.URL, "--mode", "mdm", "--yes")
		if r.code != ExitInterrupted || !strings.Contains(r.stderr, "interrupted") {
			t.Fatalf("exit %d, want %d saying interrupted:\n%s", r.code, ExitInterrupted, r.stderr)
		}
		if strings.Contains(r.stderr, "Not ready") || strings.Contains(r.stderr, "✗") {
			t.Fatalf("an interrupted check is reported as a verdict on the instance:\n%s", r.stderr)
		}
	})
}

func TestCtrlCDuringTheCreateNeverExitsZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := simtest.New(t, simulator.Config{DevMode: true})
		// The instance creates the client, then its answer never comes.
		env.Sim.Inject(simulator.Fault{Method: "POST", PathPrefix: api.PathClients, Kind: simulator.FaultHang, AfterHandle: true})
		r := runInterrupted(t, env, tokenEnv(simtest.SysadminToken), func() bool { return len(env.Sim.Clients()) == 1 },
			"setup", "--url", env.URL, "--mode", "mdm", "--yes")
		if r.code != ExitInterrupted {
			t.Fatalf("exit %d, want %d:\n%s%s", r.code, ExitInterrupted, r.stdout, r.stderr)
		}
		clients := env.Sim.Clients()
		if len(clients) != 1 || !strings.Contains(r.stderr, clients[0].ClientID) {
			t.Fatalf("the link that was created is not named (%d clients):\n%s", len(clients), r.stderr)
		}
		if r.stdout != "" {
			t.Fatalf("an interrupted setup printed a site list:\n%s", r.stdout)
		}
	})
}

// --wait running out is the wizard giving up (exit 1), even when a look is
// under way at that moment, not a network failure (exit 5).
func TestWaitRunningOutGivesUpWithExit1(t *testing.T) {
	// The wait runs out on the bubble's clock: exactly, however loaded the machine.
	synctest.Test(t, func(t *testing.T) {
		env := simtest.New(t, simulator.Config{DevMode: true})
		// The checks' look answers; the wait's first look hangs past the wait.
		env.Sim.Inject(simulator.Fault{Method: "GET", PathPrefix: api.PathMobileLogin, Kind: simulator.FaultLatency, Times: 1})
		env.Sim.Inject(simulator.Fault{Method: "GET", PathPrefix: api.PathMobileLogin, Kind: simulator.FaultHang})
		r := runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "non-mdm", "--wait", "300ms", "--timeout", "20s")
		if r.code != ExitFailed || !strings.Contains(r.stderr, "after waiting 300ms") {
			t.Fatalf("exit %d, want %d saying it gave up after waiting:\n%s", r.code, ExitFailed, r.stderr)
		}
	})
}

func TestTokenWithControlCharactersIsAUsageError(t *testing.T) {
	env := simtest.New(t, simulator.Config{DevMode: true})
	token := "abc\x1b[2Jdef-secret"
	r := runOn(t, env, tokenEnv(token), "check", "--url", env.URL)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "control character") {
		t.Fatalf("exit %d, want %d:\n%s", r.code, ExitUsage, r.stderr)
	}
	if strings.Contains(r.stderr, "def-secret") || len(env.Sim.Requests()) != 0 {
		t.Fatalf("the token was printed or sent:\n%s", r.stderr)
	}
}

// A create answered by a redirect or an HTML page after the instance created
// the client is an unclear answer: listing finds the link, one link, exit 0.
func TestCreateAnsweredByAProxyAfterTheInstanceCreatedItReconciles(t *testing.T) {
	for name, f := range map[string]simulator.Fault{
		"302 to login": {Kind: simulator.FaultStatus, Status: 302, Header: http.Header{"Location": {"/login.jsp?os_destination=x"}}},
		"HTML page":    {Kind: simulator.FaultStatus, Status: 200, ContentType: "text/html", Body: loginPage},
	} {
		t.Run(name, func(t *testing.T) {
			env := simtest.New(t, simulator.Config{DevMode: true})
			f.Method, f.PathPrefix, f.AfterHandle = "POST", api.PathClients, true
			env.Sim.Inject(f)
			r := runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "mdm", "--yes")
			clients := env.Sim.Clients()
			if r.code != ExitOK || len(clients) != 1 || !strings.Contains(r.stdout, clients[0].ClientID) {
				t.Fatalf("exit %d, %d clients:\n%s%s", r.code, len(clients), r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, "confirmed it by listing") {
				t.Fatalf("the outcome does not say the link was found by listing:\n%s", r.stderr)
			}
		})
	}
}

// TestWizardCtrlCExits130: Ctrl-C in the full-screen wizard before the end
// exits 130, as the commands do (it exited 1).
func TestWizardCtrlCExits130(t *testing.T) {
	r := runIO(t, nil, "\x03", true, nil, "--demo")
	if r.code != ExitInterrupted {
		t.Errorf("Ctrl-C in the wizard: exit %d, want %d\n%s", r.code, ExitInterrupted, r.stderr)
	}
}
