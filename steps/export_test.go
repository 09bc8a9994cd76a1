package steps

import (
	"context"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
)

// WaitForMobileOAuth is the non-MDM wait on its own, for the tests.
func WaitForMobileOAuth(ctx context.Context, c *api.Client, p api.Product, base Baseline, every time.Duration, progress func(MobilePoll)) (*MobileOAuthEvidence, error) {
	if progress == nil {
		progress = func(MobilePoll) {}
	}
	return waitForMobileOAuth(ctx, c, p, base, every, progress, nil)
}
