package serve

import (
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

const (
	// evictionLogEvery spaces out the log line about connections closed to
	// make room: a flood would otherwise write one line per connection.
	evictionLogEvery = 10 * time.Second

	// silentGrace is how long a connection in its handshake may go without
	// a byte read from it before it may be closed to make room. SSH clients
	// send their version line as soon as they connect; the margin is for a
	// server so loaded that it reads late (250 ms lost one login in 750 in
	// the SSH benchmark on a loaded machine).
	silentGrace = time.Second

	// maxVersionLine is the longest identification line an SSH client may
	// send (RFC 4253, 4.2), CR LF included.
	maxVersionLine = 255
)

// preauthGate bounds connections that have not logged in yet, like OpenSSH's
// MaxStartups. At most perSource connections per source address are in
// their handshake; more from that source wait, newest first, so that the
// last one to arrive (after a burst, the admin) is the next to go. At most
// max wait or handshake in total: past that, a new connection still gets in
// and one of the source holding the most places is closed (victimLocked).
// Connections that stay silent while others from their source wait are
// closed after silentGrace.
type preauthGate struct {
	max, perSource int
	timeout        time.Duration // how long a connection may wait for its turn
	log            *slog.Logger

	mu      sync.Mutex
	seq     uint64 // connections registered so far
	total   int
	active  map[string][]*gatedConn // in their handshake, oldest first
	waiting map[string][]*gatedConn // waiting for a handshake slot, oldest first
	evicted map[string]bool         // remote addresses closed to make room, until their handshake error is seen

	evictions atomic.Int64
	lastLog   atomic.Int64 // unix nanoseconds
}

func newPreauthGate(maxTotal, perSource int, timeout time.Duration, log *slog.Logger) *preauthGate {
	return &preauthGate{max: maxTotal, perSource: perSource, timeout: timeout, log: log,
		active: map[string][]*gatedConn{}, waiting: map[string][]*gatedConn{}, evicted: map[string]bool{}}
}

// gatedConn holds a place in the gate until it logs in or closes.
type gatedConn struct {
	net.Conn
	gate   *preauthGate
	source string
	since  time.Time // when it got its handshake slot
	seq    uint64    // arrival order
	// read counts the bytes the client has sent, up to past a version line.
	read atomic.Int64
	// turn is closed when the connection gets a handshake slot or is
	// closed to make room (gone is then set).
	turn    chan struct{}
	gone    bool
	release sync.Once
}

func (c *gatedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.read.Load() <= maxVersionLine {
		c.read.Add(int64(n))
	}
	return n, err
}

// spoke reports whether the client has sent anything.
func (c *gatedConn) spoke() bool { return c.read.Load() > 0 }

// progressed reports whether the client has sent more than an SSH version
// line can be: its key exchange has begun. A connection that sends
// "SSH-2.0-" and stalls has not.
func (c *gatedConn) progressed() bool { return c.read.Load() > maxVersionLine }

// Close gives the place back; the library closes every connection it handled.
func (c *gatedConn) Close() error {
	c.authenticated()
	return c.Conn.Close()
}

// authenticated gives the place back: the connection is no longer the gate's
// business.
func (c *gatedConn) authenticated() {
	c.release.Do(func() {
		g := c.gate
		g.mu.Lock()
		if g.removeLocked(c) {
			g.promoteLocked(c.source)
		}
		g.mu.Unlock()
	})
}

// removeLocked takes c out of the gate; false if it was not in it.
func (g *preauthGate) removeLocked(c *gatedConn) bool {
	for _, m := range []map[string][]*gatedConn{g.active, g.waiting} {
		list := m[c.source]
		for i, x := range list {
			if x == c {
				list = append(list[:i:i], list[i+1:]...)
				if len(list) == 0 {
					delete(m, c.source)
				} else {
					m[c.source] = list
				}
				g.total--
				return true
			}
		}
	}
	return false
}

// promoteLocked gives free handshake slots of source to its newest waiters.
func (g *preauthGate) promoteLocked(source string) {
	for len(g.active[source]) < g.perSource && len(g.waiting[source]) > 0 {
		w := g.waiting[source]
		c := w[len(w)-1]
		if len(w) == 1 {
			delete(g.waiting, source)
		} else {
			g.waiting[source] = w[:len(w)-1]
		}
		c.since = time.Now()
		g.active[source] = append(g.active[source], c)
		close(c.turn)
	}
}

// evictLocked takes c out and marks it for closing by the caller.
func (g *preauthGate) evictLocked(c *gatedConn) {
	g.removeLocked(c)
	c.release.Do(func() {}) // its place is already given back
	select {
	case <-c.turn:
		// In its handshake, which now fails: its error is not worth a line.
		g.evicted[c.RemoteAddr().String()] = true
	default:
		c.gone = true
		close(c.turn)
	}
}

// sweepLocked picks connections of source that are in their handshake but
// have not said a word for silentGrace.
func (g *preauthGate) sweepLocked(source string) []*gatedConn {
	var out []*gatedConn
	for _, c := range g.active[source] {
		if !c.spoke() && time.Since(c.since) >= silentGrace {
			out = append(out, c)
		}
	}
	for _, c := range out {
		g.evictLocked(c)
	}
	return out
}

// gateListener registers connections with the gate as they are accepted,
// in the order they arrived: a connection's goroutine may start after those
// of connections that came later, and order decides who makes room.
type gateListener struct {
	net.Listener
	gate *preauthGate
}

func (l gateListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if c := l.gate.register(conn); c != nil {
			return c, nil
		}
	}
}

// register puts a new connection in the waiting line, making room if the
// gate is full. It returns nil when the connection was closed instead.
func (g *preauthGate) register(conn net.Conn) *gatedConn {
	source := conn.RemoteAddr().String()
	if host, _, err := net.SplitHostPort(source); err == nil {
		source = host
	}
	c := &gatedConn{Conn: conn, gate: g, source: source, turn: make(chan struct{})}

	var evict []*gatedConn
	g.mu.Lock()
	if len(g.evicted) > 4*g.max {
		// Entries whose handshake error never came (the connection logged in
		// just as it was closed); only log lines depend on them.
		clear(g.evicted)
	}
	if g.total >= g.max {
		if v := g.victimLocked(); v != nil {
			g.evictLocked(v)
			evict = append(evict, v)
		}
	}
	if g.total >= g.max {
		g.mu.Unlock()
		g.close(evict)
		g.noteEvictions(1)
		_ = conn.Close()
		return nil
	}
	g.total++
	g.seq++
	c.seq = g.seq
	g.waiting[source] = append(g.waiting[source], c)
	g.promoteLocked(source)
	g.mu.Unlock()
	g.close(evict)
	return c
}

// wait waits for c's handshake slot. It returns false when c was closed
// instead.
func (g *preauthGate) wait(c *gatedConn) bool {
	timeout := time.NewTimer(g.timeout)
	defer timeout.Stop()
	sweep := time.NewTicker(silentGrace)
	defer sweep.Stop()
	for {
		select {
		case <-c.turn:
			g.mu.Lock()
			gone := c.gone
			g.mu.Unlock()
			if gone {
				_ = c.Conn.Close()
				return false
			}
			return true
		case <-sweep.C:
			// Someone from this source waits: the silent ones make room.
			g.mu.Lock()
			evict := g.sweepLocked(c.source)
			g.promoteLocked(c.source)
			g.mu.Unlock()
			g.close(evict)
		case <-timeout.C:
			g.mu.Lock()
			g.removeLocked(c)
			c.release.Do(func() {})
			g.mu.Unlock()
			_ = c.Conn.Close()
			return false
		}
	}
}

// victimLocked picks what to close when the gate is full: a connection of
// the source holding the most places (a few addresses holding many cannot
// keep one with a single connection out); among the sources tied for that,
// one that has not begun its key exchange rather than one that has, and then
// the oldest. A connection that is waiting goes before one of its source in
// its handshake. So a new connection always gets a place, and a valid login
// is only closed once as many connections as the gate holds came after it
// from addresses holding as many places as its own.
func (g *preauthGate) victimLocked() *gatedConn {
	var victim *gatedConn
	var victimHeld int
	for src := range g.sources() {
		held := len(g.waiting[src]) + len(g.active[src])
		c := g.candidateLocked(src)
		if victim == nil || held > victimHeld ||
			held == victimHeld && worseVictim(c, victim) {
			victim, victimHeld = c, held
		}
	}
	return victim
}

// sources yields every source holding a place (under g.mu).
func (g *preauthGate) sources() func(yield func(string) bool) {
	return func(yield func(string) bool) {
		for src := range g.active {
			if !yield(src) {
				return
			}
		}
		for src := range g.waiting {
			if _, seen := g.active[src]; !seen && !yield(src) {
				return
			}
		}
	}
}

// candidateLocked is the connection of source to close first: its oldest
// waiting one, or else the one in its handshake that has made the least
// progress, oldest first.
func (g *preauthGate) candidateLocked(source string) *gatedConn {
	if w := g.waiting[source]; len(w) > 0 {
		return w[0]
	}
	var pick *gatedConn
	for _, c := range g.active[source] {
		if pick == nil || worseVictim(c, pick) {
			pick = c
		}
	}
	return pick
}

// worseVictim reports whether a should be closed before b: one that has not
// begun its key exchange before one that has, then the older.
func worseVictim(a, b *gatedConn) bool {
	if pa, pb := a.progressed(), b.progressed(); pa != pb {
		return !pa
	}
	return a.seq < b.seq
}

func (g *preauthGate) close(cs []*gatedConn) {
	for _, c := range cs {
		_ = c.Conn.Close()
	}
	if n := len(cs); n > 0 {
		g.noteEvictions(int64(n))
	}
}

// wasEvicted reports (once) whether the connection from remote was closed to
// make room, so that its handshake error is not logged as a separate line.
func (g *preauthGate) wasEvicted(remote string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	ok := g.evicted[remote]
	delete(g.evicted, remote)
	return ok
}

func (g *preauthGate) noteEvictions(n int64) {
	total := g.evictions.Add(n)
	now := time.Now().UnixNano()
	last := g.lastLog.Load()
	if now-last < int64(evictionLogEvery) || !g.lastLog.CompareAndSwap(last, now) {
		return
	}
	g.evictions.Add(-total)
	g.log.Warn("unauthenticated connections closed to make room for new ones",
		"closed", total, "max_unauthenticated", g.max, "max_unauthenticated_per_source", g.perSource)
}

type gateKey struct{}

// connCallback holds a connection until its handshake slot.
func (g *preauthGate) connCallback(ctx ssh.Context, conn net.Conn) net.Conn {
	c, ok := conn.(*gatedConn)
	if !ok {
		// Not from the gate's listener (Server.Serve wraps every listener).
		return conn
	}
	if !g.wait(c) {
		return nil // closed to make room, or waited too long: nothing to log
	}
	ctx.SetValue(gateKey{}, c)
	return c
}

// serverConfig frees a connection's place as soon as it has logged in. Only
// a completed login reaches AuthLogCallback without an error: a key merely
// offered (the client asking whether it would do) does not.
func (g *preauthGate) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	return &gossh.ServerConfig{
		AuthLogCallback: func(_ gossh.ConnMetadata, _ string, err error) {
			if err != nil {
				return
			}
			if c, ok := ctx.Value(gateKey{}).(*gatedConn); ok {
				c.authenticated()
			}
		},
	}
}
