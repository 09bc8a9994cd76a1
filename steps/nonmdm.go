package steps

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
)

// Baseline is the set of clients that existed when the wizard asked the admin
// to turn on OAuth 2.0 in the mobile plugin. A client with the app's redirect
// that is not in it appeared afterwards, which is evidence of the switch; one
// that is in it (an earlier MDM run, a person) proves nothing.
type Baseline struct {
	ids   map[string]bool
	known bool
}

// BaselineOf records the clients listed when the wizard asked for the switch.
func BaselineOf(clients []api.OAuthClient) Baseline {
	b := Baseline{ids: make(map[string]bool, len(clients)), known: true}
	for _, cl := range clients {
		b.ids[clientKey(cl)] = true
	}
	return b
}

// Known reports whether a list was recorded (the zero Baseline has none).
func (b Baseline) Known() bool { return b.known }

func (b Baseline) has(cl api.OAuthClient) bool { return b.ids[clientKey(cl)] }

func clientKey(cl api.OAuthClient) string {
	if cl.ID != "" {
		return "id:" + cl.ID
	}
	return "clientId:" + cl.ClientID
}

// Confirmation is how the switch was shown to be on.
type Confirmation int

const (
	// NotConfirmed: no evidence yet.
	NotConfirmed Confirmation = iota
	// HandedOut: info/login, read without credentials as the app reads it,
	// holds the clientId of a client with the app's redirect.
	HandedOut
	// AppearedAfterAsking: a client with the app's redirect exists that was not
	// there when the wizard asked for the switch.
	AppearedAfterAsking
)

// MobileOAuthEvidence is what the wizard saw when it looked for proof that the
// mobile plugin hands the app an OAuth 2.0 client.
type MobileOAuthEvidence struct {
	Product api.Product
	How     Confirmation
	// Client is the confirmed client (nil unless How != NotConfirmed).
	Client *api.OAuthClient
	// WithRedirect are the clients carrying the app's redirect, as listed.
	WithRedirect []api.OAuthClient
	// LoginErr is why info/login could not be read; nil when it was.
	LoginErr error

	listed []api.OAuthClient
}

// AsBaseline is the list these clients make, for the wait that follows asking
// for the switch.
func (e *MobileOAuthEvidence) AsBaseline() Baseline {
	if e == nil {
		return Baseline{}
	}
	return BaselineOf(e.listed)
}

// Confirmed reports whether the evidence shows the mobile plugin's OAuth 2.0 on.
func (e *MobileOAuthEvidence) Confirmed() bool {
	return e != nil && e.How != NotConfirmed && e.Client != nil
}

// Describe says in one or two sentences what was seen and, when nothing is
// confirmed, what the admin can do.
func (e *MobileOAuthEvidence) Describe() string {
	if e == nil {
		return "Nothing could be read from the instance yet."
	}
	p := e.Product
	switch {
	case e.Confirmed() && e.How == HandedOut:
		return fmt.Sprintf("OAuth 2.0 is on: the mobile plugin hands the app the client ID of the incoming link %q (%s), which carries the iOS app's redirect. The wizard created nothing.",
			e.Client.Name, e.Client.ClientID)
	case e.Confirmed():
		return fmt.Sprintf("OAuth 2.0 is on: the incoming link %q (client ID %s) with the iOS app's redirect appeared after the wizard asked for the switch. The wizard created nothing.",
			e.Client.Name, e.Client.ClientID)
	}
	var b strings.Builder
	if len(e.WithRedirect) == 0 {
		fmt.Fprintf(&b, "No incoming link with the app's redirect %s exists yet: turn on OAuth 2.0 in %s.", p.MobileRedirect(), MobileAdminPath(p))
	} else {
		names := make([]string, 0, len(e.WithRedirect))
		for _, cl := range e.WithRedirect {
			names = append(names, fmt.Sprintf("%q (client ID %s)", cl.Name, cl.ClientID))
		}
		fmt.Fprintf(&b, "A link with the app's redirect exists (%s), but the mobile plugin does not hand it out yet: turn on OAuth 2.0 in %s.",
			strings.Join(names, ", "), MobileAdminPath(p))
	}
	if e.LoginErr != nil {
		msg, _, _ := Explain(e.LoginErr)
		b.WriteString(" " + api.PathMobileLogin + " could not be read: " + msg)
	}
	return b.String()
}

// MobileOAuthEvidenceFrom weighs what has already been read: the clients, the
// anonymous info/login document (nil with loginErr when it could not be read)
// and the baseline. Only a client carrying the app's redirect can be the
// plugin's; field names of info/login are never relied on, only values.
func MobileOAuthEvidenceFrom(p api.Product, clients []api.OAuthClient, login *api.MobileLoginInfo, loginErr error, base Baseline) *MobileOAuthEvidence {
	e := &MobileOAuthEvidence{Product: p, LoginErr: loginErr, listed: clients}
	for _, cl := range clients {
		if cl.HasRedirect(p.MobileRedirect()) {
			e.WithRedirect = append(e.WithRedirect, cl)
		}
	}
	for i := range e.WithRedirect {
		if cl := &e.WithRedirect[i]; login.HandsOut(cl.ClientID) {
			e.How, e.Client = HandedOut, cl
			return e
		}
	}
	if base.Known() {
		for i := range e.WithRedirect {
			if cl := &e.WithRedirect[i]; !base.has(*cl) {
				e.How, e.Client = AppearedAfterAsking, cl
				return e
			}
		}
	}
	return e
}

// CheckMobileOAuth reads the clients and, anonymously, info/login, and weighs
// them. The error is set only when the clients could not be listed; an
// info/login failure is part of the evidence.
func CheckMobileOAuth(ctx context.Context, c *api.Client, p api.Product, base Baseline) (*MobileOAuthEvidence, error) {
	var (
		wg         sync.WaitGroup
		clients    []api.OAuthClient
		clientsErr error
		login      *api.MobileLoginInfo
		loginErr   error
	)
	wg.Go(func() { clients, clientsErr = c.ListClients(ctx) })
	wg.Go(func() { login, loginErr = c.MobileLoginInfo(ctx) })
	wg.Wait()
	if clientsErr != nil {
		return nil, clientsErr
	}
	return MobileOAuthEvidenceFrom(p, clients, login, loginErr, base), nil
}

// MobilePoll is one look at the instance during the non-MDM wait.
type MobilePoll struct {
	N        int                  // 1 for the first poll
	Elapsed  time.Duration        // since the wait began
	Evidence *MobileOAuthEvidence // nil when this poll failed
	Err      error                // why this poll failed
	// Again: this poll failed as the one before it did (the same error), so
	// a front-end that reports failures says each once; a poll that works
	// ends the run.
	Again bool
}

// waitForMobileOAuth polls every interval until the evidence confirms the
// mobile plugin's OAuth 2.0 switch, or ctx ends, and looks at once whenever
// something arrives on now (the user asked to check now). progress sees every
// poll, failed ones included. On success it returns the confirming evidence.
// When ctx ends first it returns the last evidence it could read (nil if no
// poll succeeded) with an error that wraps ctx.Err() and, if the last poll
// failed, that failure too.
func waitForMobileOAuth(ctx context.Context, c *api.Client, p api.Product, base Baseline, every time.Duration, progress func(MobilePoll), now <-chan struct{}) (*MobileOAuthEvidence, error) {
	start := time.Now()
	t := time.NewTicker(every)
	defer t.Stop()
	var (
		last    *MobileOAuthEvidence
		lastErr error
	)
	giveUp := func() (*MobileOAuthEvidence, error) {
		if lastErr != nil {
			return last, fmt.Errorf("%w (the last look failed: %w)", ctx.Err(), lastErr)
		}
		return last, ctx.Err()
	}
	for n := 1; ; n++ {
		ev, err := CheckMobileOAuth(ctx, c, p, base)
		if ctx.Err() != nil {
			return giveUp()
		}
		again := err != nil && lastErr != nil && err.Error() == lastErr.Error()
		last, lastErr = cmpOr(ev, last), err
		progress(MobilePoll{N: n, Elapsed: time.Since(start), Evidence: ev, Err: err, Again: again})
		if ev.Confirmed() {
			return ev, nil
		}
		select {
		case <-ctx.Done():
			return giveUp()
		case <-t.C:
		case <-now:
			t.Reset(every)
		}
	}
}

func cmpOr(a, b *MobileOAuthEvidence) *MobileOAuthEvidence {
	if a != nil {
		return a
	}
	return b
}
