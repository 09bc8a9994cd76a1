package jamf

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

const pathToken = "/api/oauth/token"

// call describes one request.
type call struct {
	op          string // "list the mobile device apps": used as "could not <op>"
	method      string
	path        string
	accept      string
	contentType string
	body        []byte            // a PUT's XML
	form        map[string]string // the token request's form; never logged
}

// do sends an authorised request and turns every failure into an *Error. A
// 401 with a token from an earlier call renews the token and sends the
// request once more: a 401 means Jamf Pro refused it before doing anything,
// so this holds for a PUT too. A 401 with a token issued for this very call
// means the role lacks the privilege (the Classic API answers 401 for both).
func (c *Client) do(ctx context.Context, cl call) (*resty.Response, error) {
	renewed := false
	for {
		token, fresh, err := c.validToken(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := c.send(ctx, cl, token)
		if err != nil {
			return nil, err
		}
		switch resp.StatusCode() {
		case http.StatusUnauthorized:
			if !fresh && !renewed {
				c.dropToken(token)
				renewed = true
				continue
			}
			return nil, c.newError(cl, KindPermission, resp, nil)
		case http.StatusForbidden:
			return nil, c.newError(cl, KindPermission, resp, nil)
		}
		if e := c.statusError(cl, resp); e != nil {
			return nil, e
		}
		return resp, nil
	}
}

// getJSON GETs path as JSON and decodes it into out.
func (c *Client) getJSON(ctx context.Context, cl call, out any) error {
	cl.method, cl.accept = http.MethodGet, "application/json"
	resp, err := c.do(ctx, cl)
	if err != nil {
		return err
	}
	return c.decode(cl, resp, out)
}

func (c *Client) decode(cl call, resp *resty.Response, out any) error {
	if api.IsHTML(resp) {
		return c.newError(cl, KindIntercepted, resp, nil)
	}
	if err := json.Unmarshal(resp.Body(), out); err != nil {
		return c.newError(cl, KindServer, resp, errors.New("the body is not the JSON Jamf Pro sends"))
	}
	return nil
}

// send sends cl once, or, for a read, again after a rate limit, an
// unavailable server or a reset connection, waiting as asked (Retry-After)
// or backing off. A PUT goes out once: an answer lost after Jamf Pro applied
// it must be settled by reading the record back, never by writing twice.
func (c *Client) send(ctx context.Context, cl call, token string) (*resty.Response, error) {
	for attempt := 0; ; attempt++ {
		req := c.rest.R().SetContext(ctx)
		if cl.accept != "" {
			req.SetHeader("Accept", cl.accept)
		}
		if token != "" {
			req.SetAuthToken(token)
		}
		if cl.form != nil {
			req.SetFormData(cl.form)
		}
		if cl.body != nil {
			req.SetHeader("Content-Type", cl.contentType).SetBody(cl.body)
		}
		c.logRequest(cl, token != "")
		resp, err := req.Execute(cl.method, cl.path)
		again := cl.method != http.MethodPut && attempt < c.retries
		if err != nil {
			c.logError(cl, err)
			if again && api.IsReset(err) && ctx.Err() == nil {
				if err := sleep(ctx, c.backoff(attempt)); err != nil {
					return nil, c.transportError(cl, err)
				}
				continue
			}
			return nil, c.transportError(cl, err)
		}
		c.logResponse(resp)
		switch resp.StatusCode() {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			if !again {
				return resp, nil
			}
			d, ok := api.ParseRetryAfter(resp.Header().Get("Retry-After"))
			if !ok {
				d = c.backoff(attempt)
			}
			if d > maxRetryWait {
				return resp, nil // more patience than a wizard can show
			}
			if err := sleep(ctx, d); err != nil {
				return nil, c.transportError(cl, err)
			}
			continue
		}
		return resp, nil
	}
}

func (c *Client) backoff(attempt int) time.Duration {
	return min(c.retryWait<<min(attempt, 10), maxRetryWait)
}

// sleep waits d or until ctx ends. It runs on the test's clock in a
// testing/synctest bubble.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// validToken returns a token that is not near its expiry, asking for a new
// one when needed; fresh says it was issued during this call.
func (c *Client) validToken(ctx context.Context) (token string, fresh bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && time.Now().Before(c.expires) {
		return c.token, false, nil
	}
	c.token = ""
	token, expires, err := c.fetchToken(ctx)
	if err != nil {
		return "", false, err
	}
	c.token, c.expires = token, expires
	return token, true, nil
}

// dropToken forgets token unless another call has already replaced it.
func (c *Client) dropToken(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == token {
		c.token = ""
	}
}

type tokenAnswer struct {
	AccessToken string          `json:"access_token"`
	TokenType   string          `json:"token_type"`
	ExpiresIn   json.RawMessage `json:"expires_in"`
}

// fetchToken asks for a client-credentials token.
func (c *Client) fetchToken(ctx context.Context) (string, time.Time, error) {
	cl := call{
		op: "sign in to Jamf Pro with the API client", method: http.MethodPost, path: pathToken,
		accept: "application/json",
		form:   map[string]string{"grant_type": "client_credentials", "client_id": c.id, "client_secret": c.secret},
	}
	asked := time.Now()
	resp, err := c.send(ctx, cl, "")
	if err != nil {
		return "", time.Time{}, err
	}
	switch status := resp.StatusCode(); {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return "", time.Time{}, c.newError(cl, KindCredentials, resp, nil)
	case status == http.StatusBadRequest:
		// RFC 6749 answers a wrong client with 400 invalid_client.
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(resp.Body(), &e) == nil && (e.Error == "invalid_client" || e.Error == "unauthorized_client") {
			return "", time.Time{}, c.newError(cl, KindCredentials, resp, nil)
		}
	}
	if e := c.statusError(cl, resp); e != nil {
		return "", time.Time{}, e
	}
	var ans tokenAnswer
	if err := c.decode(cl, resp, &ans); err != nil {
		return "", time.Time{}, err
	}
	if ans.AccessToken == "" || strings.ContainsFunc(ans.AccessToken, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", time.Time{}, c.newError(cl, KindServer, resp, errors.New("the answer holds no usable access token"))
	}
	if t := ans.TokenType; t != "" && !strings.EqualFold(t, "bearer") {
		return "", time.Time{}, c.newError(cl, KindServer, resp, fmt.Errorf("the token is of type %q, not Bearer", termsafe.String(t)))
	}
	return ans.AccessToken, asked.Add(usableFor(ans.ExpiresIn)), nil
}

// usableFor is how long a token is used: its lifetime less a margin, so that
// a request never leaves with a token that expires on the way. Without a
// readable lifetime, a minute (Jamf's tokens live for minutes); a 401 renews
// it anyway.
func usableFor(raw json.RawMessage) time.Duration {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	secs, err := strconv.ParseFloat(s, 64)
	if err != nil || secs <= 0 || secs > 86400*365 {
		return time.Minute
	}
	life := time.Duration(secs * float64(time.Second))
	return life - min(30*time.Second, life/4)
}

func (c *Client) newError(cl call, kind Kind, resp *resty.Response, cause error) *Error {
	e := &Error{Kind: kind, Op: cl.op, Method: cl.method, Path: cl.path, Err: cause}
	if resp != nil {
		e.Status = resp.StatusCode()
		if cause == nil && kind != KindPermission {
			e.Message = serverMessage(resp)
		}
	}
	return e
}

func (c *Client) statusError(cl call, resp *resty.Response) *Error {
	status := resp.StatusCode()
	switch {
	case status >= 200 && status < 300:
		return nil
	case status >= 300 && status < 400:
		e := c.newError(cl, KindIntercepted, resp, nil)
		e.Message, e.Location = "", api.RedactLocation(resp.Header().Get("Location"), c.base)
		return e
	case status == http.StatusNotFound:
		e := c.newError(cl, KindNotFound, resp, nil)
		e.Message = ""
		return e
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable && resp.Header().Get("Retry-After") != "":
		e := c.newError(cl, KindRateLimited, resp, nil)
		e.RetryAfter, _ = api.ParseRetryAfter(resp.Header().Get("Retry-After"))
		return e
	case api.IsHTML(resp) && status < 500 && status != http.StatusConflict && status != http.StatusBadRequest:
		return c.newError(cl, KindIntercepted, resp, nil)
	}
	return c.newError(cl, KindServer, resp, nil)
}

var (
	tagRE   = regexp.MustCompile(`<[^>]*>`)
	spaceRE = regexp.MustCompile(`\s+`)
)

// serverMessage is the human part of an error answer: the Classic API sends
// an HTML page whose paragraphs say what was wrong ("Error: …"), the OAuth
// endpoint {"error","error_description"}.
func serverMessage(resp *resty.Response) string {
	body := resp.Body()
	if len(body) == 0 {
		return ""
	}
	var obj struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		HTTPStatus  int    `json:"httpStatus"`
		Errors      []struct {
			Description string `json:"description"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &obj) == nil {
		msg := obj.Description
		if msg == "" && len(obj.Errors) > 0 {
			msg = obj.Errors[0].Description
		}
		return shorten(termsafe.String(strings.TrimSpace(obj.Error + " " + msg)))
	}
	text := string(body[:min(len(body), 8192)])
	if api.IsHTML(resp) || strings.HasPrefix(strings.TrimSpace(text), "<") {
		// Keep the paragraphs: the title repeats the status line.
		if i := strings.Index(text, "<p>"); i >= 0 {
			text = text[i:]
		}
		text = tagRE.ReplaceAllString(text, " ")
	}
	return shorten(termsafe.String(spaceRE.ReplaceAllString(text, " ")))
}

func shorten(s string) string {
	const n = 200
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func (c *Client) transportError(cl call, err error) *Error {
	e := c.newError(cl, KindNetwork, nil, err)
	e.Kind, e.Err = api.TransportKind(err)
	return e
}
