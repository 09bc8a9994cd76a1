// Command benchserve serves a model through the wizard's own SSH server
// package. With -model floor (a one-line Bubble Tea program) it is the floor
// `serve` is measured against: what the server and Bubble Tea alone spend per
// session. With -model wizard it serves the wizard as `serve` does without
// --demo, with profiles on request, to find where a session's time goes.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"

	tea "charm.land/bubbletea/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/floor"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/ui"
)

func main() {
	var opts serve.Options
	var model, cpuProfile, memProfile string
	flag.StringVar(&opts.Listen, "listen", "127.0.0.1:2222", "address to listen on")
	flag.StringVar(&opts.AuthorizedKeysFile, "authorized-keys", "", "authorized_keys file")
	flag.StringVar(&opts.HostKeyFile, "host-key", "", "host key file (created if missing)")
	flag.IntVar(&opts.MaxSessions, "max-sessions", 1000, "concurrent sessions")
	flag.StringVar(&model, "model", "floor", "floor or wizard")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to FILE")
	flag.StringVar(&memProfile, "memprofile", "", "write a heap profile at shutdown to FILE")
	flag.Parse()
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	switch model {
	case "floor":
		opts.NewModel = func(serve.Session) (tea.Model, []tea.ProgramOption) { return floor.Model{}, nil }
	case "wizard":
		opts.NewModel = func(serve.Session) (tea.Model, []tea.ProgramOption) { return ui.New(ui.Options{}), nil }
	default:
		fmt.Fprintln(os.Stderr, "-model: floor or wizard")
		os.Exit(2)
	}
	if err := run(opts, cpuProfile, memProfile); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(opts serve.Options, cpuProfile, memProfile string) error {
	srv, err := serve.New(opts)
	if err != nil {
		return err
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The heap while the sessions are open, not after they ended: SIGUSR1.
	if memProfile != "" {
		usr1 := make(chan os.Signal, 1)
		signal.Notify(usr1, syscall.SIGUSR1)
		go func() {
			for range usr1 {
				runtime.GC()
				if f, err := os.Create(memProfile); err == nil {
					_ = pprof.WriteHeapProfile(f)
					f.Close()
				}
			}
		}()
	}
	return srv.ListenAndServe(ctx)
}
