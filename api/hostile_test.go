package api_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// hostileClientIDs are client IDs a compromised or hostile server could send:
// each must be refused before it is printed or saved.
var hostileClientIDs = map[string]string{
	"OSC 52":     "abc\x1b]52;c;cm0gLXJmIH4=\x07def",
	"title":      "abc\x1b]0;pwned\x07",
	"CSI 8-bit":  "abc\u009b2Jdef",
	"bidi":       "abc\u202edcba",
	"empty":      "",
	"space":      "abc def",
	"newline":    "abc\ndef",
	"quote":      `abc"def`,
	"too long":   strings.Repeat("a", 256),
	"non-ASCII":  "abcé",
	"slash":      "abc/def",
	"zero-width": "abc\u200bdef",
}

func clientJSON(clientID string) map[string]any {
	return map[string]any{"id": "1b0a0d5e-0000-4000-8000-000000000001", "clientId": clientID, "name": "Jira iOS app",
		"redirects": []string{"jira-server://oauth-callback"}, "scope": "WRITE", "userKey": "JIRAUSER10000"}
}

func TestHostileClientIDsAreRefused(t *testing.T) {
	calls := map[string]struct {
		method, path string
		body         func(id string) any
		call         func(c *api.Client) error
	}{
		"list": {"GET", api.PathClients, func(id string) any {
			return []any{clientJSON("0123456789abcdef0123456789abcdef"), clientJSON(id)}
		}, func(c *api.Client) error { _, err := c.ListClients(ctx); return err }},
		"get": {"GET", api.PathClients + "/", func(id string) any { return clientJSON(id) },
			func(c *api.Client) error { _, err := c.GetClient(ctx, "x"); return err }},
		"create": {"POST", api.PathClients, func(id string) any { return clientJSON(id) }, func(c *api.Client) error {
			_, err := c.CreateClient(ctx, api.NewOAuthClient{Name: "n", Redirects: []string{"jira-server://oauth-callback"}, Scope: "WRITE"})
			return err
		}},
	}
	for cname, call := range calls {
		for name, id := range hostileClientIDs {
			t.Run(cname+"/"+name, func(t *testing.T) {
				env := simtest.Start(t, simulator.Config{})
				body, _ := json.Marshal(call.body(id))
				env.Sim.Inject(simulator.Fault{Method: call.method, PathPrefix: call.path, Kind: simulator.FaultStatus,
					Status: 200, ContentType: "application/json", Body: string(body)})
				err := call.call(env.Client(t, simtest.SysadminToken))
				if api.KindOf(err) != api.KindServer || !strings.Contains(err.Error(), "not a plain token") {
					t.Fatalf("err = %v, want a refusal of the client ID", err)
				}
				if strings.ContainsAny(err.Error(), "\x1b\x07\u009b\u202e\u200b\n") {
					t.Fatalf("the refusal prints the hostile bytes: %q", err)
				}
			})
		}
	}
	t.Run("plain tokens pass", func(t *testing.T) {
		for _, id := range []string{"0123456789abcdef0123456789abcdef", "a-B_9", strings.Repeat("z", 255)} {
			if !api.ValidClientID(id) {
				t.Errorf("ValidClientID(%q) = false", id)
			}
		}
	})
}

func FuzzValidClientID(f *testing.F) {
	for _, id := range hostileClientIDs {
		f.Add(id)
	}
	f.Add("0123456789abcdef0123456789abcdef")
	f.Fuzz(func(t *testing.T, id string) {
		ok := api.ValidClientID(id)
		plain := id != "" && len(id) <= 255 && strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == ""
		if ok != plain {
			t.Fatalf("ValidClientID(%q) = %v, want %v", id, ok, plain)
		}
		q := api.QuoteClientID(id)
		for _, r := range q {
			if r < 0x20 || r > 0x7e && r != '…' {
				t.Fatalf("QuoteClientID(%q) = %q holds %U", id, q, r)
			}
		}
	})
}

func TestCACertMustBeABoundedRegularFile(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, bytes.Repeat([]byte("A"), 4<<20+1), 0o600); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{"directory": dir, "too large": big}
	if runtime.GOOS != "windows" {
		fifo := filepath.Join(dir, "fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		files["fifo"], files["endless device"] = fifo, "/dev/zero"
	}
	for name, file := range files {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := api.New(api.Options{BaseURL: "https://jira.example.com", CACertFile: file})
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "CA certificate") {
					t.Fatalf("err = %v, want a CA certificate error", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("reading the CA certificate hangs")
			}
		})
	}
}

func TestTooLargeClientListSaysSo(t *testing.T) {
	env := simtest.Start(t, simulator.Config{})
	// Over 5 MiB of well-formed clients (one client, encoded once, repeated).
	c, _ := json.Marshal(clientJSON("0123456789abcdef0123456789abcdef"))
	body := "[" + strings.Repeat(string(c)+",", 5<<20/len(c)) + string(c) + "]"
	env.Sim.Inject(simulator.Fault{Method: "GET", PathPrefix: api.PathClients, Kind: simulator.FaultStatus,
		Status: 200, ContentType: "application/json", Body: body})
	_, err := env.Client(t, simtest.SysadminToken).ListClients(ctx)
	if err == nil || !strings.Contains(err.Error(), "too large to read") || !strings.Contains(err.Error(), "list the OAuth 2.0 clients") {
		t.Fatalf("err = %v", err)
	}
}

func TestDebugLogSanitisesHeadersAndRedactsLocation(t *testing.T) {
	env := simtest.Start(t, simulator.Config{})
	env.Sim.Inject(simulator.Fault{Kind: simulator.FaultStatus, Status: 302, Header: http.Header{
		"Location": {"https://sso.example.com/login?token=s3cr3t-sso&next=%2Frest#frag-secret"},
		"X-Evil":   {"a\u009b2Jb\u202ec"},
	}})
	var dbg bytes.Buffer
	o := env.Options(simtest.SysadminToken)
	o.Debug = &dbg
	_, err := env.ClientWith(t, o).ListClients(ctx)
	if !errors.Is(err, api.ErrIntercepted) {
		t.Fatalf("err = %v", err)
	}
	out := dbg.String()
	for _, leak := range []string{"s3cr3t-sso", "frag-secret", "\u009b", "\u202e"} {
		if strings.Contains(out, leak) {
			t.Errorf("debug log holds %q:\n%s", leak, out)
		}
	}
	if !strings.Contains(out, "Location: https://sso.example.com/login?[redacted]") {
		t.Errorf("debug log does not show where the redirect went:\n%s", out)
	}
}

func TestNotFoundNamesThePathWithTheContextPath(t *testing.T) {
	env := simtest.Start(t, simulator.Config{})
	c := env.ClientWith(t, api.Options{BaseURL: env.URL + "/jira", Retries: -1})
	_, err := c.Manifest(ctx)
	if api.KindOf(err) != api.KindNotFound || !strings.Contains(err.Error(), "/jira"+api.PathManifest) {
		t.Fatalf("err = %v, want a 404 naming /jira%s", err, api.PathManifest)
	}
}

// TestDebugLogRedactsCredentialsInAnyHeader: credentials are found by their
// shape in every header, not by a list of names; what helps to debug (realm,
// error, where a link points) stays.
func TestDebugLogRedactsCredentialsInAnyHeader(t *testing.T) {
	env := simtest.Start(t, simulator.Config{})
	env.Sim.Inject(simulator.Fault{Kind: simulator.FaultStatus, Status: 401, Header: http.Header{
		"Www-Authenticate":         {`Bearer realm="jira", error="invalid_token", token="S3CRET-wwwauth"`},
		"Link":                     {`<https://jira.example.com/rest/next?token=S3CRET-link&page=2>; rel="next"`},
		"X-Upstream-Authorization": {"Bearer S3CRET-upstream"},
		"X-Debug":                  {"Basic UzNDUkVUOnBhc3N3b3Jk, sig=S3CRET-sig"},
		"X-Asessionid":             {"S3CRET-session"},
	}})
	var dbg bytes.Buffer
	o := env.Options(simtest.SysadminToken)
	o.Debug = &dbg
	_, _ = env.ClientWith(t, o).ListClients(ctx)
	out := dbg.String()
	for _, leak := range []string{"S3CRET", "UzNDUkVUOnBhc3N3b3Jk"} {
		if strings.Contains(out, leak) {
			t.Errorf("debug log holds %q:\n%s", leak, out)
		}
	}
	for _, kept := range []string{`realm="jira"`, `error="invalid_token"`, "https://jira.example.com/rest/next?[redacted]", `rel="next"`} {
		if !strings.Contains(out, kept) {
			t.Errorf("debug log lacks %q:\n%s", kept, out)
		}
	}
}
