package simulator

import "time"

// Request is one handled request, as the simulator saw it. Credentials are
// never recorded; User is the name they resolved to, or "anonymous".
type Request struct {
	Method, Path, Query, User string
	// Status is what the client was sent; 0 when it got no response at all
	// (reset, hang or latency the client gave up on).
	Status     int
	Start, End time.Time
}

// Requests is a copy of the log, oldest first. Only the most recent requests
// are kept, so a long-running simulate server does not grow without bound.
func (s *Sim) Requests() []Request {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return append([]Request(nil), s.log...)
}

// ResetRequests empties the log.
func (s *Sim) ResetRequests() {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.log = nil
}

func (s *Sim) record(r Request) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if len(s.log) >= maxRequestLog {
		// Dropping half at a time keeps the cost per request constant.
		s.log = append(s.log[:0], s.log[maxRequestLog/2:]...)
	}
	s.log = append(s.log, r)
}
