package jamf

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/go-resty/resty/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// The debug log is for an admin to send to someone who helps them: the
// client secret, the client ID and every token are taken out. Site lists and
// app configurations are not secret and stay in, to show what was sent.

// maxLoggedBody bounds a body in the log.
const maxLoggedBody = 2048

func (c *Client) logRequest(cl call, withToken bool) {
	if c.debugW == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "--> %s %s%s", cl.method, c.base.String(), cl.path)
	if withToken {
		b.WriteString(" (Authorization: Bearer [redacted])")
	}
	b.WriteByte('\n')
	if cl.form != nil {
		keys := slices.Sorted(maps.Keys(cl.form))
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			v := cl.form[k]
			if k != "grant_type" {
				v = "[redacted]"
			}
			parts = append(parts, k+"="+v)
		}
		fmt.Fprintf(&b, "    form: %s\n", strings.Join(parts, "&"))
	}
	if cl.body != nil {
		fmt.Fprintf(&b, "    body: %s\n", termsafe.String(string(cl.body[:min(len(cl.body), maxLoggedBody)])))
	}
	io.WriteString(c.debugW, b.String())
}

func (c *Client) logResponse(resp *resty.Response) {
	if c.debugW == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<-- %d %s %s (%s)\n", resp.StatusCode(), resp.Request.Method, resp.Request.URL, resp.Time().Round(1e6))
	fmt.Fprintf(&b, "    headers: %s\n", api.HeaderLine(resp.Header()))
	if body := resp.Body(); len(body) > 0 {
		// The token answer's access_token is taken out whole before the cut,
		// so no prefix of it survives either.
		fmt.Fprintf(&b, "    body: %s\n", termsafe.String(cut(api.Redact(string(body)))))
	}
	io.WriteString(c.debugW, b.String())
}

func cut(s string) string {
	if len(s) > maxLoggedBody {
		return s[:maxLoggedBody]
	}
	return s
}

func (c *Client) logError(cl call, err error) {
	if c.debugW == nil {
		return
	}
	fmt.Fprintf(c.debugW, "<-- error %s %s%s: %s\n", cl.method, c.base.String(), cl.path, termsafe.String(err.Error()))
}
