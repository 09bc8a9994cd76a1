package cli

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// buildBinary builds the command once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mobile-oauth-wizard")
	cmd := exec.Command("go", "build", "-o", bin, "..")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	return bin
}

// TestSIGKILLAtRandomPoints kills `setup` at random moments (the simulator answers
// slowly, so a run spans several requests) and checks that a plain re-run always
// ends with exactly one link and the same site list.
func TestSIGKILLAtRandomPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it many times")
	}
	bin := buildBinary(t)
	rng := rand.New(rand.NewPCG(1, 2))
	const runs = 20
	killedMidway, killedAfterCreate := 0, 0
	for i := range runs {
		// A fresh instance each time, so kills land before, during and after the create.
		env := simtest.Start(t, simulator.Config{DevMode: true, Title: "Acme Jira"})
		env.Sim.SetLatency(40 * time.Millisecond)
		args := []string{"setup", "--url", env.URL, "--mode", "mdm", "--yes"}
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), EnvToken+"="+simtest.SysadminToken)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		_ = cmd.Process.Kill()
		if err := cmd.Wait(); err != nil {
			killedMidway++
			if len(env.Sim.Clients()) == 1 {
				killedAfterCreate++
			}
		}
		if n := len(env.Sim.Clients()); n > 1 {
			t.Fatalf("run %d: %d clients after a kill", i, n)
		}
		r := run(t, tokenEnv(simtest.SysadminToken), args...)
		if r.code != 0 {
			t.Fatalf("run %d: re-run exit %d: %s", i, r.code, r.stderr)
		}
		clients := env.Sim.Clients()
		if len(clients) != 1 {
			t.Fatalf("run %d: %d clients after the re-run", i, len(clients))
		}
		sites, err := steps.RenderSites([]steps.Site{{Title: "Acme Jira", BaseURL: env.URL,
			OAuth: &steps.SiteOAuth{ClientID: clients[0].ClientID}}}, steps.FormatJSON)
		if err != nil {
			t.Fatal(err)
		}
		if r.stdout != string(sites) {
			t.Fatalf("run %d: site list\n%s\nwant\n%s", i, r.stdout, sites)
		}
	}
	if killedMidway == 0 {
		t.Fatal("no run was killed before it finished: the test proved nothing")
	}
	t.Logf("%d of %d runs killed before they finished, %d of them after the link was created", killedMidway, runs, killedAfterCreate)
}
