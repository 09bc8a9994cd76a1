package trips

import (
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/cli"
)

// Scenario is one command run against a fresh simulated instance.
type Scenario struct {
	Name string
	Args []string // after "--url U --ca-cert F"
	Cfg  simulator.Config
	// Before prepares the instance (e.g. a link from an earlier run).
	Before func(url, caFile string) error
	// MDM, when set, is the MDM the command pushes into (--push MDMIntune
	// or MDMJamf), a simulator of its own with the same latency; Update: the
	// app's list there already holds another site.
	MDM    string
	Update bool
}

// Result is what one scenario cost.
type Result struct {
	Name        string   `json:"name"`
	Command     string   `json:"command"`
	ExitCode    int      `json:"exit_code"`
	WallMs      float64  `json:"wall_ms"`
	Requests    int      `json:"requests"`
	Connections int      `json:"connections"`
	Critical    []string `json:"critical_path"`
	// MDM is the MDM pushed into ("" none); MDMRequests what it received.
	MDM         string `json:"mdm,omitempty"`
	MDMRequests int    `json:"mdm_requests,omitempty"`
	// Ratio is the wall time over critical-path round trips x latency: 1.0
	// means the command waits for nothing but the answers it needs.
	Ratio float64 `json:"ratio"`
}

// Run runs sc in-process, the way a user runs the binary (flags, env, exit
// code), against a simulator on loopback TLS that adds latency to every request.
func Run(sc Scenario, latency time.Duration) (Result, error) {
	res := Result{Name: sc.Name}
	sim := simulator.New(sc.Cfg)
	defer sim.Close()
	srv := httptest.NewUnstartedServer(sim)
	var conns atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // connection chatter is not a result
	srv.StartTLS()
	defer srv.Close()

	dir, err := os.MkdirTemp("", "bench-trips-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		return res, err
	}
	if sc.Before != nil {
		if err := sc.Before(srv.URL, caFile); err != nil {
			return res, fmt.Errorf("%s: preparing: %w", sc.Name, err)
		}
	}

	var mdm *mdmServer
	var env map[string]string
	var transport http.RoundTripper
	args := append([]string{"--url", srv.URL, "--ca-cert", caFile}, sc.Args...)
	res.Command = "mobile-oauth-wizard " + strings.Join(sc.Args, " ")
	if sc.MDM != "" {
		if mdm, err = startMDM(sc, latency); err != nil {
			return res, err
		}
		defer mdm.close()
		args = append(args, mdm.args...)
		res.Command += " --push " + sc.MDM
		res.MDM, env, transport = mdm.name, mdm.env, trustingTransport(srv.Certificate())
	}

	sim.ResetRequests()
	conns.Store(0)
	sim.SetLatency(latency)
	t0 := time.Now()
	code, out := ExecWith(env, transport, args...)
	res.WallMs = float64(time.Since(t0)) / float64(time.Millisecond)
	res.ExitCode = code
	if code != cli.ExitOK {
		return res, fmt.Errorf("%s: exit %d:\n%s", sc.Name, code, out)
	}

	reqs := sim.Requests()
	res.Requests, res.Connections = len(reqs), int(conns.Load())
	if mdm != nil {
		if err := mdm.check(); err != nil {
			return res, fmt.Errorf("%s: %w", sc.Name, err)
		}
		m := mdm.requests()
		res.MDMRequests = len(m)
		reqs = append(reqs, m...)
	}
	for _, r := range CriticalPath(reqs) {
		res.Critical = append(res.Critical, r.Method+" "+r.Path)
	}
	if n := len(res.Critical); n > 0 {
		res.Ratio = res.WallMs / (float64(n) * float64(latency) / float64(time.Millisecond))
	}
	return res, nil
}

// Exec runs the command line in-process with a personal access token in the
// environment and no terminal, and returns the exit code and the output.
func Exec(args ...string) (int, string) { return ExecWith(nil, nil, args...) }

// ExecWith is Exec with more environment variables and, when transport is
// set, every request sent through it.
func ExecWith(extra map[string]string, transport http.RoundTripper, args ...string) (int, string) {
	var out bytes.Buffer
	env := map[string]string{cli.EnvToken: "sysadmin-token"}
	for k, v := range extra {
		env[k] = v
	}
	stdio := &cli.IO{
		In: strings.NewReader(""), Out: &out, Err: &out,
		Getenv:     func(k string) string { return env[k] },
		IsTerminal: func() bool { return false },
		Transport:  transport,
	}
	root := cli.NewRootCommand(cli.BuildInfo{Version: "bench"}, stdio)
	root.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := root.ExecuteContext(ctx)
	if err != nil {
		out.WriteString("Error: " + err.Error() + "\n")
	}
	return cli.ExitCode(err), out.String()
}

// Names of the scenarios VerifyCost compares.
const (
	SetupMDM         = "setup MDM (creates the link, then verifies)"
	SetupMDMNoVerify = "setup MDM --no-verify (creates the link)"
)

// Scenarios are the commands whose round trips the report shows.
func Scenarios() []Scenario {
	seedLink := func(url, caFile string) error {
		if code, out := Exec("setup", "--url", url, "--ca-cert", caFile, "--mode", "mdm", "--yes", "--no-verify"); code != cli.ExitOK {
			return fmt.Errorf("exit %d: %s", code, out)
		}
		return nil
	}
	setupMDM := []string{"setup", "--mode", "mdm", "--yes", "--json"}
	return []Scenario{
		{Name: SetupMDM, Args: setupMDM},
		{Name: SetupMDMNoVerify, Args: []string{"setup", "--mode", "mdm", "--yes", "--no-verify", "--json"}},
		{Name: "setup MDM again (reuses it)", Args: []string{"setup", "--mode", "mdm", "--yes", "--json"},
			Before: func(url, caFile string) error {
				if code, out := Exec("setup", "--url", url, "--ca-cert", caFile, "--mode", "mdm", "--yes"); code != cli.ExitOK {
					return fmt.Errorf("exit %d: %s", code, out)
				}
				return nil
			}},
		{Name: "setup non-MDM (switch on)", Args: []string{"setup", "--mode", "non-mdm", "--json"},
			Cfg: simulator.Config{MobileOAuth: true}},
		{Name: "check", Args: []string{"check", "--json"}},
		{Name: "setup MDM --push intune (first push)", Args: setupMDM, MDM: MDMIntune},
		{Name: "setup MDM --push intune (update)", Args: setupMDM, MDM: MDMIntune, Update: true},
		{Name: "setup MDM --push jamf (first push)", Args: setupMDM, MDM: MDMJamf},
		{Name: "setup MDM --push jamf (update)", Args: setupMDM, MDM: MDMJamf, Update: true},
		{Name: "verify (the link exists)", Args: []string{"verify", "--mode", "mdm", "--json"}, Before: seedLink},
	}
}

// VerifyCost is how many round trips verify adds to setup's critical path:
// the MDM setup with it against the same setup without. ok is false when the
// results lack either scenario.
func VerifyCost(results []Result) (extra int, ok bool) {
	with, without := -1, -1
	for _, r := range results {
		switch r.Name {
		case SetupMDM:
			with = len(r.Critical)
		case SetupMDMNoVerify:
			without = len(r.Critical)
		}
	}
	if with < 0 || without < 0 {
		return 0, false
	}
	return with - without, true
}
