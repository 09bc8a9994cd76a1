package main

import (
	"fmt"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/floor"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/ptyrun"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/stats"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/ui"
)

// What marks the first frame: the window title each program sets with it
// (the wizard's names its step), never the words on the screen.
var (
	wizardFirstFrame  = ui.TitlePrefix + "welcome"
	minimalFirstFrame = floor.Title
)

type program struct {
	Name  string
	Path  string
	Args  []string
	Title string // the window title of the first frame
}

// StartupResult is what launching one program costs, over all runs.
type StartupResult struct {
	FirstFrameMs stats.Summary `json:"first_frame_ms"`
	// PeakRSS is the kernel's peak resident set for the whole run (launch,
	// first frame, Ctrl-C), as /usr/bin/time -v reports it.
	PeakRSS stats.Summary `json:"peak_rss_bytes"`
	// Anon and File split the resident set at the first frame: private memory,
	// and pages of the binary (shared with other processes, reclaimable).
	AnonAtFrame stats.Summary `json:"rss_anon_at_first_frame_bytes"`
	FileAtFrame stats.Summary `json:"rss_file_at_first_frame_bytes"`
	ExitMs      stats.Summary `json:"exit_after_ctrl_c_ms"`
}

type launch struct {
	frame time.Duration
	mem   ptyrun.Memory
	exit  ptyrun.Exit
}

// measureStartup launches each program runs times, alternating between them so
// that a slow spell of the machine hits both alike.
func measureStartup(progs []program, runs int) (map[string]StartupResult, error) {
	got := map[string][]launch{}
	// One warm-up each: the first exec of a fresh binary pays for the page cache.
	for i := -1; i < runs; i++ {
		for _, p := range progs {
			l, err := launchOnce(p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p.Name, err)
			}
			if i >= 0 {
				got[p.Name] = append(got[p.Name], l)
			}
		}
	}
	out := map[string]StartupResult{}
	for _, p := range progs {
		var frame, exit []time.Duration
		var peak, anon, file []float64
		for _, l := range got[p.Name] {
			frame, exit = append(frame, l.frame), append(exit, l.exit.After)
			peak = append(peak, float64(l.exit.PeakRSS))
			anon, file = append(anon, float64(l.mem.Anon)), append(file, float64(l.mem.File))
		}
		out[p.Name] = StartupResult{
			FirstFrameMs: stats.Summarize(stats.Millis(frame)),
			PeakRSS:      stats.Summarize(peak),
			AnonAtFrame:  stats.Summarize(anon),
			FileAtFrame:  stats.Summarize(file),
			ExitMs:       stats.Summarize(stats.Millis(exit)),
		}
	}
	return out, nil
}

func launchOnce(p program) (launch, error) {
	var l launch
	proc, err := ptyrun.Start(p.Path, p.Args, ptyrun.Env(), 80, 24)
	if err != nil {
		return l, err
	}
	if l.frame, err = proc.WaitTitle(10*time.Second, p.Title); err != nil {
		_, _ = proc.Stop("", time.Second)
		return l, err
	}
	l.mem, _ = ptyrun.ReadMemory(proc.Pid())
	l.exit, err = proc.Stop(ptyrun.KeyCtrlC, 10*time.Second)
	return l, err
}
