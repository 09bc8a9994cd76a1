package api_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// UPM's websudo 401 carries a subCode and no message; it must not read as
// "not a system administrator" (the request's user is named in X-AUSERNAME).
func TestUPMWebSudoIsRecognised(t *testing.T) {
	env := simtest.Start(t, simulator.Config{UPMWebSudo: true})
	_, err := env.Client(t, simtest.SysadminToken).Plugin(ctx, api.OAuth2ProviderPluginKey)
	if api.KindOf(err) != api.KindWebSudo {
		t.Fatalf("err = %v (kind %v), want websudo", err, api.KindOf(err))
	}
	var ae *api.Error
	errors.As(err, &ae)
	if !strings.Contains(err.Error(), "Universal Plugin Manager asked for a secure administrator session") ||
		strings.Contains(err.Error(), "system administrator") || !strings.Contains(ae.Remedy(), "Manage apps") {
		t.Errorf("err = %q, remedy %q", err, ae.Remedy())
	}
	// Basic authentication bypasses it.
	p, err := env.ClientWith(t, api.Options{BaseURL: env.URL, Username: "admin", Password: "admin"}).Plugin(ctx, api.OAuth2ProviderPluginKey)
	if err != nil || p.Version == "" {
		t.Fatalf("over Basic: %+v, %v", p, err)
	}
}

// The Basic-disabled message is translated per locale: a 403 to a Basic
// request is told apart whatever its words, and the remedy is a token.
func TestBasicAuth403InAnyLanguage(t *testing.T) {
	for _, body := range []string{
		`{"message":"Basic Authentication has been disabled on this instance."}`,
		`{"message":"Die Basisauthentifizierung wurde für diese Instanz deaktiviert."}`,
		`{"message":"L'authentification de base a été désactivée sur cette instance."}`,
		``,
	} {
		env := simtest.Start(t, simulator.Config{})
		env.Sim.Inject(simulator.Fault{Kind: simulator.FaultStatus, Status: 403, ContentType: "application/json;charset=UTF-8", Body: body})
		basic := env.ClientWith(t, api.Options{BaseURL: env.URL, Username: "admin", Password: "admin"})
		_, err := basic.Myself(ctx, api.Jira)
		if !errors.Is(err, api.ErrBasicAuthDisabled) {
			t.Fatalf("%s: err = %v (kind %v), want basic-auth-disabled", body, err, api.KindOf(err))
		}
		var ae *api.Error
		errors.As(err, &ae)
		if !strings.Contains(err.Error(), "Basic authentication") || !strings.Contains(err.Error(), "may be disabled") ||
			!strings.Contains(ae.Remedy(), "personal access token") {
			t.Errorf("%s: err = %q, remedy %q", body, err, ae.Remedy())
		}
		// The same 403 to a token request is not about Basic authentication.
		_, err = env.Client(t, simtest.SysadminToken).ListClients(ctx)
		if api.KindOf(err) != api.KindForbidden {
			t.Errorf("%s: token request: kind %v, want forbidden", body, api.KindOf(err))
		}
	}
}

// Confluence answers anonymous requests without X-AUSERNAME: a wrong token is
// still told apart from a working one, by the body.
func TestConfluenceWrongTokenWithoutUserHeader(t *testing.T) {
	env := simtest.Start(t, simulator.Config{Product: "confluence"})
	_, err := env.Client(t, simtest.BadToken).Myself(ctx, api.Confluence)
	if !errors.Is(err, api.ErrAnonymous) {
		t.Fatalf("wrong token: err = %v, want anonymous", err)
	}
	for _, r := range env.Sim.Requests() {
		if r.Path == api.PathConfluenceUser && r.Status != 200 {
			t.Fatalf("user/current answered %d, want 200 as Confluence does", r.Status)
		}
	}
	u, err := env.Client(t, simtest.SysadminToken).Myself(ctx, api.Confluence)
	if err != nil || u.Login() != "admin" {
		t.Fatalf("right token: %+v, %v", u, err)
	}
}

// buildDate is a number on Confluence; a string must not fail detection either.
func TestConfluenceBuildInfoAnyBuildDate(t *testing.T) {
	env := simtest.Start(t, simulator.Config{Product: "confluence", Version: "9.2.0"})
	c := env.Client(t, "")
	bi, err := c.BuildInfo(ctx)
	if err != nil || bi.VersionNumber != "9.2.0" || len(bi.BuildDate) == 0 || bi.BuildDate[0] == '"' {
		t.Fatalf("BuildInfo = %+v, %v", bi, err)
	}
	env.Sim.Inject(simulator.Fault{PathPrefix: api.PathBuildInfo, Kind: simulator.FaultStatus, Status: 200, ContentType: "application/json",
		Body: `{"versionNumber":"9.2.0","buildNumber":"9200","buildDate":"2024-05-01T00:00:00.000+0000"}`})
	if bi, err = c.BuildInfo(ctx); err != nil || bi.VersionNumber != "9.2.0" {
		t.Fatalf("string buildDate: %+v, %v", bi, err)
	}
}
