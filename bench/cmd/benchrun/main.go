// Command benchrun measures the wizard against its floor and prints one table;
// bench/run builds the programs and calls it. Every goal is a ratio measured in
// the same run, so the verdicts hold on a slow or noisy machine.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/sshload"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/trips"
)

type config struct {
	wizard, wizardRelease, minimal, minimalRelease, benchserve string
	out                                                        string
	runs, presses, sshRuns, multiRuns                          int
	sessions, multi                                            []int
	latency                                                    time.Duration
	only                                                       map[string]bool
}

func main() {
	var c config
	var sessions, only, multi string
	flag.StringVar(&c.wizard, "wizard", "", "the wizard, plain build")
	flag.StringVar(&c.wizardRelease, "wizard-release", "", "the wizard, release build")
	flag.StringVar(&c.minimal, "minimal", "", "the minimal Bubble Tea program, plain build")
	flag.StringVar(&c.minimalRelease, "minimal-release", "", "the minimal Bubble Tea program, release build")
	flag.StringVar(&c.benchserve, "benchserve", "", "the SSH server with the floor model")
	flag.StringVar(&c.out, "out", "", "write the results as JSON to FILE")
	flag.IntVar(&c.runs, "runs", 15, "launches per program for start-up")
	flag.IntVar(&c.presses, "presses", 200, "key presses per screen")
	flag.StringVar(&sessions, "sessions", "50,200", "concurrent SSH sessions, comma-separated")
	flag.IntVar(&c.sshRuns, "ssh-runs", 3, "load runs per server and number of sessions (the median is judged)")
	flag.DurationVar(&c.latency, "latency", 100*time.Millisecond, "latency the simulator adds to each request")
	flag.IntVar(&c.multiRuns, "multi-runs", 3, "runs per size for setup over several instances (the median is judged)")
	flag.StringVar(&multi, "multi", "10,50", "numbers of instances for setup over several, comma-separated")
	flag.StringVar(&only, "only", "startup,keys,trips,multi,ssh,size", "sections to run")
	short := flag.Bool("short", false, "every section, a few runs each (CI: the drivers still walk every screen; the figures are not for judging)")
	flag.Parse()
	if *short {
		// Only the flags not given on the command line.
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, v := range map[string]string{"runs": "2", "presses": "10", "sessions": "5", "ssh-runs": "1", "multi-runs": "1", "multi": "3"} {
			if !set[name] {
				_ = flag.Set(name, v)
			}
		}
	}
	for _, s := range strings.Split(sessions, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fail(fmt.Errorf("-sessions: %q is not a number of sessions", s))
		}
		c.sessions = append(c.sessions, n)
	}
	for _, s := range strings.Split(multi, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fail(fmt.Errorf("-multi: %q is not a number of instances", s))
		}
		c.multi = append(c.multi, n)
	}
	c.only = map[string]bool{}
	for _, s := range strings.Split(only, ",") {
		c.only[strings.TrimSpace(s)] = true
	}
	rep, err := measure(c)
	if err != nil {
		fail(err)
	}
	rep.Goals = goals(rep)
	printTable(os.Stdout, rep)
	if c.out != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			fail(err)
		}
		if err := os.MkdirAll(filepath.Dir(c.out), 0o755); err != nil {
			fail(err)
		}
		if err := os.WriteFile(c.out, append(b, '\n'), 0o644); err != nil {
			fail(err)
		}
		fmt.Printf("\nResults: %s\n", c.out)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "benchrun:", err)
	os.Exit(1)
}

// Report is everything one run measured; results.json holds it as is.
type Report struct {
	When     string                   `json:"when"`
	Go       string                   `json:"go"`
	Platform string                   `json:"platform"`
	CPUs     int                      `json:"cpus"`
	CPU      string                   `json:"cpu,omitempty"`
	Settings map[string]any           `json:"settings"`
	Startup  map[string]StartupResult `json:"startup,omitempty"`
	Keys     *KeysResult              `json:"keys,omitempty"`
	Trips    []trips.Result           `json:"round_trips,omitempty"`
	Multi    []trips.MultiResult      `json:"several_instances,omitempty"`
	SSH      []sshSummary             `json:"ssh,omitempty"`
	SSHRuns  []sshload.Result         `json:"ssh_runs,omitempty"`
	Sizes    map[string]int64         `json:"binary_bytes,omitempty"`
	Goals    []Row                    `json:"goals"`
}

func measure(c config) (*Report, error) {
	rep := &Report{
		When: time.Now().UTC().Format(time.RFC3339), Go: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH, CPUs: runtime.NumCPU(), CPU: cpuModel(),
		Settings: map[string]any{"startup_runs": c.runs, "key_presses": c.presses, "ssh_sessions": c.sessions, "ssh_runs": c.sshRuns,
			"latency_ms": c.latency.Milliseconds(), "multi_runs": c.multiRuns, "terminal": "80x24 (keys: 80x16)"},
	}
	step := func(name string) func() {
		fmt.Fprintf(os.Stderr, "bench: %s...", name)
		t0 := time.Now()
		return func() { fmt.Fprintf(os.Stderr, " %.1fs\n", time.Since(t0).Seconds()) }
	}
	if c.only["startup"] {
		done := step("start-up")
		res, err := measureStartup([]program{
			{Name: "wizard", Path: c.wizard, Args: []string{"--demo"}, Title: wizardFirstFrame},
			{Name: "minimal", Path: c.minimal, Title: minimalFirstFrame},
		}, c.runs)
		if err != nil {
			return nil, fmt.Errorf("start-up: %w", err)
		}
		rep.Startup = res
		done()
	}
	if c.only["keys"] {
		done := step("keystrokes")
		in, err := measureKeysInProcess(c.presses)
		if err != nil {
			return nil, fmt.Errorf("keystrokes in-process: %w", err)
		}
		pty, err := measureKeysPTY(c.wizard, c.minimal, c.presses)
		if err != nil {
			return nil, fmt.Errorf("keystrokes over a pty: %w", err)
		}
		rep.Keys = &KeysResult{InProcess: in, PTY: pty}
		done()
	}
	if c.only["trips"] {
		done := step("round trips")
		// The first command in the process pays one-time costs (the system's
		// root certificates are parsed, code is paged in) before its first
		// request; a run thrown away keeps them off whichever scenario is first.
		if _, err := trips.Run(trips.Scenarios()[0], 0); err != nil {
			return nil, fmt.Errorf("round trips (warm-up): %w", err)
		}
		for _, sc := range trips.Scenarios() {
			res, err := trips.Run(sc, c.latency)
			if err != nil {
				return nil, fmt.Errorf("round trips: %w", err)
			}
			rep.Trips = append(rep.Trips, res)
		}
		done()
	}
	if c.only["multi"] {
		done := step("several instances")
		// Without --parallel, as an admin runs it (the goal: the default
		// serves n instances at about one's cost), with a certificate that is
		// cheap for the simulators to sign with; httptest's RSA certificate is
		// shown for information (50 simulated servers signing on the same
		// CPUs as the wizard, which a real run's servers do not).
		for _, n := range c.multi {
			for _, ecdsa := range []bool{true, false} {
				res, err := trips.RunMulti(n, 0, c.latency, c.multiRuns, ecdsa)
				if err != nil {
					return nil, fmt.Errorf("several instances: %w", err)
				}
				rep.Multi = append(rep.Multi, res)
			}
		}
		done()
	}
	if c.only["ssh"] {
		done := step("ssh")
		all, sums, err := measureSSH(c)
		if err != nil {
			return nil, fmt.Errorf("ssh: %w", err)
		}
		rep.SSHRuns, rep.SSH = all, sums
		done()
	}
	if c.only["size"] {
		rep.Sizes = map[string]int64{}
		for name, path := range map[string]string{"wizard": c.wizard, "wizard_release": c.wizardRelease,
			"minimal": c.minimal, "minimal_release": c.minimalRelease} {
			fi, err := os.Stat(path)
			if err != nil {
				return nil, fmt.Errorf("binary size: %w", err)
			}
			rep.Sizes[name] = fi.Size()
		}
	}
	return rep, nil
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// sshFor finds the summary of one server and size.
func sshFor(rep *Report, server string, n int) (sshSummary, bool) {
	i := slices.IndexFunc(rep.SSH, func(r sshSummary) bool { return r.Server == server && r.Sessions == n })
	if i < 0 {
		return sshSummary{}, false
	}
	return rep.SSH[i], true
}
