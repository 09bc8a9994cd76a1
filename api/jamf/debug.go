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

// maxLoggedBody bounds a request body in the log (answers: api.LogResponse).
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
	if c.debugW != nil {
		api.LogResponse(c.debugW, resp)
	}
}

func (c *Client) logError(cl call, err error) {
	if c.debugW != nil {
		api.LogError(c.debugW, cl.method, c.base.String()+cl.path, err)
	}
}
