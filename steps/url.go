package steps

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

const urlExample = "for example https://jira.example.com or https://example.com/confluence"

// The errors never quote the input: a pasted URL may carry a password or a token.
func urlError(why string) error {
	return fmt.Errorf("%s: enter the base URL the way users open the site, %s", why, urlExample)
}

// NormalizeBaseURL turns what an admin types into the base URL the mobile app
// and the REST calls use: scheme and host lower-cased, https:// assumed, no
// trailing slash, context path (/jira) kept. It refuses what cannot be a
// base URL instead of silently dropping parts of it.
func NormalizeBaseURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", urlError("the base URL is empty")
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return "", urlError("the base URL contains a space or a control character")
		}
	}
	if strings.Contains(s, `\`) {
		return "", urlError("the base URL contains a backslash (use / in URLs)")
	}
	switch {
	case strings.HasPrefix(s, "//"):
		s = "https:" + s
	case !strings.Contains(s, "://"):
		s = "https://" + s
	}
	scheme, rest, _ := strings.Cut(s, "://")
	scheme = strings.ToLower(scheme)
	if scheme != "http" && scheme != "https" {
		return "", urlError("the base URL must start with https:// (or http://)")
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	if strings.Contains(authority, "@") {
		return "", urlError("the base URL must not contain a user name or password (credentials never go in the URL; the wizard asks for them separately)")
	}
	if strings.Contains(authority, "%") {
		return "", urlError("the host name must not be percent-encoded")
	}
	if strings.Contains(rest, "?") {
		return "", urlError("the base URL must not have a query (the part from ?)")
	}
	if strings.Contains(rest, "#") {
		return "", urlError("the base URL must not have a fragment (the part from #)")
	}
	u, err := url.Parse(scheme + "://" + rest)
	if err != nil {
		return "", urlError("the base URL is not a valid URL")
	}
	if u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		// Caught above already; kept so a change in net/url cannot let them through.
		return "", urlError("the base URL must be only scheme, host, optional port and optional context path")
	}
	host, err := normalizeHost(u)
	if err != nil {
		return "", err
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return "", urlError("the base URL must not contain . or .. path segments")
		}
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	return scheme + "://" + host + path, nil
}

// normalizeHost lower-cases and validates host[:port].
func normalizeHost(u *url.URL) (string, error) {
	name := u.Hostname()
	if name == "" {
		return "", urlError("the base URL has no host name")
	}
	name = strings.ToLower(name)
	if strings.HasPrefix(u.Host, "[") {
		addr, err := netip.ParseAddr(name)
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return "", urlError("the IPv6 address in the base URL is not valid")
		}
		name = "[" + name + "]"
	} else if err := checkHostName(name); err != nil {
		return "", err
	}
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", urlError("the port in the base URL must be a number from 1 to 65535")
		}
		return name + ":" + strconv.Itoa(n), nil
	}
	if strings.HasSuffix(u.Host, ":") {
		return "", urlError("the base URL has a colon after the host but no port")
	}
	return name, nil
}

func checkHostName(name string) error {
	for _, label := range strings.Split(name, ".") {
		if label == "" {
			return urlError("the host name has an empty part (two dots in a row, or a dot at the start or end)")
		}
		for _, r := range label {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
				return urlError("the host name may contain only letters, digits, hyphens and dots")
			}
		}
	}
	return nil
}

// SameBaseURL reports whether two base URLs name the same site: host case,
// trailing slashes and default ports (80 for http, 443 for https) do not
// matter; scheme and context path do. Strings that do not normalise are
// compared as typed (spaces and trailing slashes aside), so two identical
// hand-written entries still match and the relation stays reflexive.
func SameBaseURL(a, b string) bool { return siteKey(a) == siteKey(b) }

// siteKey is what SameBaseURL compares: equal keys, same site. A string that
// does not normalise keeps its typed form behind a NUL, which no normalised
// URL has, so it matches only itself.
func siteKey(s string) string {
	n, err := NormalizeBaseURL(s)
	if err != nil {
		return "\x00" + strings.TrimRight(strings.TrimSpace(s), "/")
	}
	return withoutDefaultPort(n)
}

func withoutDefaultPort(normalized string) string {
	u, err := url.Parse(normalized)
	if err != nil {
		return normalized // cannot happen for NormalizeBaseURL output
	}
	if (u.Scheme == "https" && u.Port() == "443") || (u.Scheme == "http" && u.Port() == "80") {
		u.Host = u.Hostname()
		if strings.Contains(u.Host, ":") {
			u.Host = "[" + u.Host + "]"
		}
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}
