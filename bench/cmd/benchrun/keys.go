package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/drive"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/floor"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/ptyrun"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/stats"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/ui"
)

// The terminal the keystroke runs use: short enough that the checks list
// scrolls, so that every ↓ and ↑ changes the frame.
const keyCols, keyRows = 80, 16

// keySeries is one screen's key presses and what each cost, in milliseconds.
type keySeries struct {
	Screen string        `json:"screen"`
	Keys   string        `json:"keys"`
	Ms     stats.Summary `json:"ms"`
}

// KeysResult holds the in-process timings (Update + View + render diff, what
// the program spends per key) and the end-to-end ones over a pty (key written
// to the terminal until the frame comes back, including Bubble Tea's 60 fps
// frame ticker).
type KeysResult struct {
	InProcess []keySeries `json:"in_process"`
	PTY       []keySeries `json:"pty"`
}

func cycle(keys []string, i int) string { return keys[i%len(keys)] }

// measureKeysInProcess drives the models directly.
func measureKeysInProcess(presses int) ([]keySeries, error) {
	wz, err := drive.StartWizard(keyCols, keyRows)
	if err != nil {
		return nil, err
	}
	defer wz.Close()
	run := func(d *drive.Driver, screen string, keys []string) keySeries {
		var ds []time.Duration
		for i := range presses {
			ds = append(ds, d.Press(drive.Key(cycle(keys, i))))
			d.Drain()
		}
		return keySeries{Screen: screen, Keys: fmt.Sprint(keys), Ms: stats.Summarize(stats.Millis(ds))}
	}
	var out []keySeries
	if err := wz.ToChecks(); err != nil {
		return nil, err
	}
	// The checks move on by themselves: keys are timed on the mode screen,
	// which shows their verdict.
	out = append(out, run(wz.Driver, "mode", []string{"down", "up"}))
	if err := wz.ToResult(); err != nil {
		return nil, err
	}
	out = append(out, run(wz.Driver, "result", []string{"tab"}))
	fl := drive.New(floor.Model{}, keyCols, keyRows)
	defer fl.Close()
	out = append(out, run(fl, "floor", []string{"x"}))
	return out, nil
}

// The wizard's --demo, walked with Enter alone, as in cli's tmux test: each
// press and the step (the window title) it leads to. On the connect screen
// the first Enter takes the demo's URL and moves to the token field on the
// same screen, so the second follows at once.
var (
	ptyToChecks = []ptyStep{{ptyrun.KeyEnter, "connect"}, {ptyrun.KeyEnter + ptyrun.KeyEnter, "mode"}}
	ptyToResult = []ptyStep{{ptyrun.KeyEnter, "confirm"}, {ptyrun.KeyEnter, "result"}}
)

type ptyStep struct{ keys, step string }

var ptyKeys = map[string]string{"down": ptyrun.KeyDown, "up": ptyrun.KeyUp, "tab": ptyrun.KeyTab, "x": "x"}

// measureKeysPTY runs the built binaries on a pseudo-terminal.
func measureKeysPTY(wizard, minimal string, presses int) ([]keySeries, error) {
	var out []keySeries
	run := func(p *ptyrun.Proc, screen string, keys []string) (keySeries, error) {
		// The same pseudo-random pauses for every screen: a key lands anywhere
		// in the renderer's 16.7 ms frame period, as a person's keys do, not
		// at a fixed phase after the last frame.
		rng := rand.New(rand.NewPCG(8, 8))
		var ds []time.Duration
		p.Drain(100*time.Millisecond, 2*time.Second)
		for i := range presses {
			d, err := p.Press(ptyKeys[cycle(keys, i)], 2*time.Second)
			if err != nil {
				return keySeries{}, fmt.Errorf("%s, key %d: %w", screen, i, err)
			}
			ds = append(ds, d)
			// The rest of the frame, so the next key starts from a still screen.
			p.Drain(10*time.Millisecond, time.Second)
			time.Sleep(time.Duration(rng.Int64N(int64(17 * time.Millisecond))))
		}
		return keySeries{Screen: screen, Keys: fmt.Sprint(keys), Ms: stats.Summarize(stats.Millis(ds))}, nil
	}
	walk := func(p *ptyrun.Proc, walk []ptyStep) error {
		for _, s := range walk {
			p.ResetText()
			if _, err := p.Press(s.keys, 5*time.Second); err != nil {
				return err
			}
			if _, err := p.WaitTitle(10*time.Second, ui.TitlePrefix+s.step); err != nil {
				return err
			}
		}
		return nil
	}

	wp, err := ptyrun.Start(wizard, []string{"--demo"}, ptyrun.Env(), keyCols, keyRows)
	if err != nil {
		return nil, err
	}
	defer func() { _, _ = wp.Stop(ptyrun.KeyCtrlC, 10*time.Second) }()
	if _, err := wp.WaitTitle(10*time.Second, ui.TitlePrefix+"welcome"); err != nil {
		return nil, err
	}
	if err := walk(wp, ptyToChecks); err != nil {
		return nil, err
	}
	s, err := run(wp, "mode", []string{"down", "up"})
	if err != nil {
		return nil, err
	}
	out = append(out, s)
	if err := walk(wp, ptyToResult); err != nil {
		return nil, err
	}
	if s, err = run(wp, "result", []string{"tab"}); err != nil {
		return nil, err
	}
	out = append(out, s)

	mp, err := ptyrun.Start(minimal, nil, ptyrun.Env(), keyCols, keyRows)
	if err != nil {
		return nil, err
	}
	defer func() { _, _ = mp.Stop(ptyrun.KeyCtrlC, 10*time.Second) }()
	if _, err := mp.WaitTitle(10*time.Second, floor.Title); err != nil {
		return nil, err
	}
	if s, err = run(mp, "floor", []string{"x"}); err != nil {
		return nil, err
	}
	return append(out, s), nil
}
