package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

var ctx = context.Background()

func TestDetectionCalls(t *testing.T) {
	for _, tt := range []struct {
		product, version string
	}{
		{"jira", "10.3.0"}, {"jira", "9.12.14"}, {"confluence", "9.2.3"},
	} {
		t.Run(tt.product+"-"+tt.version, func(t *testing.T) {
			env := simtest.Start(t, simulator.Config{Product: tt.product, Version: tt.version})
			c := env.Client(t, "")
			for name, get := range map[string]func(context.Context) (*api.Manifest, error){
				"json": c.Manifest, "xml": c.ManifestXML,
			} {
				m, err := get(ctx)
				if err != nil {
					t.Fatalf("%s manifest: %v", name, err)
				}
				if m.TypeID != tt.product || m.Version != tt.version || m.URL != env.URL || m.ID == "" {
					t.Errorf("%s manifest = %+v", name, m)
				}
			}
			if tt.product == "jira" {
				si, err := c.ServerInfo(ctx)
				if err != nil || si.Version != tt.version || si.BaseURL != env.URL || len(si.VersionNumbers) != 3 {
					t.Fatalf("serverInfo = %+v, %v", si, err)
				}
			} else {
				bi, err := c.BuildInfo(ctx)
				if err != nil || bi.VersionNumber != tt.version {
					t.Fatalf("buildInfo = %+v, %v", bi, err)
				}
			}
			md, err := c.OAuthMetadata(ctx)
			if err != nil || !strings.HasSuffix(md.TokenEndpoint, "/rest/oauth2/latest/token") {
				t.Fatalf("metadata = %+v, %v", md, err)
			}
		})
	}
}

func TestMyselfTellsWhoAndWhyNot(t *testing.T) {
	for _, product := range []string{"jira", "confluence"} {
		p, _ := api.ParseProduct(product)
		env := simtest.Start(t, simulator.Config{Product: product})
		tests := []struct {
			name string
			opts api.Options
			want api.Kind // KindUnknown = success
			user string
		}{
			{"token", env.Options(simtest.SysadminToken), api.KindUnknown, "admin"},
			{"bad token falls back to anonymous", env.Options(simtest.BadToken), api.KindAnonymous, ""},
			{"no credentials", env.Options(""), api.KindUnauthorized, ""},
			{"basic", api.Options{BaseURL: env.URL, Username: "jadmin", Password: "jadmin"}, api.KindUnknown, "jadmin"},
			{"basic wrong password", api.Options{BaseURL: env.URL, Username: "jadmin", Password: "nope"}, api.KindUnauthorized, ""},
		}
		for _, tt := range tests {
			t.Run(product+"/"+tt.name, func(t *testing.T) {
				u, err := env.ClientWith(t, tt.opts).Myself(ctx, p)
				if tt.want == api.KindUnknown {
					if err != nil || u.Login() != tt.user {
						t.Fatalf("Myself = %+v, %v; want %s", u, err, tt.user)
					}
					return
				}
				if api.KindOf(err) != tt.want {
					t.Fatalf("Myself error = %v (kind %v), want kind %v", err, api.KindOf(err), tt.want)
				}
			})
		}
	}
}

func TestBasicAuthDisabled(t *testing.T) {
	env := simtest.Start(t, simulator.Config{BasicAuthDisabled: true})
	_, err := env.ClientWith(t, api.Options{BaseURL: env.URL, Username: "admin", Password: "admin"}).Myself(ctx, api.Jira)
	if !errors.Is(err, api.ErrBasicAuthDisabled) {
		t.Fatalf("err = %v, want basic auth disabled", err)
	}
	var ae *api.Error
	if !errors.As(err, &ae) || !strings.Contains(ae.Remedy(), "personal access token") {
		t.Fatalf("remedy should point to a token: %v", err)
	}
}

func TestPluginVersions(t *testing.T) {
	env := simtest.Start(t, simulator.Config{Product: "jira", Version: "10.3.0"})
	env.Sim.RemovePlugin(api.JiraMobilePluginKey)
	tests := []struct {
		name, token, key string
		want             api.Kind
		version          string
	}{
		{"installed", simtest.SysadminToken, api.OAuth2ProviderPluginKey, api.KindUnknown, "4.1.0"},
		{"admin may read UPM", simtest.AdminToken, api.OAuth2ProviderPluginKey, api.KindUnknown, "4.1.0"},
		{"not installed", simtest.SysadminToken, api.JiraMobilePluginKey, api.KindNotFound, ""},
		{"plain user", simtest.UserToken, api.OAuth2ProviderPluginKey, api.KindNotSysadmin, ""},
		{"bad token", simtest.BadToken, api.OAuth2ProviderPluginKey, api.KindAnonymous, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := env.Client(t, tt.token).Plugin(ctx, tt.key)
			if api.KindOf(err) != tt.want {
				t.Fatalf("Plugin error = %v, want kind %v", err, tt.want)
			}
			if tt.version != "" && (p.Version != tt.version || !p.Enabled) {
				t.Fatalf("Plugin = %+v", p)
			}
		})
	}
}

func TestClientsLifecycle(t *testing.T) {
	env := simtest.Start(t, simulator.Config{})
	c := env.Client(t, simtest.SysadminToken)
	created, err := c.CreateClient(ctx, api.NewOAuthClient{Name: "Jira iOS app", Redirects: []string{api.Jira.MobileRedirect()}, Scope: "WRITE"})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if len(created.ClientID) != 32 || created.ID == "" || !created.HasRedirect("jira-server://oauth-callback") || created.Scope != "WRITE" {
		t.Fatalf("created = %+v", created)
	}
	got, err := c.GetClient(ctx, created.ID)
	if err != nil || got.ClientID != created.ClientID {
		t.Fatalf("get = %+v, %v", got, err)
	}
	list, err := c.ListClients(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	_, err = c.CreateClient(ctx, api.NewOAuthClient{Name: "Jira iOS app", Redirects: []string{"x-app://cb"}, Scope: "WRITE"})
	var ae *api.Error
	if !errors.As(err, &ae) || ae.Kind != api.KindValidation || len(ae.FieldErrors["name"]) == 0 {
		t.Fatalf("duplicate name: %v (%+v)", err, ae)
	}
	if err := c.DeleteClient(ctx, created.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := c.GetClient(ctx, created.ID); !errors.Is(err, api.ErrNotFound) {
		t.Fatalf("get after delete = %v, want not found", err)
	}
}

func TestClientsNeedASysadmin(t *testing.T) {
	env := simtest.Start(t, simulator.Config{})
	for _, tt := range []struct {
		token string
		want  api.Kind
	}{
		{simtest.AdminToken, api.KindNotSysadmin},
		{simtest.UserToken, api.KindNotSysadmin},
		{simtest.BadToken, api.KindAnonymous},
		{"", api.KindUnauthorized},
	} {
		_, err := env.Client(t, tt.token).ListClients(ctx)
		if api.KindOf(err) != tt.want {
			t.Errorf("token %q: err = %v, want kind %v", tt.token, err, tt.want)
		}
	}
}

func TestCreateOnAnHTTPBaseURL(t *testing.T) {
	env := simtest.Start(t, simulator.Config{BaseURL: "http://jira.example.com"})
	cl, err := env.Client(t, simtest.SysadminToken).CreateClient(ctx, api.NewOAuthClient{Name: "x", Redirects: []string{"jira-server://oauth-callback"}, Scope: "WRITE"})
	if err != nil || cl.ClientID == "" {
		t.Fatalf("create on an http base URL = %+v, %v; the provider does not check HTTPS there", cl, err)
	}
}

func TestMobileLoginInfoSendsNoCredentials(t *testing.T) {
	env := simtest.Start(t, simulator.Config{Title: "Acme Jira"})
	info, err := env.Client(t, simtest.SysadminToken).MobileLoginInfo(ctx)
	if err != nil || info.InstanceName != "Acme Jira" || info.BaseURL != env.URL {
		t.Fatalf("info = %+v, %v", info, err)
	}
	for _, r := range env.Sim.Requests() {
		if r.Path == api.PathMobileLogin && r.User != "anonymous" {
			t.Fatalf("info/login was sent as %q; it must go without credentials", r.User)
		}
	}
}

func TestProxiesAreNamed(t *testing.T) {
	tests := []struct {
		name     string
		cfg      simulator.Config
		token    string
		call     func(*api.Client) error
		want     api.Kind
		location string
	}{
		{"login redirect", simulator.Config{Proxy: simulator.ProxyLoginRedirect}, "",
			func(c *api.Client) error { _, err := c.MobileLoginInfo(ctx); return err }, api.KindIntercepted, "/login.jsp"},
		{"sso redirect", simulator.Config{Proxy: simulator.ProxySSORedirect}, "",
			func(c *api.Client) error { _, err := c.Manifest(ctx); return err }, api.KindIntercepted, "idp.example.com"},
		{"sso html page", simulator.Config{Proxy: simulator.ProxySSOHTML}, "",
			func(c *api.Client) error { _, err := c.ServerInfo(ctx); return err }, api.KindIntercepted, ""},
		{"proxy lets credentials through", simulator.Config{Proxy: simulator.ProxyLoginRedirect}, simtest.SysadminToken,
			func(c *api.Client) error { _, err := c.ListClients(ctx); return err }, api.KindUnknown, ""},
		{"proxy on everything", simulator.Config{Proxy: simulator.ProxySSOHTML, ProxyAuthenticatedToo: true}, simtest.SysadminToken,
			func(c *api.Client) error { _, err := c.ListClients(ctx); return err }, api.KindIntercepted, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := simtest.Start(t, tt.cfg)
			err := tt.call(env.Client(t, tt.token))
			if tt.want == api.KindUnknown {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			var ae *api.Error
			if !errors.As(err, &ae) || ae.Kind != tt.want {
				t.Fatalf("err = %v, want kind %v", err, tt.want)
			}
			if !strings.Contains(ae.Location, tt.location) || strings.Contains(ae.Location, "os_destination") {
				t.Errorf("location = %q, want it to name %q without the query", ae.Location, tt.location)
			}
			if !strings.Contains(err.Error(), "proxy") || !strings.Contains(ae.Remedy(), "MDM") {
				t.Errorf("message should name the proxy and the MDM remedy: %v / %s", err, ae.Remedy())
			}
		})
	}
}

func TestRetriesAndFaults(t *testing.T) {
	tests := []struct {
		name    string
		fault   simulator.Fault
		call    string // "get" or "post"
		want    api.Kind
		tries   int // requests the simulator saw
		timeout time.Duration
		// inProcess runs the case in process on a synctest bubble's clock: for
		// waits that would cost real seconds on a socket, where the retry logic,
		// not the socket, is the point.
		inProcess bool
	}{
		{"503 burst is ridden out", simulator.Fault{Kind: simulator.FaultStatus, Status: 503, Times: 2}, "get", api.KindUnknown, 3, 0, false},
		{"503 that lasts", simulator.Fault{Kind: simulator.FaultStatus, Status: 503}, "get", api.KindServer, 4, 0, false},
		{"502 and 504 too", simulator.Fault{Kind: simulator.FaultStatus, Status: 504, Times: 1}, "get", api.KindUnknown, 2, 0, false},
		{"500 is not retried", simulator.Fault{Kind: simulator.FaultStatus, Status: 500}, "get", api.KindServer, 1, 0, false},
		{"429 with a short Retry-After", simulator.Fault{Kind: simulator.FaultRateLimit, RetryAfter: time.Second, Times: 1}, "get", api.KindUnknown, 2, 0, true},
		{"429 asking for a minute", simulator.Fault{Kind: simulator.FaultRateLimit, RetryAfter: time.Minute}, "get", api.KindRateLimited, 1, 0, false},
		{"reset on a GET is retried", simulator.Fault{Kind: simulator.FaultReset, Times: 1}, "get", api.KindUnknown, 2, 0, false},
		{"hang times out", simulator.Fault{Kind: simulator.FaultHang, Times: 1}, "get", api.KindTimeout, 1, 200 * time.Millisecond, false},
		{"POST 503 is never retried", simulator.Fault{Method: "POST", Kind: simulator.FaultStatus, Status: 503}, "post", api.KindServer, 1, 0, false},
		{"POST reset is never retried", simulator.Fault{Method: "POST", Kind: simulator.FaultReset}, "post", api.KindNetwork, 1, 0, false},
		{"POST 429 is never retried", simulator.Fault{Method: "POST", Kind: simulator.FaultRateLimit, RetryAfter: time.Second}, "post", api.KindRateLimited, 1, 0, false},
		{"HTML where JSON belongs", simulator.Fault{Kind: simulator.FaultStatus, Status: 200, ContentType: "text/html", Body: "<html><body>Log in</body></html>"}, "get", api.KindIntercepted, 1, 0, false},
		{"not JSON", simulator.Fault{Kind: simulator.FaultStatus, Status: 200, ContentType: "application/json", Body: "{{{"}, "get", api.KindServer, 1, 0, false},
		{"endless body is cut", simulator.Fault{Kind: simulator.FaultStatus, Status: 200, ContentType: "application/json", Body: "[" + strings.Repeat(" ", api.MaxBodyBytes+10) + "]"}, "get", api.KindServer, 1, 0, false},
		{"websudo", simulator.Fault{Kind: simulator.FaultStatus, Status: 401, ContentType: "application/json", Body: `{"message":"This resource requires WebSudo.","status-code":401}`}, "get", api.KindWebSudo, 1, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := simtest.Start
			if tt.inProcess {
				start = simtest.New
			}
			test := func(t *testing.T) {
				env := start(t, simulator.Config{})
				tt.fault.PathPrefix = api.PathClients
				env.Sim.Inject(tt.fault)
				o := env.Options(simtest.SysadminToken)
				if tt.timeout > 0 {
					o.Timeout = tt.timeout
				}
				c := env.ClientWith(t, o)
				var err error
				method := http.MethodGet
				if tt.call == "post" {
					method = http.MethodPost
					_, err = c.CreateClient(ctx, api.NewOAuthClient{Name: "n", Redirects: []string{"jira-server://oauth-callback"}, Scope: "WRITE"})
				} else {
					_, err = c.ListClients(ctx)
				}
				if api.KindOf(err) != tt.want {
					t.Fatalf("err = %v (kind %v), want kind %v", err, api.KindOf(err), tt.want)
				}
				if n := env.Count(method, api.PathClients); n != tt.tries {
					t.Errorf("the simulator saw %d %s requests, want %d", n, method, tt.tries)
				}
			}
			if tt.inProcess {
				synctest.Test(t, test)
				return
			}
			test(t)
		})
	}
}

func TestCanceledContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		env := simtest.New(t, simulator.Config{})
		env.Sim.Inject(simulator.Fault{Kind: simulator.FaultHang})
		cctx, cancel := context.WithCancel(ctx)
		// The bubble's clock moves once the request hangs in the simulator:
		// the cancel comes while it is under way, never before it is sent.
		go func() { time.Sleep(20 * time.Millisecond); cancel() }()
		_, err := env.Client(t, simtest.SysadminToken).ListClients(cctx)
		if api.KindOf(err) != api.KindCanceled {
			t.Fatalf("err = %v, want canceled", err)
		}
	})
}

func TestPlainHTTPIsRefusedForRemoteHosts(t *testing.T) {
	for _, tt := range []struct {
		url   string
		allow bool
		ok    bool
	}{
		{"http://jira.example.com", false, false},
		{"http://jira.example.com", true, true},
		{"http://127.0.0.1:8080", false, true},
		{"http://localhost:8080/jira", false, true},
		{"https://jira.example.com", false, true},
		{"ftp://jira.example.com", false, false},
		{"jira.example.com", false, false},
	} {
		_, err := api.New(api.Options{BaseURL: tt.url, AllowHTTP: tt.allow})
		if (err == nil) != tt.ok {
			t.Errorf("New(%s, allow=%v) err = %v, want ok=%v", tt.url, tt.allow, err, tt.ok)
		}
	}
}

func TestErrorTextIsSanitised(t *testing.T) {
	env := simtest.Start(t, simulator.Config{})
	env.Sim.Inject(simulator.Fault{Kind: simulator.FaultStatus, Status: 500, ContentType: "application/json",
		Body: `{"message":"boom\u001b]52;c;cm0gLXJm\u0007\u001b[2Jdone"}`})
	_, err := env.Client(t, simtest.SysadminToken).ListClients(ctx)
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07") || !strings.Contains(err.Error(), "boomdone") {
		t.Fatalf("err = %q", err)
	}
}

func TestTransportErrorsReadAsPlainWords(t *testing.T) {
	// A port nothing listens on: take one from a closed listener.
	env := simtest.Start(t, simulator.Config{})
	url := env.URL
	env.Srv.Close()
	_, err := mustNew(t, api.Options{BaseURL: url, Retries: -1}).Manifest(ctx)
	if api.KindOf(err) != api.KindNetwork {
		t.Fatalf("err = %v, want a network error", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "connection was refused") || strings.Contains(msg, "dial tcp") || strings.Contains(msg, `Get "`) {
		t.Fatalf("message = %q", msg)
	}
}
