package ui

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
)

// Accessible mode names a link with the app's redirect that it will not reuse
// before it creates a second one, as setup and the full-screen wizard do.
func TestAccessibleNamesTheLinkItDoesNotReuse(t *testing.T) {
	sim, srv := newSim(t, simulator.Config{})
	sim.AddClient("Old mobile link", []string{"jira-server://oauth-callback"}, "READ")
	answers := strings.Join([]string{srv.URL, "", "sysadmin-token", "", "", "", "", "2"}, "\n") + "\n"
	var buf bytes.Buffer
	_ = RunAccessible(context.Background(), Options{NewClient: testClient}, strings.NewReader(answers), &buf)
	text := buf.String()
	note := strings.Index(text, `Not reused: "Old mobile link" has the redirect but scope READ`)
	ask := strings.Index(text, "Create this link on the instance?")
	if note < 0 || ask < 0 || note > ask {
		t.Fatalf("the link not reused is not named before the question:\n%s", text)
	}
}

// An invalid answer to a choice, then the end of the input: an error, not a crash.
func TestAccessibleInvalidChoiceThenEndOfInput(t *testing.T) {
	_, srv := newSim(t, simulator.Config{})
	answers := strings.Join([]string{srv.URL, "", "sysadmin-token", "", "n"}, "\n") + "\n"
	var buf bytes.Buffer
	err := RunAccessible(context.Background(), Options{NewClient: testClient}, strings.NewReader(answers), &buf)
	if err == nil {
		t.Fatalf("no error at the end of the input:\n%s", buf.String())
	}
}
