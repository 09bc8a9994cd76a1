package main

import (
	"fmt"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/floor"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/sshload"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/stats"
)

// sshSummary is the median over repeated load runs of one server and size.
type sshSummary struct {
	Server          string   `json:"server"`
	Sessions        int      `json:"sessions"`
	Runs            int      `json:"runs"`
	Failed          int      `json:"failed"` // over all runs
	FirstErrors     []string `json:"first_errors,omitempty"`
	FirstFrameP50Ms float64  `json:"first_frame_p50_ms"`
	FirstFrameP99Ms float64  `json:"first_frame_p99_ms"`
	PerSessionBytes float64  `json:"per_session_bytes"`
	CPUPerSessionMs float64  `json:"cpu_per_session_ms"`
}

func sshServers(c config) []sshload.Server {
	return []sshload.Server{
		{Name: "wizard", Path: c.wizard, Title: wizardFirstFrame,
			Args: []string{"serve", "--listen", "{listen}", "--authorized-keys", "{keys}", "--host-key", "{hostkey}", "--max-sessions", "1000"}},
		{Name: "floor", Path: c.benchserve, Title: floor.Title,
			Args: []string{"-listen", "{listen}", "-authorized-keys", "{keys}", "-host-key", "{hostkey}", "-max-sessions", "1000"}},
	}
}

// measureSSH alternates the servers run after run, so that a slow spell hits
// both, and keeps every run.
func measureSSH(c config) ([]sshload.Result, []sshSummary, error) {
	var all []sshload.Result
	var sums []sshSummary
	for _, n := range c.sessions {
		byServer := map[string][]sshload.Result{}
		for range c.sshRuns {
			for _, srv := range sshServers(c) {
				res, err := sshload.Run(srv, n)
				if err != nil {
					return nil, nil, fmt.Errorf("%s with %d sessions: %w", srv.Name, n, err)
				}
				all = append(all, res)
				byServer[srv.Name] = append(byServer[srv.Name], res)
			}
		}
		for _, srv := range sshServers(c) {
			sums = append(sums, summarizeSSH(srv.Name, n, byServer[srv.Name]))
		}
	}
	return all, sums, nil
}

func summarizeSSH(server string, n int, runs []sshload.Result) sshSummary {
	s := sshSummary{Server: server, Sessions: n, Runs: len(runs)}
	var p50, p99, mem, cpu []float64
	for _, r := range runs {
		s.Failed += r.Failed
		s.FirstErrors = append(s.FirstErrors, r.FirstErrors...)
		p50, p99 = append(p50, r.FirstFrameMs.Median), append(p99, r.FirstFrameMs.P99)
		mem, cpu = append(mem, r.PerSessionBytes), append(cpu, r.CPUPerSessionMs)
	}
	if len(s.FirstErrors) > 3 {
		s.FirstErrors = s.FirstErrors[:3]
	}
	s.FirstFrameP50Ms, s.FirstFrameP99Ms = stats.Median(p50), stats.Median(p99)
	s.PerSessionBytes, s.CPUPerSessionMs = stats.Median(mem), stats.Median(cpu)
	return s
}
