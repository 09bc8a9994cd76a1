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
			if res.Requests == 0 || len(res.Critical) == 0 || len(res.Critical) > res.Requests+res.MDMRequests {
				t.Errorf("%d requests, critical path %v", res.Requests, res.Critical)
			}
			if (sc.MDM != "") != (res.MDMRequests > 0) {
				t.Errorf("pushes into %q, %d requests to the MDM", sc.MDM, res.MDMRequests)
			}
		})
	}
}

// TestMultiRuns keeps the several-instances measure working; bench/run judges it.
func TestMultiRuns(t *testing.T) {
	for _, ecdsa := range []bool{true, false} {
		res, err := RunMulti(3, 3, time.Millisecond, 1, ecdsa)
		if err != nil {
			t.Fatal(err)
		}
		if res.WallMs <= 0 || res.OneMs <= 0 || res.Requests == 0 {
			t.Errorf("result %+v", res)
		}
	}
}
