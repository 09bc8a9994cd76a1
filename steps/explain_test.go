package steps

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
)

func TestExplainDropsGoRequestText(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()

	for _, tc := range []struct {
		name, url, want, remedy string
		fix                     fix.Kind
	}{
		{"refused", closedURL, "the connection was refused", "Check the base URL", fix.None},
		{"untrusted certificate", tlsSrv.URL, "authority this machine does not trust", "CA's certificate", fix.CACert},
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
			msg, remedy, f := Explain(err)
			if !strings.Contains(msg, tc.want) || !strings.Contains(remedy, tc.remedy) || f.Kind != tc.fix {
				t.Errorf("Explain = %q, %q, %v; want %q, a remedy with %q and fix %v", msg, remedy, f, tc.want, tc.remedy, tc.fix)
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
	if msg, remedy, f := Explain(err); msg != err.Error() || remedy != "" || f.Kind != fix.OtherLinkName {
		t.Errorf("Explain changed a steps error: %q %q %v", msg, remedy, f)
	}
}

func TestOutcomes(t *testing.T) {
	cl := api.OAuthClient{Name: "Jira iOS app", ClientID: "abc"}
	for _, tc := range []struct{ got, want string }{
		{(&LinkResult{Client: cl, Changed: true}).Outcome(), `Created the incoming link "Jira iOS app" (client ID abc)`},
		{(&LinkResult{Client: cl}).Outcome(), `Reused the existing link "Jira iOS app" (client ID abc): nothing changed`},
		{(&LinkResult{Client: cl, Changed: true, Reconciled: true}).Outcome(), `confirmed it by listing the links`},
	} {
		if !strings.Contains(tc.got, tc.want) {
			t.Errorf("%q lacks %q", tc.got, tc.want)
		}
	}
}
