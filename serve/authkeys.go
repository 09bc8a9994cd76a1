package serve

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"

	gossh "golang.org/x/crypto/ssh"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/regularfile"
)

// harmlessOptions are authorized_keys options that only take away things this
// server never offers (forwarding, rc files), so honouring them is a no-op.
// Any other option (from=, command=, expiry-time=, ...) is a restriction the
// server cannot enforce, and silently ignoring it would let in more than the
// admin meant: such lines are refused.
var harmlessOptions = map[string]bool{
	"no-agent-forwarding": true,
	"no-port-forwarding":  true,
	"no-x11-forwarding":   true,
	"no-user-rc":          true,
}

// parseAuthorizedKeys reads an OpenSSH authorized_keys file into the keys it
// lists and their comments (who the key is, for the log). Errors name the
// file and line but never quote the line: a private key pasted by mistake
// must not end up in a log.
func parseAuthorizedKeys(path string, data []byte) (map[string]string, error) {
	keys := map[string]string{}
	for i, line := range bytes.Split(data, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		key, comment, options, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: not an OpenSSH public key (expected e.g. \"ssh-ed25519 AAAA... name\")", path, i+1)
		}
		for _, opt := range options {
			name, _, _ := strings.Cut(opt, "=")
			if !harmlessOptions[strings.ToLower(name)] {
				return nil, fmt.Errorf("%s line %d: key option %q is not supported by this server; remove it", path, i+1, name)
			}
		}
		if _, dup := keys[string(key.Marshal())]; !dup {
			keys[string(key.Marshal())] = logSafe(comment)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s has no public keys: add one line per admin, e.g. the contents of their ~/.ssh/id_ed25519.pub", path)
	}
	return keys, nil
}

// readAuthorizedKeys checks and reads the file.
func readAuthorizedKeys(path string) ([]byte, error) {
	fi, err := regularfile.Check(path)
	if err != nil {
		return nil, fmt.Errorf("authorized keys file: %w", err)
	}
	// Like sshd's StrictModes: if others may write the file, they may let
	// themselves in.
	if fi.Mode().Perm()&0o022 != 0 {
		return nil, fmt.Errorf("authorized keys file %s is writable by group or others (mode %04o): chmod go-w it", path, fi.Mode().Perm())
	}
	data, err := regularfile.Read(path, maxAuthorizedKeys)
	if err != nil {
		return nil, fmt.Errorf("authorized keys file: %w", err)
	}
	return data, nil
}

// maxAuthorizedKeys bounds the file (OpenSSH keys are under 16 KiB a line).
const maxAuthorizedKeys = 4 << 20

// authorizedKeys is the live allow-list. It reads the file on every
// authentication attempt and parses it again when its content changed, so
// edits apply to the next connection without a restart or a file watcher. The
// content decides, not the size and time: a file rewritten in place with its
// time put back must not keep a removed key in.
type authorizedKeys struct {
	path string
	log  *slog.Logger

	mu   sync.Mutex
	sum  [sha256.Size]byte // of the content keys were parsed from
	keys map[string]string // key -> its comment
	err  error             // last load error: while set, nobody gets in
}

// loadAuthorizedKeys reads the file once, failing if it is missing, empty or
// malformed: a server that would let nobody in should not start.
func loadAuthorizedKeys(path string, log *slog.Logger) (*authorizedKeys, error) {
	data, err := readAuthorizedKeys(path)
	if err != nil {
		return nil, err
	}
	keys, err := parseAuthorizedKeys(path, data)
	if err != nil {
		return nil, err
	}
	return &authorizedKeys{path: path, log: log, sum: sha256.Sum256(data), keys: keys}, nil
}

// allows reports whether key is listed, reloading the file first if it
// changed. A file that became unreadable or malformed shuts everyone out
// (fail closed) until it is fixed: keeping the old list could keep a key the
// admin just removed.
func (a *authorizedKeys) allows(key gossh.PublicKey) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refresh()
	if a.err != nil {
		return false
	}
	_, ok := a.keys[string(key.Marshal())]
	return ok
}

// comment is the comment of key's line, "" when it has none or is no longer
// listed.
func (a *authorizedKeys) comment(key gossh.PublicKey) string {
	if key == nil {
		return ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.keys[string(key.Marshal())]
}

func (a *authorizedKeys) refresh() {
	data, err := readAuthorizedKeys(a.path)
	if err == nil && a.err == nil && sha256.Sum256(data) == a.sum {
		return
	}
	var keys map[string]string
	if err == nil {
		keys, err = parseAuthorizedKeys(a.path, data)
	}
	switch {
	case err != nil:
		if a.err == nil || a.err.Error() != err.Error() {
			a.log.Error("authorized keys unusable: refusing every login until fixed", "err", err)
		}
		a.err = err
	default:
		if a.err != nil || !maps.Equal(a.keys, keys) {
			a.log.Info("authorized keys reloaded", "path", a.path, "keys", len(keys))
		}
		a.keys, a.err, a.sum = keys, nil, sha256.Sum256(data)
	}
}
