package trips

import (
	"testing"
	"time"
)

// TestScenariosRun keeps the scenarios working as the commands change: a
// scenario that fails would leave a hole in the report. Without latency it is
// fast; the ratios themselves are for bench/run to judge.
func TestScenariosRun(t *testing.T) {
	for _, sc := range Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			res, err := Run(sc, time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests == 0 || len(res.Critical) == 0 || len(res.Critical) > res.Requests {
				t.Errorf("%d requests, critical path %v", res.Requests, res.Critical)
			}
		})
	}
}
