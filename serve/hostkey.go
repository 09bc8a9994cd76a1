package serve

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// loadOrCreateHostKey returns the host key at path, creating an ed25519 one
// (mode 0600, plus a .pub beside it for publishing the fingerprint) when the
// file does not exist.
func loadOrCreateHostKey(path string, log *slog.Logger) (gossh.Signer, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		signer, err := createHostKey(path)
		if err != nil {
			return nil, err
		}
		log.Info("created host key", "path", path, "fingerprint", gossh.FingerprintSHA256(signer.PublicKey()))
		return signer, nil
	}
	if err != nil {
		return nil, fmt.Errorf("host key: %w", err)
	}
	signer, err := gossh.ParsePrivateKey(data)
	var missing *gossh.PassphraseMissingError
	if errors.As(err, &missing) {
		return nil, fmt.Errorf("host key %s is protected by a passphrase, which the server cannot enter: use an unencrypted key readable only by this user", path)
	}
	if err != nil {
		return nil, fmt.Errorf("host key %s is not an OpenSSH private key: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("host key is readable by others: chmod 600 it", "path", path, "mode", fmt.Sprintf("%04o", fi.Mode().Perm()))
	}
	return signer, nil
}

func createHostKey(path string) (gossh.Signer, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "mobile-oauth-wizard host key")
	if err != nil {
		return nil, fmt.Errorf("encode host key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create host key directory: %w", err)
	}
	// O_EXCL: two servers starting at once must not overwrite each other's
	// key after one of them has already handed out its fingerprint.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create host key: %w", err)
	}
	// The umask can only narrow 0600, but a narrower mode (0400) would still
	// surprise whoever checks it; make it exactly what the docs say.
	if err := errors.Join(f.Chmod(0o600), pem.Encode(f, block), f.Close()); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("write host key: %w", err)
	}
	sshPub, err := gossh.NewPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("host public key: %w", err)
	}
	// The .pub is a convenience for known_hosts files; failing to write it
	// does not stop the server.
	_ = os.WriteFile(path+".pub", gossh.MarshalAuthorizedKey(sshPub), 0o644)
	return gossh.NewSignerFromKey(priv)
}
