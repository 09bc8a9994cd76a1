package ui

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api/simulator"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// Accessible mode offers the full-screen result's deletion: after the list,
// "What now?" can delete the app's link; what it costs is said first and only
// a typed yes deletes it. What it did is in the summary.
func TestAccessibleDeletesTheLinkOnlyWhenYesIsTyped(t *testing.T) {
	redirect := []string{"jira-server://oauth-callback"}
	tests := []struct {
		name string
		// links are the app's links on the instance before the run.
		links []string
		// lines follow: this instance, create (when there is no link), save.
		lines []string
		// left are the links' names afterwards.
		left      []string
		want, not []string
	}{{
		name:  "yes deletes it",
		lines: []string{"", "", "-", "2", "yes"},
		want: []string{"Warning: Deleting it deletes the link's access and refresh tokens",
			`Deleted the incoming link "Jira iOS app"`, "Its site is out of the site list",
			`Done. Created the incoming link "Jira iOS app"`},
	}, {
		name:  "Enter keeps it",
		lines: []string{"", "", "-", "2", "", ""},
		left:  []string{"Jira iOS app"},
		want:  []string{"Kept the link: nothing was deleted.", `Done. Created the incoming link "Jira iOS app"`},
	}, {
		name:  "y is not yes",
		lines: []string{"", "", "-", "2", "y", "1"},
		left:  []string{"Jira iOS app"},
		want:  []string{"Kept the link: nothing was deleted."},
	}, {
		name:  "the input ending at What now changes nothing",
		lines: []string{"", "", "-"},
		left:  []string{"Jira iOS app"},
		want:  []string{"What now?", "Done."},
	}, {
		name:  "one of several is chosen",
		links: []string{"Mobile A", "Mobile B"},
		lines: []string{"", "-", "2", "2", "yes"},
		left:  []string{"Mobile A"},
		want: []string{"2 incoming links carry the iOS app's redirect. Which one should be deleted?", "3. None: keep them all",
			`Deleted the incoming link "Mobile B"`},
		// The site uses the link it reused: it stays in the list.
		not: []string{"Its site is out"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim, srv := newSim(t, simulator.Config{DevMode: true})
			for _, name := range tt.links {
				sim.AddClient(name, redirect, "WRITE")
			}
			opts := Options{NewClient: testClient, BaseURL: srv.URL, Creds: Credentials{Token: "sysadmin-token"}, Mode: steps.ModeMDM,
				Title: "T", CacheSession: boolPtr(false), NoVerify: true}
			var buf bytes.Buffer
			if err := RunAccessible(context.Background(), opts, strings.NewReader(strings.Join(tt.lines, "\n")+"\n"), &buf); err != nil {
				t.Fatalf("%v\n%s", err, buf.String())
			}
			text := flat(buf.String())
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, buf.String())
				}
			}
			for _, n := range tt.not {
				if strings.Contains(text, n) {
					t.Errorf("output says %q:\n%s", n, buf.String())
				}
			}
			var left []string
			for _, cl := range sim.Clients() {
				left = append(left, cl.Name)
			}
			if !slices.Equal(left, tt.left) {
				t.Errorf("links left: %q, want %q", left, tt.left)
			}
			// The warning comes before the question, and nothing is deleted before the answer.
			if w, q := strings.Index(text, "Warning: Deleting"), strings.Index(text, "Delete it? Type yes"); w > q {
				t.Errorf("the warning follows the question:\n%s", buf.String())
			}
		})
	}
}
