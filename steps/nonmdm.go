package steps

import (
	"context"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
)

// FindMobileClient returns the incoming client carrying the product's mobile
// redirect, or nil while there is none.
func FindMobileClient(ctx context.Context, c *api.Client, p api.Product) (*api.OAuthClient, error) {
	clients, err := c.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	return MobileClientIn(clients, p), nil
}

// MobileClientIn finds the client with the product's mobile redirect in a list
// already fetched (the checks list the clients), saving a round trip.
func MobileClientIn(clients []api.OAuthClient, p api.Product) *api.OAuthClient {
	for _, cl := range clients {
		if cl.HasRedirect(p.MobileRedirect()) {
			return &cl
		}
	}
	return nil
}

// WaitForMobileClient polls until the mobile plugin has created its client after
// the admin turned OAuth 2.0 on, or ctx ends (bounded by --wait). progress, if set,
// is told about each poll. The wizard never creates a client in this mode.
func WaitForMobileClient(ctx context.Context, c *api.Client, p api.Product, every time.Duration, progress func(polls int, elapsed time.Duration)) (*api.OAuthClient, error) {
	start := time.Now()
	t := time.NewTicker(every)
	defer t.Stop()
	for polls := 1; ; polls++ {
		cl, err := FindMobileClient(ctx, c, p)
		if err != nil || cl != nil {
			return cl, err
		}
		if progress != nil {
			progress(polls, time.Since(start))
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}
