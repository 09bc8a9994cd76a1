package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// runBounded is run with a watchdog: the faults these tests provoke used to hang.
func runBounded(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- run(t, env, args...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(20 * time.Second):
		t.Fatalf("%v hangs", args)
	}
	return result{}
}

// Values that used to be replaced by defaults, or to fail only after the
// instance was changed, or to hang, are usage errors before any request.
func TestBadFlagValuesAreUsageErrorsBeforeAnyRequest(t *testing.T) {
	dir := t.TempDir()
	readOnly := filepath.Join(dir, "read-only.json")
	if err := os.WriteFile(readOnly, []byte("[]\n"), 0o400); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		flag string
	}{
		{"zero timeout", []string{"--timeout", "0"}, "--timeout"},
		{"negative timeout", []string{"--timeout", "-5s"}, "--timeout"},
		{"negative wait", []string{"--wait", "-1m"}, "--wait"},
		{"link name with a newline", []string{"--link-name", "Jira\niOS"}, "--link-name"},
		{"link name with an escape", []string{"--link-name", "Jira\x1b]0;x\x07"}, "--link-name"},
		{"link name with a bidi override", []string{"--link-name", "Jira\u202eppa"}, "--link-name"},
		{"link name too long", []string{"--link-name", strings.Repeat("n", 256)}, "--link-name"},
		{"output is a directory", []string{"--output", dir}, "--output"},
		{"output is a device", []string{"--output", "/dev/null"}, "--output"},
		{"output is read-only", []string{"--output", readOnly}, "read-only"},
		{"ca-cert is a directory", []string{"--ca-cert", dir}, "CA certificate"},
	}
	if runtime.GOOS != "windows" {
		fifo := filepath.Join(dir, "fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		tests = append(tests,
			struct {
				name string
				args []string
				flag string
			}{"output is a FIFO", []string{"--output", fifo}, "--output"},
			struct {
				name string
				args []string
				flag string
			}{"ca-cert is a FIFO", []string{"--ca-cert", fifo}, "CA certificate"},
			struct {
				name string
				args []string
				flag string
			}{"ca-cert is endless", []string{"--ca-cert", "/dev/zero"}, "CA certificate"},
			struct {
				name string
				args []string
				flag string
			}{"token-file is a FIFO", []string{"--token-file", fifo}, "named pipe"},
			struct {
				name string
				args []string
				flag string
			}{"token-file is endless", []string{"--token-file", "/dev/zero"}, "--token-file"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := simtest.Start(t, simulator.Config{DevMode: true})
			args := append([]string{"setup", "--url", env.URL, "--mode", "mdm", "--yes"}, tt.args...)
			r := runBounded(t, tokenEnv(simtest.SysadminToken), args...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, tt.flag) {
				t.Fatalf("exit %d, want %d naming %s:\n%s", r.code, ExitUsage, tt.flag, r.stderr)
			}
			if n := len(env.Sim.Requests()); n != 0 {
				t.Fatalf("%d requests sent before the usage error", n)
			}
		})
	}
	t.Run("the wizard checks them too", func(t *testing.T) {
		r := runBounded(t, tokenEnv(simtest.SysadminToken), "--link-name", "a\nb")
		if r.code != ExitUsage || !strings.Contains(r.stderr, "--link-name") {
			t.Fatalf("exit %d:\n%s", r.code, r.stderr)
		}
	})
}

// A client ID that is not a plain token stops the run before it is printed or
// saved, in every output.
func TestHostileClientIDReachesNoOutput(t *testing.T) {
	hostile := "0123abcd\x1b]52;c;cm0gLXJmIH4=\x07\u009b2J\u202e"
	for _, extra := range [][]string{nil, {"--dry-run"}, {"--json"}, {"--format", "plist"}} {
		t.Run(strings.Join(extra, " "), func(t *testing.T) {
			env := simtest.Start(t, simulator.Config{DevMode: true})
			body, _ := json.Marshal([]map[string]any{{"id": "1", "clientId": hostile, "name": "Jira iOS app",
				"redirects": []string{"jira-server://oauth-callback"}, "scope": "WRITE"}})
			env.Sim.Inject(simulator.Fault{Method: "GET", PathPrefix: api.PathClients, Kind: simulator.FaultStatus,
				Status: 200, ContentType: "application/json", Body: string(body)})
			// The file's name agrees with --format (a disagreement stops setup before any request).
			out := filepath.Join(t.TempDir(), "sites")
			args := append([]string{"setup", "--url", env.URL, "--mode", "mdm", "--yes", "--output", out, "--debug"}, extra...)
			r := runBounded(t, tokenEnv(simtest.SysadminToken), args...)
			if r.code == ExitOK {
				t.Fatalf("exit 0 with a hostile client ID:\n%s", r.stderr)
			}
			all := r.stdout + r.stderr
			if strings.ContainsAny(all, "\x1b\x07\u009b\u202e") {
				t.Fatalf("a control sequence reached the output:\n%q", all)
			}
			if !strings.Contains(all, "not a plain token") {
				t.Fatalf("the refusal does not say why:\n%s", all)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatal("a site list was written")
			}
		})
	}
}

// Two setups against one instance at the same time: one creates the link,
// the other finds its name taken, lists again and reuses the winner's link.
func TestRacingSetupsBothSucceedWithOneLink(t *testing.T) {
	for attempt := 1; ; attempt++ {
		env := simtest.New(t, simulator.Config{DevMode: true})
		// Slow answers keep the two runs in step, so both plan before either creates.
		env.Sim.SetLatency(60 * time.Millisecond)
		var wg sync.WaitGroup
		results := make([]result, 2)
		for i := range results {
			wg.Go(func() {
				results[i] = runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "mdm", "--yes")
			})
		}
		wg.Wait()
		if env.Count("POST", api.PathClients) < 2 {
			if attempt < 5 {
				continue // one run was far enough ahead that the other saw its link
			}
			t.Fatal("the runs never raced")
		}
		clients := env.Sim.Clients()
		if len(clients) != 1 {
			t.Fatalf("%d clients", len(clients))
		}
		for i, r := range results {
			if r.code != ExitOK || !strings.Contains(r.stdout, clients[0].ClientID) {
				t.Fatalf("run %d: exit %d\n%s%s", i, r.code, r.stdout, r.stderr)
			}
		}
		if !strings.Contains(results[0].stderr+results[1].stderr, "another run created") {
			t.Fatalf("the loser does not say whose link it reused:\n%s\n%s", results[0].stderr, results[1].stderr)
		}
		return
	}
}

func TestLinkOutcomesSayWhatIsThere(t *testing.T) {
	t.Run("same name, the redirect, scope READ", func(t *testing.T) {
		env := simtest.New(t, simulator.Config{DevMode: true})
		env.Sim.AddClient("Jira iOS app", []string{"jira-server://oauth-callback"}, "READ")
		r := runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "mdm", "--yes")
		if r.code != ExitFailed || !strings.Contains(r.stderr, "scope READ") || strings.Contains(r.stderr, "without the iOS app's redirect") {
			t.Fatalf("exit %d:\n%s", r.code, r.stderr)
		}
	})
	t.Run("another name, the redirect, a scope below WRITE", func(t *testing.T) {
		env := simtest.New(t, simulator.Config{DevMode: true})
		env.Sim.AddClient("Old mobile link", []string{"jira-server://oauth-callback"}, "READ")
		for _, extra := range []string{"--dry-run", "--yes"} {
			r := runOn(t, env, tokenEnv(simtest.SysadminToken), "setup", "--url", env.URL, "--mode", "mdm", extra)
			note := strings.Index(r.stderr, `Not reused: "Old mobile link" has the redirect but scope READ`)
			if r.code != ExitOK || note < 0 {
				t.Fatalf("%s: exit %d, the link not reused is not named:\n%s", extra, r.code, r.stderr)
			}
			if extra == "--yes" && note > strings.Index(r.stderr, "Created the incoming link") {
				t.Fatalf("named only after the second link was created:\n%s", r.stderr)
			}
		}
	})
	t.Run("a client list over 4 MiB", func(t *testing.T) {
		env := simtest.New(t, simulator.Config{DevMode: true})
		env.Sim.Inject(simulator.Fault{Method: "GET", PathPrefix: api.PathClients, Kind: simulator.FaultStatus,
			Status: 200, ContentType: "application/json", Body: "[" + strings.Repeat(`{"clientId":"a"},`, 5<<20/17) + `{"clientId":"a"}]`})
		r := runOn(t, env, tokenEnv(simtest.SysadminToken), "check", "--url", env.URL)
		if r.code == ExitOK || !strings.Contains(flat(r.stdout), "too large to read") {
			t.Fatalf("exit %d:\n%s", r.code, r.stdout)
		}
		if strings.Contains(r.stdout, "✗ System administrator") {
			t.Fatalf("a list too large to read is reported as a missing permission:\n%s", r.stdout)
		}
	})
}

// An inventory's token_file that is a FIFO fails that instance at once, as
// --token-file does, instead of blocking the run (and Ctrl-C) for ever.
func TestInventoryTokenFileFIFODoesNotHang(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "token"), 0o600); err != nil {
		t.Fatal(err)
	}
	inv := filepath.Join(dir, "inventory.yaml")
	if err := os.WriteFile(inv, []byte("instances:\n  - url: https://jira.example.com\n    token_file: token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runBounded(t, nil, "check", "--inventory", inv)
	if r.code == 0 || !strings.Contains(r.stderr+r.stdout, "named pipe") {
		t.Fatalf("exit %d, want a failure naming the FIFO:\n%s%s", r.code, r.stdout, r.stderr)
	}
}
