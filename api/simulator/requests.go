package simulator

import "time"

// Request is one request, as the simulator saw it. Credentials are never
// recorded; User is the name they resolved to, or "anonymous".
type Request struct {
	Method, Path, Query, User string
	// Status is what the client was sent; 0 when it got no response at all
	// (reset, hang or latency the client gave up on) or while it is under way.
	Status int
	Start  time.Time
	// End is zero while the request is under way.
	End time.Time
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
	s.logBase += len(s.log)
	s.log = nil
}

// begin logs a request as it arrives, so that a client can never see an answer
// (or a reset) to a request the log does not have yet; finish fills in how it
// ended. The sequence number survives the log dropping its oldest half.
func (s *Sim) begin(r Request) (seq int) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if len(s.log) >= maxRequestLog {
		// Dropping half at a time keeps the cost per request constant.
		s.logBase += maxRequestLog / 2
		s.log = append(s.log[:0], s.log[maxRequestLog/2:]...)
	}
	s.log = append(s.log, r)
	return s.logBase + len(s.log) - 1
}

func (s *Sim) finish(seq, status int, end time.Time) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if i := seq - s.logBase; i >= 0 && i < len(s.log) {
		s.log[i].Status, s.log[i].End = status, end
	}
}
