package drive

import (
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/bench/internal/floor"
)

// TestWizardReachesTheBusyScreens checks the walk the keystroke benchmarks
// rely on: if a screen's text changes, they would time the wrong screen.
func TestWizardReachesTheBusyScreens(t *testing.T) {
	wz := wizardOn(t, true)
	if n := len(wz.Sim.Clients()); n != 1 {
		t.Errorf("the walk left %d links on the instance, want 1", n)
	}
	before := wz.Text()
	wz.Press(Key("tab"))
	if after := wz.Text(); after == before || !strings.Contains(after, "<dict>") {
		t.Errorf("tab on the result screen did not switch to the plist:\n%s", after)
	}
}

func TestDriverRendersEveryKeyOfTheFloor(t *testing.T) {
	d := New(floor.Model{}, 80, 24)
	t.Cleanup(d.Close)
	if !strings.Contains(d.Text(), floor.Marker+" (0 keys)") {
		t.Fatalf("first frame: %q", d.Text())
	}
	start := d.Bytes()
	for range 3 {
		d.Press(Key("x"))
	}
	if !strings.Contains(d.Text(), "(3 keys)") {
		t.Errorf("after 3 keys: %q", d.Text())
	}
	if d.Bytes() == start {
		t.Error("the renderer wrote nothing for three changed frames")
	}
}

func BenchmarkKeystrokeChecks(b *testing.B) {
	wz := wizardOn(b, false)
	keys := [2]string{"down", "up"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		wz.Press(Key(keys[i%2]))
	}
}

func BenchmarkKeystrokeResult(b *testing.B) {
	wz := wizardOn(b, true)
	b.ReportAllocs()
	for b.Loop() {
		wz.Press(Key("tab"))
	}
}

func BenchmarkKeystrokeFloor(b *testing.B) {
	d := New(floor.Model{}, 80, 24)
	b.Cleanup(d.Close)
	b.ReportAllocs()
	for b.Loop() {
		d.Press(Key("x"))
	}
}

// wizardOn starts the wizard at 80x24 and walks it to the checks screen, or on to
// the result screen; it is closed when the test ends.
func wizardOn(tb testing.TB, toResult bool) *Wizard {
	tb.Helper()
	wz, err := StartWizard(80, 24)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(wz.Close)
	if err := wz.ToChecks(); err != nil {
		tb.Fatal(err)
	}
	if toResult {
		if err := wz.ToResult(); err != nil {
			tb.Fatal(err)
		}
	}
	return wz
}
