package cli

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/simtest"
)

func TestSimulateServesTheManifestInXMLAndJSON(t *testing.T) {
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	errb := &simtest.Buffer{}
	go func() {
		stdio := &IO{In: strings.NewReader(""), Out: io.Discard, Err: errb,
			Getenv: func(string) string { return "" }, IsTerminal: func() bool { return false }}
		root := NewRootCommand(BuildInfo{Version: "test"}, stdio)
		root.SetArgs([]string{"simulate", "--listen", addr, "--product", "confluence", "--version", "9.2.3",
			"--plugin", "com.atlassian.oauth2.oauth2-provider-plugin=4.1.0:disabled"})
		done <- ExitCode(root.ExecuteContext(ctx))
	}()
	waitListening(t, errb, addr)

	get := func(accept string) (string, string) {
		req, _ := http.NewRequest("GET", "http://"+addr+"/rest/applinks/1.0/manifest", nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("Content-Type"), string(b)
	}
	ct, body := get("")
	if !strings.Contains(ct, "xml") || !strings.Contains(body, "<typeId>confluence</typeId>") || !strings.Contains(body, "<version>9.2.3</version>") {
		t.Fatalf("default manifest: %s\n%s", ct, body)
	}
	ct, body = get("application/json")
	if !strings.Contains(ct, "json") || !strings.Contains(body, `"typeId":"confluence"`) {
		t.Fatalf("JSON manifest: %s\n%s", ct, body)
	}
	// --plugin took effect: the disabled OAuth 2.0 provider hides /rest/oauth2.
	resp, err := http.Get("http://" + addr + "/rest/oauth2/latest/.well-known/oauth-authorization-server")
	if err != nil || resp.StatusCode != 404 {
		t.Fatalf("disabled provider plugin: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("simulate exit %d: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("simulate did not stop")
	}
	for _, bad := range [][]string{{"simulate", "--proxy", "bogus"}, {"simulate", "--plugin", "nonsense"}, {"simulate", "--product", "bitbucket"}} {
		if r := run(t, nil, bad...); r.code != ExitUsage {
			t.Errorf("%v: exit %d, want 2", bad, r.code)
		}
	}
}
