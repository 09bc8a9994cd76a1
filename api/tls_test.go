package api_test

import (
	"bytes"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

func TestSelfSignedNeedsCACert(t *testing.T) {
	srv := simtest.StartTLS(t, simulator.Config{}).Srv

	_, err := mustNew(t, api.Options{BaseURL: srv.URL}).Manifest(ctx)
	if api.KindOf(err) != api.KindTLS || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without --ca-cert: %v, want a TLS error", err)
	}
	if !strings.Contains(err.Error(), "could not read the application links manifest") {
		t.Errorf("error should name the step: %v", err)
	}

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := mustNew(t, api.Options{BaseURL: srv.URL, CACertFile: caFile}).Manifest(ctx); err != nil {
		t.Fatalf("with --ca-cert: %v", err)
	}
}

func TestCACertFileErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.pem")
	_ = os.WriteFile(bad, []byte("not a certificate"), 0o600)
	for _, f := range []string{bad, filepath.Join(t.TempDir(), "missing.pem")} {
		if _, err := api.New(api.Options{BaseURL: "https://jira.example.com", CACertFile: f}); err == nil {
			t.Errorf("CA file %s accepted", f)
		}
	}
}

// TestWrongSchemeSaysSo: the two ways of getting http/https wrong each read as
// what happened, not as a bare protocol error.
func TestWrongSchemeSaysSo(t *testing.T) {
	tlsSrv := simtest.StartTLS(t, simulator.Config{}).Srv
	_, err := mustNew(t, api.Options{BaseURL: "http://" + strings.TrimPrefix(tlsSrv.URL, "https://"), Retries: -1}).Manifest(ctx)
	if err == nil || !strings.Contains(err.Error(), "HTTPS") {
		t.Errorf("http to a TLS port: %v, want a message naming HTTPS", err)
	}

	plain := simtest.Start(t, simulator.Config{})
	_, err = mustNew(t, api.Options{BaseURL: "https://" + strings.TrimPrefix(plain.URL, "http://"), Retries: -1}).Manifest(ctx)
	if api.KindOf(err) != api.KindTLS || !strings.Contains(err.Error(), "the server speaks plain HTTP") || strings.Contains(err.Error(), "certificate") {
		t.Errorf("https to a plain port: %v, want a TLS error saying the server speaks plain HTTP", err)
	}
	var ae *api.Error
	if !errors.As(err, &ae) || !strings.Contains(ae.Remedy(), "http:// sends the token (or password) in clear text") || ae.Fix().Kind == fix.CACert {
		t.Errorf("remedy %q, fix %v", ae.Remedy(), ae.Fix())
	}
}

func TestDebugLogRedactsSecrets(t *testing.T) {
	env := simtest.Start(t, simulator.Config{})
	var dbg bytes.Buffer
	o := env.Options(simtest.SysadminToken)
	o.Debug = &dbg
	c := env.ClientWith(t, o)
	created, err := c.CreateClient(ctx, api.NewOAuthClient{Name: "n", Redirects: []string{"jira-server://oauth-callback"}, Scope: "WRITE"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListClients(ctx); err != nil {
		t.Fatal(err)
	}
	secret := env.Sim.Clients()[0].ClientSecret
	out := dbg.String()
	for _, s := range []string{simtest.SysadminToken, secret} {
		if strings.Contains(out, s) {
			t.Fatalf("debug log leaks %q:\n%s", s, out)
		}
	}
	for _, s := range []string{"--> POST", api.PathClients, "<-- 200", "[redacted]", created.ClientID} {
		if !strings.Contains(out, s) {
			t.Errorf("debug log lacks %q:\n%s", s, out)
		}
	}

	// Basic credentials too.
	dbg.Reset()
	o = api.Options{BaseURL: env.URL, Username: "admin", Password: "s3cret-pass", Debug: &dbg}
	if _, err := env.ClientWith(t, o).Myself(ctx, api.Jira); api.KindOf(err) != api.KindUnauthorized {
		t.Fatalf("wrong password: %v", err)
	}
	if strings.Contains(dbg.String(), "s3cret-pass") || strings.Contains(dbg.String(), "YWRtaW46czNjcmV0") {
		t.Fatalf("debug log leaks the password:\n%s", dbg.String())
	}
}

func mustNew(t *testing.T, o api.Options) *api.Client {
	t.Helper()
	c, err := api.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
