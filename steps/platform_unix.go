//go:build unix

package steps

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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

// siteListLock is a lock file for the list in a folder of the user's own
// (the user cache folder, mode 0700), named after the list's path. Nobody
// else can hold it: a lock on the list's folder could be taken by anyone who
// may read the folder (flock /tmp sleep 45 stalled every run writing to
// /tmp), and the list itself cannot be the lock (it is replaced by a rename,
// and a waiting run would then hold a lock on the old file). Runs of one user
// writing one list exclude each other; the lock files stay, empty (removing
// one would let two runs lock two different files).
func siteListLock(target string) (*flock.Flock, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return nil, fmt.Errorf("no folder of the user's own for the lock: %w", err)
	}
	dir = filepath.Join(dir, "mobile-oauth-wizard", "locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() || !ownedByMe(fi) || fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("the lock folder %s is not the user's own (mode 0700)", dir)
	}
	sum := sha256.Sum256([]byte(target))
	return flock.New(filepath.Join(dir, hex.EncodeToString(sum[:16])+".lock"),
		flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600)), nil
}
