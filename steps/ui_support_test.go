package steps

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
)

func TestExplainDropsGoRequestText(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()

	for _, tc := range []struct {
		name, url, want, remedy string
	}{
		{"refused", closedURL, "the connection was refused", "Check the base URL"},
		{"untrusted certificate", tlsSrv.URL, "authority this machine does not trust", "--ca-cert"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := api.New(api.Options{BaseURL: tc.url, Retries: -1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = Detect(context.Background(), c, "")
			if err == nil {
				t.Fatal("no error")
			}
			msg, remedy := Explain(err)
			if !strings.Contains(msg, tc.want) || !strings.Contains(remedy, tc.remedy) {
				t.Errorf("Explain = %q, %q; want %q and a remedy with %q", msg, remedy, tc.want, tc.remedy)
			}
			for _, raw := range []string{"dial tcp", `Get "`, "x509:"} {
				if strings.Contains(msg, raw) {
					t.Errorf("raw Go text %q in %q", raw, msg)
				}
			}
		})
	}
}

func TestExplainKeepsStepsSentences(t *testing.T) {
	err := &NameTakenError{Name: "x"}
	if msg, remedy := Explain(err); msg != err.Error() || remedy != "" {
		t.Errorf("Explain changed a steps error: %q %q", msg, remedy)
	}
}

func TestOutcomes(t *testing.T) {
	cl := api.OAuthClient{Name: "Jira iOS app", ClientID: "abc"}
	for _, tc := range []struct{ got, want string }{
		{LinkOutcome(&LinkResult{Client: cl, Changed: true}), `Created the incoming link "Jira iOS app" (client ID abc)`},
		{LinkOutcome(&LinkResult{Client: cl}), `Reused the existing link "Jira iOS app" (client ID abc): nothing changed`},
		{LinkOutcome(&LinkResult{Client: cl, Changed: true, Reconciled: true}), `confirmed it by listing the links`},
		{MobileClientOutcome(&cl), `the incoming link "Jira iOS app" (client ID abc) carries the iOS app's redirect`},
		{MobileClientOutcome(&cl), `The wizard created nothing`},
	} {
		if !strings.Contains(tc.got, tc.want) {
			t.Errorf("%q lacks %q", tc.got, tc.want)
		}
	}
}
