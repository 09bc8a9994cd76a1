package simulator

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// Role is a user's global permission.
type Role int

const (
	RoleUser     Role = iota // no administration rights
	RoleAdmin                // Jira/Confluence administrator: UPM, not OAuth clients
	RoleSysadmin             // system administrator: everything
)

// User is an account on the instance. Token is its personal access token.
type User struct {
	Name, DisplayName, Password, Token string
	Role                               Role
}

// DefaultUsers is one user per role, each with password = name.
func DefaultUsers() []User {
	return []User{
		{Name: "admin", DisplayName: "Administrator", Password: "admin", Token: "sysadmin-token", Role: RoleSysadmin},
		{Name: "jadmin", DisplayName: "Jane Admin", Password: "jadmin", Token: "admin-token", Role: RoleAdmin},
		{Name: "user", DisplayName: "Plain User", Password: "user", Token: "user-token", Role: RoleUser},
	}
}

// userKey is the immutable key the product gives an account: JIRAUSER10000 in
// Jira, a 32-hex id in Confluence.
func userKey(product string, index int, name string) string {
	if product == productConfluence {
		sum := sha1.Sum([]byte("confluence-user|" + name))
		return hex.EncodeToString(sum[:16])
	}
	return "JIRAUSER" + strconv.Itoa(10000+index)
}

// identity is who the request runs as, and what went wrong with Basic auth.
type identity struct {
	user          *User // nil = anonymous
	basicDisabled bool
	basicFailed   bool
	viaToken      bool // signed in with a personal access token
}

func (id identity) name() string {
	if id.user == nil {
		return "anonymous"
	}
	return id.user.Name
}

func (id identity) atLeast(r Role) bool {
	return id.user != nil && id.user.Role >= r
}

// identify resolves the credentials. An unknown token is not an error: the
// products run such a request as anonymous (a 200 with anonymous data, or a
// 401 that looks like a missing login), the trap the api package detects.
func (s *Sim) identify(r *http.Request) identity {
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok {
		return identity{}
	}
	cred = strings.TrimSpace(cred)
	switch strings.ToLower(scheme) {
	case "bearer":
		for i := range s.users {
			if s.users[i].Token != "" && s.users[i].Token == cred {
				u := s.users[i]
				return identity{user: &u, viaToken: true}
			}
		}
	case "basic":
		if s.basicOff {
			return identity{basicDisabled: true}
		}
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return identity{basicFailed: true}
		}
		name, pass, _ := strings.Cut(string(raw), ":")
		for i := range s.users {
			if s.users[i].Name == name && s.users[i].Password != "" && s.users[i].Password == pass {
				u := s.users[i]
				return identity{user: &u}
			}
		}
		return identity{basicFailed: true}
	}
	return identity{}
}

// setUserHeader sets X-AUSERNAME as the products do: Jira names every request's
// user, "anonymous" included; Confluence sets it only for a logged-in user.
func (s *Sim) setUserHeader(h http.Header, id identity) {
	if id.user == nil && s.product == productConfluence {
		h.Del(headerUser)
		return
	}
	h.Set(headerUser, id.name())
}
