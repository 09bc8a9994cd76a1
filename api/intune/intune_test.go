package intune_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/intune"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/intunesim"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
)

// env is the simulated tenant served over TLS with httptest's CA, which the
// clients trust through the server's own http.Client.
type env struct {
	sim    *intunesim.Sim
	srv    *httptest.Server
	slept  []time.Duration
	mu     sync.Mutex
	debugW bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{sim: intunesim.New()}
	e.srv = httptest.NewTLSServer(e.sim)
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) client(t *testing.T, s intune.SignIn) (*intune.Client, error) {
	t.Helper()
	s.AuthorityURL = e.srv.URL
	s.HTTPClient = e.srv.Client()
	s.Debug = &e.debugW
	cred, err := intune.NewCredential(s)
	if err != nil {
		t.Fatal(err)
	}
	return intune.New(intune.Options{
		GraphURL: e.srv.URL, Token: cred.Token, HTTPClient: e.srv.Client(), Debug: &e.debugW,
		Sleep: func(_ context.Context, d time.Duration) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.slept = append(e.slept, d)
			return nil
		},
	})
}

func secret() intune.SignIn {
	return intune.SignIn{TenantID: intunesim.Tenant, ClientID: intunesim.ClientID, ClientSecret: intunesim.ClientSecret}
}

func TestSignInAndListAppsAcrossPages(t *testing.T) {
	cert := selfSigned(t)
	cases := []struct {
		name     string
		signIn   intune.SignIn
		settle   func(s *intunesim.Sim, code string)
		wantKind api.Kind
	}{
		{name: "client secret", signIn: secret()},
		{name: "wrong client secret", signIn: intune.SignIn{TenantID: intunesim.Tenant, ClientID: intunesim.ClientID, ClientSecret: "wrong"}, wantKind: api.KindUnauthorized},
		{name: "unknown application", signIn: intune.SignIn{TenantID: intunesim.Tenant, ClientID: "99999999-0000-4000-8000-000000000000", ClientSecret: "x"}, wantKind: api.KindUnauthorized},
		{name: "certificate", signIn: intune.SignIn{TenantID: intunesim.Tenant, ClientID: intunesim.ClientID, Certificate: cert}},
		{name: "device code approved", settle: (*intunesim.Sim).Approve},
		{name: "device code after slow_down", settle: func(s *intunesim.Sim, c string) { s.SlowDown(c); s.Approve(c) }},
		{name: "device code declined", settle: (*intunesim.Sim).Decline, wantKind: api.KindUnauthorized},
		{name: "device code expired", settle: (*intunesim.Sim).Expire, wantKind: api.KindUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			s := tc.signIn
			var shown []intune.DeviceCodePrompt
			if tc.settle != nil {
				s = intune.SignIn{TenantID: intunesim.Tenant, ClientID: intunesim.ClientID,
					DeviceCode: func(_ context.Context, p intune.DeviceCodePrompt) error {
						shown = append(shown, p)
						tc.settle(e.sim, p.Code)
						return nil
					}}
			}
			c, err := e.client(t, s)
			if err != nil {
				t.Fatal(err)
			}
			apps, err := c.MobileApps(t.Context())
			if tc.wantKind != api.KindUnknown {
				if api.KindOf(err) != tc.wantKind {
					t.Fatalf("err = %v (kind %v), want kind %v", err, api.KindOf(err), tc.wantKind)
				}
				if strings.Contains(err.Error(), "Trace ID") || strings.Contains(err.Error(), intunesim.ClientSecret) {
					t.Errorf("error text carries Entra's trace lines or a secret: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(apps) != 4 {
				t.Fatalf("got %d apps, want the 4 on two pages", len(apps))
			}
			if tc.settle != nil && (len(shown) != 1 || shown[0].Code != intunesim.UserCode || !strings.HasSuffix(shown[0].URL, "/devicelogin")) {
				t.Errorf("device code shown %+v, want the code and the URL once", shown)
			}
			for _, leak := range []string{intunesim.ClientSecret, "sim-access-", "sim-refresh-"} {
				if strings.Contains(e.debugW.String(), leak) {
					t.Errorf("debug log holds %q", leak)
				}
			}
		})
	}
}

func TestReadsWaitWritesAreSentOnce(t *testing.T) {
	cases := []struct {
		name      string
		fault     intunesim.Fault
		write     bool
		wantSlept []time.Duration
		wantKind  api.Kind
		wantSent  int
	}{
		{name: "read waits for Retry-After", fault: intunesim.Fault{Method: "GET", Path: "mobileAppConfigurations", Status: 429, RetryAfter: 7}, wantSlept: []time.Duration{7 * time.Second}, wantSent: 2},
		{name: "read backs off without Retry-After", fault: intunesim.Fault{Method: "GET", Path: "mobileAppConfigurations", Status: 503, Times: 2}, wantSlept: []time.Duration{time.Second, 2 * time.Second}, wantSent: 3},
		{name: "read gives up after its attempts", fault: intunesim.Fault{Method: "GET", Path: "mobileAppConfigurations", Status: 503, Times: 9}, wantSlept: []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, wantKind: api.KindServer, wantSent: 4},
		{name: "read refuses a wait too long", fault: intunesim.Fault{Method: "GET", Path: "mobileAppConfigurations", Status: 429, RetryAfter: 3600}, wantKind: api.KindRateLimited, wantSent: 1},
		{name: "throttled write is not sent again", fault: intunesim.Fault{Method: "PATCH", Status: 429, RetryAfter: 1}, write: true, wantKind: api.KindRateLimited, wantSent: 1},
		{name: "write whose answer is lost is not sent again", fault: intunesim.Fault{Method: "PATCH", LoseAnswer: true}, write: true, wantKind: api.KindNetwork, wantSent: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.sim.AddConfig(intunesim.Config{DisplayName: "x", TargetedMobileApps: []string{intunesim.JiraAppID}})
			c, err := e.client(t, secret())
			if err != nil {
				t.Fatal(err)
			}
			e.sim.AddFault(tc.fault)
			if tc.write {
				err = c.SetSettings(t.Context(), id, []intune.Setting{{Key: "sites", Type: intune.StringType, Value: "[]"}})
			} else {
				_, err = c.AppConfigurations(t.Context())
			}
			if api.KindOf(err) != tc.wantKind {
				t.Fatalf("err = %v, want kind %v", err, tc.wantKind)
			}
			var sent int
			for _, r := range e.sim.Requests() {
				if strings.HasPrefix(r, tc.fault.Method+" ") {
					sent++
				}
			}
			if sent != tc.wantSent {
				t.Errorf("sent %d %s requests, want %d (%v)", sent, tc.fault.Method, tc.wantSent, e.sim.Requests())
			}
			if len(e.slept) != len(tc.wantSlept) || (len(tc.wantSlept) > 0 && e.slept[0] != tc.wantSlept[0]) {
				t.Errorf("slept %v, want %v", e.slept, tc.wantSlept)
			}
			if tc.fault.LoseAnswer {
				if cfg, _ := e.sim.Config(id); len(cfg.Settings) != 1 {
					t.Errorf("the lost write should have been made: %+v", cfg)
				}
			}
		})
	}
}

func TestConfigurationLifecycle(t *testing.T) {
	e := newEnv(t)
	c, err := e.client(t, secret())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	other := intune.Setting{Key: "other", Type: "booleanType", Value: "true"}
	created, err := c.CreateAppConfiguration(ctx, intune.AppConfiguration{DisplayName: "n", TargetedMobileApps: []string{intunesim.JiraAppID},
		Settings: []intune.Setting{other}})
	if err != nil {
		t.Fatal(err)
	}
	list, err := c.AppConfigurations(ctx)
	if err != nil || len(list) != 1 || list[0].Settings != nil {
		t.Fatalf("list = %+v, %v: want one item without settings", list, err)
	}
	sites := intune.Setting{Key: "sites", Type: intune.StringType, Value: `[{"baseURL":"https://j"}]`}
	if err := c.SetSettings(ctx, created.ID, []intune.Setting{sites}); err != nil {
		t.Fatal(err)
	}
	got, err := c.AppConfiguration(ctx, created.ID)
	if err != nil || len(got.Settings) != 1 || got.Settings[0] != sites {
		t.Fatalf("after PATCH settings = %+v, %v: the whole array is replaced", got, err)
	}
	if err := c.Assign(ctx, created.ID, []json.RawMessage{intune.GroupTarget("g1"), intune.GroupTarget("g2")}); err != nil {
		t.Fatal(err)
	}
	as, err := c.Assignments(ctx, created.ID)
	if err != nil || len(as) != 2 || as[1].GroupID() != "g2" {
		t.Fatalf("assignments = %+v, %v", as, err)
	}
	if err := c.DeleteAppConfiguration(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.AppConfiguration(ctx, created.ID)
	if api.KindOf(err) != api.KindNotFound || !strings.Contains(err.Error(), "ResourceNotFound") {
		t.Fatalf("after delete: %v", err)
	}
	e.sim.SetReadOnly(true)
	err = c.SetSettings(ctx, "any", nil)
	var ie *intune.Error
	if !errors.As(err, &ie) || ie.Kind != api.KindForbidden || !strings.Contains(ie.Remedy(), "DeviceManagementApps.ReadWrite.All") {
		t.Fatalf("read-only app's write: %v", err)
	}
}

func TestNextLinkToAnotherHostIsNotFollowed(t *testing.T) {
	e := newEnv(t)
	evil := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request went to another host (with a token: %v)", r.Header.Get("Authorization") != "")
	}))
	defer evil.Close()
	front := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1.0/deviceAppManagement/mobileApps") {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"value":[],"@odata.nextLink":"` + evil.URL + `/v1.0/deviceAppManagement/mobileApps?$skiptoken=1"}`))
			return
		}
		e.sim.ServeHTTP(w, r)
	}))
	defer front.Close()
	cred, _ := intune.NewCredential(intune.SignIn{AuthorityURL: front.URL, HTTPClient: front.Client(), TenantID: intunesim.Tenant, ClientID: intunesim.ClientID, ClientSecret: intunesim.ClientSecret})
	c, _ := intune.New(intune.Options{GraphURL: front.URL, Token: cred.Token, HTTPClient: front.Client()})
	if _, err := c.MobileApps(t.Context()); api.KindOf(err) != api.KindServer {
		t.Fatalf("err = %v, want the next page refused", err)
	}
}

func selfSigned(t *testing.T) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "push"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	return append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})...)
}

// A redirect where Graph answers is something else in front of it (a proxy,
// single sign-on): said in those words, with the network's exit code, not
// followed to a login page.
func TestGraphRedirectIsSaidToBeIntercepted(t *testing.T) {
	e := &env{sim: intunesim.New()}
	e.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1.0/") {
			http.Redirect(w, r, "https://sso.example.com/login?next=graph", http.StatusFound)
			return
		}
		e.sim.ServeHTTP(w, r)
	}))
	t.Cleanup(e.srv.Close)
	c, err := e.client(t, secret())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.MobileApps(t.Context())
	if api.KindOf(err) != api.KindIntercepted || !strings.Contains(err.Error(), "never reached Microsoft Graph") {
		t.Fatalf("err = %v (kind %v), want it said to be intercepted", err, api.KindOf(err))
	}
}

// A certificate this machine does not trust (a TLS-inspecting proxy, a
// private CA) is a TLS failure whose fix is the wizard's CA option, not a
// network error: the sign-in never reaches Entra ID.
func TestAnUntrustedCertificateIsFixedByTrustingItsCA(t *testing.T) {
	e := newEnv(t)
	cred, err := intune.NewCredential(intune.SignIn{AuthorityURL: e.srv.URL, HTTPClient: &http.Client{},
		TenantID: intunesim.Tenant, ClientID: intunesim.ClientID, ClientSecret: intunesim.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	c, err := intune.New(intune.Options{GraphURL: e.srv.URL, Token: cred.Token, HTTPClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.MobileApps(t.Context())
	var ie *intune.Error
	if !errors.As(err, &ie) || ie.Kind != api.KindTLS || ie.Fix().Kind != fix.CACert {
		t.Fatalf("err = %v (%#v), want a TLS failure fixed by a CA certificate", err, ie)
	}
}
