package steps

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// Stable probe IDs of the verification: scripts and the UI key on these.
const (
	ProbeIDLink      = "link"
	ProbeIDHandedOut = "handed-out"
	ProbeIDMetadata  = "metadata"
	ProbeIDAuthorize = "authorize"
	ProbeIDScope     = "scope"
	ProbeIDConsent   = "consent"
)

// VerifyOptions say what the caller already knows, so that no request is sent twice.
type VerifyOptions struct {
	// Client is the link to verify, as just read back from the instance (setup);
	// nil means find it among Clients.
	Client *api.OAuthClient
	// Clients is the list of incoming clients, when already fetched; nil means
	// list them now (which needs a system administrator's credentials).
	Clients []api.OAuthClient
	// ClientID picks one of several links with the app's redirect (clientId or id).
	ClientID string
	// Mode is the set-up in use: non-MDM also needs the mobile plugin to hand
	// the link out; "" (not known) probes that too but only warns.
	Mode Mode

	// early are probes already under way (setup starts them beside the
	// link's read-back); they are used when they are for the link chosen.
	early *earlyProbes
}

// earlyProbes are the verification's requests that need nothing but the
// link's client ID: the provider's metadata and the anonymous sign-in probes.
type earlyProbes struct {
	clientID string
	done     chan struct{}
	meta     *api.OAuthServerMetadata
	metaErr  error
	sp       signInProbes
}

// startProbes sends them and returns at once.
func startProbes(ctx context.Context, c *api.Client, p api.Product, clientID string) *earlyProbes {
	e := &earlyProbes{clientID: clientID, done: make(chan struct{})}
	go func() {
		defer close(e.done)
		var wg sync.WaitGroup
		wg.Go(func() { e.meta, e.metaErr = c.OAuthMetadata(ctx) })
		e.sp = runSignInProbes(ctx, c, p, clientID, scopeProbeFor(Scope))
		wg.Wait()
	}()
	return e
}

// VerifyReport is the verification's outcome, each probe with its verdict.
type VerifyReport struct {
	Product api.Product
	// Client is the link the sign-in probes used; nil when there was none.
	Client *api.OAuthClient
	Probes []Check
	// Errs are the API errors that kept a probe from being made, for the exit code.
	Errs []error
	// TokenAuthMethods is the metadata's token_endpoint_auth_methods_supported
	// as the provider sent it (control sequences stripped); nil when the
	// metadata could not be read. Shown for the admin to judge: the probes
	// stop before the token exchange, so it is no verdict.
	TokenAuthMethods []string
}

// TokenExchangeNotTested says what the verification cannot prove: it stops
// before the token exchange, which needs a signed-in user's authorization code.
const TokenExchangeNotTested = "the verification stops before the token exchange (it needs a signed-in user's authorization code), so whether the app, which has no client secret, may exchange its code for a token is not tested"

// OK reports whether no probe failed; an inconclusive answer is a warning, not a failure.
func (r *VerifyReport) OK() bool { return Compatible(r.Probes) }

// Failed lists the failed probes.
func (r *VerifyReport) Failed() []Check { return Failed(r.Probes) }

// Verify proves, as far as it can without a browser and without a user's
// password, that the iOS app's sign-in can start: the link exists with the
// scope the app asks for, the provider publishes its endpoints, and the
// authorization request and the consent page answer the app the way they answer
// a working set-up. The sign-in requests carry no credentials, as the app's
// browser sends none, and no redirect is followed.
//
// With the link known (opts.Client) every request goes out at once: one round
// trip. The consent page is asked with the query the authorization endpoint is
// expected to forward; only when its redirect says otherwise is it asked again.
func Verify(ctx context.Context, c *api.Client, det *Detection, opts VerifyOptions) *VerifyReport {
	r := &VerifyReport{Product: det.Product}
	var (
		wg, loginWG sync.WaitGroup
		meta        *api.OAuthServerMetadata
		metaErr     error
		login       *api.MobileLoginInfo
		loginErr    error
	)
	if e := opts.early; e != nil {
		// Sent already: one request for the metadata is enough.
		wg.Go(func() { <-e.done; meta, metaErr = e.meta, e.metaErr })
	} else {
		wg.Go(func() { meta, metaErr = c.OAuthMetadata(ctx) })
	}
	mobile := opts.Mode != ModeMDM
	if mobile {
		loginWG.Go(func() { login, loginErr = c.MobileLoginInfo(ctx) })
	}

	link := r.linkProbe(ctx, c, det.Product, opts, func() *api.MobileLoginInfo { loginWG.Wait(); return login })
	r.Probes = append(r.Probes, link)

	var sp signInProbes
	switch e := opts.early; {
	case r.Client == nil:
	case e != nil && e.clientID == r.Client.ClientID:
		<-e.done
		sp = e.sp
		if above := scopeProbeFor(r.Client.Scope); above != sp.above {
			// Sent for the app's scope; the link's is broader.
			sp.probeAbove(ctx, c, above)
		}
	default:
		sp = runSignInProbes(ctx, c, det.Product, r.Client.ClientID, scopeProbeFor(r.Client.Scope))
	}
	wg.Wait()
	loginWG.Wait()
	if mobile {
		ch, err := handedOutProbe(det.Product, r.Client, login, loginErr)
		if opts.Mode == "" && err == nil && ch.Status == StatusFail {
			// The mode is not known and the plugin hands out no link of the
			// app's: this is an MDM set-up, whose app gets its link from the
			// site list. Not a warning: sending an MDM admin to the non-MDM
			// switch would be wrong advice.
			ch = Check{ID: ch.ID, Name: ch.Name, Status: StatusSkip,
				Detail: "not in use: the mobile plugin does not hand out this link (its OAuth 2.0 is off), so the app gets it from an MDM site list; the non-MDM setup would need it handed out"}
		}
		r.add(onlyForNonMDM(ch, opts.Mode), err)
	}
	if meta != nil && metaErr == nil {
		r.TokenAuthMethods = make([]string, 0, len(meta.TokenEndpointAuthMethodsSupported))
		for _, m := range meta.TokenEndpointAuthMethodsSupported {
			r.TokenAuthMethods = append(r.TokenAuthMethods, termsafe.String(m))
		}
	}
	if api.KindOf(metaErr) == api.KindIntercepted {
		r.Probes = append(r.Probes, metadataProbe(meta, metaErr))
	} else {
		r.add(metadataProbe(meta, metaErr), metaErr)
	}
	if r.Client == nil {
		why := "not probed: there is no link with the app's redirect to sign in to"
		if link.Status == StatusFail && len(r.Errs) > 0 {
			why = "not probed: the link's client ID could not be read"
		}
		for _, p := range []struct{ id, name string }{
			{ProbeIDAuthorize, authorizeName}, {ProbeIDScope, scopeName}, {ProbeIDConsent, consentName},
		} {
			r.Probes = append(r.Probes, Check{ID: p.id, Name: p.name, Status: StatusSkip, Detail: why})
		}
		return r
	}
	r.add(sp.authorizeVerdict())
	r.add(sp.scopeVerdict())
	r.add(sp.consentVerdict(ctx, c, det))
	return r
}

// Verdict is the verification's outcome in one sentence.
func (r *VerifyReport) Verdict() string {
	if failed := r.Failed(); len(failed) > 0 {
		names := make([]string, len(failed))
		for i, c := range failed {
			names[i] = c.Name
		}
		return "The app's sign-in will not work: " + strings.Join(names, ", ") + ". Fix what the probes say, then verify again."
	}
	for _, p := range r.Probes {
		if p.Status == StatusWarn {
			return "Nothing failed, but not everything could be confirmed: see the probes' warnings."
		}
	}
	return "The app's sign-in can start: the link, the provider and the consent page answer as they should."
}

func (r *VerifyReport) add(ch Check, err error) {
	if err != nil && !isNotFound(err) {
		r.Errs = append(r.Errs, err)
	}
	r.Probes = append(r.Probes, ch)
}

const (
	linkName      = "Link with the app's redirect"
	metadataName  = "Provider metadata"
	authorizeName = "Sign-in request (scope " + Scope + ")"
	scopeName     = "Provider knows the client"
	consentName   = "Consent page"
)

// linkProbe finds the link the app signs in with and sets r.Client. login, when
// set, waits for the mobile plugin's info/login: among several links, the one
// it hands out is the one the app uses.
func (r *VerifyReport) linkProbe(ctx context.Context, c *api.Client, p api.Product, opts VerifyOptions, login func() *api.MobileLoginInfo) Check {
	ch := Check{ID: ProbeIDLink, Name: linkName}
	redirect := p.MobileRedirect()
	var candidates []api.OAuthClient
	if opts.Client != nil {
		candidates = []api.OAuthClient{*opts.Client}
	} else {
		clients := opts.Clients
		if clients == nil {
			var err error
			if clients, err = c.ListClients(ctx); err != nil {
				r.Errs = append(r.Errs, err)
				return errorCheck(ch.ID, ch.Name, err)
			}
		}
		for _, cl := range clients {
			if cl.HasRedirect(redirect) {
				candidates = append(candidates, cl)
			}
		}
	}
	if len(candidates) == 0 {
		ch.Status = StatusFail
		ch.Detail = "no incoming link carries the redirect " + redirect + ", so the app has no client to sign in with"
		ch.Remedy = "Create the link (the MDM setup does it), or for non-MDM turn on OAuth 2.0 at " + MobileAdminPath(p) + "."
		return ch
	}
	var handedOut *api.MobileLoginInfo
	if len(candidates) > 1 && opts.ClientID == "" && opts.Mode != ModeMDM {
		handedOut = login()
	}
	chosen, note := pickLink(candidates, opts.ClientID, handedOut)
	if chosen == nil {
		ch.Status = StatusFail
		ch.Detail = fmt.Sprintf("none of the %d links with the app's redirect has the client ID %s", len(candidates), termsafe.String(opts.ClientID))
		ch.Remedy = "Choose one of: " + describeLinks(candidates) + "."
		return ch
	}
	r.Client = chosen
	name := fmt.Sprintf("%q (client ID %s)", chosen.Name, chosen.ClientID)
	switch {
	case !GrantsScope(chosen.Scope):
		ch.Status = StatusFail
		ch.Detail = fmt.Sprintf("the link %s has scope %s, below the %s the app asks for%s", name, termsafe.String(chosen.Scope), Scope, note)
		ch.Remedy = "Give the link the Write permission in Administration → Application links, or remove it and run the setup again."
		return ch
	case BroaderScope(chosen.Scope):
		// Scopes nest: the provider grants the app's request, so this is not
		// a failure; the privilege on offer is more than the app needs.
		ch.Status = StatusWarn
		ch.Detail = fmt.Sprintf("the link %s carries %s with scope %s, which also grants the app's %s%s", name, redirect, termsafe.String(chosen.Scope), Scope, note)
		ch.Remedy = BroaderScopeWarning(*chosen)
		ch.Fix = fix.Fix{Kind: fix.NarrowScope}
		return ch
	}
	ch.Status = StatusOK
	ch.Detail = fmt.Sprintf("the link %s carries %s with scope %s%s", name, redirect, Scope, note)
	return ch
}

// pickLink chooses the link to probe: the one asked for, else the one the
// mobile plugin hands out, else one with the app's scope. note says what was
// chosen from several.
func pickLink(candidates []api.OAuthClient, want string, login *api.MobileLoginInfo) (*api.OAuthClient, string) {
	if want != "" {
		for i, cl := range candidates {
			if cl.ClientID == want || cl.ID == want {
				return &candidates[i], ""
			}
		}
		return nil, ""
	}
	i := slices.IndexFunc(candidates, func(cl api.OAuthClient) bool { return login.HandsOut(cl.ClientID) })
	if i < 0 {
		i = slices.IndexFunc(candidates, func(cl api.OAuthClient) bool { return cl.Scope == Scope })
	}
	if i < 0 {
		i = slices.IndexFunc(candidates, func(cl api.OAuthClient) bool { return GrantsScope(cl.Scope) })
	}
	if i < 0 {
		i = 0
	}
	note := ""
	if len(candidates) > 1 {
		note = fmt.Sprintf(" (%d links carry the redirect; this one was probed)", len(candidates))
	}
	return &candidates[i], note
}

func describeLinks(cls []api.OAuthClient) string {
	parts := make([]string, len(cls))
	for i, cl := range cls {
		parts[i] = fmt.Sprintf("%q (client ID %s, scope %s)", cl.Name, cl.ClientID, cl.Scope)
	}
	return strings.Join(parts, ", ")
}

// handedOutProbe: without MDM the app learns its client from the mobile
// plugin's info/login, read without credentials; the link is of use only if
// that document holds its client ID.
func handedOutProbe(p api.Product, link *api.OAuthClient, login *api.MobileLoginInfo, err error) (Check, error) {
	ch := Check{ID: ProbeIDHandedOut, Name: "Mobile plugin hands out the link"}
	switch {
	case err != nil:
		ch = mobileLoginCheck(p, err)
		ch.ID, ch.Name = ProbeIDHandedOut, "Mobile plugin hands out the link"
		return ch, err
	case link == nil:
		ch.Status, ch.Detail = StatusSkip, "not probed: there is no link with the app's redirect to look for"
	case login.HandsOut(link.ClientID):
		ch.Status = StatusOK
		ch.Detail = api.PathMobileLogin + ", read without credentials as the app reads it, hands out the client ID " + link.ClientID
	default:
		ch.Status = StatusFail
		ch.Detail = api.PathMobileLogin + " does not hand out the client ID " + link.ClientID + ": the mobile plugin's OAuth 2.0 is off, or it uses another link"
		ch.Remedy = "Turn on OAuth 2.0 at " + MobileAdminPath(p) + "."
	}
	return ch, nil
}

func metadataProbe(m *api.OAuthServerMetadata, err error) Check {
	ch := Check{ID: ProbeIDMetadata, Name: metadataName}
	switch {
	case isNotFound(err):
		ch.Status = StatusFail
		ch.Detail = "the provider publishes no metadata (HTTP 404): the OAuth 2.0 provider plugin is missing or disabled"
		ch.Remedy = "Install or enable the OAuth 2.0 provider plugin (" + api.OAuth2ProviderPluginKey + ") in Manage apps."
	case api.KindOf(err) == api.KindIntercepted:
		// The app's browser meets the same proxy; after its login the sign-in
		// may still go through, so this is not a verdict on the link.
		ch.Status = StatusWarn
		ch.Detail = "inconclusive: " + err.Error()
	case err != nil:
		return errorCheck(ch.ID, ch.Name, err)
	case m.AuthorizationEndpoint == "" || m.TokenEndpoint == "":
		ch.Status = StatusFail
		ch.Detail = "the provider's metadata names no authorization or no token endpoint, which the app needs"
		ch.Remedy = "Look at the OAuth 2.0 provider plugin in Manage apps: it may be only partly enabled."
	default:
		ch.Status = StatusOK
		ch.Detail = "names the authorization endpoint " + termsafe.String(m.AuthorizationEndpoint) + " and the token endpoint " + termsafe.String(m.TokenEndpoint) + "; " + TokenExchangeNotTested
	}
	return ch
}

// signInProbes are the answers to the anonymous sign-in requests, sent together.
type signInProbes struct {
	product api.Product
	write   api.AuthorizeRequest
	// above is the scope just above the link's, asked for to make the provider
	// show that it knows the client ("" when the link has the highest scope).
	above string
	// authorize answers the app's request; admin the same with scope above;
	// consent is the consent page asked with write's query.
	authorize, admin, consent          *api.ProbeResult
	authorizeErr, adminErr, consentErr error
}

// scopeProbeFor is the scope to ask for so that the provider turns the request
// back if it knows a client of that scope: the next one up (ADMIN for the
// app's WRITE); "" for SYSTEM_ADMIN, which nothing is above.
func scopeProbeFor(linkScope string) string {
	if i := max(scopeRank(linkScope), slices.Index(scopeOrder, Scope)) + 1; i < len(scopeOrder) {
		return scopeOrder[i]
	}
	return ""
}

func runSignInProbes(ctx context.Context, c *api.Client, p api.Product, clientID, above string) signInProbes {
	sp := signInProbes{product: p, write: api.NewAuthorizeRequest(clientID, p.MobileRedirect(), Scope)}
	var wg sync.WaitGroup
	wg.Go(func() { sp.authorize, sp.authorizeErr = c.Authorize(ctx, sp.write) })
	wg.Go(func() { sp.probeAbove(ctx, c, above) })
	wg.Go(func() { sp.consent, sp.consentErr = probeConsent(ctx, c, sp.write.Query().Encode()) })
	wg.Wait()
	return sp
}

// probeAbove asks for the scope above (nothing when it is "").
func (sp *signInProbes) probeAbove(ctx context.Context, c *api.Client, above string) {
	sp.above, sp.admin, sp.adminErr = above, nil, nil
	if above != "" {
		sp.admin, sp.adminErr = c.Authorize(ctx, api.NewAuthorizeRequest(sp.write.ClientID, sp.product.MobileRedirect(), above))
	}
}

func probeConsent(ctx context.Context, c *api.Client, rawQuery string) (*api.ProbeResult, error) {
	return c.Probe(ctx, "open the consent page ("+api.PathConsent+")", api.PathConsent, rawQuery)
}

// toConsent reports whether the answer is the provider's 303 to its consent page.
func toConsent(res *api.ProbeResult) bool {
	return res != nil && res.Status == http.StatusSeeOther && res.Location != nil && strings.HasSuffix(res.Location.Path, api.PathConsent)
}

// appError is the OAuth error a redirect to the app's own redirect URL carries.
func appError(res *api.ProbeResult, redirect string) (code string, ok bool) {
	if res == nil || res.Location == nil {
		return "", false
	}
	u := *res.Location
	q := u.Query()
	u.RawQuery, u.Fragment = "", ""
	if u.String() != redirect {
		return "", false
	}
	return q.Get("error"), true
}

func answered(res *api.ProbeResult) string {
	s := fmt.Sprintf("HTTP %d", res.Status)
	if w := res.Where(); w != "" {
		s += " to " + w
	} else if res.ContentType != "" {
		s += " (" + res.ContentType + ")"
	}
	return s
}

func (sp signInProbes) authorizeVerdict() (Check, error) {
	ch := Check{ID: ProbeIDAuthorize, Name: authorizeName}
	res, err := sp.authorize, sp.authorizeErr
	if err != nil {
		return errorCheck(ch.ID, ch.Name, err), err
	}
	code, toApp := appError(res, sp.product.MobileRedirect())
	switch {
	case toConsent(res):
		ch.Status, ch.Detail = StatusOK, "answered 303 to the consent page, as it does for the app"
	case res.Status == http.StatusSeeOther && toApp:
		ch.Status = StatusFail
		ch.Detail = fmt.Sprintf("the provider turned the app's request back with error=%s", termsafe.String(code))
		if code == "invalid_scope" {
			ch.Detail += ": the link's scope is below " + Scope
			ch.Remedy = "Give the link the Write permission in Administration → Application links."
		}
	case res.Status == http.StatusSeeOther && res.Location != nil && strings.Contains(res.Location.Path, "/plugins/servlet/oauth2/error"):
		ch.Status = StatusFail
		ch.Detail = "the provider sent the app's request to its error page (" + termsafe.String(res.Location.Query().Get("errorName")) + ")"
	case res.Status == http.StatusNotFound:
		ch.Status = StatusFail
		ch.Detail = "the authorization endpoint is not there (HTTP 404): the OAuth 2.0 provider plugin is missing or disabled"
		ch.Remedy = "Install or enable the OAuth 2.0 provider plugin (" + api.OAuth2ProviderPluginKey + ") in Manage apps."
	default:
		ch.Status = StatusWarn
		ch.Detail = "inconclusive: answered " + answered(res) + " instead of the provider's 303; a proxy or single sign-on may answer for it"
	}
	return ch, nil
}

func (sp signInProbes) scopeVerdict() (Check, error) {
	ch := Check{ID: ProbeIDScope, Name: scopeName}
	if sp.above == "" {
		ch.Status = StatusSkip
		ch.Detail = "not probed: the link has the highest scope, so no request is above it for the provider to turn back"
		return ch, nil
	}
	res, err := sp.admin, sp.adminErr
	if err != nil {
		return errorCheck(ch.ID, ch.Name, err), err
	}
	switch code, toApp := appError(res, sp.product.MobileRedirect()); {
	case res.Status == http.StatusSeeOther && toApp && code == "invalid_scope":
		ch.Status, ch.Detail = StatusOK, "a request for scope "+sp.above+" came back to the app's redirect with invalid_scope: the provider knows the client, with a lower scope"
	case toConsent(res):
		ch.Status = StatusWarn
		ch.Detail = "inconclusive: a request for scope " + sp.above + " went on to the consent page, so the provider did not confirm the client (it may have scope " + sp.above + " or above)"
	default:
		ch.Status = StatusWarn
		ch.Detail = "inconclusive: a request for scope " + sp.above + " answered " + answered(res)
	}
	return ch, nil
}

// consentVerdict judges the consent page. It was asked with the query the
// authorization endpoint forwards, on the URL the wizard uses (behind a proxy
// the redirect's host may not be reachable from here); if the redirect carried
// other parameters, it is asked again with those.
func (sp signInProbes) consentVerdict(ctx context.Context, c *api.Client, det *Detection) (Check, error) {
	ch := Check{ID: ProbeIDConsent, Name: consentName}
	if !toConsent(sp.authorize) {
		ch.Status, ch.Detail = StatusSkip, "not judged: the sign-in request did not lead to the consent page"
		return ch, nil
	}
	res, err := sp.consent, sp.consentErr
	if loc := sp.authorize.Location; !maps.EqualFunc(loc.Query(), sp.write.Query(), slices.Equal) {
		res, err = probeConsent(ctx, c, loc.RawQuery)
	}
	if err != nil {
		return errorCheck(ch.ID, ch.Name, err), err
	}
	instanceBase := det.InstanceBaseURL
	if instanceBase == "" {
		u := *sp.authorize.Location
		u.Path, u.RawQuery = strings.TrimSuffix(u.Path, api.PathConsent), ""
		instanceBase = u.String()
	}
	switch res.Status {
	case http.StatusFound:
		if loginPage(res.Location) {
			ch.Status, ch.Detail = StatusOK, "sends a visitor who is not logged in to the login page: the provider accepts the app's redirect "+sp.product.MobileRedirect()+" and the HTTPS rule passes, so the app will reach its sign-in"
			return ch, nil
		}
		ch.Status = StatusWarn
		ch.Detail = "inconclusive: answered " + answered(res) + ", not the login page; a proxy or single sign-on may sit in front of it"
	case http.StatusBadRequest:
		ch.Status = StatusFail
		switch {
		case strings.HasPrefix(strings.ToLower(instanceBase), "http://"):
			ch.Detail = "the provider refused the sign-in (HTTP 400): the instance's base URL " + termsafe.String(instanceBase) + " uses http, and sign-in needs an https base URL"
			ch.Remedy = "Serve the instance over HTTPS and set an https:// base URL in the general configuration."
		case strings.HasPrefix(strings.ToLower(c.BaseURL()), "http://"):
			// The wizard's own request was plain http: that alone fails the rule,
			// whatever the proxy in front of the app's users does.
			ch.Status = StatusWarn
			ch.Detail = "inconclusive: the provider refused the request (HTTP 400) because it reached " + c.BaseURL() + " over plain http; the app comes through " + termsafe.String(instanceBase)
			ch.Remedy = "Verify through the base URL the app uses (" + termsafe.String(instanceBase) + ")."
		default:
			ch.Detail = "the provider refused the sign-in (HTTP 400): the request did not arrive as HTTPS, so a proxy in front of the instance does not tell it so in a header the provider reads"
			ch.Remedy = "Make the proxy send " + ProxyHeaders + ", or mark Tomcat's connector secure=\"true\" scheme=\"https\"."
		}
	case http.StatusPreconditionFailed:
		ch.Status = StatusFail
		ch.Detail = "the provider refuses the app's redirect " + sp.product.MobileRedirect() + " (HTTP 412): its OAuth 2.0 provider plugin is older than the app needs"
		ch.Remedy = oauthUpdateRemedy(det)
	default:
		ch.Status = StatusWarn
		ch.Detail = "inconclusive: answered " + answered(res) + ", which says nothing about the app's sign-in"
	}
	return ch, nil
}

// loginPage recognises the products' login pages, and any login that is to
// return to the consent page (single sign-on keeps the destination too).
func loginPage(u *url.URL) bool {
	if u == nil {
		return false
	}
	switch path.Base(u.Path) {
	case "login.jsp", "login.action":
		return true
	}
	return strings.Contains(u.RawQuery, url.QueryEscape(api.PathConsent)) || strings.Contains(u.RawQuery, api.PathConsent)
}

func oauthUpdateRemedy(det *Detection) string {
	const name = "OAuth 2.0 provider plugin"
	if row, _, _, ok := pluginRow(det.Product, det.Version); ok {
		return updateRemedy(det.Product, name, api.OAuth2ProviderPluginKey, cmp.Or(row.oauthAdvise, row.oauthMin))
	}
	return "Update the " + name + " (" + api.OAuth2ProviderPluginKey + ") to the version the compatibility matrix names, in Manage apps."
}
