package simtest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// The in-process transport must give the api client the same answers a socket
// does, for the faults the flow tests inject; otherwise tests on it would prove
// something about a different client.
func TestTransportAnswersLikeASocket(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault *simulator.Fault
		kind  api.Kind
		err   string
	}{
		{"plain answer", nil, api.KindUnknown, ""},
		{"server error", &simulator.Fault{Kind: simulator.FaultStatus, Status: 500}, api.KindServer, ""},
		{"reset", &simulator.Fault{Kind: simulator.FaultReset}, api.KindNetwork, "reset"},
		{"hang", &simulator.Fault{Kind: simulator.FaultHang}, api.KindTimeout, ""},
		{"latency beyond the timeout", &simulator.Fault{Kind: simulator.FaultLatency, Latency: time.Minute}, api.KindTimeout, ""},
	} {
		for _, socket := range []bool{false, true} {
			name := tt.name + map[bool]string{false: "/in process", true: "/socket"}[socket]
			t.Run(name, func(t *testing.T) {
				env := simtest.New(t, simulator.Config{Version: "10.3.0"})
				if socket {
					env = simtest.Start(t, simulator.Config{Version: "10.3.0"})
				}
				if tt.fault != nil {
					env.Sim.Inject(*tt.fault)
				}
				o := env.Options("")
				o.Retries, o.Timeout = -1, 100*time.Millisecond
				_, err := env.ClientWith(t, o).ServerInfo(context.Background())
				if tt.fault == nil {
					if err != nil {
						t.Fatalf("err = %v", err)
					}
					return
				}
				if got := api.KindOf(err); got != tt.kind || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v (kind %v), want kind %v mentioning %q", err, got, tt.kind, tt.err)
				}
			})
		}
	}
}

// Under synctest a hang, a latency and a Retry-After cost no wall-clock time,
// and the fake clock still shows the waits happened.
func TestTransportRunsOnTheBubblesClock(t *testing.T) {
	wallStart := time.Now()
	synctest.Test(t, func(t *testing.T) {
		env := simtest.New(t, simulator.Config{})
		env.Sim.Inject(simulator.Fault{Kind: simulator.FaultRateLimit, RetryAfter: 3 * time.Second, Times: 1})
		o := env.Options("")
		o.Timeout = 20 * time.Second
		c := env.ClientWith(t, o)
		start := time.Now()
		if _, err := c.ServerInfo(t.Context()); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited < 3*time.Second {
			t.Errorf("Retry-After 3s, but the retry came after %v", waited)
		}

		env.Sim.Inject(simulator.Fault{Kind: simulator.FaultHang})
		start = time.Now()
		_, err := c.ServerInfo(t.Context())
		if api.KindOf(err) != api.KindTimeout || time.Since(start) != 20*time.Second {
			t.Fatalf("hang: %v after %v, want a timeout after exactly 20s", err, time.Since(start))
		}
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			time.Sleep(time.Second)
			cancel()
		}()
		_, err = c.ServerInfo(ctx)
		if api.KindOf(err) != api.KindCanceled || !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled hang: %v", err)
		}
	})
	// The fake waits add up to 24 s: a real clock would take at least that.
	if wall := time.Since(wallStart); wall > 15*time.Second {
		t.Errorf("the fake waits took %v of real time", wall)
	}
}

// An https URL in process reaches the simulator as a secure request, as the
// HTTPS rule of the OAuth 2.0 provider needs; behind the TLS-terminating proxy
// it arrives plain, with the forwarded scheme the proxy adds.
func TestTransportMarksHTTPSRequestsSecure(t *testing.T) {
	env := simtest.NewTLS(t, simulator.Config{})
	if !strings.HasPrefix(env.URL, "https://") {
		t.Fatalf("URL = %s", env.URL)
	}
	m, err := env.TLSClient(t, "").Manifest(context.Background())
	if err != nil || m.URL != env.URL {
		t.Fatalf("manifest = %+v, %v: the simulator did not see the request arrive over https", m, err)
	}
	plain := simtest.New(t, simulator.Config{})
	if m, err := plain.Client(t, "").Manifest(context.Background()); err != nil || m.URL != plain.URL || !strings.HasPrefix(m.URL, "http://") {
		t.Fatalf("plain manifest = %+v, %v", m, err)
	}
	proxied := simtest.NewBehindTLSProxy(t, simulator.Config{}, "")
	if m, err := proxied.TLSClient(t, "").Manifest(context.Background()); err != nil || !strings.HasPrefix(m.URL, "http://") {
		t.Fatalf("behind the proxy, the instance should see plain http: %+v, %v", m, err)
	}
}
