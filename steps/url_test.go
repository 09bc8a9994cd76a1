package steps

import (
	"strings"
	"testing"
)

func TestNormalizeBaseURL(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"https://jira.example.com", "https://jira.example.com"},
		{"jira.example.com", "https://jira.example.com"},
		{"  jira.example.com/  ", "https://jira.example.com"},
		{"//jira.example.com", "https://jira.example.com"},
		{"HTTPS://Jira.Example.COM/", "https://jira.example.com"},
		{"https://jira.example.com///", "https://jira.example.com"},
		{"https://example.com/jira", "https://example.com/jira"},
		{"https://example.com/jira/", "https://example.com/jira"},
		{"https://example.com/Jira", "https://example.com/Jira"}, // context paths are case-sensitive
		{"example.com/tools/confluence/", "https://example.com/tools/confluence"},
		{"http://jira.internal:8080", "http://jira.internal:8080"},
		{"https://jira.example.com:443", "https://jira.example.com:443"},
		{"https://jira.example.com:08443/", "https://jira.example.com:8443"},
		{"https://10.0.0.7:8443/jira", "https://10.0.0.7:8443/jira"},
		{"https://[2001:DB8::1]:8443/", "https://[2001:db8::1]:8443"},
		{"https://my_host.corp", "https://my_host.corp"},
		{"https://bücher.example", "https://bücher.example"},
		{"https://example.com/a%20b", "https://example.com/a%20b"},
	}
	for _, tt := range tests {
		got, err := NormalizeBaseURL(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeBaseURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalizeBaseURLRejects(t *testing.T) {
	tests := []struct {
		in  string
		why string // part of the error a user reads
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"ftp://jira.example.com", "https://"},
		{"file:///etc/passwd", "https://"},
		{"javascript://alert(1)", "https://"},
		{"https://", "no host"},
		{"https:///jira", "no host"},
		{"https://:8443", "no host"},
		{"https://admin:s3cret@jira.example.com", "credentials never go in the URL"},
		{"https://admin@jira.example.com", "user name or password"},
		{"https://jira.example.com/?os_username=admin", "query"},
		{"https://jira.example.com?", "query"},
		{"https://jira.example.com/#/dashboard", "fragment"},
		{"https://jira.example.com#", "fragment"},
		{"https://jira example.com", "space"},
		{"https://jira.example.com/my jira", "space"},
		{"https://jira.example.com/\x00", "control character"},
		{"https://jira.example.com\r\n/x", "control character"},
		{`https://jira.example.com\jira`, "backslash"},
		{"https://jira.example.com:99999", "port"},
		{"https://jira.example.com:0", "port"},
		{"https://jira.example.com:", "no port"},
		{"https://jira.example.com:abc", "not a valid URL"},
		{"https://jira..example.com", "empty part"},
		{"https://jira.example.com./", "empty part"},
		{"https://ji!ra.example.com", "letters, digits"},
		{"https://%6Aira.example.com", "percent-encoded"},
		{"https://[fe80::1%25eth0]", "percent-encoded"},
		{"https://[not-ipv6]", "not a valid URL"},
		{"https://example.com/jira/../admin", ". or .."},
	}
	for _, tt := range tests {
		got, err := NormalizeBaseURL(tt.in)
		if err == nil {
			t.Errorf("NormalizeBaseURL(%q) = %q, want an error about %q", tt.in, got, tt.why)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.why) {
			t.Errorf("NormalizeBaseURL(%q) error %q does not say %q", tt.in, msg, tt.why)
		}
		if !strings.Contains(msg, "for example https://") {
			t.Errorf("error %q has no example of a right URL", msg)
		}
	}
}

// The error must never repeat what was typed: it may hold a password.
func TestNormalizeBaseURLErrorHidesSecrets(t *testing.T) {
	for _, in := range []string{
		"https://admin:hunter2@jira.example.com",
		"https://jira.example.com/?token=hunter2",
		"https://jira.example.com/#hunter2",
		"ftp://hunter2@jira.example.com",
	} {
		_, err := NormalizeBaseURL(in)
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("NormalizeBaseURL(%q) error = %v; must fail without echoing the secret", in, err)
		}
	}
}

func TestSameBaseURL(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://jira.example.com", "https://jira.example.com/", true},
		{"https://JIRA.example.com", "https://jira.example.com", true},
		{"jira.example.com", "https://jira.example.com", true},
		{"https://jira.example.com:443", "https://jira.example.com", true},
		{"http://jira.example.com:80/", "http://jira.example.com", true},
		{"https://[2001:db8::1]:443", "https://[2001:DB8::1]", true},
		{"https://example.com/jira/", "https://example.com/jira", true},
		{"https://jira.example.com:8443", "https://jira.example.com", false},
		{"http://jira.example.com", "https://jira.example.com", false},
		{"http://jira.example.com:443", "https://jira.example.com", false},
		{"https://example.com/jira", "https://example.com/confluence", false},
		{"https://example.com/jira", "https://example.com", false},
		{"https://example.com/Jira", "https://example.com/jira", false},
		// Entries that cannot be normalised match only themselves.
		{"not a url", "not a url/", true},
		{"not a url", "https://example.com", false},
		{"", "", true},
		{"", "https://example.com", false},
	}
	for _, tt := range tests {
		if got := SameBaseURL(tt.a, tt.b); got != tt.want {
			t.Errorf("SameBaseURL(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := SameBaseURL(tt.b, tt.a); got != tt.want {
			t.Errorf("SameBaseURL(%q, %q) = %v, want %v (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func FuzzNormalizeBaseURL(f *testing.F) {
	for _, s := range []string{
		"https://jira.example.com", "jira.example.com/jira/", "HTTP://X:80", "https://[::1]:8443/a",
		"https://u:p@h", "https://h/?q#f", "https://h/a%2fb/", "//h", "https://bücher.example/ä",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := NormalizeBaseURL(raw)
		if err != nil {
			if got != "" {
				t.Errorf("error with a result %q", got)
			}
			return
		}
		again, err := NormalizeBaseURL(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeBaseURL(%q) = %q, which re-normalises to %q, %v", raw, got, again, err)
		}
		if !strings.HasPrefix(got, "https://") && !strings.HasPrefix(got, "http://") {
			t.Errorf("result %q has no http(s) scheme", got)
		}
		authority, _, _ := strings.Cut(strings.SplitN(got, "://", 2)[1], "/")
		if strings.HasSuffix(got, "/") || strings.ContainsAny(got, "?# \t\r\n") || strings.Contains(authority, "@") {
			t.Errorf("result %q keeps a part a base URL must not have", got)
		}
		if !SameBaseURL(raw, got) {
			t.Errorf("SameBaseURL(%q, %q) = false", raw, got)
		}
	})
}
