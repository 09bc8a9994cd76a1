package cli

import (
	"context"
	"strings"
	"testing"
)

// TestSessionPolicy: what a served session may connect to, decided before
// anything is sent.
func TestSessionPolicy(t *testing.T) {
	g := &globalOptions{}
	pinned, err := newSessionPolicy("https://jira.example.com", nil, g)
	if err != nil {
		t.Fatal(err)
	}
	open, err := newSessionPolicy("", nil, g)
	if err != nil {
		t.Fatal(err)
	}
	listed, err := newSessionPolicy("", []string{"jira.internal", "Confluence.Internal"}, g)
	if err != nil {
		t.Fatal(err)
	}
	httpOK, err := newSessionPolicy("", []string{"jira.internal"}, &globalOptions{AllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		policy *sessionPolicy
		url    string
		refuse string // "" = allowed
	}{
		{"pinned instance", pinned, "https://jira.example.com", ""},
		{"another instance than the pinned one", pinned, "https://evil.example.com", "works on https://jira.example.com only"},
		{"the pinned host on another port", pinned, "https://jira.example.com:8443", "works on https://jira.example.com only"},
		{"public host, none listed", open, "https://jira.example.com", ""},
		{"loopback: no exemption for plain http", open, "http://127.0.0.1:8990", "plain http is not allowed"},
		{"loopback over https", open, "https://127.0.0.1:8443", "internal addresses"},
		{"localhost", open, "https://localhost", "its own host"},
		{"private address", open, "https://10.1.2.3", "internal addresses"},
		{"cloud metadata", open, "https://169.254.169.254", "internal addresses"},
		{"IPv6 loopback", open, "https://[::1]", "internal addresses"},
		{"IPv4-mapped loopback", open, "https://[::ffff:127.0.0.1]", "internal addresses"},
		{"shared address space", open, "https://100.64.0.1", "internal addresses"},
		{"listed host", listed, "https://jira.internal/jira", ""},
		{"listed host, case", listed, "https://confluence.internal", ""},
		{"unlisted host", listed, "https://jira.example.com", "only connects to jira.internal, confluence.internal"},
		{"plain http to a listed host", listed, "http://jira.internal", "plain http is not allowed"},
		{"plain http allowed by the operator", httpOK, "http://jira.internal", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.check(tt.url)
			switch {
			case tt.refuse == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.refuse != "" && err == nil:
				t.Errorf("allowed, want refused (%s)", tt.refuse)
			case tt.refuse != "" && !strings.Contains(err.Error(), tt.refuse):
				t.Errorf("error %q lacks %q", err, tt.refuse)
			}
		})
	}
	if _, err := newSessionPolicy("", []string{"https://jira.internal"}, g); err == nil {
		t.Error("--allow-host with a scheme was accepted")
	}
}

// TestSessionDialRefusesInternalAddresses: with no host listed, a name that
// resolves to an internal address is refused at connect time.
func TestSessionDialRefusesInternalAddresses(t *testing.T) {
	open, _ := newSessionPolicy("", nil, &globalOptions{})
	for _, addr := range []string{"127.0.0.1:443", "localhost:443", "[::1]:443", "10.0.0.1:443"} {
		c, err := open.dial(context.Background(), "tcp", addr)
		if err == nil {
			c.Close()
			t.Errorf("dialled %s", addr)
			continue
		}
		if !strings.Contains(err.Error(), "internal address") {
			t.Errorf("%s: %v", addr, err)
		}
	}
}
