package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/stats"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/trips"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/cli"
)

// frameBudget is one frame of Bubble Tea's default 60 fps renderer: a key
// whose work fits in it is drawn on the next frame tick.
const frameBudget = time.Second / 60

// Row is one line of the table: a measure, the wizard against its floor, and
// the goal's verdict.
type Row struct {
	Section string   `json:"section"`
	Measure string   `json:"measure"`
	Wizard  string   `json:"wizard"`
	Floor   string   `json:"floor"`
	Ratio   *float64 `json:"ratio,omitempty"`
	Goal    string   `json:"goal"`
	Verdict string   `json:"verdict"` // met, missed or info
	Reason  string   `json:"reason,omitempty"`
}

func judged(section, measure, wizard, floor string, ratio, limit float64, why func() string) Row {
	r := Row{Section: section, Measure: measure, Wizard: wizard, Floor: floor, Ratio: &ratio,
		Goal: fmt.Sprintf("≤ %.1f×", limit), Verdict: "met"}
	if !(ratio <= limit) { // NaN misses too
		r.Verdict = "missed"
		if why != nil {
			r.Reason = why()
		}
	}
	return r
}

func info(section, measure, wizard, floor string, ratio float64) Row {
	r := Row{Section: section, Measure: measure, Wizard: wizard, Floor: floor, Goal: "—", Verdict: "info"}
	if ratio > 0 {
		r.Ratio = &ratio
	}
	return r
}

func mb(b float64) string  { return fmt.Sprintf("%.1f MB", b/(1<<20)) }
func kb(b float64) string  { return fmt.Sprintf("%.0f KB", b/(1<<10)) }
func ms(x float64) string  { return fmt.Sprintf("%.1f ms", x) }
func ms3(x float64) string { return fmt.Sprintf("%.2f ms", x) }

// goals turns the measurements into the table's rows.
func goals(rep *Report) []Row {
	var rows []Row
	if w, ok := rep.Startup["wizard"]; ok {
		m := rep.Startup["minimal"]
		rows = append(rows,
			judged("start-up", "launch → first full frame (median)", ms(w.FirstFrameMs.Median), ms(m.FirstFrameMs.Median),
				w.FirstFrameMs.Median/m.FirstFrameMs.Median, 1.5, nil),
			judged("start-up", "private memory (RssAnon) at the first frame (median)", mb(w.AnonAtFrame.Median), mb(m.AnonAtFrame.Median),
				w.AnonAtFrame.Median/m.AnonAtFrame.Median, 2.5, nil),
			// The peak counts the binary's own pages (file-backed, shared,
			// reclaimable), which grow with what the wizard does, not with
			// what it costs the machine: shown, not judged.
			info("start-up", fmt.Sprintf("peak RSS (median; at the first frame %s of it the binary's pages, floor %s)", mb(w.FileAtFrame.Median), mb(m.FileAtFrame.Median)),
				mb(w.PeakRSS.Median), mb(m.PeakRSS.Median), w.PeakRSS.Median/m.PeakRSS.Median),
			info("start-up", "Ctrl-C → exit (median)", ms(w.ExitMs.Median), ms(m.ExitMs.Median), w.ExitMs.Median/m.ExitMs.Median),
		)
	}
	if rep.Keys != nil {
		floorIn := series(rep.Keys.InProcess, "floor")
		for _, s := range rep.Keys.InProcess {
			if s.Screen == "floor" {
				continue
			}
			rows = append(rows, judged("keystroke", fmt.Sprintf("%s screen, in-process Update+View+render (p50 / p99 of %d)", s.Screen, s.Ms.N),
				ms3(s.Ms.Median)+" / "+ms3(s.Ms.P99), ms3(floorIn.Median)+" / "+ms3(floorIn.P99),
				s.Ms.P99/ms64(frameBudget), 1, func() string {
					return fmt.Sprintf("p99 %.2f ms is over one 60 fps frame (%.1f ms): the key misses the next frame tick", s.Ms.P99, ms64(frameBudget))
				}))
		}
		floorPTY := series(rep.Keys.PTY, "floor")
		for _, s := range rep.Keys.PTY {
			if s.Screen == "floor" {
				continue
			}
			rows = append(rows, judged("keystroke", fmt.Sprintf("%s screen, key → next frame over a pty (p50 / p99 of %d)", s.Screen, s.Ms.N),
				ms(s.Ms.Median)+" / "+ms(s.Ms.P99), ms(floorPTY.Median)+" / "+ms(floorPTY.P99),
				s.Ms.Median/floorPTY.Median, 1.5, func() string {
					return fmt.Sprintf("median %.1f ms against the floor's %.1f ms over the same terminal", s.Ms.Median, floorPTY.Median)
				}))
		}
	}
	if len(rep.Trips) > 0 {
		lat := float64(rep.Settings["latency_ms"].(int64))
		for _, t := range rep.Trips {
			rows = append(rows, judged("round trips", t.Name+": wall / (path × latency)",
				fmt.Sprintf("%s; %d on the path, %d requests, %d conns", ms(t.WallMs), len(t.Critical), t.Requests, t.Connections),
				fmt.Sprintf("%d × %.0f ms", len(t.Critical), lat), t.Ratio, 1.2, func() string {
					return fmt.Sprintf("%.0f ms of waiting beyond the %d answers on the path (%s)", t.WallMs-float64(len(t.Critical))*lat, len(t.Critical), strings.Join(t.Critical, " → "))
				}))
		}
		for _, t := range rep.Trips {
			extra, ok := trips.PushCost(rep.Trips, t)
			if !ok {
				continue
			}
			setupAlone := len(t.Critical) - extra
			r := judged("round trips", t.Name+": round trips the push adds to setup's path",
				fmt.Sprintf("+%d (%d on the path; %d requests to %s)", extra, len(t.Critical), t.MDMRequests, t.MDM),
				fmt.Sprintf("setup alone: %d", setupAlone), float64(extra), trips.PushGoal, func() string {
					return fmt.Sprintf("the push waits for %d answers in a row beyond setup's %d (%s); only the write and its read-back need the link's client ID", extra, setupAlone, strings.Join(t.Critical, " → "))
				})
			r.Ratio, r.Goal = nil, fmt.Sprintf("≤ %d round trips on the path", trips.PushGoal)
			rows = append(rows, r)
		}
		if extra, ok := trips.VerifyCost(rep.Trips); ok {
			r := judged("round trips", "verify's cost on setup's path (with − without)", fmt.Sprintf("+%d round trip(s)", extra), "—",
				float64(extra), 0, func() string {
					return fmt.Sprintf("setup with verify waits for %d more answers in a row than without it; its probes need only the client ID and should go out beside the read-back", extra)
				})
			r.Goal = "+0"
			rows = append(rows, r)
		}
	}
	for _, m := range rep.Multi {
		wizard := fmt.Sprintf("%s; %d requests; CPU %s", ms(m.WallMs), m.Requests, ms(m.CPUMs))
		measure := fmt.Sprintf("setup MDM over %d instances, default --parallel (%d; %d wave(s)), simulators on %s: wall / one instance's (median of %d)",
			m.Instances, cli.DefaultParallel, (m.Instances+cli.DefaultParallel-1)/cli.DefaultParallel, m.Cert, m.Runs)
		if m.Cert != "ecdsa-p256" {
			rows = append(rows, info("several instances", measure+", their handshakes sharing the CPUs", wizard, ms(m.OneMs), m.Ratio))
			continue
		}
		rows = append(rows, judged("several instances", measure, wizard, ms(m.OneMs), m.Ratio, 1.5, func() string {
			return fmt.Sprintf("%d instances took %.0f ms beyond one instance's %.0f ms; the run used %.0f ms of CPU (simulators included) on %d CPUs, load average %s",
				m.Instances, m.WallMs-m.OneMs, m.OneMs, m.CPUMs, rep.CPUs, loadAverage())
		}))
	}
	ns := []int{}
	for _, r := range rep.SSH {
		if !slices.Contains(ns, r.Sessions) {
			ns = append(ns, r.Sessions)
		}
	}
	for _, n := range ns {
		w, ok1 := sshFor(rep, "wizard", n)
		f, ok2 := sshFor(rep, "floor", n)
		if !ok1 || !ok2 {
			continue
		}
		sec := fmt.Sprintf("ssh × %d", n)
		runs := fmt.Sprintf(" (median of %d runs)", w.Runs)
		rows = append(rows,
			judged(sec, "memory per session (RSS growth / sessions)"+runs, kb(w.PerSessionBytes), kb(f.PerSessionBytes),
				w.PerSessionBytes/f.PerSessionBytes, 2, nil),
			judged(sec, "connect → first frame (p50 / p99)"+runs, ms(w.FirstFrameP50Ms)+" / "+ms(w.FirstFrameP99Ms),
				ms(f.FirstFrameP50Ms)+" / "+ms(f.FirstFrameP99Ms), w.FirstFrameP50Ms/f.FirstFrameP50Ms, 1.5, func() string {
					return fmt.Sprintf("%d sessions start at once on %d CPUs, so each waits for the CPU the others' start costs the server: %.1f ms per session against the floor's %.1f ms",
						n, rep.CPUs, w.CPUPerSessionMs, f.CPUPerSessionMs)
				}),
			info(sec, "server CPU per session until its first frame"+runs, ms(w.CPUPerSessionMs), ms(f.CPUPerSessionMs), w.CPUPerSessionMs/f.CPUPerSessionMs),
			failedRow(sec, w, f),
		)
	}
	if s := rep.Sizes; s != nil {
		rows = append(rows,
			info("binary", "release build (-trimpath -ldflags \"-s -w\")", mb(float64(s["wizard_release"])), mb(float64(s["minimal_release"])),
				float64(s["wizard_release"])/float64(s["minimal_release"])),
			info("binary", "plain build", mb(float64(s["wizard"])), mb(float64(s["minimal"])), float64(s["wizard"])/float64(s["minimal"])),
		)
	}
	return rows
}

func failedRow(sec string, w, f sshSummary) Row {
	r := Row{Section: sec, Measure: "failed sessions (all runs)", Wizard: fmt.Sprintf("%d of %d", w.Failed, w.Sessions*w.Runs),
		Floor: fmt.Sprintf("%d of %d", f.Failed, f.Sessions*f.Runs), Goal: "0", Verdict: "met"}
	if w.Failed > 0 {
		r.Verdict, r.Reason = "missed", strings.Join(w.FirstErrors, "; ")
	}
	return r
}

func series(ss []keySeries, screen string) stats.Summary {
	for _, s := range ss {
		if s.Screen == screen {
			return s.Ms
		}
	}
	return stats.Summary{}
}

func ms64(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// printTable writes the rows and then, for each missed goal, why.
func printTable(w io.Writer, rep *Report) {
	fmt.Fprintf(w, "mobile-oauth-wizard against the floor (a minimal Bubble Tea v2 program) — %s, %s, %d CPUs, %s\n\n",
		rep.Go, rep.Platform, rep.CPUs, rep.When)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SECTION\tMEASURE\tWIZARD\tFLOOR\tRATIO\tGOAL\tVERDICT")
	for _, r := range rep.Goals {
		ratio := "—"
		if r.Ratio != nil {
			ratio = fmt.Sprintf("%.2f×", *r.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Section, r.Measure, r.Wizard, r.Floor, ratio, r.Goal, r.Verdict)
	}
	_ = tw.Flush()
	missed := 0
	for _, r := range rep.Goals {
		if r.Verdict == "missed" {
			if missed == 0 {
				fmt.Fprintln(w, "\nMissed:")
			}
			missed++
			fmt.Fprintf(w, "- %s, %s: %s\n", r.Section, r.Measure, r.Reason)
		}
	}
	if missed == 0 {
		fmt.Fprintln(w, "\nEvery goal met.")
	}
}

// loadAverage is the 1-minute load average, "?" where /proc does not say:
// on a shared machine it tells a slow run from a slow program.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}
