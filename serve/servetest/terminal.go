package servetest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// DefaultTimeout bounds every wait, so that a broken session fails the test
// instead of hanging it. It is not a performance expectation.
const DefaultTimeout = 10 * time.Second

// Terminal is a small screen emulator: write a program's output to it and
// ask what the screen shows. Bubble Tea redraws only the cells that changed,
// so the raw stream rarely contains a whole line of text; the screen does.
//
// It understands what terminal UIs emit (cursor movement, erasing, scrolling
// regions, insert/delete, the alternate screen) and ignores colours and
// anything else. It never answers the program's queries, like a terminal
// that does not support them. It is safe for concurrent use.
type Terminal struct {
	// Timeout bounds WaitFor and WaitUntil. DefaultTimeout when zero.
	Timeout time.Duration

	mu      sync.Mutex
	parser  *ansi.Parser
	changed chan struct{} // closed and replaced on every write
	closed  bool
	raw     strings.Builder

	w, h       int
	main, alt  [][]rune
	grid       [][]rune // main or alt
	x, y       int
	wrapNext   bool // a character was written in the last column (deferred wrap)
	autowrap   bool
	insert     bool
	top, bot   int // scrolling region, inclusive
	savedX     int
	savedY     int
	lastRune   rune
	altSavedX  int
	altSavedY  int
	altEnabled bool
}

// wideTail fills the cell after a double-width character.
const wideTail = rune(-1)

// NewTerminal returns an empty width x height screen.
func NewTerminal(width, height int) *Terminal {
	t := &Terminal{changed: make(chan struct{}), autowrap: true}
	t.parser = ansi.NewParser()
	t.parser.SetHandler(ansi.Handler{
		Print:     t.print,
		Execute:   t.execute,
		HandleCsi: t.csi,
		HandleEsc: t.esc,
	})
	t.resize(width, height)
	t.grid = t.main
	return t
}

// Write feeds program output to the screen.
func (t *Terminal) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.raw.Write(p)
	t.parser.Parse(p)
	t.notify()
	return len(p), nil
}

// Close says no more output will come: waits fail at once instead of timing
// out.
func (t *Terminal) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	t.notify()
}

// Resize changes the screen size, keeping what fits, as a terminal window
// being resized does.
func (t *Terminal) Resize(width, height int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	onAlt := t.altEnabled
	t.resize(width, height)
	t.grid = t.main
	if onAlt {
		t.grid = t.alt
	}
	t.notify()
}

// Size returns the screen's width and height.
func (t *Terminal) Size() (width, height int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.w, t.h
}

// Screen returns what the screen shows: one line per row with trailing
// spaces and trailing empty rows removed.
func (t *Terminal) Screen() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.screen()
}

// Raw returns everything written so far, escape sequences included.
func (t *Terminal) Raw() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.raw.String()
}

// WaitFor waits until the screen contains text and returns the screen. It
// fails the test, showing the screen, if that does not happen within the
// timeout or before the output ends.
func (t *Terminal) WaitFor(tb testing.TB, text string) string {
	tb.Helper()
	return t.WaitUntil(tb, "screen to contain "+quote(text), func(screen string) bool {
		return strings.Contains(screen, text)
	})
}

// WaitUntil waits until cond holds for the screen and returns the screen; see
// WaitFor. what describes the wait in the failure message.
func (t *Terminal) WaitUntil(tb testing.TB, what string, cond func(screen string) bool) string {
	tb.Helper()
	screen, err := t.waitUntil(cond)
	if err != "" {
		tb.Fatalf("waiting for %s: %s; screen:\n%s", what, err, frame(screen))
	}
	return screen
}

// waitUntil returns the screen and "" once cond holds, or the last screen and
// why it gave up.
func (t *Terminal) waitUntil(cond func(screen string) bool) (string, string) {
	timeout := t.timeout()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		t.mu.Lock()
		screen, changed, closed := t.screen(), t.changed, t.closed
		t.mu.Unlock()
		if cond(screen) {
			return screen, ""
		}
		if closed {
			return screen, "the output ended first"
		}
		select {
		case <-changed:
		case <-timer.C:
			return screen, "timed out after " + timeout.String()
		}
	}
}

// waitDone waits until done is closed; it fails the test, showing the
// screen, if that takes longer than the timeout. what says what ends.
func (t *Terminal) waitDone(tb testing.TB, done <-chan struct{}, what string) {
	tb.Helper()
	timer := time.NewTimer(t.timeout())
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		tb.Fatalf("waiting for %s: timed out after %s; screen:\n%s", what, t.timeout(), frame(t.Screen()))
	}
}

func (t *Terminal) timeout() time.Duration {
	if t.Timeout > 0 {
		return t.Timeout
	}
	return DefaultTimeout
}

func quote(s string) string { return "\"" + s + "\"" }

// frame draws a box edge so that trailing and leading blank lines in a
// failure message are visible.
func frame(screen string) string {
	return "----\n" + screen + "\n----"
}

func (t *Terminal) notify() {
	close(t.changed)
	t.changed = make(chan struct{})
}

func (t *Terminal) screen() string {
	lines := make([]string, 0, t.h)
	for _, row := range t.grid {
		var b strings.Builder
		for _, r := range row {
			if r != wideTail {
				b.WriteRune(r)
			}
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

// resize reallocates both screens, keeping the top-left content.
func (t *Terminal) resize(w, h int) {
	w, h = max(w, 1), max(h, 1)
	t.main = regrid(t.main, w, h)
	t.alt = regrid(t.alt, w, h)
	t.w, t.h = w, h
	t.top, t.bot = 0, h-1
	t.x, t.y = min(t.x, w-1), min(t.y, h-1)
	t.wrapNext = false
}

func regrid(old [][]rune, w, h int) [][]rune {
	g := make([][]rune, h)
	for y := range g {
		g[y] = blankRow(w)
		if y < len(old) {
			copy(g[y], old[y])
		}
	}
	return g
}

func blankRow(w int) []rune {
	row := make([]rune, w)
	for i := range row {
		row[i] = ' '
	}
	return row
}

func (t *Terminal) print(r rune) {
	width := ansi.StringWidth(string(r))
	if width == 0 {
		return // combining marks: the base character is what tests look for
	}
	if t.wrapNext {
		t.wrapNext = false
		if t.autowrap {
			t.x = 0
			t.index()
		}
	}
	if t.x+width > t.w {
		if !t.autowrap {
			t.x = t.w - width
		} else {
			t.x = 0
			t.index()
		}
	}
	row := t.grid[t.y]
	if t.insert {
		copy(row[t.x+width:], row[t.x:])
	}
	row[t.x] = r
	if width == 2 && t.x+1 < t.w {
		row[t.x+1] = wideTail
	}
	t.lastRune = r
	if t.x+width >= t.w {
		t.x = t.w - 1
		t.wrapNext = t.autowrap
		return
	}
	t.x += width
}

func (t *Terminal) execute(b byte) {
	switch b {
	case ansi.CR:
		t.x, t.wrapNext = 0, false
	case ansi.LF, ansi.VT, ansi.FF:
		t.index()
		t.wrapNext = false
	case ansi.BS:
		if t.x > 0 {
			t.x--
		}
		t.wrapNext = false
	case ansi.HT:
		t.x = min((t.x/8+1)*8, t.w-1)
	}
}

// index moves down a line, scrolling the region at its bottom.
func (t *Terminal) index() {
	switch {
	case t.y == t.bot:
		t.scrollUp(1)
	case t.y < t.h-1:
		t.y++
	}
}

func (t *Terminal) reverseIndex() {
	switch {
	case t.y == t.top:
		t.scrollDown(1)
	case t.y > 0:
		t.y--
	}
}

// scrollUp moves the scrolling region's lines up by n, blank lines entering
// at the bottom.
func (t *Terminal) scrollUp(n int) { t.deleteLines(t.top, n) }

// scrollDown moves the scrolling region's lines down by n, blank lines
// entering at the top.
func (t *Terminal) scrollDown(n int) { t.insertLines(t.top, n) }

// insertLines inserts n blank lines at row y, pushing lines below it (within
// the scrolling region) down and off the region's bottom.
func (t *Terminal) insertLines(y, n int) {
	if y < t.top || y > t.bot {
		return
	}
	n = min(n, t.bot-y+1)
	region := t.grid[y : t.bot+1]
	copy(region[n:], region[:len(region)-n])
	for i := range n {
		region[i] = blankRow(t.w)
	}
}

// deleteLines removes n lines at row y, pulling lines below it (within the
// scrolling region) up; blank lines fill the region's bottom.
func (t *Terminal) deleteLines(y, n int) {
	if y < t.top || y > t.bot {
		return
	}
	n = min(n, t.bot-y+1)
	region := t.grid[y : t.bot+1]
	copy(region, region[n:])
	for i := len(region) - n; i < len(region); i++ {
		region[i] = blankRow(t.w)
	}
}

func (t *Terminal) esc(cmd ansi.Cmd) {
	if cmd.Intermediate() != 0 {
		return // charset designations and the like
	}
	switch cmd.Final() {
	case '7':
		t.savedX, t.savedY = t.x, t.y
	case '8':
		t.x, t.y, t.wrapNext = t.savedX, t.savedY, false
	case 'D':
		t.index()
	case 'E':
		t.x = 0
		t.index()
	case 'M':
		t.reverseIndex()
	case 'c':
		t.reset()
	}
}

// reset is RIS: blank screens, default modes, cursor home.
func (t *Terminal) reset() {
	t.main, t.alt = regrid(nil, t.w, t.h), regrid(nil, t.w, t.h)
	t.grid, t.altEnabled = t.main, false
	t.x, t.y, t.savedX, t.savedY = 0, 0, 0, 0
	t.wrapNext, t.autowrap, t.insert = false, true, false
	t.top, t.bot = 0, t.h-1
	t.lastRune = 0
}

func (t *Terminal) csi(cmd ansi.Cmd, params ansi.Params) {
	if cmd.Intermediate() != 0 {
		return
	}
	// n is parameter i with 0 and missing both meaning def, as for cursor
	// movement and counts.
	n := func(i, def int) int {
		v, _, _ := params.Param(i, def)
		if v == 0 {
			return def
		}
		return v
	}
	switch cmd.Prefix() {
	case '?':
		t.privateMode(cmd.Final(), params)
		return
	case 0:
	default:
		return
	}
	switch cmd.Final() {
	case 'm', 'h', 'l', 'b':
		// Styles, modes and REP leave a pending wrap pending.
	default:
		t.wrapNext = false
	}
	switch cmd.Final() {
	case 'A': // CUU
		t.y = max(t.y-n(0, 1), 0)
	case 'B', 'e': // CUD, VPR
		t.y = min(t.y+n(0, 1), t.h-1)
	case 'C', 'a': // CUF, HPR
		t.x = min(t.x+n(0, 1), t.w-1)
	case 'D': // CUB
		t.x = max(t.x-n(0, 1), 0)
	case 'E': // CNL
		t.x, t.y = 0, min(t.y+n(0, 1), t.h-1)
	case 'F': // CPL
		t.x, t.y = 0, max(t.y-n(0, 1), 0)
	case 'G', '`': // CHA, HPA
		t.x = clamp(n(0, 1)-1, 0, t.w-1)
	case 'd': // VPA
		t.y = clamp(n(0, 1)-1, 0, t.h-1)
	case 'H', 'f': // CUP, HVP
		t.y = clamp(n(0, 1)-1, 0, t.h-1)
		t.x = clamp(n(1, 1)-1, 0, t.w-1)
	case 'I': // CHT
		for range n(0, 1) {
			t.x = min((t.x/8+1)*8, t.w-1)
		}
	case 'Z': // CBT
		for range n(0, 1) {
			t.x = max((t.x-1)/8*8, 0)
		}
	case 'J': // ED
		v, _, _ := params.Param(0, 0)
		t.eraseDisplay(v)
	case 'K': // EL
		v, _, _ := params.Param(0, 0)
		t.eraseLine(v)
	case 'X': // ECH
		row := t.grid[t.y]
		for i := t.x; i < min(t.x+n(0, 1), t.w); i++ {
			row[i] = ' '
		}
	case '@': // ICH
		row := t.grid[t.y]
		k := min(n(0, 1), t.w-t.x)
		copy(row[t.x+k:], row[t.x:])
		for i := t.x; i < t.x+k; i++ {
			row[i] = ' '
		}
	case 'P': // DCH
		row := t.grid[t.y]
		k := min(n(0, 1), t.w-t.x)
		copy(row[t.x:], row[t.x+k:])
		for i := t.w - k; i < t.w; i++ {
			row[i] = ' '
		}
	case 'L': // IL
		t.insertLines(t.y, n(0, 1))
		t.x = 0
	case 'M': // DL
		t.deleteLines(t.y, n(0, 1))
		t.x = 0
	case 'S': // SU
		t.scrollUp(n(0, 1))
	case 'T': // SD
		t.scrollDown(n(0, 1))
	case 'b': // REP
		if t.lastRune != 0 {
			for range n(0, 1) {
				t.print(t.lastRune)
			}
		}
	case 'r': // DECSTBM
		top, bot := n(0, 1)-1, n(1, t.h)-1
		if top < bot && bot < t.h {
			t.top, t.bot = top, bot
		} else {
			t.top, t.bot = 0, t.h-1
		}
		t.x, t.y = 0, 0
	case 's': // SCOSC
		t.savedX, t.savedY = t.x, t.y
	case 'u': // SCORC
		t.x, t.y = t.savedX, t.savedY
	case 'h', 'l': // SM, RM
		params.ForEach(0, func(_, mode int, _ bool) {
			if mode == 4 { // IRM
				t.insert = cmd.Final() == 'h'
			}
		})
	}
}

func (t *Terminal) privateMode(final byte, params ansi.Params) {
	if final != 'h' && final != 'l' {
		return
	}
	set := final == 'h'
	params.ForEach(0, func(_, mode int, _ bool) {
		switch mode {
		case 7: // DECAWM
			t.autowrap = set
			t.wrapNext = false
		case 47, 1047, 1049: // alternate screen
			t.switchScreen(set, mode == 1049)
		}
	})
}

func (t *Terminal) switchScreen(toAlt, saveCursor bool) {
	if toAlt == t.altEnabled {
		return
	}
	t.altEnabled = toAlt
	if toAlt {
		if saveCursor {
			t.altSavedX, t.altSavedY = t.x, t.y
		}
		t.alt = regrid(nil, t.w, t.h)
		t.grid = t.alt
		return
	}
	t.grid = t.main
	if saveCursor {
		t.x, t.y = t.altSavedX, t.altSavedY
	}
}

func (t *Terminal) eraseDisplay(mode int) {
	switch mode {
	case 0:
		t.eraseLine(0)
		for y := t.y + 1; y < t.h; y++ {
			t.grid[y] = blankRow(t.w)
		}
	case 1:
		t.eraseLine(1)
		for y := range t.y {
			t.grid[y] = blankRow(t.w)
		}
	case 2:
		for y := range t.grid {
			t.grid[y] = blankRow(t.w)
		}
	}
}

func (t *Terminal) eraseLine(mode int) {
	row := t.grid[t.y]
	from, to := 0, t.w
	switch mode {
	case 0:
		from = t.x
	case 1:
		to = t.x + 1
	}
	for i := from; i < to; i++ {
		row[i] = ' '
	}
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }
