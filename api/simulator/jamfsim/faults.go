package jamfsim

import (
	"cmp"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
)

// FaultKind is what goes wrong.
type FaultKind int

const (
	// FaultStatus answers Status (0 = 500) with Body, without Retry-After
	// unless RetryAfter is set.
	FaultStatus FaultKind = iota
	// FaultRateLimit answers 429 with Retry-After: RetryAfter in seconds
	// (none when RetryAfter is zero).
	FaultRateLimit
	// FaultUnavailable answers 503, with Retry-After when RetryAfter is set.
	FaultUnavailable
	// FaultReset closes the connection before handling the request.
	FaultReset
	// FaultLatency waits Latency, then answers normally.
	FaultLatency
	// FaultLostAnswer handles the request (a PUT is applied) and then
	// closes the connection instead of answering.
	FaultLostAnswer
	// FaultHang never answers: the request waits until the client gives up
	// or the simulator closes.
	FaultHang
)

// Fault is a failure injected in front of the server.
type Fault struct {
	Method     string // "" = any
	PathPrefix string // "" = any
	Kind       FaultKind
	Status     int
	Body       string
	RetryAfter time.Duration
	Latency    time.Duration
	Times      int // requests it applies to; 0 = every matching request
}

// Inject adds a fault after the existing ones; the first match applies.
func (s *Sim) Inject(f Fault) {
	s.faults.Add(simulator.FaultRule{Method: f.Method, PathPrefix: f.PathPrefix, Times: f.Times}, f)
}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() { s.faults.Clear() }

func (s *Sim) applyFault(w http.ResponseWriter, r *http.Request, f Fault) {
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds()))))
	}
	switch f.Kind {
	case FaultStatus:
		status := cmp.Or(f.Status, http.StatusInternalServerError)
		classicError(w, status, cmp.Or(f.Body, http.StatusText(status)))
	case FaultRateLimit:
		classicError(w, http.StatusTooManyRequests, cmp.Or(f.Body, "Too Many Requests"))
	case FaultUnavailable:
		classicError(w, http.StatusServiceUnavailable, cmp.Or(f.Body, "The server is temporarily unavailable"))
	case FaultReset:
		simulator.ResetConnection(w)
	case FaultLatency:
		if !s.sleep(r.Context(), f.Latency) {
			panic(http.ErrAbortHandler)
		}
		s.handle(w, r)
	case FaultLostAnswer:
		s.handle(httptest.NewRecorder(), r)
		simulator.ResetConnection(w)
	case FaultHang:
		select {
		case <-r.Context().Done():
		case <-s.closed:
		}
		panic(http.ErrAbortHandler)
	}
}
