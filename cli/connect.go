package cli

import (
	"context"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// connection is a client for the instance plus what detection learnt, for the
// commands that are not the setup flow (verify, remove).
type connection struct {
	baseURL string
	client  *api.Client
	det     *steps.Detection
}

// connect resolves the URL and credentials as the setup flow does and detects
// the product. Without a terminal nothing is asked: a missing value is a usage
// error that names the flag to pass.
func (g *globalOptions) connect(ctx context.Context) (*connection, error) {
	want, err := g.product()
	if err != nil {
		return nil, err
	}
	p := &flagPrompter{g: g}
	base, client, err := p.Connect(ctx, nil)
	if err != nil {
		return nil, err
	}
	det, err := steps.Detect(ctx, client, want)
	if err != nil {
		_, ferr := p.Failed(ctx, steps.StepDetect, err)
		return nil, ferr
	}
	return &connection{baseURL: base, client: client, det: det}, nil
}
