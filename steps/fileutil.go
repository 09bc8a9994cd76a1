package steps

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// WriteFileAtomic replaces path with data so that a reader (or a crash) sees
// either the old file or the whole new one, never a half-written file: it
// writes a temporary file in the same directory, syncs it and renames it over
// path. The file ends up with exactly perm (the umask does not apply), which
// also tightens the mode of a file that existed before. A symbolic link at
// path is followed, so the file it points to is replaced and the link kept.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	target, err := resolveTarget(path)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(target)
	dir = cmp.Or(dir, ".")
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// Make the rename itself durable. Not every platform can sync a
	// directory, and the data is already safe, so a failure here is ignored.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// resolveTarget follows symbolic links and refuses anything that is not a
// regular file: renaming over a directory or a device would not do what the
// caller asked for. A link in a folder where anyone may create files (sticky
// and world-writable, like /tmp) is followed only if it belongs to the user
// running the wizard, whichever component of the path it is: otherwise
// another user chose where a root run writes.
func resolveTarget(path string) (string, error) {
	if err := checkLinks(path); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	target, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		// A missing file, or a dangling link: write where the link points.
		if dest, lerr := os.Readlink(path); lerr == nil {
			if !filepath.IsAbs(dest) {
				dest = filepath.Join(filepath.Dir(path), dest)
			}
			return dest, nil
		}
		return path, nil
	}
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	fi, err := os.Stat(target)
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("write %s: not a regular file", path)
	}
	return target, nil
}

// ErrUntrustedLink: the path is a symbolic link another user made in a shared
// folder.
var ErrUntrustedLink = errors.New("is a symbolic link that belongs to another user, in a folder anyone may write to")

// maxLinkHops bounds the links followed for one path, as the kernel does
// (ELOOP).
const maxLinkHops = 40

// checkLinks resolves path one component at a time, as the kernel would,
// and refuses it if any link on the way (a folder component such as /tmp/x
// in /tmp/x/sites.json, or the file itself) is another user's link in a
// sticky world-writable folder.
func checkLinks(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	resolved := string(filepath.Separator)
	if vol := filepath.VolumeName(abs); vol != "" {
		resolved = vol + resolved
		abs = abs[len(vol):]
	}
	rest := splitPath(abs)
	for hops := 0; len(rest) > 0; {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			resolved = filepath.Dir(resolved)
			continue
		}
		next := filepath.Join(resolved, c)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // nothing below it exists: no more links to follow
		}
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			resolved = next
			continue
		}
		if hops++; hops > maxLinkHops {
			return errors.New("too many levels of symbolic links")
		}
		dir, err := os.Stat(resolved)
		if err != nil {
			return err
		}
		shared := dir.Mode()&fs.ModeSticky != 0 && dir.Mode().Perm()&0o002 != 0
		if shared && !ownedByMe(fi) {
			return fmt.Errorf("%s %w; it was not followed", next, ErrUntrustedLink)
		}
		dest, err := os.Readlink(next)
		if err != nil {
			return err
		}
		if filepath.IsAbs(dest) {
			resolved = string(filepath.Separator)
			if vol := filepath.VolumeName(dest); vol != "" {
				resolved = vol + resolved
				dest = dest[len(vol):]
			}
		}
		rest = append(splitPath(dest), rest...)
	}
	return nil
}

func splitPath(p string) []string {
	return strings.Split(filepath.ToSlash(p), "/")
}
