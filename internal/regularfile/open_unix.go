//go:build unix

package regularfile

import "syscall"

// openNoBlock keeps open(2) of a FIFO from waiting for a writer.
const openNoBlock = syscall.O_NONBLOCK
