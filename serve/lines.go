package serve

import (
	"io"
	"sync"
	"unicode/utf8"
)

// lineDiscipline gives a program that reads lines on a session's terminal
// what a terminal's line discipline would: the client's terminal is raw
// (ssh -t), so nothing echoes what is typed and Enter sends a carriage
// return. It echoes what is typed while echo is on (off until the reader
// turns it on: a secret read by a reader that does not know is not shown),
// ends a line on Enter, erases on Backspace and Ctrl-U, drops the escape
// sequences of cursor keys, ends the input on Ctrl-D at the start of a line
// and calls interrupt on Ctrl-C.
type lineDiscipline struct {
	in        io.Reader
	echo      io.Writer
	interrupt func()

	mu     sync.Mutex
	echoOn bool
	line   []byte // being typed
	ready  []byte // typed lines not yet read
	esc    int    // 1 after ESC, 2 inside a CSI or SS3 sequence
	cr     bool   // the last byte ended a line with CR: a LF after it is the same Enter
	ended  bool
	buf    [256]byte
}

func newLineDiscipline(in io.Reader, echo io.Writer, interrupt func()) *lineDiscipline {
	return &lineDiscipline{in: in, echo: echo, interrupt: interrupt}
}

// SetEcho turns the echo of what is typed on or off (off for a secret).
func (d *lineDiscipline) SetEcho(on bool) {
	d.mu.Lock()
	d.echoOn = on
	d.mu.Unlock()
}

func (d *lineDiscipline) Read(p []byte) (int, error) {
	for {
		d.mu.Lock()
		if len(d.ready) > 0 {
			n := copy(p, d.ready)
			d.ready = d.ready[n:]
			d.mu.Unlock()
			return n, nil
		}
		ended := d.ended
		d.mu.Unlock()
		if ended {
			return 0, io.EOF
		}
		n, err := d.in.Read(d.buf[:])
		d.take(d.buf[:n])
		if err != nil {
			d.mu.Lock()
			d.ended = true
			d.mu.Unlock()
		}
	}
}

// take handles typed bytes and echoes them (outside the lock: the write
// may wait for the client).
func (d *lineDiscipline) take(b []byte) {
	if echo := d.edit(b); len(echo) > 0 {
		_, _ = d.echo.Write(echo)
	}
}

func (d *lineDiscipline) edit(b []byte) (echo []byte) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, c := range b {
		cr := d.cr
		d.cr = false
		switch {
		case d.esc == 1:
			d.esc = 0
			if c == '[' || c == 'O' {
				d.esc = 2
			}
		case d.esc == 2:
			if c >= 0x40 && c <= 0x7e {
				d.esc = 0
			}
		case c == 0x1b:
			d.esc = 1
		case c == '\r' || c == '\n':
			if c == '\n' && cr {
				break
			}
			d.ready = append(append(d.ready, d.line...), '\n')
			d.line, d.cr = d.line[:0], c == '\r'
			echo = append(echo, '\n')
		case c == 0x7f || c == 0x08:
			if len(d.line) > 0 {
				_, size := utf8.DecodeLastRune(d.line)
				d.line = d.line[:len(d.line)-size]
				if d.echoOn {
					echo = append(echo, "\b \b"...)
				}
			}
		case c == 0x15: // Ctrl-U
			if d.echoOn {
				for range utf8.RuneCount(d.line) {
					echo = append(echo, "\b \b"...)
				}
			}
			d.line = d.line[:0]
		case c == 0x04: // Ctrl-D
			if len(d.line) == 0 {
				d.ended = true
			}
		case c == 0x03: // Ctrl-C
			d.ended = true
			if d.interrupt != nil {
				d.interrupt()
			}
		case c < 0x20 && c != '\t':
			// Other control characters mean nothing in a line.
		default:
			d.line = append(d.line, c)
			if d.echoOn {
				echo = append(echo, c)
			}
		}
		if d.ended {
			break
		}
	}
	return echo
}
