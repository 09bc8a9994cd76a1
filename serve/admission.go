package serve

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

var errShuttingDown = errors.New("server shutting down")

// admission counts live wizard sessions, bounds them, and stops letting new
// ones in once shutdown begins.
type admission struct {
	max int

	mu     sync.Mutex
	active int
	closed bool
	wg     sync.WaitGroup

	// closing is cancelled when shutdown begins; every running program is
	// derived from it so that one cancel tells all of them.
	closing context.Context
	close   context.CancelFunc
}

func newAdmission(maxSessions int) *admission {
	ctx, cancel := context.WithCancel(context.Background())
	return &admission{max: maxSessions, closing: ctx, close: cancel}
}

// ticket is one admitted session.
type ticket struct {
	a                  *admission
	slotOnce, doneOnce sync.Once
}

// enter admits one session or says why not.
func (a *admission) enter() (*ticket, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, errShuttingDown
	}
	if a.active >= a.max {
		return nil, fmt.Errorf("too many sessions (%d); try again later", a.max)
	}
	a.active++
	// Added under the lock that shutdown takes before Wait, so no Add can
	// race with Wait.
	a.wg.Add(1)
	return &ticket{a: a}, nil
}

// freeSlot gives the session's slot back. It is called just before the
// client learns that the session ended, so that a reconnect right after is
// not refused for a slot still held by a handler that is returning.
func (t *ticket) freeSlot() {
	t.slotOnce.Do(func() {
		t.a.mu.Lock()
		t.a.active--
		t.a.mu.Unlock()
	})
}

// done marks the session's handler finished; shutdown waits for this.
func (t *ticket) done() {
	t.freeSlot()
	t.doneOnce.Do(t.a.wg.Done)
}

// shutdown refuses new sessions and tells the running ones to stop.
func (a *admission) shutdown() {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.close()
}

// drained is closed once every admitted session has been released. Call it
// after shutdown.
func (a *admission) drained() <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		a.wg.Wait()
		close(ch)
	}()
	return ch
}
