package serve

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// maxQueuedRequests bounds the session requests waiting for the session to
// take them. Window changes do not queue (latest wins), so only a client that
// floods other requests, or asks for replies it never reads, gets there; its
// connection is closed.
const maxQueuedRequests = 64

const agentRequest = "auth-agent-req@openssh.com"

// sessionChannel serves a session channel through the library's handler, with
// its requests passed through a queue that never blocks the connection's read
// loop. Without it, a window change the session is slow to take holds up the
// read loop, which then never sees the client go away.
//
// Window changes are taken here and never reach the library, which would
// write the size where the session reads it without a lock; the session
// reads the latest size from its channel's windowMailbox instead.
func (s *Server) sessionChannel(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	if !s.channels.open(conn) {
		_ = nc.Reject(gossh.ResourceShortage, fmt.Sprintf("at most %d sessions on one connection", maxChannelsPerConnection))
		return
	}
	defer s.channels.close(conn)
	sizes := &windowMailbox{changed: make(chan struct{}, 1)}
	ssh.DefaultSessionHandler(srv, conn, &queuedChannel{NewChannel: nc, conn: conn, log: s.log, sizes: sizes}, ctx)
}

// maxChannelsPerConnection bounds the session channels one connection may
// have open: each costs goroutines and buffers before any session starts
// (20 000 of them cost 240 MB), and admins open one, a few with connection
// sharing.
const maxChannelsPerConnection = 8

// channelCounts counts the open session channels of each connection.
type channelCounts struct {
	mu sync.Mutex
	n  map[*gossh.ServerConn]int
}

// open takes a place for a new channel on conn, or reports false when conn
// has maxChannelsPerConnection open.
func (c *channelCounts) open(conn *gossh.ServerConn) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[*gossh.ServerConn]int{}
	}
	if c.n[conn] >= maxChannelsPerConnection {
		return false
	}
	c.n[conn]++
	return true
}

// close gives the place back when the channel's handler returns.
func (c *channelCounts) close(conn *gossh.ServerConn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[conn]--; c.n[conn] <= 0 {
		delete(c.n, conn)
	}
}

// Bounds on the environment a session may send: variables a client sets
// are kept for the session's life, so they are counted and their size
// summed; past either bound an env request is refused (as sshd refuses
// variables it does not accept) and the session goes on without it.
const (
	maxEnvVars  = 64
	maxEnvBytes = 64 << 10
)

// windowMailbox holds the latest window size a client asked for.
type windowMailbox struct {
	latest  atomic.Pointer[ssh.Window]
	changed chan struct{} // capacity 1: a pending change
}

func (m *windowMailbox) put(w ssh.Window) {
	m.latest.Store(&w)
	select {
	case m.changed <- struct{}{}:
	default:
	}
}

// take returns the latest size since the last take, if any.
func (m *windowMailbox) take() (ssh.Window, bool) {
	w := m.latest.Swap(nil)
	if w == nil {
		return ssh.Window{}, false
	}
	return *w, true
}

// mailboxRequest is how a session handler finds its channel's mailbox: the
// library gives handlers no way to the channel they run on other than its
// methods, so the channel answers this name in SendRequest itself (it never
// reaches the client).
const mailboxRequest = "window-mailbox@mobile-oauth-wizard"

var mailboxes sync.Map // request id -> *windowMailbox, for the moment of the hand-over

// mailboxOf returns the session's window mailbox, or nil for a session on a
// channel this package did not accept.
func mailboxOf(sess ssh.Session) *windowMailbox {
	id := rand.Text()
	if ok, err := sess.SendRequest(mailboxRequest, false, []byte(id)); !ok || err != nil {
		return nil
	}
	m, _ := mailboxes.LoadAndDelete(id)
	sizes, _ := m.(*windowMailbox)
	return sizes
}

// mailboxChannel is the session's channel, answering mailboxRequest.
type mailboxChannel struct {
	gossh.Channel
	sizes *windowMailbox
}

func (c *mailboxChannel) SendRequest(name string, wantReply bool, payload []byte) (bool, error) {
	if name == mailboxRequest {
		mailboxes.Store(string(payload), c.sizes)
		return true, nil
	}
	return c.Channel.SendRequest(name, wantReply, payload)
}

type queuedChannel struct {
	gossh.NewChannel
	conn  *gossh.ServerConn
	log   *slog.Logger
	sizes *windowMailbox
}

func (c *queuedChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := c.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	q := &requestQueue{wake: make(chan struct{}, 1)}
	out := make(chan *gossh.Request)
	go q.read(reqs, c.sizes, func() {
		c.log.Warn("client floods session requests without reading the replies; connection closed",
			"remote", c.conn.RemoteAddr().String(), "user", c.conn.User())
		_ = c.conn.Close()
	})
	go q.forward(out)
	return &mailboxChannel{Channel: ch, sizes: c.sizes}, out, nil
}

// The largest terminal a session gets. The screen is drawn into a buffer of
// that many cells, twice, for every session: a client asking for 4294967295
// columns would have the server allocate until it dies. 512 columns and 256
// rows are more than a full 4K screen shows at a small font; a larger client
// terminal still works, the wizard just draws in its top left part.
const maxColumns, maxRows = 512, 256

// maxTermLength bounds the TERM a pty-req may name (terminfo names are a few
// dozen bytes at most).
const maxTermLength = 64

// clampWindow is the one place a client's terminal size is decided, for the
// pty-req and every window change alike: at most maxColumns by maxRows, and
// the classic 80x24 for a client without a size of its own (ssh -tt from a
// script sends 0x0), on which Bubble Tea would draw nothing.
func clampWindow(cols, rows uint32) ssh.Window {
	if cols == 0 || rows == 0 {
		return ssh.Window{Width: defaultWidth, Height: defaultHeight}
	}
	return ssh.Window{Width: int(min(cols, maxColumns)), Height: int(min(rows, maxRows))}
}

// clampPTYRequest rewrites a pty-req's size to clampWindow's before the
// library reads it, so the session, its log line and the program all see the
// clamped size. It reports false for a request to refuse: malformed, or with
// an overlong TERM.
func clampPTYRequest(req *gossh.Request) bool {
	// string TERM, uint32 columns, rows, pixel width, pixel height, string modes.
	p := req.Payload
	if len(p) < 4 {
		return false
	}
	n := binary.BigEndian.Uint32(p)
	if n > maxTermLength || len(p) < 4+int(n)+16 {
		return false
	}
	size := p[4+int(n):]
	w := clampWindow(binary.BigEndian.Uint32(size), binary.BigEndian.Uint32(size[4:]))
	out := bytes.Clone(p)
	size = out[4+int(n):]
	binary.BigEndian.PutUint32(size, uint32(w.Width))
	binary.BigEndian.PutUint32(size[4:], uint32(w.Height))
	// Pixel sizes are not used; a huge one is not passed on either.
	binary.BigEndian.PutUint32(size[8:], 0)
	binary.BigEndian.PutUint32(size[12:], 0)
	req.Payload = out
	return true
}

type requestQueue struct {
	// Environment accepted so far (read's own: no lock).
	envVars, envBytes int

	mu     sync.Mutex
	items  []queued
	closed bool
	wake   chan struct{}
}

// queued is a request for the session, or one answered here.
type queued struct {
	req    *gossh.Request
	answer bool // reply with ok instead of passing it on
	ok     bool
}

func (q *requestQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// read takes every request as it arrives and never waits for the session.
// Window changes go to the mailbox, latest wins. Agent forwarding is refused:
// nothing in a session needs the admin's keys, and the library would say yes.
func (q *requestQueue) read(in <-chan *gossh.Request, sizes *windowMailbox, overflow func()) {
	defer func() {
		q.mu.Lock()
		q.closed = true
		q.mu.Unlock()
		q.signal()
	}()
	for req := range in {
		item := queued{req: req}
		switch req.Type {
		case "pty-req":
			if !clampPTYRequest(req) {
				item.answer, item.ok = true, false
			}
		case "window-change":
			var w struct{ Width, Height, PixelWidth, PixelHeight uint32 }
			ok := gossh.Unmarshal(req.Payload, &w) == nil
			if ok {
				sizes.put(clampWindow(w.Width, w.Height))
			}
			if !req.WantReply {
				continue
			}
			// Replying may wait for the client to read: queued like the rest.
			item.answer, item.ok = true, ok
		case agentRequest:
			item.answer, item.ok = true, false
		case "env":
			if q.envVars >= maxEnvVars || q.envBytes+len(req.Payload) > maxEnvBytes {
				item.answer, item.ok = true, false
				break
			}
			q.envVars++
			q.envBytes += len(req.Payload)
		}
		q.mu.Lock()
		if len(q.items) >= maxQueuedRequests {
			q.mu.Unlock()
			overflow()
			// Closing the connection closes in; until then nothing may wait.
			for range in {
			}
			return
		}
		q.items = append(q.items, item)
		q.mu.Unlock()
		q.signal()
	}
}

// forward hands the requests to the session in order, and sends the replies
// decided here.
func (q *requestQueue) forward(out chan<- *gossh.Request) {
	defer close(out)
	for range q.wake {
		for {
			q.mu.Lock()
			if len(q.items) == 0 {
				closed := q.closed
				q.mu.Unlock()
				if closed {
					return
				}
				break
			}
			item := q.items[0]
			q.items = q.items[1:]
			q.mu.Unlock()
			if item.answer {
				_ = item.req.Reply(item.ok, nil)
				continue
			}
			out <- item.req
		}
	}
}
