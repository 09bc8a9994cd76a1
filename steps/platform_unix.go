//go:build unix

package steps

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/gofrs/flock"
)

// ownedByMe reports whether the effective user owns the file.
func ownedByMe(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}

// siteListLock is a lock on the folder that holds the list: flock(2) works on
// a directory, so no lock file is left beside the user's files, and the list
// itself cannot be the lock (it is replaced by a rename, and a waiting run
// would then hold a lock on the old file).
func siteListLock(target string) *flock.Flock {
	return flock.New(filepath.Dir(target), flock.SetFlag(os.O_RDONLY))
}
