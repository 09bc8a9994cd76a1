package simtest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/intune"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator/intunesim"
)

// IntuneURL is where in-process Intune simulators answer, authority and Graph alike.
const IntuneURL = "https://127.0.9.1:9"

// IntuneClient signs in to sim with its client secret and returns a Graph
// client that reaches it in process; waits go to sleep (nil: none recorded).
func IntuneClient(t testing.TB, h http.Handler, sleep func(context.Context, time.Duration) error) *intune.Client {
	t.Helper()
	hc := &http.Client{Transport: &Transport{Handler: h}}
	cred, err := intune.NewCredential(intune.SignIn{AuthorityURL: IntuneURL, HTTPClient: hc,
		TenantID: intunesim.Tenant, ClientID: intunesim.ClientID, ClientSecret: intunesim.ClientSecret})
	if err != nil {
		t.Fatal(err)
	}
	if sleep == nil {
		sleep = func(context.Context, time.Duration) error { return nil }
	}
	c, err := intune.New(intune.Options{GraphURL: IntuneURL, Token: cred.Token, HTTPClient: hc, Sleep: sleep})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
