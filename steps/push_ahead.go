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

// PushAhead reads the MDM for a push while the instances' work runs: the
// sign-in, finding an app's record and reading its site list need nothing
// from an instance but which app it is (its product), so only the merge, the
// write and the read-back wait for the links' client IDs. It only reads:
// nothing is written to the MDM before a plan from Plan is carried out, and a
// run that fails on the instance calls Stop, which ends the reads and waits
// for them, so that nothing it started outlives the command. Its methods may
// be called from several goroutines (instances set up side by side).
type PushAhead struct {
	m      MDM
	pick   string
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// signedIn is closed once the sign-in ended; signErr is its error.
	signedIn chan struct{}
	signErr  error

	mu      sync.Mutex
	reads   map[App]*aheadRead
	stopped bool
}

// aheadRead is one app's reading; read and err are set before done is closed.
type aheadRead struct {
	done chan struct{}
	read *PushRead
	err  error
}

// StartPushAhead signs in to m at once and reads the record of each app For
// names (pick: the MDM's id of the record) as soon as it is named. An MDM
// whose sign-in asks a person reads nothing ahead: Plan then reads in turn.
func StartPushAhead(ctx context.Context, m MDM, pick string) *PushAhead {
	a := &PushAhead{m: m, pick: pick, signedIn: make(chan struct{}), reads: map[App]*aheadRead{}}
	a.ctx, a.cancel = context.WithCancel(ctx)
	if i, ok := m.(Interactive); ok && i.Interactive() {
		a.stopped = true
		close(a.signedIn)
		return a
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer close(a.signedIn)
		if s, ok := m.(SignerIn); ok {
			a.signErr = s.SignIn(a.ctx)
		}
	}()
	return a
}

// For starts reading the record of app (its instance's product is known);
// an app already named is read once.
func (a *PushAhead) For(app App) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopped || a.reads[app] != nil {
		return
	}
	r := &aheadRead{done: make(chan struct{})}
	a.reads[app] = r
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer close(r.done)
		select {
		case <-a.signedIn:
		case <-a.ctx.Done():
			r.err = a.ctx.Err()
			return
		}
		if r.err = a.signErr; r.err != nil {
			// A refused sign-in is the push's error whichever app it is for.
			return
		}
		r.read, r.err = ReadPush(a.ctx, a.m, app, a.pick)
	}()
}

// Plan is PlanPush from what was read ahead: it waits for the app's reads and
// merges req into them. A read that failed is the push's error, as it would
// have been read in turn; an app nothing was read for (or another record
// picked) reads now.
func (a *PushAhead) Plan(ctx context.Context, req PushRequest) (*PushPlan, error) {
	if err := validateSites(req.Put); err != nil {
		return nil, err
	}
	a.mu.Lock()
	r := a.reads[req.App]
	a.mu.Unlock()
	if r == nil || req.PickApp != a.pick {
		return PlanPush(ctx, a.m, req)
	}
	select {
	case <-r.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch {
	case r.err != nil && !canceled(r.err):
		return nil, r.err
	case r.read != nil:
		return r.read.Plan(req)
	}
	return PlanPush(ctx, a.m, req)
}

// canceled reports an error that says only that its context ended.
func canceled(err error) bool {
	return errors.Is(err, context.Canceled) || api.KindOf(err) == api.KindCanceled
}

// Stop ends the reads ahead and waits until they have ended; For starts none
// afterwards, and Plan reads in turn what was not read. It may be called
// more than once.
func (a *PushAhead) Stop() {
	a.mu.Lock()
	a.stopped = true
	a.mu.Unlock()
	a.cancel()
	a.wg.Wait()
}
