package steps

import (
	"context"
	"errors"
	"sync"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
)

// SignerIn is an MDM whose sign-in can run before it is known which app is
// pushed (Intune's Entra ID token, Jamf Pro's API token).
type SignerIn interface {
	SignIn(ctx context.Context) error
}

// Interactive is an MDM whose sign-in asks a person (a device code): it is
// not started ahead of its turn, where it would ask in the middle of another
// step's report.
type Interactive interface {
	Interactive() bool
}

// PushAhead reads the MDM for a push while the instance's work runs: the
// sign-in, finding the app's record and reading its site list need nothing
// from the instance but which app it is (its product), so only the merge,
// the write and the read-back wait for the link's client ID. It only reads:
// nothing is written to the MDM before Plan's plan is carried out, and a run
// that fails on the instance calls Stop, which ends the reads and waits for
// them, so that nothing it started outlives the command.
type PushAhead struct {
	m      MDM
	pick   string
	app    chan App
	once   sync.Once
	cancel context.CancelFunc
	done   chan struct{}

	// Set by the reading goroutine before done is closed.
	forApp App
	read   *PushRead
	err    error
}

// StartPushAhead signs in to m at once and reads the record of the app For
// names (pick: the MDM's id of the record) as soon as it is named. An MDM
// whose sign-in asks a person reads nothing ahead: Plan then reads in turn.
func StartPushAhead(ctx context.Context, m MDM, pick string) *PushAhead {
	a := &PushAhead{m: m, pick: pick, app: make(chan App, 1), done: make(chan struct{})}
	if i, ok := m.(Interactive); ok && i.Interactive() {
		a.cancel = func() {}
		close(a.done)
		return a
	}
	ctx, a.cancel = context.WithCancel(ctx)
	go func() {
		defer close(a.done)
		if s, ok := m.(SignerIn); ok {
			// A refused sign-in is the push's error whichever app it is for.
			if a.err = s.SignIn(ctx); a.err != nil {
				return
			}
		}
		select {
		case app := <-a.app:
			a.forApp = app
			a.read, a.err = ReadPush(ctx, m, app, pick)
		case <-ctx.Done():
		}
	}()
	return a
}

// For names the app whose record is read ahead (once the instance's product
// is known); only the first call counts.
func (a *PushAhead) For(app App) {
	a.once.Do(func() { a.app <- app })
}

// Plan is PlanPush from what was read ahead: it waits for the reads and
// merges req into them. A read that failed is the push's error, as it would
// have been read in turn; a request for another app than the one read ahead
// (or one nothing was read for) reads now.
func (a *PushAhead) Plan(ctx context.Context, req PushRequest) (*PushPlan, error) {
	if err := validateSites(req.Put); err != nil {
		return nil, err
	}
	select {
	case <-a.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	same := req.PickApp == a.pick && (a.forApp == req.App || a.forApp == "" && a.read == nil)
	switch {
	case a.err != nil && same && !canceled(a.err):
		return nil, a.err
	case a.read != nil && same:
		return a.read.Plan(req)
	}
	return PlanPush(ctx, a.m, req)
}

// canceled reports an error that says only that its context ended.
func canceled(err error) bool {
	return errors.Is(err, context.Canceled) || api.KindOf(err) == api.KindCanceled
}

// Stop ends the reads ahead and waits until they have ended; Plan reads in
// turn afterwards. It may be called more than once.
func (a *PushAhead) Stop() {
	a.cancel()
	<-a.done
}
