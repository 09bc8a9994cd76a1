package api

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/go-resty/resty/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// call describes one request.
type call struct {
	op     string // "read the server info": used as "could not <op>"
	method string
	path   string
	accept string // overrides Accept
	body   any
	anon   bool // send without credentials
}

// do sends the request and turns every failure into an *Error. On success the
// caller gets the response with a 2xx status.
func (c *Client) do(ctx context.Context, cl call) (*resty.Response, error) {
	rc := c.rest
	if cl.anon {
		rc = c.anon
	}
	req := rc.R().SetContext(ctx)
	if cl.accept != "" {
		req.SetHeader("Accept", cl.accept)
	}
	if cl.method != http.MethodGet {
		// Data Center's XSRF protection skips requests that carry this header.
		req.SetHeader("X-Atlassian-Token", "no-check")
	}
	if cl.body != nil {
		req.SetHeader("Content-Type", "application/json").SetBody(cl.body)
	}
	if c.debugW != nil {
		c.logRequest(cl, req)
	}
	resp, err := req.Execute(cl.method, cl.path)
	if err != nil {
		return nil, c.transportError(cl, err)
	}
	if e := c.statusError(cl, resp); e != nil {
		return nil, e
	}
	return resp, nil
}

// getJSON GETs path and decodes its JSON body into out.
func (c *Client) getJSON(ctx context.Context, cl call, out any) error {
	cl.method = http.MethodGet
	resp, err := c.do(ctx, cl)
	if err != nil {
		return err
	}
	return c.decode(cl, resp, out)
}

func (c *Client) decode(cl call, resp *resty.Response, out any) error {
	if isHTML(resp) {
		return c.newError(cl, KindIntercepted, resp, nil)
	}
	if err := json.Unmarshal(resp.Body(), out); err != nil {
		return c.newError(cl, KindServer, resp, errors.New("the body is not the JSON the REST API sends"))
	}
	// Refused before cleanStrings: stripping an escape sequence out of a
	// client ID would hand on a different, valid-looking ID.
	if err := checkClientIDs(out); err != nil {
		return c.newError(cl, KindServer, resp, err)
	}
	cleanStrings(out)
	return nil
}

func (c *Client) newError(cl call, kind Kind, resp *resty.Response, cause error) *Error {
	e := &Error{Kind: kind, Op: cl.op, Method: cl.method, Path: cl.path, Err: cause, contextPath: strings.TrimRight(c.base.Path, "/")}
	if resp != nil {
		e.Status = resp.StatusCode()
	}
	return e
}

func (c *Client) transportError(cl call, err error) *Error {
	e := c.newError(cl, KindNetwork, nil, err)
	e.Kind, e.Err = TransportKind(err)
	return e
}

// TransportKind classifies a request that got no answer, and returns the
// cause worth keeping. The MDMs' clients (api/jamf) classify with it too.
func TransportKind(err error) (Kind, error) {
	var (
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		verifyErr *tls.CertificateVerificationError
		recordErr tls.RecordHeaderError
		netErr    net.Error
	)
	switch {
	case errors.Is(err, context.Canceled):
		return KindCanceled, context.Canceled
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid), errors.As(err, &verifyErr):
		return KindTLS, err
	// net/http turns the record error into a plain string, so its text is all
	// there is to recognise.
	case errors.As(err, &recordErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return KindTLS, errPlainHTTPServer
	case errors.Is(err, context.DeadlineExceeded):
		// Kept, so that a caller whose own deadline ran out (a bounded wait)
		// can tell that from the instance being slow.
		return KindTimeout, context.DeadlineExceeded
	case errors.As(err, &netErr) && netErr.Timeout():
		return KindTimeout, nil
	case errors.Is(err, resty.ErrResponseBodyTooLarge):
		return KindServer, fmt.Errorf("the answer is over %d MiB, too large to read", MaxBodyBytes>>20)
	case errors.Is(err, http.ErrUseLastResponse):
		return KindIntercepted, err
	case isReset(err):
		return KindNetwork, errors.New("the connection was reset")
	}
	return KindNetwork, err
}

// isReset reports a connection torn down under a request, which a proxy or a
// restarting node does; a GET may try again.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		strings.Contains(err.Error(), "connection reset")
}

func (c *Client) statusError(cl call, resp *resty.Response) *Error {
	status := resp.StatusCode()
	if status >= 200 && status < 300 {
		return nil
	}
	e := c.newError(cl, KindUnknown, resp, nil)
	if status >= 300 && status < 400 {
		e.Kind = KindIntercepted
		e.Location = redactLocation(resp.Header().Get("Location"), c.base)
		return e
	}
	html := isHTML(resp)
	var subCode string
	if !html {
		e.Message, e.FieldErrors, subCode = serverMessage(resp)
	}
	switch {
	case html && status != http.StatusNotFound && status < 500:
		e.Kind = KindIntercepted
	case status == http.StatusUnauthorized:
		e.Kind = c.classify401(cl, resp, e.Message, subCode)
	case status == http.StatusForbidden:
		e.Kind = KindForbidden
		// The instance's "Basic Authentication has been disabled" message is
		// translated into its language, so its text is no evidence. Every write
		// carries X-Atlassian-Token (no XSRF 403) and the wizard sends no
		// browser Origin, so a 403 to a Basic request points at Basic itself.
		if c.auth == authBasic && !cl.anon {
			e.Kind = KindBasicAuthDisabled
		}
	case status == http.StatusNotFound:
		e.Kind, e.Message = KindNotFound, ""
	case status == http.StatusNotAcceptable:
		e.Kind = KindNotAcceptable
	case status == http.StatusBadRequest:
		e.Kind = KindValidation
	case status == http.StatusTooManyRequests:
		e.Kind = KindRateLimited
		e.RetryAfter, _ = parseRetryAfter(resp.Header().Get("Retry-After"))
	case status >= 500:
		e.Kind = KindServer
	}
	return e
}

// classify401 tells the four reasons for a 401 apart. Data Center answers 401 both to
// anonymous callers and to logged-in users who lack the permission, and a bad token
// is not rejected but silently downgraded to anonymous.
func (c *Client) classify401(cl call, resp *resty.Response, msg, subCode string) Kind {
	user := resp.Header().Get("X-AUSERNAME")
	switch {
	// UPM's own websudo answer: {"errorMessage":null,"subCode":"upm.websudo.error"}.
	case subCode == "upm.websudo.error":
		return KindWebSudo
	case strings.Contains(strings.ToLower(msg), "websudo"):
		return KindWebSudo
	case strings.EqualFold(resp.Header().Get("X-Seraph-LoginReason"), "AUTHENTICATED_FAILED"):
		return KindUnauthorized
	case user != "" && user != "anonymous":
		return KindNotSysadmin
	case c.auth == authToken && !cl.anon:
		return KindAnonymous
	}
	return KindUnauthorized
}

// serverMessage pulls the human part out of the error bodies Data Center sends:
// {"message":...}, {"errors":[...],"fieldErrors":{...}}, UPM's
// {"errorMessage":...,"subCode":...}, a bare JSON string, or text. subCode is
// UPM's machine-readable reason.
func serverMessage(resp *resty.Response) (msg string, fields map[string][]string, subCode string) {
	body := resp.Body()
	if len(body) == 0 {
		return "", nil, ""
	}
	var obj struct {
		Message      string              `json:"message"`
		Errors       []string            `json:"errors"`
		FieldErrors  map[string][]string `json:"fieldErrors"`
		ErrorMessage *string             `json:"errorMessage"`
		SubCode      string              `json:"subCode"`
	}
	if json.Unmarshal(body, &obj) == nil {
		msg = obj.Message
		if msg == "" && obj.ErrorMessage != nil {
			msg = *obj.ErrorMessage
		}
		if msg == "" && len(obj.Errors) > 0 {
			msg = strings.Join(obj.Errors, "; ")
		}
		for k, vs := range obj.FieldErrors {
			if len(vs) == 0 {
				continue
			}
			if fields == nil {
				fields = map[string][]string{}
			}
			for _, v := range vs {
				fields[termsafe.String(k)] = append(fields[termsafe.String(k)], termsafe.String(v))
			}
		}
		return shorten(termsafe.String(msg)), fields, obj.SubCode
	}
	var s string
	if json.Unmarshal(body, &s) == nil {
		return shorten(termsafe.String(s)), nil, ""
	}
	line, _, _ := strings.Cut(string(body), "\n")
	return shorten(termsafe.String(line)), nil, ""
}

func shorten(s string) string {
	const n = 200
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func isHTML(resp *resty.Response) bool {
	mt, _, _ := mime.ParseMediaType(resp.Header().Get("Content-Type"))
	if mt == "text/html" || mt == "application/xhtml+xml" {
		return true
	}
	if mt == "" {
		b := strings.TrimSpace(strings.ToLower(string(resp.Body()[:min(len(resp.Body()), 64)])))
		return strings.HasPrefix(b, "<!doctype html") || strings.HasPrefix(b, "<html")
	}
	return false
}

// IsReset reports a connection torn down under a request (for the MDMs' clients).
func IsReset(err error) bool { return isReset(err) }

// IsHTML reports an HTML answer: a login page or a proxy, not an API (for the MDMs' clients).
func IsHTML(resp *resty.Response) bool { return isHTML(resp) }
