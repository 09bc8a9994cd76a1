package simulator

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/eventually"
)

const clientsPath = "/rest/oauth2/latest/client"

func TestFaultStatusAndRateLimit(t *testing.T) {
	tests := []struct {
		name        string
		fault       Fault
		wantStatus  int
		wantHeaders map[string]string
		wantBody    string
	}{
		{
			name:       "503 with body and header",
			fault:      Fault{Kind: FaultStatus, Status: 503, Body: "<html>down</html>", ContentType: "text/html", Header: http.Header{"X-Test": {"1"}}},
			wantStatus: 503, wantBody: "<html>down</html>",
			wantHeaders: map[string]string{"Content-Type": "text/html", "X-Test": "1", "X-AUSERNAME": "admin"},
		},
		{
			name:        "status defaults to 500",
			fault:       Fault{Kind: FaultStatus},
			wantStatus:  500,
			wantHeaders: map[string]string{},
		},
		{
			name:        "rate limit",
			fault:       Fault{Kind: FaultRateLimit, RetryAfter: 1500 * time.Millisecond},
			wantStatus:  429,
			wantHeaders: map[string]string{"Retry-After": "2", "Content-Type": contentTypeJSON},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := start(t, Config{})
			sim.Inject(tt.fault)
			res := call{Path: clientsPath, Token: "sysadmin-token"}.send(t, srv)
			wantStatus(t, res, tt.wantStatus)
			for k, v := range tt.wantHeaders {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if tt.wantBody != "" && res.Body != tt.wantBody {
				t.Errorf("body = %q, want %q", res.Body, tt.wantBody)
			}
			sim.ClearFaults()
			wantStatus(t, call{Path: clientsPath, Token: "sysadmin-token"}.send(t, srv), 200)
		})
	}
}

func TestFaultMatching(t *testing.T) {
	sim, srv := start(t, Config{})
	sim.Inject(Fault{Method: "POST", PathPrefix: clientsPath, Kind: FaultStatus, Status: 502})
	sim.Inject(Fault{PathPrefix: "/rest/api/", Kind: FaultStatus, Status: 504})
	sim.Inject(Fault{Kind: FaultStatus, Status: 500}) // never reached for the paths above
	tests := []struct {
		c    call
		want int
	}{
		{create("x", mobileRedirect, "WRITE"), 502},
		{call{Path: clientsPath}, 500},
		{call{Path: "/rest/api/2/serverInfo"}, 504},
		{call{Path: "/rest/applinks/1.0/manifest"}, 500},
	}
	for _, tt := range tests {
		if res := tt.c.send(t, srv); res.Status != tt.want {
			t.Errorf("%s %s: %d, want %d", tt.c.Method, tt.c.Path, res.Status, tt.want)
		}
	}
}

func TestFaultTimesCountsDownUnderConcurrency(t *testing.T) {
	sim, srv := start(t, Config{})
	sim.Inject(Fault{PathPrefix: "/rest/api/2/serverInfo", Kind: FaultStatus, Status: 503, Times: 3})
	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for range n {
		wg.Go(func() {
			res, err := call{Path: "/rest/api/2/serverInfo"}.sendWith(noRedirects, srv.URL)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			counts[res.Status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if counts[503] != 3 || counts[200] != n-3 {
		t.Errorf("statuses = %v, want 3×503 and %d×200", counts, n-3)
	}
}

// freshClient makes one connection per request: Go's transport silently
// retries an idempotent request that failed on a reused connection, which
// would hide a reset from the test.
func freshClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
}

func TestFaultResetIsAConnectionError(t *testing.T) {
	sim, srv := start(t, Config{})
	sim.Inject(Fault{Kind: FaultReset, Times: 1})
	_, err := call{Path: "/rest/api/2/serverInfo"}.sendWith(freshClient(5*time.Second), srv.URL)
	if err == nil {
		t.Fatal("no error from a reset connection")
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("error = %v, want a connection reset", err)
	}
	res, err := call{Path: "/rest/api/2/serverInfo"}.sendWith(freshClient(5*time.Second), srv.URL)
	if err != nil || res.Status != 200 {
		t.Errorf("after the one reset: %v %d", err, res.Status)
	}
	// The reset request may be logged after the next one: its handler finishes
	// after the client has already seen the error.
	eventually.True(t, "both requests logged", func() bool { return len(sim.Requests()) == 2 })
	statuses := map[int]int{}
	for _, r := range sim.Requests() {
		statuses[r.Status]++
	}
	if statuses[0] != 1 || statuses[200] != 1 {
		t.Errorf("logged statuses %v, want one 0 (no response) and one 200", statuses)
	}
}

// sendAndGiveUp sends c and cancels it once the simulator holds it in a hang
// or a delay: the client giving up, without a timeout that a slow machine
// could reach before the request even arrives.
func sendAndGiveUp(t *testing.T, sim *Sim, srv *httptest.Server, c call) error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		resp, err := freshClient(0).Do(c.request(srv.URL).WithContext(ctx))
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	eventually.True(t, "the request to be held", func() bool { return sim.parked.Load() == 1 })
	cancel()
	return <-errc
}

func TestFaultHangEndsWhenClientGivesUp(t *testing.T) {
	sim, srv := start(t, Config{})
	sim.Inject(Fault{Method: "POST", Kind: FaultHang})
	if err := sendAndGiveUp(t, sim, srv, create("x", mobileRedirect, "WRITE")); err == nil {
		t.Fatal("a hung request returned")
	}
	// The handler returns once the client is gone, so the server can shut down.
	eventually.True(t, "the hung handler to return", func() bool { return sim.parked.Load() == 0 && len(sim.Requests()) == 1 })
	if got := sim.Requests()[0].Status; got != 0 {
		t.Errorf("logged status %d for a request that got no answer, want 0", got)
	}
	if len(sim.Clients()) != 0 {
		t.Error("a request hung before the handler created a client")
	}
}

func TestCloseReleasesHungRequests(t *testing.T) {
	sim, srv := start(t, Config{})
	sim.Inject(Fault{Kind: FaultHang})
	done := make(chan result, 1)
	go func() {
		res, err := call{Path: "/rest/api/2/serverInfo"}.sendWith(freshClient(0), srv.URL)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	eventually.True(t, "the request to hang", func() bool { return sim.parked.Load() == 1 })
	// Logged on arrival: a test can count a request the client is still waiting on.
	if reqs := sim.Requests(); len(reqs) != 1 || !reqs[0].End.IsZero() || reqs[0].Status != 0 {
		t.Fatalf("log while hanging = %+v, want one entry with no end and no status", reqs)
	}
	sim.Close()
	if res := <-done; res.Status != http.StatusServiceUnavailable {
		t.Errorf("released request: %d, want 503", res.Status)
	}
	eventually.True(t, "the released request's outcome in the log", func() bool {
		r := sim.Requests()[0]
		return r.Status == http.StatusServiceUnavailable && !r.End.IsZero()
	})
}

func TestFaultLatencyRespectsTheClient(t *testing.T) {
	sim, srv := start(t, Config{})
	sim.Inject(Fault{Kind: FaultLatency, Latency: time.Hour, Times: 1})
	if err := sendAndGiveUp(t, sim, srv, call{Path: "/rest/api/2/serverInfo"}); err == nil {
		t.Fatal("an hour of latency did not time the client out")
	}
	eventually.True(t, "the delayed handler to return", func() bool { return len(sim.Requests()) == 1 })

	sim.Inject(Fault{Kind: FaultLatency, Latency: time.Millisecond})
	res := call{Path: "/rest/api/2/myself", Token: "sysadmin-token"}.send(t, srv)
	wantStatus(t, res, 200) // a delayed request is then answered normally
}

func TestSetLatencyRespectsTheClient(t *testing.T) {
	sim, srv := start(t, Config{})
	sim.SetLatency(time.Hour)
	if err := sendAndGiveUp(t, sim, srv, call{Path: "/rest/api/2/serverInfo"}); err == nil {
		t.Fatal("an hour of latency did not time the client out")
	}
	sim.SetLatency(0)
	wantStatus(t, call{Path: "/rest/api/2/serverInfo"}.send(t, srv), 200)
}

// "The POST timed out after the server created the client": the wizard must
// find the client on its retry instead of creating a second one.
func TestAfterHandleChangesStateThenFails(t *testing.T) {
	tests := []struct {
		name   string
		fault  Fault
		giveUp bool // the client abandons the request while it is held
		check  func(t *testing.T, res result, err error)
	}{
		{"status", Fault{Kind: FaultStatus, Status: 504, Body: "Gateway Timeout"}, false, func(t *testing.T, res result, err error) {
			if err != nil || res.Status != 504 || res.Body != "Gateway Timeout" {
				t.Errorf("got %v %d %q, want 504 Gateway Timeout", err, res.Status, res.Body)
			}
		}},
		{"reset", Fault{Kind: FaultReset}, false, func(t *testing.T, _ result, err error) {
			if err == nil {
				t.Error("no error from a reset after handling")
			}
		}},
		{"hang", Fault{Kind: FaultHang}, true, func(t *testing.T, _ result, err error) {
			if err == nil {
				t.Error("no timeout from a hang after handling")
			}
		}},
		{"latency", Fault{Kind: FaultLatency, Latency: time.Millisecond}, false, func(t *testing.T, res result, err error) {
			if err != nil || res.Status != 200 || decodeClient(t, res.Body).Name != "Mobile" {
				t.Errorf("got %v %d %q, want the real 200", err, res.Status, res.Body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := start(t, Config{})
			f := tt.fault
			f.Method, f.PathPrefix, f.AfterHandle, f.Times = "POST", clientsPath, true, 1
			sim.Inject(f)
			var res result
			var err error
			if tt.giveUp {
				err = sendAndGiveUp(t, sim, srv, create("Mobile", mobileRedirect, "WRITE"))
			} else {
				res, err = create("Mobile", mobileRedirect, "WRITE").sendWith(freshClient(5*time.Second), srv.URL)
			}
			tt.check(t, res, err)
			if got := sim.Clients(); len(got) != 1 || got[0].Name != "Mobile" {
				t.Errorf("clients after the failed POST = %+v, want the one it created", got)
			}
			// The retry sees a duplicate name: the client exists.
			res = create("Mobile", mobileRedirect, "WRITE").send(t, srv)
			wantStatus(t, res, http.StatusBadRequest)
		})
	}
}
