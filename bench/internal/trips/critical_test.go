package trips

import (
	"testing"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
)

func TestCriticalPath(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(path string, start, end int) simulator.Request {
		return simulator.Request{Method: "GET", Path: path,
			Start: t0.Add(time.Duration(start) * time.Millisecond), End: t0.Add(time.Duration(end) * time.Millisecond)}
	}
	tests := []struct {
		name string
		reqs []simulator.Request
		want []string
	}{
		{"nothing", nil, nil},
		{"one after another", []simulator.Request{at("/a", 0, 100), at("/b", 101, 200), at("/c", 201, 300)}, []string{"/a", "/b", "/c"}},
		{"concurrent checks count once",
			[]simulator.Request{at("/manifest", 0, 100), at("/myself", 101, 201), at("/plugin", 102, 202), at("/clients", 101, 203), at("/create", 204, 300)},
			[]string{"/manifest", "/myself", "/create"}},
		{"a request that starts before the chain's answer overlaps it",
			[]simulator.Request{at("/a", 0, 100), at("/early", 99, 199), at("/b", 150, 250)}, []string{"/a", "/b"}},
		{"log order does not matter", []simulator.Request{at("/b", 101, 200), at("/a", 0, 100)}, []string{"/a", "/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CriticalPath(tt.reqs)
			var paths []string
			for _, r := range got {
				paths = append(paths, r.Path)
			}
			if len(paths) != len(tt.want) {
				t.Fatalf("chain %v, want %v", paths, tt.want)
			}
			for i := range paths {
				if paths[i] != tt.want[i] {
					t.Fatalf("chain %v, want %v", paths, tt.want)
				}
			}
		})
	}
}
