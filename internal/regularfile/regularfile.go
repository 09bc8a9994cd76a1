// Package regularfile reads files named by the user without the surprises a
// path can hold: a FIFO that blocks the open until a writer comes (and with it
// every signal handler that waits for the open to return), a device such as
// /dev/zero that never ends, a directory.
package regularfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is wrapped by the error for a path that names something other
// than a regular file (after following symbolic links).
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is wrapped by the error for a file larger than the caller allows.
var ErrTooLarge = errors.New("larger than expected")

// Check reports whether path is a regular file, without opening it. A missing
// file is an error wrapping fs.ErrNotExist.
func Check(path string) (fs.FileInfo, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s, %w", path, describeMode(fi.Mode()), ErrNotRegular)
	}
	return fi, nil
}

// Read reads the whole of path, which must be a regular file of at most max
// bytes. The open never blocks: a FIFO swapped in after the check is opened in
// non-blocking mode and then refused by its type.
func Read(path string, max int64) ([]byte, error) {
	if _, err := Check(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNoBlock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s, %w", path, describeMode(fi.Mode()), ErrNotRegular)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is %w: over %d bytes", path, ErrTooLarge, max)
	}
	return data, nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
