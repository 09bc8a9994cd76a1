package servetest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

// Key is a throwaway ed25519 client key.
type Key struct {
	Path          string       // private key file (mode 0600, as ssh -i demands)
	Signer        gossh.Signer // the same key, for golang.org/x/crypto/ssh clients
	AuthorizedKey string       // its authorized_keys line, newline included
	Fingerprint   string       // SHA256:..., as the server logs it
}

// NewKey creates a key in a temporary directory of tb.
func NewKey(tb testing.TB) Key {
	tb.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatalf("generate key: %v", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "servetest")
	if err != nil {
		tb.Fatalf("encode key: %v", err)
	}
	path := filepath.Join(tb.TempDir(), "id_ed25519")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		tb.Fatalf("write key: %v", err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		tb.Fatalf("signer: %v", err)
	}
	line := strings.TrimSuffix(string(gossh.MarshalAuthorizedKey(signer.PublicKey())), "\n")
	return Key{
		Path:          path,
		Signer:        signer,
		AuthorizedKey: line + " servetest\n",
		Fingerprint:   gossh.FingerprintSHA256(signer.PublicKey()),
	}
}

// WriteAuthorizedKeys writes (or replaces) an authorized_keys file listing
// keys, with mode 0600, and returns its path.
func WriteAuthorizedKeys(tb testing.TB, path string, keys ...Key) string {
	tb.Helper()
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k.AuthorizedKey)
	}
	// Write a new file and rename it over the old one, as editors do, so a
	// server reading concurrently sees either the old or the new list.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		tb.Fatalf("write authorized keys: %v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatalf("write authorized keys: %v", err)
	}
	return path
}
