package intune

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// DefaultAuthorityURL is Microsoft Entra ID's sign-in host for the global cloud.
const DefaultAuthorityURL = "https://login.microsoftonline.com"

// SignIn says how to get a Microsoft Graph token. There is no default
// application: the admin registers their own (Microsoft's first-party client IDs
// are being retired and are not the wizard's to use).
type SignIn struct {
	// AuthorityURL is the Entra ID host (national clouds, tests); empty means
	// DefaultAuthorityURL.
	AuthorityURL string
	// TenantID is the directory; device code without one signs in to "organizations".
	TenantID string
	// ClientID is the admin's app registration.
	ClientID string
	// ClientSecret, or Certificate (PEM or PKCS#12 bytes, with CertificatePassword),
	// signs in as the application. With neither, DeviceCode signs in as a person.
	ClientSecret        string
	Certificate         []byte
	CertificatePassword string
	// DeviceCode shows the person the URL and the code to type there; it is
	// called once per sign-in and must not block.
	DeviceCode func(ctx context.Context, p DeviceCodePrompt) error
	// HTTPClient sends the sign-in requests (tests trust their CA through it).
	HTTPClient *http.Client
	// Debug, when set, receives one line per sign-in request: method, URL and
	// status only (the bodies carry secrets and tokens).
	Debug io.Writer
}

// DeviceCodePrompt is what a person needs to finish a device-code sign-in.
type DeviceCodePrompt struct {
	URL       string // where to go
	Code      string // what to type there
	ExpiresOn time.Time
}

// Method names how the credential signs in, for a report.
type Method string

const (
	MethodSecret      Method = "client secret"
	MethodCertificate Method = "client certificate"
	MethodDeviceCode  Method = "device code"
)

// Credential is a token source for Graph. Tokens live only in its memory.
type Credential struct {
	cred   azcore.TokenCredential
	Method Method
}

// NewCredential builds the credential that SignIn describes; it sends nothing.
func NewCredential(s SignIn) (*Credential, error) {
	if s.ClientID == "" {
		return nil, errors.New("no application (client) ID: register an application in Microsoft Entra ID and give its ID")
	}
	authority := strings.TrimRight(s.AuthorityURL, "/")
	if authority == "" {
		authority = DefaultAuthorityURL
	}
	if !strings.HasPrefix(authority, "https://") {
		return nil, fmt.Errorf("the authority URL %s is not https: Entra ID signs in over HTTPS only", termsafe.String(authority))
	}
	hc := s.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: api.DefaultTimeout}
	}
	if s.Debug != nil {
		c := *hc
		c.Transport = &signInLog{next: transportOf(hc), w: s.Debug}
		hc = &c
	}
	co := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: authority + "/"},
		Transport: hc,
		// A failed sign-in is shown to the person, not retried behind their back.
		Retry: policy.RetryOptions{MaxRetries: -1},
		// No telemetry header: the sign-in says who it is in the client ID.
		Telemetry: policy.TelemetryOptions{Disabled: true},
	}
	// Instance discovery asks login.microsoftonline.com about the authority: a
	// national cloud or a test authority is not the global cloud's to vouch for.
	noDiscovery := authority != DefaultAuthorityURL
	tenant := s.TenantID
	switch {
	case s.ClientSecret != "":
		if tenant == "" {
			return nil, errors.New("no tenant (directory) ID: signing in with a client secret needs the tenant")
		}
		c, err := azidentity.NewClientSecretCredential(tenant, s.ClientID, s.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: noDiscovery})
		if err != nil {
			return nil, fmt.Errorf("sign-in settings: %w", err)
		}
		return &Credential{cred: c, Method: MethodSecret}, nil
	case len(s.Certificate) > 0:
		if tenant == "" {
			return nil, errors.New("no tenant (directory) ID: signing in with a certificate needs the tenant")
		}
		certs, key, err := azidentity.ParseCertificates(s.Certificate, []byte(s.CertificatePassword))
		if err != nil {
			return nil, errors.New("the client certificate could not be read: it must be PEM (certificate and unencrypted private key) or PKCS#12")
		}
		c, err := azidentity.NewClientCertificateCredential(tenant, s.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: noDiscovery})
		if err != nil {
			return nil, fmt.Errorf("sign-in settings: %w", err)
		}
		return &Credential{cred: c, Method: MethodCertificate}, nil
	case s.DeviceCode != nil:
		prompt := s.DeviceCode
		c, err := azidentity.NewDeviceCodeCredential(&azidentity.DeviceCodeCredentialOptions{
			ClientOptions: co, ClientID: s.ClientID, TenantID: tenant, DisableInstanceDiscovery: noDiscovery,
			UserPrompt: func(ctx context.Context, m azidentity.DeviceCodeMessage) error {
				return prompt(ctx, DeviceCodePrompt{
					URL:  termsafe.String(m.VerificationURL),
					Code: termsafe.String(m.UserCode),
				})
			},
		})
		if err != nil {
			return nil, fmt.Errorf("sign-in settings: %w", err)
		}
		return &Credential{cred: c, Method: MethodDeviceCode}, nil
	}
	return nil, errors.New("no way to sign in: give a client secret or a certificate, or sign in with a device code on a terminal")
}

// Token returns an access token for scope, signing in when none is held.
func (c *Credential) Token(ctx context.Context, scope string) (string, error) {
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
	if err != nil {
		return "", signInError(err)
	}
	return tok.Token, nil
}

// signInError turns azidentity's error (whose text holds the whole response)
// into an Error with Entra ID's code and description, made safe for a terminal.
func signInError(err error) error {
	e := &Error{Op: "sign in to Microsoft Entra ID", Err: err}
	if errors.Is(err, context.Canceled) {
		e.Kind, e.Err = api.KindCanceled, context.Canceled
		return e
	}
	var afe *azidentity.AuthenticationFailedError
	if errors.As(err, &afe) && afe.RawResponse != nil {
		e.Status = afe.RawResponse.StatusCode
		e.Err = nil
		var body struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if afe.RawResponse.Body != nil {
			b, _ := io.ReadAll(io.LimitReader(afe.RawResponse.Body, 64<<10))
			_ = json.Unmarshal(b, &body)
		}
		e.Code = termsafe.String(body.Error)
		// Entra ID's description runs to several lines with trace IDs: the first is the reason.
		first, _, _ := strings.Cut(body.Description, "\r\n")
		first, _, _ = strings.Cut(first, "\n")
		e.Message = shorten(termsafe.String(first))
		switch {
		case e.Status == http.StatusTooManyRequests:
			e.Kind = api.KindRateLimited
		case e.Status >= 500:
			e.Kind = api.KindServer
		case e.Status == http.StatusNotFound:
			// The tenant or the authority's metadata does not exist there.
			e.Kind = api.KindNotFound
		default:
			// invalid_client, unauthorized_client, invalid_grant,
			// authorization_declined, expired_token: the directory refused.
			e.Kind = api.KindUnauthorized
		}
		return e
	}
	e.Kind = transportKind(err)
	if e.Kind == api.KindUnknown {
		// MSAL wraps some transport failures as text only (endpoint resolution).
		e.Kind = transportKindOfText(err.Error())
	}
	if e.Kind == api.KindUnknown {
		// azidentity's own refusals (no token, bad settings) come as plain text.
		e.Kind = api.KindUnauthorized
		e.Err = errors.New(shorten(termsafe.String(firstLine(err.Error()))))
	}
	return e
}

func transportKindOfText(s string) api.Kind {
	switch {
	case strings.Contains(s, "x509:"), strings.Contains(s, "tls:"):
		return api.KindTLS
	case strings.Contains(s, "i/o timeout"), strings.Contains(s, "deadline exceeded"):
		return api.KindTimeout
	case strings.Contains(s, "connection reset"), strings.Contains(s, "connection refused"), strings.Contains(s, "no such host"),
		strings.Contains(s, "dial tcp"), strings.Contains(s, "network is unreachable"), strings.Contains(s, "EOF"):
		return api.KindNetwork
	}
	return api.KindUnknown
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

func transportOf(c *http.Client) http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}

// signInLog notes sign-in requests without their bodies: those carry the
// client secret, the assertion, the device code and the tokens.
type signInLog struct {
	next http.RoundTripper
	w    io.Writer
}

func (l *signInLog) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(r)
	u := *r.URL
	u.RawQuery = ""
	if err != nil {
		fmt.Fprintf(l.w, "<-- error %s %s (sign-in; body not logged): %s\n", r.Method, termsafe.String(u.String()), termsafe.String(firstLine(err.Error())))
		return resp, err
	}
	fmt.Fprintf(l.w, "<-- %d %s %s (sign-in; bodies not logged: they carry secrets and tokens)\n", resp.StatusCode, r.Method, termsafe.String(u.String()))
	return resp, nil
}
