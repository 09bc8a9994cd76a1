package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// Client is an incoming OAuth 2.0 client ("External application, Incoming" link).
type Client struct {
	ID           string   `json:"id"`
	ClientID     string   `json:"clientId"`
	ClientSecret string   `json:"clientSecret"`
	Name         string   `json:"name"`
	Redirects    []string `json:"redirects"`
	Scope        string   `json:"scope"`
	UserKey      string   `json:"userKey"`
}

func (c Client) clone() Client {
	c.Redirects = slices.Clone(c.Redirects)
	return c
}

var scopes = []string{"READ", "WRITE", "ADMIN", "SYSTEM_ADMIN"}

const (
	maxNameLen     = 255
	maxRedirectLen = 450
)

// errorBody is the OAuth 2.0 plugin's error shape.
type errorBody struct {
	Errors      []string            `json:"errors"`
	FieldErrors map[string][]string `json:"fieldErrors"`
}

func writeErrors(w http.ResponseWriter, status int, errs []string, fields map[string][]string) {
	if errs == nil {
		errs = []string{}
	}
	if fields == nil {
		fields = map[string][]string{}
	}
	writeJSON(w, status, errorBody{Errors: errs, FieldErrors: fields})
}

// Clients is a snapshot of the incoming clients, oldest first.
func (s *Sim) Clients() []Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Client, len(s.clients))
	for i, c := range s.clients {
		out[i] = c.clone()
	}
	return out
}

// AddClient seeds a client without validation, owned by the first sysadmin.
func (s *Sim) AddClient(name string, redirects []string, scope string) Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addClientLocked(name, redirects, scope, s.sysadminKey())
}

func (s *Sim) addClientLocked(name string, redirects []string, scope, owner string) Client {
	c := Client{
		ID:           newUUID(),
		ClientID:     randomHex(16),
		ClientSecret: randomHex(32),
		Name:         name,
		Redirects:    normaliseRedirects(redirects),
		Scope:        scope,
		UserKey:      owner,
	}
	s.clients = append(s.clients, c)
	return c.clone()
}

func (s *Sim) sysadminKey() string {
	for _, u := range s.users {
		if u.Role == RoleSysadmin {
			return s.userKeys[u.Name]
		}
	}
	return ""
}

// normaliseRedirects stores redirects as the provider does: trimmed, sorted,
// without duplicates.
func normaliseRedirects(in []string) []string {
	out := make([]string, 0, len(in)) // never nil: the JSON is [] rather than null
	for _, r := range in {
		out = append(out, strings.TrimSpace(r))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (s *Sim) indexByIDLocked(id string) int {
	return slices.IndexFunc(s.clients, func(c Client) bool { return c.ID == id })
}

func (s *Sim) nameTakenLocked(name, exceptID string) bool {
	return slices.ContainsFunc(s.clients, func(c Client) bool { return c.Name == name && c.ID != exceptID })
}

// clientAccess enforces "system admin only": the plugin answers an anonymous
// caller and a logged-in non-sysadmin alike, with 401.
func clientAccess(w http.ResponseWriter, id identity) bool {
	if id.atLeast(RoleSysadmin) {
		return true
	}
	writeErrors(w, http.StatusUnauthorized, []string{"You are not authorised to access this resource."}, nil)
	return false
}

// serveClients is /rest/oauth2/latest/client: list and create.
func (s *Sim) serveClients(w http.ResponseWriter, r *http.Request, id identity, base string) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if !clientAccess(w, id) {
			return
		}
		writeJSON(w, http.StatusOK, s.Clients())
	case http.MethodPost:
		if !clientAccess(w, id) {
			return
		}
		in, ok := readClientInput(w, r)
		if !ok {
			return
		}
		errs, fields := s.validate(in, base, false)
		s.mu.Lock()
		if in.Name != "" && s.nameTakenLocked(in.Name, "") {
			fields["name"] = append(fields["name"], "A client with this name already exists.")
		}
		if len(errs) > 0 || len(fields) > 0 {
			s.mu.Unlock()
			writeErrors(w, http.StatusBadRequest, errs, fields)
			return
		}
		c := s.addClientLocked(in.Name, in.Redirects, normaliseScope(in.Scope), s.userKeys[id.user.Name])
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, c) // 200, not 201: what the plugin really sends
	default:
		methodNotAllowed(w, "GET, POST")
	}
}

// serveClient is /rest/oauth2/latest/client/{id}.
func (s *Sim) serveClient(w http.ResponseWriter, r *http.Request, id identity, base, clientID string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPut && r.Method != http.MethodDelete {
		methodNotAllowed(w, "GET, PUT, DELETE")
		return
	}
	if !clientAccess(w, id) {
		return
	}
	var in clientInput
	var errs []string
	var fields map[string][]string
	if r.Method == http.MethodPut {
		var ok bool
		if in, ok = readClientInput(w, r); !ok {
			return
		}
		errs, fields = s.validate(in, base, true)
	}
	s.mu.Lock()
	i := s.indexByIDLocked(clientID)
	if i < 0 {
		s.mu.Unlock()
		writeErrors(w, http.StatusNotFound, []string{fmt.Sprintf("No client with id %s.", clientID)}, nil)
		return
	}
	switch r.Method {
	case http.MethodPut:
		if in.Name != "" && s.nameTakenLocked(in.Name, clientID) {
			fields["name"] = append(fields["name"], "A client with this name already exists.")
		}
		if len(errs) > 0 || len(fields) > 0 {
			s.mu.Unlock()
			writeErrors(w, http.StatusBadRequest, errs, fields)
			return
		}
		// A blank field keeps its old value: the provider updates only what it is given.
		c := &s.clients[i]
		if in.Name != "" {
			c.Name = in.Name
		}
		if len(in.Redirects) > 0 {
			c.Redirects = normaliseRedirects(in.Redirects)
		}
		if strings.TrimSpace(in.Scope) != "" {
			c.Scope = normaliseScope(in.Scope)
		}
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	case http.MethodDelete:
		c := s.clients[i].clone()
		s.clients = slices.Delete(s.clients, i, i+1)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, c)
	default:
		c := s.clients[i].clone()
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, c)
	}
}

// serveClientReset is PUT /rest/oauth2/latest/client/reset/{clientId}: note
// the OAuth client ID here, not the record id the other calls take.
func (s *Sim) serveClientReset(w http.ResponseWriter, r *http.Request, id identity, base, clientID string) {
	if r.Method != http.MethodPut {
		methodNotAllowed(w, "PUT")
		return
	}
	if !clientAccess(w, id) {
		return
	}
	s.mu.Lock()
	i := slices.IndexFunc(s.clients, func(c Client) bool { return c.ClientID == clientID })
	if i < 0 {
		s.mu.Unlock()
		writeErrors(w, http.StatusNotFound, []string{"No client with this client ID."}, nil)
		return
	}
	s.clients[i].ClientSecret = randomHex(32)
	c := s.clients[i].clone()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, c)
}

type clientInput struct {
	Name      string   `json:"name"`
	Redirects []string `json:"redirects"`
	Scope     string   `json:"scope"`
}

// readClientInput decodes a create/update body, answering 415 or 400 itself.
func readClientInput(w http.ResponseWriter, r *http.Request) (clientInput, bool) {
	var in clientInput
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		writeJSON(w, http.StatusUnsupportedMediaType, restError(http.StatusUnsupportedMediaType, "Unsupported Media Type: send application/json"))
		return in, false
	}
	var buf bytes.Buffer
	buf.ReadFrom(r.Body)
	if err := json.Unmarshal(buf.Bytes(), &in); err != nil {
		writeErrors(w, http.StatusBadRequest, []string{"The request body is not valid JSON."}, nil)
		return in, false
	}
	in.Name = strings.TrimSpace(in.Name)
	return in, true
}

// validate checks everything but name uniqueness, which needs the lock. An
// update (partial) leaves blank fields alone, so they are not required.
func (s *Sim) validate(in clientInput, base string, partial bool) ([]string, map[string][]string) {
	var errs []string
	fields := map[string][]string{}
	switch {
	case in.Name == "" && partial:
	case in.Name == "":
		fields["name"] = append(fields["name"], "Name is required.")
	case utf8.RuneCountInString(in.Name) > maxNameLen:
		fields["name"] = append(fields["name"], fmt.Sprintf("Name must be %d characters or fewer.", maxNameLen))
	}
	if len(in.Redirects) == 0 && !partial {
		fields["redirects"] = append(fields["redirects"], "At least one redirect URL is required.")
	}
	for i, raw := range in.Redirects {
		if msg := redirectProblem(raw); msg != "" {
			fields["redirects"] = append(fields["redirects"], fmt.Sprintf("Redirect URL %d %s.", i+1, msg))
		}
	}
	if !(partial && strings.TrimSpace(in.Scope) == "") && !validScope(in.Scope) {
		fields["scope"] = append(fields["scope"], "Scope must be one or more of "+strings.Join(scopes, ", ")+", separated by spaces.")
	}
	return errs, fields
}

func redirectProblem(raw string) string {
	if utf8.RuneCountInString(raw) > maxRedirectLen {
		return fmt.Sprintf("is longer than %d characters", maxRedirectLen)
	}
	raw = strings.TrimSpace(raw) // the provider trims before it checks and stores
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return "must be an absolute URI with a scheme"
	}
	if strings.Contains(raw, "#") {
		return "must not contain a fragment"
	}
	if strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Hostname(), "localhost") {
		return "must use https: plain http is allowed for localhost only"
	}
	return ""
}

// validScope accepts one or more scope names separated by spaces.
func validScope(s string) bool {
	f := strings.Fields(s)
	if len(f) == 0 {
		return false
	}
	for _, sc := range f {
		if !slices.Contains(scopes, sc) {
			return false
		}
	}
	return true
}

// normaliseScope stores a scope list with single spaces.
func normaliseScope(s string) string { return strings.Join(strings.Fields(s), " ") }

// maxScope is the highest scope of a space-separated list ("" when none is known).
func maxScope(s string) string {
	best := -1
	for _, sc := range strings.Fields(s) {
		best = max(best, slices.Index(scopes, sc))
	}
	if best < 0 {
		return ""
	}
	return scopes[best]
}
