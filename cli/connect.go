package cli

import (
	"context"
	"errors"
	"io"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// connection is a client for the instance plus what detection learnt.
type connection struct {
	baseURL string
	client  *api.Client
	det     *steps.Detection
	errW    io.Writer
}

// connect resolves the URL and credentials from flags and env, and detects the
// product. Without a terminal nothing is asked: a missing value is a usage error
// that names the flag to pass.
func (g *globalOptions) connect(ctx context.Context, needCreds bool) (*connection, error) {
	if g.Demo && g.URL == "" {
		g.URL = demoBaseURL
	}
	base, err := g.baseURL(true)
	if err != nil {
		return nil, err
	}
	want, err := g.product()
	if err != nil {
		return nil, err
	}
	creds, err := g.credentials()
	if err != nil {
		return nil, err
	}
	if g.Demo && credsEmpty(creds) {
		creds.Token = demoToken
	}
	if needCreds && credsEmpty(creds) {
		return nil, usageError("no credentials: set " + EnvToken + " to a personal access token of a system administrator (or pass --token-file FILE, or --user NAME with " + EnvPassword + ")")
	}
	client, err := g.newClient(base, creds)
	if err != nil {
		return nil, err
	}
	det, err := steps.Detect(ctx, client, want)
	if err != nil {
		if errors.Is(err, steps.ErrWrongProduct) {
			return nil, &ExitError{Code: ExitFailed, Err: err}
		}
		return nil, err
	}
	return &connection{baseURL: base, client: client, det: det, errW: g.io.Err}, nil
}
