package intunesim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// entra serves the OpenID metadata, the token endpoint and the device
// authorization endpoint of the simulated tenant.
func (s *Sim) entra(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 2 {
		http.NotFound(w, r)
		return
	}
	tenant, rest := parts[0], strings.Join(parts[1:], "/")
	if tenant != Tenant && tenant != "organizations" {
		oauthError(w, http.StatusBadRequest, "invalid_tenant", "AADSTS90002: Tenant '"+tenant+"' not found.")
		return
	}
	b := base(r) + "/" + tenant
	switch {
	case r.Method == http.MethodGet && rest == "v2.0/.well-known/openid-configuration":
		issuer := b + "/v2.0"
		writeJSON(w, http.StatusOK, map[string]any{
			"issuer":                                issuer,
			"authorization_endpoint":                b + "/oauth2/v2.0/authorize",
			"token_endpoint":                        b + "/oauth2/v2.0/token",
			"device_authorization_endpoint":         b + "/oauth2/v2.0/devicecode",
			"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		})
	case r.Method == http.MethodPost && rest == "oauth2/v2.0/token":
		s.token(w, r, tenant)
	case r.Method == http.MethodPost && rest == "oauth2/v2.0/devicecode":
		s.deviceCode(w, r)
	default:
		http.NotFound(w, r)
	}
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{
		"error": code, "error_description": desc + "\r\nTrace ID: " + randHex(8) + "\r\nTimestamp: 2026-01-01 00:00:00Z",
		"error_codes": []int{}, "trace_id": randHex(8),
	})
}

func (s *Sim) token(w http.ResponseWriter, r *http.Request, tenant string) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
		return
	}
	f := r.PostForm
	if f.Get("client_id") != ClientID {
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "AADSTS700016: Application with identifier '"+f.Get("client_id")+"' was not found in the directory.")
		return
	}
	switch f.Get("grant_type") {
	case "client_credentials":
		if tenant != Tenant {
			oauthError(w, http.StatusBadRequest, "invalid_request", "AADSTS90009: Application is requesting a token for itself; use a tenant id.")
			return
		}
		switch {
		case f.Get("client_secret") != "":
			if f.Get("client_secret") != ClientSecret {
				oauthError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.")
				return
			}
		// The assertion's signature is not checked: the simulator holds no
		// registered certificate. Its shape is.
		case f.Get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" && strings.Count(f.Get("client_assertion"), ".") == 2:
		default:
			oauthError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
			return
		}
		if !slices.ContainsFunc(strings.Fields(f.Get("scope")), func(sc string) bool { return strings.HasSuffix(sc, "/.default") }) {
			oauthError(w, http.StatusBadRequest, "invalid_scope", "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.")
			return
		}
		s.issue(w, r, tenant, false)
	case "urn:ietf:params:oauth:grant-type:device_code", "device_code":
		s.pollDeviceCode(w, r, tenant, f.Get("device_code"))
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
	}
}

func (s *Sim) deviceCode(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_id") != ClientID {
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "AADSTS700016: Application was not found in the directory.")
		return
	}
	s.mu.Lock()
	dc := "dc-" + randHex(16)
	s.codes[UserCode] = &deviceCode{state: "pending", expires: s.now().Add(15 * time.Minute)}
	s.codes[dc] = s.codes[UserCode]
	hook := s.onDeviceCode
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"user_code": UserCode, "device_code": dc,
		"verification_uri": base(r) + "/devicelogin", "expires_in": 900, "interval": 5,
		"message": "To sign in, use a web browser to open the page " + base(r) + "/devicelogin and enter the code " + UserCode + " to authenticate.",
	})
	if hook != nil {
		hook(UserCode)
	}
}

func (s *Sim) pollDeviceCode(w http.ResponseWriter, r *http.Request, tenant, code string) {
	s.mu.Lock()
	c, ok := s.codes[code]
	public := s.publicClient
	var state string
	if ok {
		c.polls++
		state = c.state
		if c.slowed && state == "pending" {
			c.slowed = false
			state = "slow_down"
		}
	}
	s.mu.Unlock()
	switch {
	case !public:
		oauthError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	case !ok:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "AADSTS70000: The provided value for the input parameter 'device_code' is not valid.")
	case state == "pending":
		oauthError(w, http.StatusBadRequest, "authorization_pending", "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.")
	case state == "slow_down":
		oauthError(w, http.StatusBadRequest, "slow_down", "Polling too fast; slow down.")
	case state == "declined":
		oauthError(w, http.StatusBadRequest, "authorization_declined", "AADSTS70020: The user declined the authorization.")
	case state == "expired":
		oauthError(w, http.StatusBadRequest, "expired_token", "AADSTS70019: Verification code expired.")
	default:
		s.issue(w, r, tenant, true)
	}
}

// issue hands out an access token; for a person, with the ID token and client
// info MSAL reads to know the account.
func (s *Sim) issue(w http.ResponseWriter, r *http.Request, tenant string, person bool) {
	tok := "sim-access-" + randHex(16)
	s.mu.Lock()
	s.tokens[tok] = s.now().Add(time.Hour)
	s.mu.Unlock()
	body := map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok}
	if person {
		enc := base64.RawURLEncoding
		claims, _ := json.Marshal(map[string]any{
			"aud": ClientID, "iss": base(r) + "/" + Tenant + "/v2.0", "tid": Tenant, "oid": "22222222-2222-4222-8222-222222222222",
			"sub": "sim-subject", "preferred_username": "admin@sim.example", "name": "Simulated Admin",
			"iat": s.now().Unix(), "nbf": s.now().Unix(), "exp": s.now().Add(time.Hour).Unix(), "ver": "2.0",
		})
		info, _ := json.Marshal(map[string]string{"uid": "22222222-2222-4222-8222-222222222222", "utid": Tenant})
		body["id_token"] = enc.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc.EncodeToString(claims) + "."
		body["client_info"] = enc.EncodeToString(info)
		body["refresh_token"] = "sim-refresh-" + randHex(16)
		body["scope"] = r.PostForm.Get("scope")
	}
	writeJSON(w, http.StatusOK, body)
}
