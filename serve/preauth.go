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

// evictionLogEvery spaces out the log line about connections closed to make
// room: a flood would otherwise write one line per connection.
const evictionLogEvery = 10 * time.Second

// preauthGate caps connections that have not logged in yet, in total and per
// source address. A new connection past a cap closes the oldest
// unauthenticated one instead of being turned away: an idle flood then costs
// the flooder its own connections, and a client that goes on to log in
// promptly is never locked out by connections that arrived before it.
type preauthGate struct {
	max, perSource int
	log            *slog.Logger

	mu       sync.Mutex
	total    int
	bySource map[string][]*gatedConn // oldest first
	evicted  map[string]bool         // remote addresses closed to make room, until their handshake error is seen

	evictions atomic.Int64
	lastLog   atomic.Int64 // unix nanoseconds
}

func newPreauthGate(maxTotal, perSource int, log *slog.Logger) *preauthGate {
	return &preauthGate{max: maxTotal, perSource: perSource, log: log,
		bySource: map[string][]*gatedConn{}, evicted: map[string]bool{}}
}

// gatedConn holds a pre-authentication slot until it logs in or closes.
type gatedConn struct {
	net.Conn
	gate    *preauthGate
	source  string
	release sync.Once
	// spoke is set once the client has sent anything: connections that have
	// not are closed first when room is needed.
	spoke atomic.Bool
}

func (c *gatedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.spoke.Load() {
		c.spoke.Store(true)
	}
	return n, err
}

// Close frees the slot; the library closes every connection it handled.
func (c *gatedConn) Close() error {
	c.authenticated()
	return c.Conn.Close()
}

// authenticated frees the slot: the connection is no longer the gate's
// business.
func (c *gatedConn) authenticated() {
	c.release.Do(func() {
		g := c.gate
		g.mu.Lock()
		g.removeLocked(c)
		g.mu.Unlock()
	})
}

func (g *preauthGate) removeLocked(c *gatedConn) {
	list := g.bySource[c.source]
	for i, x := range list {
		if x == c {
			list = append(list[:i:i], list[i+1:]...)
			g.total--
			break
		}
	}
	if len(list) == 0 {
		delete(g.bySource, c.source)
	} else {
		g.bySource[c.source] = list
	}
}

// admit registers a new connection, closing the oldest unauthenticated ones
// that keep it over a cap.
func (g *preauthGate) admit(conn net.Conn) *gatedConn {
	source := conn.RemoteAddr().String()
	if host, _, err := net.SplitHostPort(source); err == nil {
		source = host
	}
	c := &gatedConn{Conn: conn, gate: g, source: source}

	var evict []*gatedConn
	g.mu.Lock()
	if list := g.bySource[source]; len(list) >= g.perSource {
		e := oldestSilent(list)
		evict = append(evict, e)
		g.removeLocked(e)
	}
	if g.total >= g.max {
		// Make room at the expense of the source holding the most.
		var busiest string
		for src, list := range g.bySource {
			if len(list) > len(g.bySource[busiest]) {
				busiest = src
			}
		}
		if list := g.bySource[busiest]; len(list) > 0 {
			e := oldestSilent(list)
			evict = append(evict, e)
			g.removeLocked(e)
		}
	}
	g.bySource[source] = append(g.bySource[source], c)
	g.total++
	if len(g.evicted) > 4*g.max {
		// Entries whose handshake error never came (the connection logged in
		// just as it was closed); only log lines depend on them.
		clear(g.evicted)
	}
	for _, e := range evict {
		g.evicted[e.RemoteAddr().String()] = true
	}
	g.mu.Unlock()

	for _, e := range evict {
		// Its slot is already gone; release must not remove it twice.
		e.release.Do(func() {})
		_ = e.Conn.Close()
	}
	if n := len(evict); n > 0 {
		g.noteEvictions(int64(n))
	}
	return c
}

// oldestSilent picks the oldest connection that has not sent anything yet,
// or else the oldest.
func oldestSilent(list []*gatedConn) *gatedConn {
	for _, c := range list {
		if !c.spoke.Load() {
			return c
		}
	}
	return list[0]
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

// connCallback puts every new connection behind the gate.
func (g *preauthGate) connCallback(ctx ssh.Context, conn net.Conn) net.Conn {
	c := g.admit(conn)
	ctx.SetValue(gateKey{}, c)
	return c
}

// serverConfig frees a connection's slot as soon as it has logged in. Only
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
