package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// Paths of the REST resources the wizard uses.
const (
	PathManifest       = "/rest/applinks/1.0/manifest"
	PathServerInfo     = "/rest/api/2/serverInfo"
	PathBuildInfo      = "/rest/prototype/1/buildInfo"
	PathJiraMyself     = "/rest/api/2/myself"
	PathConfluenceUser = "/rest/api/user/current"
	PathOAuthMetadata  = "/rest/oauth2/latest/.well-known/oauth-authorization-server"
	PathClients        = "/rest/oauth2/latest/client"
	PathMobileLogin    = "/rest/nativemobile/1.1/info/login"
	pathPlugins        = "/rest/plugins/1.0/"
)

// MediaTypePlugin is what UPM wants in Accept; plain application/json can get a 406.
const MediaTypePlugin = "application/vnd.atl.plugins.plugin+json"

// Manifest reads the application links manifest as JSON. It needs no login and
// answers on both products, so it is the first probe.
func (c *Client) Manifest(ctx context.Context) (*Manifest, error) {
	return c.manifest(ctx, "application/json")
}

// ManifestXML reads the manifest in the format the instance sends by default.
func (c *Client) ManifestXML(ctx context.Context) (*Manifest, error) {
	return c.manifest(ctx, "application/xml")
}

func (c *Client) manifest(ctx context.Context, accept string) (*Manifest, error) {
	cl := call{op: "read the application links manifest", method: http.MethodGet, path: PathManifest, accept: accept}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	if isHTML(resp) {
		return nil, c.newError(cl, KindIntercepted, resp, nil)
	}
	m, perr := ParseManifest(resp.Body())
	if perr != nil {
		return nil, c.newError(cl, KindServer, resp, perr)
	}
	return m, nil
}

// ServerInfo is Jira's version and base URL (anonymous access allowed).
func (c *Client) ServerInfo(ctx context.Context) (*ServerInfo, error) {
	var out ServerInfo
	err := c.getJSON(ctx, call{op: "read Jira's server info", path: PathServerInfo}, &out)
	return ret(&out, err)
}

// BuildInfo is Confluence's version.
func (c *Client) BuildInfo(ctx context.Context) (*BuildInfo, error) {
	var out BuildInfo
	err := c.getJSON(ctx, call{op: "read Confluence's build info", path: PathBuildInfo}, &out)
	return ret(&out, err)
}

// Myself returns the user the credentials belong to. Credentials the instance
// ignored (a bad token runs as anonymous) are an error of kind KindAnonymous.
func (c *Client) Myself(ctx context.Context, p Product) (*User, error) {
	cl := call{op: "find out who the credentials belong to", method: http.MethodGet, path: PathJiraMyself}
	if p == Confluence {
		cl.path = PathConfluenceUser
	}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	var u User
	if err := c.decode(cl, resp, &u); err != nil {
		return nil, err
	}
	// Confluence answers 200 for anonymous; the header says who the request ran as.
	if name := resp.Header().Get("X-AUSERNAME"); name == "anonymous" || u.Login() == "" {
		kind := KindUnauthorized
		if c.auth == authToken {
			kind = KindAnonymous
		}
		return nil, c.newError(cl, kind, resp, nil)
	}
	return &u, nil
}

// OAuthMetadata reads the OAuth 2.0 provider's metadata; KindNotFound means the
// provider plugin is not installed or not enabled.
func (c *Client) OAuthMetadata(ctx context.Context) (*OAuthServerMetadata, error) {
	var out OAuthServerMetadata
	err := c.getJSON(ctx, call{op: "read the OAuth 2.0 provider's metadata", path: PathOAuthMetadata, anon: true}, &out)
	return ret(&out, err)
}

// Plugin reads one installed app from the Universal Plugin Manager; KindNotFound
// means it is not installed.
func (c *Client) Plugin(ctx context.Context, key string) (*Plugin, error) {
	var out Plugin
	err := c.getJSON(ctx, call{
		op:     "read the version of " + key,
		path:   pathPlugins + url.PathEscape(key) + "-key",
		accept: MediaTypePlugin,
	}, &out)
	return ret(&out, err)
}

// ListClients lists the incoming OAuth 2.0 clients (system administrators only).
func (c *Client) ListClients(ctx context.Context) ([]OAuthClient, error) {
	var out []OAuthClient
	cl := call{op: "list the OAuth 2.0 clients", path: PathClients}
	if err := c.getJSON(ctx, cl, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetClient reads one client by its id (the UUID, not the clientId).
func (c *Client) GetClient(ctx context.Context, id string) (*OAuthClient, error) {
	var out OAuthClient
	cl := call{op: "read the OAuth 2.0 client", path: PathClients + "/" + url.PathEscape(id)}
	if err := c.getJSON(ctx, cl, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateClient creates an incoming OAuth 2.0 client. It is never retried: after an
// unclear failure the caller must list the clients to learn whether it was created.
func (c *Client) CreateClient(ctx context.Context, nc NewOAuthClient) (*OAuthClient, error) {
	cl := call{op: "create the OAuth 2.0 client", method: http.MethodPost, path: PathClients, body: nc}
	resp, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	var out OAuthClient
	if err := c.decode(cl, resp, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateClient changes a client by its id (PUT answers 204). It is never
// retried: after an unclear failure the caller reads the client back.
func (c *Client) UpdateClient(ctx context.Context, id string, nc NewOAuthClient) error {
	_, err := c.do(ctx, call{op: "update the OAuth 2.0 client", method: http.MethodPut, path: PathClients + "/" + url.PathEscape(id), body: nc})
	return err
}

// DeleteClient deletes a client by its id.
func (c *Client) DeleteClient(ctx context.Context, id string) error {
	_, err := c.do(ctx, call{op: "delete the OAuth 2.0 client", method: http.MethodDelete, path: PathClients + "/" + url.PathEscape(id)})
	return err
}

// MobileLoginInfo reads the mobile plugin's login info WITHOUT credentials, as a
// phone would: if it needs a login, or a proxy redirects, the app cannot use it.
func (c *Client) MobileLoginInfo(ctx context.Context) (*MobileLoginInfo, error) {
	var out MobileLoginInfo
	err := c.getJSON(ctx, call{op: "read the mobile plugin's login info (" + PathMobileLogin + ")", path: PathMobileLogin, anon: true}, &out)
	return ret(&out, err)
}

// RequestsFor describes the requests a write would send, for --dry-run.
func (c *Client) RequestsFor(method, path string, body any) string {
	s := method + " " + c.base.String() + path
	if body != nil {
		s += "  " + strings.TrimSpace(Redact(jsonString(body)))
	}
	return s
}

func ret[T any](v *T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}
