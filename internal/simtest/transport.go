package simtest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
)

// Transport is an http.RoundTripper that hands each request to a handler in the
// caller's goroutine: no socket, no connection pool, no background goroutine.
// Time-dependent behaviour (timeouts, latency, Retry-After, polls) then runs on
// whatever clock the test runs on, including a testing/synctest bubble's.
//
// A request to an https URL reaches the handler as one that came over TLS (no
// certificate is involved: tests of certificates need a socket, StartTLS).
// What a socket would add is modelled where the client can tell the difference:
// a handler that gives up on the connection (http.ErrAbortHandler, which the
// simulator's connection reset becomes without a hijackable connection) is a
// reset, and a request whose context ended while the handler held it gets the
// context's error, as a client that stopped waiting does.
type Transport struct {
	Handler http.Handler
}

// RemoteAddr is the client address handlers see on in-process requests.
const RemoteAddr = "192.0.2.1:50000"

// RoundTrip serves req with the handler and returns its buffered response.
func (t *Transport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	var body []byte
	if req.Body != nil {
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	srvReq := req.Clone(ctx)
	srvReq.Body = io.NopCloser(bytes.NewReader(body))
	srvReq.ContentLength = int64(len(body))
	srvReq.RequestURI = req.URL.RequestURI()
	srvReq.RemoteAddr = RemoteAddr
	srvReq.Proto, srvReq.ProtoMajor, srvReq.ProtoMinor = "HTTP/1.1", 1, 1
	if req.Host == "" {
		srvReq.Host = req.URL.Host
	}
	if srvReq.Header.Get("Host") != "" {
		srvReq.Header.Del("Host")
	}
	if req.URL.Scheme == "https" {
		// What a server sees once a TLS handshake is done: the request arrived secure.
		srvReq.TLS = &tls.ConnectionState{Version: tls.VersionTLS13, HandshakeComplete: true, ServerName: req.URL.Hostname()}
	}

	rec := httptest.NewRecorder()
	if aborted := serve(t.Handler, rec, srvReq); aborted {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, errReset
	}
	// A handler that returned because the client's context ended wrote nothing
	// the client would ever have read.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	resp = rec.Result()
	resp.Request = req
	return resp, nil
}

// errReset is what a client reads from a connection torn down under it.
var errReset = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}

// serve runs h and reports whether it aborted the connection.
func serve(h http.Handler, w http.ResponseWriter, r *http.Request) (aborted bool) {
	defer func() {
		if v := recover(); v != nil {
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				aborted = true
				return
			}
			panic(v)
		}
	}()
	h.ServeHTTP(w, r)
	return false
}

// Route reaches several in-process simulators (New), each by the host of its
// URL: a run over several instances stays in process. A request to any other
// host is refused as a closed port would refuse it.
func Route(envs ...*Env) http.RoundTripper { return router(envs) }

type router []*Env

func (r router) RoundTrip(req *http.Request) (*http.Response, error) {
	for _, e := range r {
		if e.Transport != nil && strings.EqualFold(strings.TrimPrefix(strings.TrimPrefix(e.URL, "http://"), "https://"), req.URL.Host) {
			return e.Transport.RoundTrip(req)
		}
	}
	if req.Body != nil {
		req.Body.Close()
	}
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}
