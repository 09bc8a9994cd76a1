package serve

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// holdEnd is a log handler that holds every "session ended" record until the
// server has either finished shutting down ("stopped") or said that it waits
// for sessions to log their end, whichever comes first. The order of the
// released records then shows whether Serve could return before a session's
// end was logged.
type holdEnd struct {
	slog.Handler
	mu      *sync.Mutex
	release chan struct{}
	once    *sync.Once
}

func (h holdEnd) Handle(ctx context.Context, r slog.Record) error {
	switch r.Message {
	case "session ended":
		<-h.release
	case "stopped", "waiting for sessions to log their end":
		h.once.Do(func() { close(h.release) })
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.Handler.Handle(ctx, r)
}

func (h holdEnd) WithAttrs(as []slog.Attr) slog.Handler {
	h.Handler = h.Handler.WithAttrs(as)
	return h
}

func (h holdEnd) WithGroup(name string) slog.Handler {
	h.Handler = h.Handler.WithGroup(name)
	return h
}

// TestShutdownLogsTheEndOfEverySessionFirst: a client that has its exit status
// hangs up at once, and the server may be told to stop in that moment. Every
// session it started still gets its "session ended" line, and before Serve
// returns (the process may exit right after).
func TestShutdownLogsTheEndOfEverySessionFirst(t *testing.T) {
	logs := &simtest.Buffer{}
	ts := startServer(t, func(o *Options) {
		o.Logger = slog.New(holdEnd{
			Handler: slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
			mu:      &sync.Mutex{}, release: make(chan struct{}), once: &sync.Once{},
		})
	})
	c := mustDial(t, ts.addr, "admin", ts.key)
	s := openWizard(t, c, 80, 24)
	s.send("q")
	if code := s.exitStatus(t); code != 3 {
		t.Fatalf("exit %d, want 3", code)
	}
	_ = c.Close()

	if err := ts.stop(); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	out := logs.String()
	ended, stopped := strings.Index(out, "session ended"), strings.Index(out, "msg=stopped")
	switch {
	case ended < 0:
		t.Fatalf("no 'session ended' line when Serve returned:\n%s", out)
	case stopped < 0:
		t.Fatalf("no 'stopped' line:\n%s", out)
	case ended > stopped:
		t.Fatalf("the session's end was logged after the server stopped:\n%s", out)
	}
}
