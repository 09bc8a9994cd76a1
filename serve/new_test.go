package serve

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve/servetest"
	gossh "golang.org/x/crypto/ssh"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestNewRefusesToStartWithoutUsableKeys(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // past the umask
			t.Fatal(err)
		}
		return p
	}
	good := strings.TrimSpace(servetest.NewKey(t).AuthorizedKey)

	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"no authorized keys file", Options{NewModel: newEchoModel}, "authorized keys file is required"},
		{"missing file", Options{AuthorizedKeysFile: filepath.Join(dir, "nope"), NewModel: newEchoModel}, "no such file"},
		{"empty file", Options{AuthorizedKeysFile: write("empty", "", 0o600), NewModel: newEchoModel}, "has no public keys"},
		{"unparseable file", Options{AuthorizedKeysFile: write("junk", "hello world\n", 0o600), NewModel: newEchoModel}, "not an OpenSSH public key"},
		{"writable by others", Options{AuthorizedKeysFile: write("open", good, 0o666), NewModel: newEchoModel}, "writable by group or others"},
		{"no model", Options{AuthorizedKeysFile: write("ok", good, 0o600)}, "NewModel is required"},
		{"negative max sessions", Options{AuthorizedKeysFile: write("ok2", good, 0o600), NewModel: newEchoModel, MaxSessions: -1}, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.HostKeyFile = filepath.Join(t.TempDir(), "host")
			tt.opts.Logger = quietLogger()
			_, err := New(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestHostKeyIsCreatedPrivateAndReused(t *testing.T) {
	dir := t.TempDir()
	keys := servetest.WriteAuthorizedKeys(t, filepath.Join(dir, "authorized_keys"), servetest.NewKey(t))
	hostKey := filepath.Join(dir, "state", "mobile-oauth-wizard", "host_ed25519")
	opts := Options{AuthorizedKeysFile: keys, HostKeyFile: hostKey, NewModel: newEchoModel, Logger: quietLogger()}

	first, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(hostKey)
	if err != nil {
		t.Fatalf("host key not created: %v", err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("host key mode %04o, want 0600", mode)
	}
	data, err := os.ReadFile(hostKey)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.ParsePrivateKey(data)
	if err != nil {
		t.Fatalf("host key file is not an OpenSSH private key: %v", err)
	}
	if signer.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Errorf("host key type %s, want ed25519", signer.PublicKey().Type())
	}
	pub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		t.Fatalf("no .pub beside the host key: %v", err)
	}
	if pk, _, _, _, err := gossh.ParseAuthorizedKey(pub); err != nil || gossh.FingerprintSHA256(pk) != first.HostKeyFingerprint() {
		t.Errorf(".pub does not hold the host key (err %v)", err)
	}

	second, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if second.HostKeyFingerprint() != first.HostKeyFingerprint() {
		t.Error("a second start made a new host key instead of reusing the file")
	}
}

func TestHostKeyFileThatIsNotAKey(t *testing.T) {
	dir := t.TempDir()
	keys := servetest.WriteAuthorizedKeys(t, filepath.Join(dir, "authorized_keys"), servetest.NewKey(t))
	hostKey := filepath.Join(dir, "host")
	if err := os.WriteFile(hostKey, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Options{AuthorizedKeysFile: keys, HostKeyFile: hostKey, NewModel: newEchoModel, Logger: quietLogger()})
	if err == nil || !strings.Contains(err.Error(), "is not an OpenSSH private key") {
		t.Fatalf("New error = %v", err)
	}
	if data, _ := os.ReadFile(hostKey); string(data) != "not a key" {
		t.Error("an unreadable host key file was overwritten")
	}
}

func TestDefaultHostKeyFile(t *testing.T) {
	tests := []struct {
		name, state, home, want string
	}{
		{"XDG_STATE_HOME", "/xdg/state", "/home/a", "/xdg/state/mobile-oauth-wizard/host_ed25519"},
		{"no XDG_STATE_HOME", "", "/home/a", "/home/a/.local/state/mobile-oauth-wizard/host_ed25519"},
		{"relative XDG_STATE_HOME is ignored", "rel", "/home/a", "/home/a/.local/state/mobile-oauth-wizard/host_ed25519"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("XDG_STATE_HOME", tt.state)
			t.Setenv("HOME", tt.home)
			got, err := DefaultHostKeyFile()
			if err != nil || got != tt.want {
				t.Errorf("DefaultHostKeyFile() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
