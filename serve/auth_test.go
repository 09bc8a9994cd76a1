package serve

import (
	"os"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve/servetest"
	gossh "golang.org/x/crypto/ssh"
)

func TestOnlyAuthorizedPublicKeysGetIn(t *testing.T) {
	ts := startServer(t, nil)
	stranger := servetest.NewKey(t)
	answerEverything := gossh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
		return make([]string, len(questions)), nil
	})

	tests := []struct {
		name   string
		auth   []gossh.AuthMethod
		wantIn bool
	}{
		{"authorized key", []gossh.AuthMethod{gossh.PublicKeys(ts.key.Signer)}, true},
		{"unknown key", []gossh.AuthMethod{gossh.PublicKeys(stranger.Signer)}, false},
		{"password", []gossh.AuthMethod{gossh.Password("hunter2")}, false},
		{"keyboard-interactive", []gossh.AuthMethod{answerEverything}, false},
		{"no credentials", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dial(t, ts.addr, "admin", tt.auth...)
			if gotIn := err == nil; gotIn != tt.wantIn {
				t.Fatalf("logged in = %v (err %v), want %v", gotIn, err, tt.wantIn)
			}
		})
	}
	if logs := ts.logs.String(); !strings.Contains(logs, stranger.Fingerprint) {
		t.Errorf("the refused key's fingerprint is not in the log:\n%s", logs)
	}
	if strings.Contains(ts.logs.String(), "hunter2") {
		t.Error("a password reached the log")
	}
}

func TestAuthorizedKeysEditsApplyWithoutRestart(t *testing.T) {
	ts := startServer(t, nil)
	alice, bob := ts.key, servetest.NewKey(t)
	canLogIn := func(k servetest.Key) bool {
		_, err := dial(t, ts.addr, "admin", gossh.PublicKeys(k.Signer))
		return err == nil
	}

	steps := []struct {
		name        string
		edit        func()
		alice, bobs bool
	}{
		{"initial file", func() {}, true, false},
		{"bob added", func() { servetest.WriteAuthorizedKeys(t, ts.keysFile, alice, bob) }, true, true},
		{"alice removed", func() { servetest.WriteAuthorizedKeys(t, ts.keysFile, bob) }, false, true},
		{"file broken: nobody gets in", func() {
			if err := os.WriteFile(ts.keysFile, []byte("not a key\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, false, false},
		{"file fixed", func() { servetest.WriteAuthorizedKeys(t, ts.keysFile, alice) }, true, false},
		{"rewritten in place, same size, mtime restored", func() {
			fi, err := os.Stat(ts.keysFile)
			if err != nil {
				t.Fatal(err)
			}
			// ed25519 lines with the same comment are the same length.
			if err := os.WriteFile(ts.keysFile, []byte(bob.AuthorizedKey), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(ts.keysFile, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
			if after, _ := os.Stat(ts.keysFile); after.Size() != fi.Size() || !after.ModTime().Equal(fi.ModTime()) {
				t.Fatal("the rewrite changed the size or the time")
			}
		}, false, true},
		{"file deleted: nobody gets in", func() {
			if err := os.Remove(ts.keysFile); err != nil {
				t.Fatal(err)
			}
		}, false, false},
	}
	for _, st := range steps {
		st.edit()
		if got := canLogIn(alice); got != st.alice {
			t.Errorf("%s: alice logs in = %v, want %v", st.name, got, st.alice)
		}
		if got := canLogIn(bob); got != st.bobs {
			t.Errorf("%s: bob logs in = %v, want %v", st.name, got, st.bobs)
		}
	}
	if logs := ts.logs.String(); !strings.Contains(logs, "refusing every login until fixed") {
		t.Errorf("a broken authorized keys file was not logged:\n%s", logs)
	}
}

func TestParseAuthorizedKeys(t *testing.T) {
	key := servetest.NewKey(t)
	line := strings.TrimSpace(key.AuthorizedKey)

	tests := []struct {
		name    string
		content string
		keys    int
		wantErr string
	}{
		{"one key", line + "\n", 1, ""},
		{"comments, blanks and CRLF", "# admins\n\n" + line + "\r\n", 1, ""},
		{"harmless options", "no-port-forwarding,no-agent-forwarding " + line, 1, ""},
		{"empty", "", 0, "has no public keys"},
		{"only comments", "# nobody yet\n", 0, "has no public keys"},
		{"garbage", line + "\nssh-ed25519 notbase64!!\n", 0, "line 2: not an OpenSSH public key"},
		{"private key pasted by mistake", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n", 0, "line 1: not an OpenSSH public key"},
		{"restriction the server cannot enforce", `from="10.0.0.0/8" ` + line, 0, `key option "from" is not supported`},
		{"forced command", `command="/bin/true" ` + line, 0, `key option "command" is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := parseAuthorizedKeys("authorized_keys", []byte(tt.content))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "b3BlbnNzaC1rZXktdjEAAAAA") {
					t.Errorf("error quotes the file's content: %v", err)
				}
				return
			}
			if err != nil || len(keys) != tt.keys {
				t.Fatalf("got %d keys, err %v; want %d keys", len(keys), err, tt.keys)
			}
		})
	}
}
