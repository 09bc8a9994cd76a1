package simulator

import (
	"cmp"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"
)

// FaultKind is what goes wrong.
type FaultKind int

const (
	FaultStatus    FaultKind = iota // respond Status with Body, ContentType and Header
	FaultRateLimit                  // 429 with Retry-After: RetryAfter in seconds
	FaultReset                      // close the connection with a TCP RST
	FaultHang                       // no answer until the client gives up or Close
	FaultLatency                    // wait Latency, then answer normally
)

// Fault is a failure injected in front of (or, with AfterHandle, behind) the
// instance.
type Fault struct {
	Method      string // "" = any
	PathPrefix  string // "" = any
	Kind        FaultKind
	Status      int // FaultStatus; 0 = 500
	Body        string
	ContentType string
	Header      http.Header
	RetryAfter  time.Duration
	Latency     time.Duration
	Times       int // requests it applies to; 0 = all matching requests
	// AfterHandle runs the real handler first, so its state changes happen,
	// and then replaces its response: "the POST timed out after the server
	// created the client".
	AfterHandle bool
}

// Inject adds a fault after the existing ones; the first match applies.
func (s *Sim) Inject(f Fault) {
	f.Header = f.Header.Clone()
	s.faults.Add(FaultRule{Method: f.Method, PathPrefix: f.PathPrefix, Times: f.Times}, f)
}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() { s.faults.Clear() }

// applyFault answers r as f says. rec holds the real handler's response when
// f.AfterHandle; otherwise the handler has not run yet.
func (s *Sim) applyFault(sw *statusWriter, raw http.ResponseWriter, r *http.Request, f Fault, id identity, rec *bufferedResponse) {
	switch f.Kind {
	case FaultStatus:
		s.writeFault(sw, f, id, cmp.Or(f.Status, http.StatusInternalServerError))
	case FaultRateLimit:
		sw.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds()))))
		sw.Header().Set("X-RateLimit-Remaining", "0")
		if f.Body == "" {
			f.Body = `{"message":"Rate limit exceeded.","status-code":429}` + "\n"
			if f.ContentType == "" {
				f.ContentType = contentTypeJSON
			}
		}
		s.writeFault(sw, f, id, http.StatusTooManyRequests)
	case FaultReset:
		sw.aborted = true
		resetConnection(raw)
	case FaultHang:
		s.hang(sw, r, id)
	case FaultLatency:
		if !s.sleep(r.Context(), f.Latency) {
			sw.aborted = true
			return
		}
		if rec != nil {
			rec.copyTo(sw)
		} else {
			s.handle(sw, r, id)
		}
	default:
		if rec != nil {
			rec.copyTo(sw)
		} else {
			s.handle(sw, r, id)
		}
	}
}

func (s *Sim) writeFault(w http.ResponseWriter, f Fault, id identity, status int) {
	s.setUserHeader(w.Header(), id)
	if f.ContentType != "" {
		w.Header().Set("Content-Type", f.ContentType)
	}
	for k, v := range f.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	w.Write([]byte(f.Body))
}

// hang parks the request until the client gives up or the simulator closes.
func (s *Sim) hang(sw *statusWriter, r *http.Request, id identity) {
	s.parked.Add(1)
	defer s.parked.Add(-1)
	select {
	case <-r.Context().Done():
		sw.aborted = true
	case <-s.closed:
		s.setUserHeader(sw.Header(), id)
		writeJSON(sw, http.StatusServiceUnavailable, restError(http.StatusServiceUnavailable, "The simulator is shutting down."))
	}
}

// resetConnection drops the connection so the client reads ECONNRESET rather
// than a clean EOF. Without a hijackable connection (HTTP/2) aborting the
// handler resets the stream instead.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	// Under TLS, close the TCP connection beneath: closing the TLS one would
	// send close_notify first, which a client sees as an orderly shutdown.
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		conn = nc.NetConn()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// ResetConnection drops the connection under w, as FaultReset does (for the
// MDM simulators).
func ResetConnection(w http.ResponseWriter) { resetConnection(w) }
