// Package eventually waits in tests for something another goroutine or process
// brings about: one polling loop for every such wait, so none of them is a
// fixed sleep that is too short on a busy machine and too long on an idle one.
//
// Under testing/synctest the waits run on the bubble's clock and take no time.
package eventually

import (
	"testing"
	"time"
)

// Timeout bounds every wait. It only bounds a failure and measures nothing, so
// it is generous: a loaded 2-core machine running the race detector is slow.
const Timeout = 15 * time.Second

// True polls cond until it returns true; if Timeout passes first, the test
// fails with "timed out waiting for <what>".
func True(t testing.TB, what string, cond func() bool) {
	t.Helper()
	Succeeds(t, what, func() error {
		if cond() {
			return nil
		}
		return errNotYet
	})
}

// Succeeds polls cond until it returns nil; if Timeout passes first, the test
// fails with what and cond's last error, which should say what was seen
// instead (the screen, the log).
func Succeeds(t testing.TB, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	pause := time.Millisecond
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			if err == errNotYet {
				t.Fatalf("timed out after %v waiting for %s", Timeout, what)
			}
			t.Fatalf("timed out after %v waiting for %s: %v", Timeout, what, err)
		}
		time.Sleep(pause)
		pause = min(2*pause, 50*time.Millisecond)
	}
}

type notYet struct{}

func (notYet) Error() string { return "not yet" }

var errNotYet error = notYet{}
