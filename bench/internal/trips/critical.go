// Package trips measures how many round trips a command needs to a slow
// instance, and whether it waits for anything it need not wait for.
package trips

import (
	"slices"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
)

// CriticalPath is the chain of requests that each had to wait for an earlier
// answer: starting from the first request, the next one on the chain is the
// first to start after the previous one on the chain ended. Requests that
// overlap a chain request ran alongside it and cost no extra round trip.
func CriticalPath(reqs []simulator.Request) []simulator.Request {
	s := slices.Clone(reqs)
	slices.SortStableFunc(s, func(a, b simulator.Request) int { return a.Start.Compare(b.Start) })
	var chain []simulator.Request
	var end time.Time
	for _, r := range s {
		if len(chain) == 0 || !r.Start.Before(end) {
			chain = append(chain, r)
			end = r.End
		}
	}
	return chain
}
