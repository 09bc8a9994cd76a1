//go:build !unix

package steps

import (
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gofrs/flock"
)

// ownedByMe: without sticky world-writable folders there is no one else's
// link to beware of.
func ownedByMe(fs.FileInfo) bool { return true }

// siteListLock is a lock (LockFileEx) on a hidden file beside the list: a
// folder cannot be locked here, and the list itself is replaced by a rename.
// The lock file stays: removing it would let two runs lock two different files.
func siteListLock(target string) (*flock.Flock, error) {
	dir, base := filepath.Split(target)
	return flock.New(filepath.Join(dir, "."+base+".lock"), flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600)), nil
}
