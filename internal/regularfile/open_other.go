//go:build !unix

package regularfile

// openNoBlock: other systems have no FIFOs in the file system to block on.
const openNoBlock = 0
