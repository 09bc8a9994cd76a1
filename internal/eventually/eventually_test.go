package eventually

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// recorder is a testing.TB whose Fatalf records the message and ends the
// goroutine, as the real one does.
type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func run(f func(tb testing.TB)) string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.msg
}

func TestWaitsUntilTheConditionHolds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		ready := start.Add(3 * time.Second)
		msg := run(func(tb testing.TB) {
			True(tb, "the clock", func() bool { return !time.Now().Before(ready) })
		})
		if msg != "" {
			t.Fatalf("failed: %s", msg)
		}
		if waited := time.Since(start); waited < 3*time.Second || waited > 4*time.Second {
			t.Fatalf("returned after %v, want about 3s", waited)
		}
	})
}

func TestFailsWithWhatItSawAfterTheTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		msg := run(func(tb testing.TB) {
			Succeeds(tb, "the banner", func() error { return errors.New("the screen shows: login") })
		})
		if !strings.Contains(msg, "waiting for the banner: the screen shows: login") {
			t.Fatalf("message = %q", msg)
		}
		if waited := time.Since(start); waited < Timeout {
			t.Fatalf("gave up after %v, before the timeout", waited)
		}
		msg = run(func(tb testing.TB) { True(tb, "the banner", func() bool { return false }) })
		if !strings.HasSuffix(msg, "waiting for the banner") {
			t.Fatalf("message = %q", msg)
		}
	})
}
