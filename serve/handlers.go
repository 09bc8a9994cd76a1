package serve

import "sync"

// handlers counts session handlers that have started and not yet returned,
// from the outermost middleware, so that shutdown can wait until every
// session's "session ended" line is written. The SSH library's Shutdown waits
// for connections, not for handlers: a client that has its exit status hangs
// up at once, and its handler may still be writing the audit line.
//
// A WaitGroup does not fit: a handler may start (a channel opened on a live
// connection) while shutdown is already waiting.
type handlers struct {
	mu      sync.Mutex
	running int
	idle    []chan struct{}
}

func (h *handlers) start() {
	h.mu.Lock()
	h.running++
	h.mu.Unlock()
}

func (h *handlers) done() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.running--
	if h.running == 0 {
		for _, ch := range h.idle {
			close(ch)
		}
		h.idle = nil
	}
}

// count is how many handlers are running now.
func (h *handlers) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.running
}

// ended is closed once no handler is running.
func (h *handlers) ended() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	ch := make(chan struct{})
	if h.running == 0 {
		close(ch)
		return ch
	}
	h.idle = append(h.idle, ch)
	return ch
}
