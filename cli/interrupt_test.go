package cli

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// stallAt serves a simulator on loopback and holds the request that arrives
// n-th (counting from 0), and every one after it, until the client goes away:
// before the instance handles it, or, with afterHandle, after the instance
// acted on it but before the answer leaves. held is closed when the n-th
// request is being held.
type stallAt struct {
	sim         *simulator.Sim
	n           int
	afterHandle bool
	held        chan struct{}

	mu   sync.Mutex
	seen int
	once sync.Once
}

func (s *stallAt) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := s.seen
	s.seen++
	s.mu.Unlock()
	if i < s.n {
		s.sim.ServeHTTP(w, r)
		return
	}
	if i == s.n && s.afterHandle {
		s.sim.ServeHTTP(httptest.NewRecorder(), r) // the answer is lost
	}
	if i == s.n {
		s.once.Do(func() { close(s.held) })
	}
	// net/http notices a client that hung up only once the body has been read.
	_, _ = io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

// TestSIGKILLAtEveryStep kills `setup` (a process of its own) at every moment
// that differs for the instance: before any request, at each write before the
// instance handles it, after it acted but before the answer arrived, and after
// the answer, and at the last request. A plain re-run must then always end
// with exactly one link and the same site list.
func TestSIGKILLAtEveryStep(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the wizard as a process and kills it many times")
	}
	args := func(url string) []string { return []string{"setup", "--url", url, "--mode", "mdm", "--yes"} }

	// How many requests a whole run makes.
	ref := simtest.New(t, simulator.Config{DevMode: true, Title: "Acme Jira"})
	if r := runOn(t, ref, tokenEnv(simtest.SysadminToken), args(ref.URL)...); r.code != 0 {
		t.Fatalf("reference run: exit %d: %s", r.code, r.stderr)
	}
	log := ref.Sim.Requests()
	requests := len(log)
	if requests < 5 {
		t.Fatalf("a whole run made only %d requests", requests)
	}

	// The moments that differ for the instance: nothing sent yet; each write
	// before the instance handles it, after it acted but before the answer
	// arrived, and once answered (the next request); the last request. Reads
	// change nothing, so a kill at any other read is one of these again.
	type point struct {
		n           int
		afterHandle bool
	}
	points := []point{{0, false}, {requests - 1, false}}
	for n, r := range log {
		if r.Method != http.MethodGet {
			points = append(points, point{n, false}, point{n, true})
			if n+1 < requests {
				points = append(points, point{n + 1, false})
			}
		}
	}
	slices.SortFunc(points, func(a, b point) int {
		return cmp.Or(cmp.Compare(a.n, b.n), cmp.Compare(boolInt(a.afterHandle), boolInt(b.afterHandle)))
	})
	points = slices.Compact(points)
	if len(points) < 4 {
		t.Fatalf("kill points %v: the run wrote nothing?", points)
	}

	killedAfterCreate, kills := 0, 0
	for _, pt := range points {
		n, afterHandle := pt.n, pt.afterHandle
		kills++
		name := fmt.Sprintf("request %d (%s %s), %s", n, log[n].Method, log[n].Path, map[bool]string{false: "before handling", true: "after handling"}[afterHandle])
		sim := simulator.New(simulator.Config{DevMode: true, Title: "Acme Jira"})
		stall := &stallAt{sim: sim, n: n, afterHandle: afterHandle, held: make(chan struct{})}
		srv := httptest.NewServer(stall)
		t.Cleanup(func() { sim.Close(); srv.Close() })

		cmd := wizardCommand(t, args(srv.URL), EnvToken+"="+simtest.SysadminToken)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		<-stall.held
		_ = cmd.Process.Kill()
		if err := cmd.Wait(); err == nil {
			t.Fatalf("%s: the run finished although a request was held", name)
		}
		if len(sim.Clients()) == 1 {
			killedAfterCreate++
		}
		if c := len(sim.Clients()); c > 1 {
			t.Fatalf("%s: %d clients after the kill", name, c)
		}

		// The re-run reaches the instance directly, past the stall.
		env := &simtest.Env{Sim: sim, URL: srv.URL, Transport: &simtest.Transport{Handler: sim}}
		r := runOn(t, env, tokenEnv(simtest.SysadminToken), args(srv.URL)...)
		if r.code != 0 {
			t.Fatalf("%s: re-run exit %d: %s", name, r.code, r.stderr)
		}
		clients := sim.Clients()
		if len(clients) != 1 {
			t.Fatalf("%s: %d clients after the re-run", name, len(clients))
		}
		sites, err := steps.RenderSites([]steps.Site{{Title: "Acme Jira", BaseURL: srv.URL,
			OAuth: &steps.SiteOAuth{ClientID: clients[0].ClientID}}}, steps.FormatJSON)
		if err != nil {
			t.Fatal(err)
		}
		if r.stdout != string(sites) {
			t.Fatalf("%s: site list\n%s\nwant\n%s", name, r.stdout, sites)
		}
	}
	if killedAfterCreate == 0 {
		t.Fatal("no kill landed after the link was created: the test proved nothing about that case")
	}
	t.Logf("%d kill points over %d requests; %d of them after the link was created", kills, requests, killedAfterCreate)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
