package simulator

import (
	"net/http"
	"strings"
	"sync"
)

// FaultRule says which requests an injected fault applies to.
type FaultRule struct {
	Method     string // "" = any
	PathPrefix string // "" = any
	Times      int    // requests it applies to; 0 = every matching request
}

// Faults are the faults injected into one simulator, F being that
// simulator's own description of what goes wrong (the instance's, Jamf
// Pro's): the first added that matches a request applies, and one given a
// number of Times is used up under the lock, so that concurrent requests
// never share its last use. The zero value holds none.
type Faults[F any] struct {
	mu    sync.Mutex
	armed []*armedRule[F]
}

type armedRule[F any] struct {
	FaultRule
	fault F
	left  int // remaining uses when Times > 0
}

// Add adds f, for the requests rule matches, after the faults there are.
func (l *Faults[F]) Add(rule FaultRule, f F) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.armed = append(l.armed, &armedRule[F]{FaultRule: rule, fault: f, left: rule.Times})
}

// Clear removes every fault.
func (l *Faults[F]) Clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.armed = nil
}

// Match finds the fault for r, using up one of its Times.
func (l *Faults[F]) Match(r *http.Request) (F, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, a := range l.armed {
		if a.Method != "" && !strings.EqualFold(a.Method, r.Method) || !strings.HasPrefix(r.URL.Path, a.PathPrefix) {
			continue
		}
		if a.Times > 0 {
			a.left--
			if a.left <= 0 {
				l.armed = append(l.armed[:i:i], l.armed[i+1:]...)
			}
		}
		return a.fault, true
	}
	var none F
	return none, false
}
