package api_test

import (
	"context"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

// Everything api decodes is safe to print: a hostile link name cannot set the
// clipboard (OSC 52), recolour the screen or hide text with bidi overrides.
func TestDecodedTextIsSafeForATerminal(t *testing.T) {
	env := simtest.Start(t, simulator.Config{})
	env.Sim.AddClient("\x1b]52;c;QUFBQQ==\x07Evil\x1b[31m link\u202e\r\nx", []string{"https://a.example.com/cb\x1b[2J"}, "WRITE")
	clients, err := env.Client(t, simtest.SysadminToken).ListClients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, cl := range clients {
		if cl.Name == "Evil link  x" {
			found = true
			if cl.Redirects[0] != "https://a.example.com/cb" {
				t.Errorf("redirect = %q", cl.Redirects[0])
			}
		}
	}
	if !found {
		t.Fatalf("no sanitised client among %+v", clients)
	}
}

func TestManifestTextIsSafeForATerminal(t *testing.T) {
	env := simtest.Start(t, simulator.Config{Title: "\x1b]0;pwned\x07Acme \x1b[1mJira"})
	m, err := env.Client(t, "").Manifest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "Acme Jira" {
		t.Errorf("name = %q, want the title without escape sequences", m.Name)
	}
}
