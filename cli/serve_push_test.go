package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/intunesim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/serve/servetest"
)

// The server's own MDM credentials, in its process environment: no session
// may sign in with them.
const (
	serverTenant      = "server-tenant"
	serverClient      = "server-client-id"
	serverSecret      = "server-client-secret"
	serverJamfClient  = "server-jamf-client"
	serverJamfSecret  = "server-jamf-secret"
	serverCertContent = "server certificate and key"
	// serverCertPath stands for the server's certificate file in a session's
	// environment.
	serverCertPath = "SERVER-CERT-PATH"
)

// tokenRequest is one request to the simulated Entra ID's token endpoint.
type tokenRequest struct {
	tenant, clientID, grant string
	secret, assertion       bool
}

// tokenLog records the token requests the simulated Entra ID serves.
type tokenLog struct {
	mu   sync.Mutex
	reqs []tokenRequest
}

func (l *tokenLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tenant, ok := strings.CutSuffix(r.URL.Path, "/oauth2/v2.0/token"); ok {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			form, _ := url.ParseQuery(string(body))
			l.mu.Lock()
			l.reqs = append(l.reqs, tokenRequest{tenant: strings.Trim(tenant, "/"), clientID: form.Get("client_id"),
				grant: form.Get("grant_type"), secret: form.Has("client_secret"), assertion: form.Has("client_assertion")})
			l.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

func (l *tokenLog) all() []tokenRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reqs)
}

// servedPush is `serve --url JIRA` in process whose sessions reach a
// simulated Jira, and a simulated Intune as the server's --authority-url and
// --graph-url, through the test's transport. The server's environment holds
// MDM credentials of its own, a certificate file among them.
type servedPush struct {
	e      *pushEnv
	addr   string
	cert   string // the server's certificate file (its AZURE_CLIENT_CERTIFICATE_PATH)
	key    servetest.Key
	tokens *tokenLog
}

// startServedPush serves sessions whose Intune is intune (the simulated
// tenant, or a handler in front of it).
func startServedPush(t *testing.T, intune func(*pushEnv) http.Handler) *servedPush {
	t.Helper()
	e := newPushEnv(t)
	dir := t.TempDir()
	cert := filepath.Join(dir, "server-cert.pem")
	if err := os.WriteFile(cert, []byte(serverCertContent), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{EnvAzureTenant: serverTenant, EnvAzureClient: serverClient, EnvAzureSecret: serverSecret,
		EnvAzureCert: cert, EnvJamfClient: serverJamfClient, EnvJamfSecret: serverJamfSecret, EnvToken: serverToken,
		// azidentity routes a secret's or a certificate's sign-in to the region this names.
		envAzureRegion: "westus2"} {
		t.Setenv(k, v)
	}
	s := &servedPush{e: e, cert: cert, key: servetest.NewKey(t), tokens: &tokenLog{}}
	tr := e.with(intuneHost, s.tokens.wrap(intune(e)))
	keys := servetest.WriteAuthorizedKeys(t, filepath.Join(dir, "authorized_keys"), s.key)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	log := &simtest.Buffer{}
	go func() {
		stdio := &IO{In: strings.NewReader(""), Out: io.Discard, Err: log, Getenv: os.Getenv,
			IsTerminal: func() bool { return false }, Transport: tr}
		root := NewRootCommand(BuildInfo{Version: "test"}, stdio)
		root.SetArgs([]string{"serve", "--listen", "127.0.0.1:0", "--authorized-keys", keys, "--host-key", filepath.Join(dir, "host_key"),
			"--url", e.jira.URL, "--allow-http", "--authority-url", simtest.IntuneURL, "--graph-url", simtest.IntuneURL})
		done <- root.ExecuteContext(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	line := log.WaitFor(t, "Serving the wizard over SSH on ")
	if !strings.Contains(line, envAzureRegion+"=westus2 is not applied") {
		t.Errorf("serve did not say it drops the server's Entra ID region:\n%s", line)
	}
	s.addr = strings.Fields(line[strings.Index(line, " on ")+4:])[0]
	return s
}

// toResult walks a session's wizard to the MDM result: the instance, the
// token and the mode come from the server and the session's environment.
func (s *servedPush) toResult(t *testing.T, env ...string) *servetest.Session {
	t.Helper()
	c := servetest.Open(t, s.addr, s.key, servetest.WithEnv(append(env, EnvToken+"="+simtest.SysadminToken)...))
	c.WaitFor(t, "MDM or not")
	c.Send(servetest.KeyEnter)
	c.WaitFor(t, "Create an incoming link")
	c.Send(servetest.KeyEnter)
	waitFlat(t, c, "p pushes it to an MDM.")
	return c
}

// waitFlat waits until the session's screen shows text, wherever it wraps.
func waitFlat(t *testing.T, c *servetest.Session, text string) string {
	t.Helper()
	return c.WaitUntil(t, text, func(scr string) bool { return strings.Contains(flatText(scr), flatText(text)) })
}

// A served session's push signs in with what the session sent, never with
// the server's own credentials: with none sent, p says what to set with
// ssh's SendEnv and the simulated Entra ID sees no token request; with the
// session's own secret the push goes through as that application; a
// certificate path (a file on the server) is refused and read by no one.
func TestServedSessionPushesWithTheSessionsCredentialsOnly(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		// then follows the push from p on; it returns what the screen must show.
		then   func(t *testing.T, c *servetest.Session)
		signIn bool // the session's application signed in, with its secret
	}{{
		name: "nothing sent",
		then: func(t *testing.T, c *servetest.Session) {
			scr := waitFlat(t, c, "To push into an MDM, set in your ssh's environment (SendEnv): for Intune "+EnvAzureTenant+" and "+EnvAzureClient)
			if strings.Contains(flatText(scr), EnvAzureCert) {
				t.Errorf("a session is told to set a certificate path:\n%s", scr)
			}
		},
	}, {
		name: "the session's secret",
		env:  []string{EnvAzureTenant + "=" + intunesim.Tenant, EnvAzureClient + "=" + intunesim.ClientID, EnvAzureSecret + "=" + intunesim.ClientSecret},
		then: func(t *testing.T, c *servetest.Session) {
			waitFlat(t, c, "Press y to write it")
			c.Send("y")
			waitFlat(t, c, "read back and confirmed")
		},
		signIn: true,
	}, {
		name: "a certificate path",
		env:  []string{EnvAzureTenant + "=" + intunesim.Tenant, EnvAzureClient + "=" + intunesim.ClientID, EnvAzureCert + "=" + serverCertPath},
		then: func(t *testing.T, c *servetest.Session) {
			waitFlat(t, c, "over SSH the wizard reads no file on the server ("+EnvAzureCert+"): give "+EnvAzureSecret+" in the session's environment")
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			s := startServedPush(t, func(e *pushEnv) http.Handler { return e.intune })
			env := slices.Clone(tc.env)
			for i, kv := range env {
				env[i] = strings.ReplaceAll(kv, serverCertPath, s.cert)
			}
			c := s.toResult(t, env...)
			c.Send("p")
			tc.then(t, c)
			if strings.Contains(c.Screen(), serverCertContent) {
				t.Errorf("the session shows the server's certificate file:\n%s", c.Screen())
			}
			c.Send("q")
			if code := c.Wait(t); code != 0 {
				t.Errorf("exit %d", code)
			}
			tokens := s.tokens.all()
			for _, r := range tokens {
				if r.tenant != intunesim.Tenant || r.clientID != intunesim.ClientID || !r.secret || r.assertion {
					t.Errorf("a token request not made with the session's secret: %+v", r)
				}
			}
			if got := len(tokens) > 0; got != tc.signIn {
				t.Errorf("token requests %+v; want a sign-in: %v", tokens, tc.signIn)
			}
			if n := len(s.e.intune.Configs()); n != map[bool]int{true: 1}[tc.signIn] {
				t.Errorf("%d app configurations in Intune", n)
			}
		})
	}
}

// With no secret sent, a served session's push signs in with a device code:
// the page and the code are on the session's screen (the server's own
// secret is not used), and once the code is approved the push writes and
// reads back as the signed-in person.
func TestServedSessionPushSignsInWithADeviceCode(t *testing.T) {
	shown := make(chan struct{})
	var polls atomic.Int32
	s := startServedPush(t, func(e *pushEnv) http.Handler { return deviceCodeApproved(e.intune, shown, &polls) })
	c := s.toResult(t, EnvAzureTenant+"="+intunesim.Tenant, EnvAzureClient+"="+intunesim.ClientID)
	c.Send("p")
	for _, want := range []string{"To sign in to Intune (Microsoft Entra ID), open", simtest.IntuneURL + "/devicelogin", intunesim.UserCode} {
		waitFlat(t, c, want)
	}
	if n := len(s.e.intune.Configs()); n != 0 {
		t.Errorf("%d configurations before the sign-in", n)
	}
	close(shown) // the person types the code on the page
	waitFlat(t, c, "Press y to write it")
	c.Send("y")
	waitFlat(t, c, "read back and confirmed")
	c.Send("q")
	if code := c.Wait(t); code != 0 {
		t.Errorf("exit %d", code)
	}
	if n := polls.Load(); n < 2 {
		t.Errorf("%d device-code polls: want authorization_pending, then the token", n)
	}
	for _, r := range s.tokens.all() {
		if r.tenant != intunesim.Tenant || r.clientID != intunesim.ClientID || r.secret || r.assertion || !strings.HasSuffix(r.grant, "device_code") {
			t.Errorf("a token request other than the session's device code: %+v", r)
		}
	}
	if n := len(s.e.intune.Configs()); n != 1 {
		t.Errorf("%d configurations after the push, want 1", n)
	}
}

// A command sent with the session (ssh HOST setup … --push intune) signs in
// to the server's --authority-url and --graph-url with the session's
// credentials only: with none sent, or a certificate path, it stops before
// any sign-in (exit 2); with the session's secret it pushes.
func TestServedCommandPushesWithTheSessionsCredentialsOnly(t *testing.T) {
	s := startServedPush(t, func(e *pushEnv) http.Handler { return e.intune })
	token := EnvToken + "=" + simtest.SysadminToken
	own := []string{token, EnvAzureTenant + "=" + intunesim.Tenant, EnvAzureClient + "=" + intunesim.ClientID}
	setup := []string{"setup", "--mode", "mdm", "--yes", "--push", "intune"}
	for _, tc := range []struct {
		name string
		env  []string
		code int
		want string
	}{
		{"nothing sent", []string{token}, ExitUsage, "set " + EnvAzureClient},
		{"a certificate path", append(own, EnvAzureCert+"="+s.cert), ExitUsage, "reads no file on the server (" + EnvAzureCert + ")"},
		{"the session's secret", append(own, EnvAzureSecret+"="+intunesim.ClientSecret), ExitOK, "Intune: created the app configuration"},
	} {
		r := servetest.RunInProcess(t, s.addr, s.key, "", []servetest.Option{servetest.WithEnv(tc.env...)}, setup...)
		if r.Code != tc.code || !strings.Contains(flatText(r.Stdout+r.Stderr), tc.want) {
			t.Errorf("%s: exit %d, want %d and %q:\n%s%s", tc.name, r.Code, tc.code, tc.want, r.Stdout, r.Stderr)
		}
		if strings.Contains(r.Stdout+r.Stderr, serverCertContent) {
			t.Errorf("%s: the server's certificate file was shown", tc.name)
		}
	}
	tokens := s.tokens.all()
	for _, r := range tokens {
		if r.tenant != intunesim.Tenant || r.clientID != intunesim.ClientID || !r.secret || r.assertion {
			t.Errorf("a token request not made with the session's secret: %+v", r)
		}
	}
	if len(tokens) == 0 || len(s.e.intune.Configs()) != 1 {
		t.Errorf("token requests %+v, configurations %+v: want the session's push", tokens, s.e.intune.Configs())
	}
}

// serve's Intune endpoints are checked before it listens: Entra ID and Graph
// are reached over https only.
func TestServeRefusesAnIntuneURLThatIsNotHTTPS(t *testing.T) {
	for _, flag := range []string{"--authority-url", "--graph-url"} {
		r := run(t, nil, "serve", "--listen", "127.0.0.1:0", "--authorized-keys", filepath.Join(t.TempDir(), "keys"), flag, "http://graph.example.com")
		if r.code != ExitUsage || !strings.Contains(r.stderr, flag+` "http://graph.example.com": give an https URL`) || strings.Contains(r.stderr, "Serving") {
			t.Errorf("%s http: exit %d\n%s", flag, r.code, r.stderr)
		}
	}
}

// A session on a dumb terminal (line prompts) pushes as the full screen
// does: to the server's Intune, signed in with the session's secret.
func TestServedLinePromptsPushWithTheSessionsCredentials(t *testing.T) {
	s := startServedPush(t, func(e *pushEnv) http.Handler { return e.intune })
	c := servetest.Open(t, s.addr, s.key, servetest.WithTerm("dumb"), servetest.WithEnv(EnvToken+"="+simtest.SysadminToken,
		EnvAzureTenant+"="+intunesim.Tenant, EnvAzureClient+"="+intunesim.ClientID, EnvAzureSecret+"="+intunesim.ClientSecret))
	answerLines(t, c, []lineStep{
		{"Is this the instance to set up?", ""},
		{"How will the iOS app learn", ""},
		{"Title the app shows", ""},
		{"Keep the sign-in session", ""},
		{"Create this link on the instance?", ""},
		{"1. Push the Jira Data Center app's site list to Intune", "1"},
		{"Nothing is written to Intune until you confirm.", "1"},
		{"What now?", ""},
	})
	if code := c.Wait(t); code != 0 {
		t.Errorf("exit %d:\n%s", code, c.Screen())
	}
	if raw := c.Raw(); !strings.Contains(flatText(raw), "read back and confirmed") {
		t.Errorf("the push's outcome is not said:\n%s", raw)
	}
	tokens := s.tokens.all()
	for _, r := range tokens {
		if r.tenant != intunesim.Tenant || r.clientID != intunesim.ClientID || !r.secret {
			t.Errorf("a token request not made with the session's secret: %+v", r)
		}
	}
	if len(tokens) == 0 || len(s.e.intune.Configs()) != 1 {
		t.Errorf("token requests %+v, configurations %+v: want the session's push", tokens, s.e.intune.Configs())
	}
}

// lineStep is a question of line prompts and what is typed to it.
type lineStep struct{ question, answer string }

// answerLines waits for each question on a session's terminal (OpenSSH's or
// Go's client) and types its answer and Enter.
func answerLines(t *testing.T, c interface {
	WaitFor(testing.TB, string) string
	Send(string)
}, steps []lineStep) {
	t.Helper()
	for _, step := range steps {
		c.WaitFor(t, step.question)
		c.Send(step.answer + servetest.KeyEnter)
	}
}
