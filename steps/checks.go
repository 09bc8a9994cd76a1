package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/words"
)

// CheckOptions says what to check beyond the always-needed core.
type CheckOptions struct {
	// Mode: "" before the choice (mobile checks are run but only warn), or the chosen mode.
	Mode Mode
	// TypedURL is the base URL the user gave, compared with the instance's own.
	TypedURL string
}

// Report is the outcome of the checks, in display order.
type Report struct {
	Detection *Detection
	Mode      Mode
	Checks    []Check
	User      *api.User
	// Clients as listed while checking the system administrator permission; nil if
	// that failed. The link step uses it instead of listing again.
	Clients []api.OAuthClient
	// Errs are the API errors that kept a check from being made, for the exit code.
	Errs []error
	// MobileLogin is the anonymous info/login document the mobile checks read
	// (nil when they were not run or it could not be read: see MobileLoginErr).
	MobileLogin    *api.MobileLoginInfo
	MobileLoginErr error
	mobileChecked  bool
}

// Compatible: nothing failed.
func (r *Report) Compatible() bool { return Compatible(r.Checks) }

// MobileOAuth weighs what the checks read (the clients and info/login) as
// evidence of the mobile plugin's OAuth 2.0 switch, with the checks' list as the
// baseline, so only info/login handing out a client can confirm it here. known is
// false when the checks did not list the clients or did not read info/login.
func (r *Report) MobileOAuth() (ev *MobileOAuthEvidence, known bool) {
	if r == nil || r.Clients == nil || r.Detection == nil || !r.mobileChecked {
		return nil, false
	}
	return MobileOAuthEvidenceFrom(r.Detection.Product, r.Clients, r.MobileLogin, r.MobileLoginErr, BaselineOf(r.Clients)), true
}

// Verdict is the report's conclusion in one sentence, the same in every front-end.
func (r *Report) Verdict() string {
	var failed, warned []string
	for _, c := range r.Checks {
		switch c.Status {
		case StatusFail:
			failed = append(failed, c.Name)
		case StatusWarn:
			warned = append(warned, c.Name)
		}
	}
	switch {
	case len(failed) > 0:
		return fmt.Sprintf("%s failed: %s.", words.Count(len(failed), "check"), strings.Join(failed, ", "))
	case len(warned) > 0:
		// "All checks passed" is kept for a report with nothing to look at.
		return fmt.Sprintf("Checks passed, %s: %s.", words.Count(len(warned), "warning"), strings.Join(warned, ", "))
	}
	return "All checks passed."
}

// Failed lists the failed checks.
func (r *Report) Failed() []Check { return Failed(r.Checks) }

// RunChecks runs every check the mode needs. The requests are independent, so they
// go out at once: on a slow instance the checks cost one round trip, not six.
func RunChecks(ctx context.Context, c *api.Client, det *Detection, opts CheckOptions) *Report {
	r := &Report{Detection: det, Mode: opts.Mode}
	p := det.Product
	mobile := opts.Mode != ModeMDM

	var (
		wg                      sync.WaitGroup
		user                    *api.User
		userErr                 error
		clients                 []api.OAuthClient
		clientsErr              error
		oauthPlugin, mobilePlug *api.Plugin
		oauthErr, mobileErr     error
		login                   *api.MobileLoginInfo
		loginErr                error
	)
	wg.Go(func() { user, userErr = c.Myself(ctx, p) })
	wg.Go(func() { clients, clientsErr = c.ListClients(ctx) })
	wg.Go(func() { oauthPlugin, oauthErr = c.Plugin(ctx, api.OAuth2ProviderPluginKey) })
	if mobile {
		wg.Go(func() { mobilePlug, mobileErr = c.Plugin(ctx, p.MobilePluginKey()) })
		wg.Go(func() { login, loginErr = c.MobileLoginInfo(ctx) })
	}
	wg.Wait()

	// Each check with the API error that kept it from being made. The order
	// is the order of causes: credentials and permission come before the
	// plugins that need them to be read.
	var made []madeCheck
	add := func(ch Check, err error) { made = append(made, madeCheck{ch, err}) }

	add(CheckProduct(p, det.Version), nil)
	add(credentialsCheck(user, userErr), userErr)
	r.User = user
	add(sysadminCheck(user, clientsErr), clientsErr)
	if clientsErr != nil && !isNotFound(clientsErr) && !aboutPermission(clientsErr) {
		// The list itself failed (too large, a server error, a proxy): say so
		// on its own line rather than as a verdict on the permission.
		add(errorCheck(CheckIDClients, "OAuth 2.0 client list", clientsErr), clientsErr)
	}
	if clientsErr == nil {
		r.Clients = clients
	}
	if api.KindOf(oauthErr) == api.KindWebSudo {
		// UPM would not say; the provider's anonymous metadata still tells
		// whether it is installed and enabled. One more round trip, only here.
		_, metaErr := c.OAuthMetadata(ctx)
		ch, err := pluginUnread(p, det.Version, CheckOAuthPluginUnread, CheckIDOAuthPlugin, "OAuth 2.0 provider plugin", api.PathOAuthMetadata, metaErr)
		add(ch, err)
	} else {
		add(pluginCheck(p, det.Version, oauthPlugin, oauthErr, CheckOAuthPlugin, CheckIDOAuthPlugin, "OAuth 2.0 provider plugin"), oauthErr)
	}
	if mobile {
		ch, err := pluginCheck(p, det.Version, mobilePlug, mobileErr, CheckMobilePlugin, CheckIDMobilePlugin, p.Title()+" mobile plugin"), mobileErr
		if api.KindOf(mobileErr) == api.KindWebSudo {
			// The plugin's anonymous info/login answers only while it is enabled.
			ch, err = pluginUnread(p, det.Version, CheckMobilePluginUnread, CheckIDMobilePlugin, p.Title()+" mobile plugin", api.PathMobileLogin, loginErr)
		}
		add(onlyForNonMDM(ch, opts.Mode), err)
		add(onlyForNonMDM(mobileLoginCheck(p, loginErr), opts.Mode), loginErr)
		r.MobileLogin, r.MobileLoginErr, r.mobileChecked = login, loginErr, true
	}
	add(baseURLCheck(opts.TypedURL, det.InstanceBaseURL), nil)
	add(httpsCheck(det.InstanceBaseURL), nil)
	add(IOSAppCheck(p), nil)
	r.Checks, r.Errs = oneCausePerError(made)
	return r
}

// madeCheck is a check with the API error that kept it from being made.
type madeCheck struct {
	ch  Check
	err error
}

// oneCausePerError keeps one failure per cause: a later check stopped by the
// same kind of error as an earlier failed one (a wrong token makes every
// authenticated request fail) is skipped with a line that points to it, and
// without the remedy again. errs are the errors of the checks that failed, so
// the exit code follows what the report says failed: an error behind a check
// that only warns (one that matters for the non-MDM setup, in a report made
// before the mode was chosen) sets no exit code.
func oneCausePerError(made []madeCheck) (checks []Check, errs []error) {
	var causes []madeCheck
	for _, m := range made {
		ch := m.ch
		if m.err != nil && !isNotFound(m.err) && ch.Status != StatusOK {
			k := api.KindOf(m.err)
			if i := slices.IndexFunc(causes, func(c madeCheck) bool { return api.KindOf(c.err) == k }); i >= 0 && k != api.KindUnknown {
				ch = Check{ID: ch.ID, Name: ch.Name, Status: StatusSkip,
					Detail: "not checked: the same problem as " + causes[i].ch.Name + " (see above)"}
			} else if ch.Status == StatusFail {
				causes = append(causes, m)
				errs = append(errs, m.err)
			}
		}
		checks = append(checks, ch)
	}
	return checks, errs
}

func isNotFound(err error) bool { return api.KindOf(err) == api.KindNotFound }

type pluginVerdict func(api.Product, string, *api.Plugin) Check

func pluginCheck(p api.Product, version string, plugin *api.Plugin, err error, verdict pluginVerdict, id, name string) Check {
	switch {
	case err == nil:
		return verdict(p, version, plugin)
	case isNotFound(err):
		return verdict(p, version, nil)
	}
	return errorCheck(id, name, err)
}

// pluginUnread judges a plugin whose version the Universal Plugin Manager would
// not give (websudo) by an anonymous resource the plugin serves: it answers, so
// the plugin is installed and enabled (a warning: the version is unknown); a 404
// means it is not; anything else leaves the question open. The error returned is
// the one that counts for the exit code.
func pluginUnread(p api.Product, version string, verdict func(api.Product, string, string) Check, id, name, path string, seenErr error) (Check, error) {
	switch {
	case seenErr == nil:
		return verdict(p, version, path), nil
	case isNotFound(seenErr):
		return verdict(p, version, ""), nil
	}
	ch := errorCheck(id, name, seenErr)
	ch.Detail = "its version could not be read (the Universal Plugin Manager asked for a secure administrator session), and " + ch.Detail
	return ch, seenErr
}

// errorCheck turns an API error into a failed check that carries its remedy.
func errorCheck(id, name string, err error) Check {
	ch := Check{ID: id, Name: name, Status: StatusFail, Detail: err.Error(), Fix: fix.Of(err)}
	var ae *api.Error
	if errors.As(err, &ae) {
		ch.Remedy = ae.Remedy()
	}
	return ch
}

// onlyForNonMDM keeps a mobile check from failing a report made before the mode was chosen.
func onlyForNonMDM(ch Check, mode Mode) Check {
	if mode == "" && ch.Status == StatusFail {
		ch.Status, ch.BlocksNonMDM = StatusWarn, true
		ch.Detail += " (matters only for the non-MDM setup)"
	}
	return ch
}

func mobileLoginCheck(p api.Product, err error) Check {
	ch := Check{ID: CheckIDMobileLogin, Name: "Mobile login info without a login"}
	switch {
	case err == nil:
		ch.Status = StatusOK
		ch.Detail = api.PathMobileLogin + " answers without credentials, as the app needs"
	case api.KindOf(err) == api.KindIntercepted:
		ch.Status = StatusFail
		ch.Detail = "a proxy or single sign-on intercepts unauthenticated requests to " + api.PathMobileLogin + ", so the app cannot read its OAuth 2.0 settings"
		ch.Remedy = "Use the MDM setup instead (Atlassian's guidance for instances behind such a proxy), or exempt " + api.PathMobileLogin + " from the proxy's login."
	case isNotFound(err):
		ch.Status = StatusFail
		// Older Jira mobile plugins serve /rest/nativemobile/1.0 instead: a 404
		// here does not prove the plugin is absent.
		ch.Detail = api.PathMobileLogin + " is not found at this path (HTTP 404): the " + p.Title() + " mobile plugin is missing, disabled, or older than the version the matrix needs"
		ch.Remedy = "Install, enable or update the " + p.Title() + " mobile plugin in Manage apps, or use the MDM setup."
	case api.KindOf(err) == api.KindUnauthorized || api.KindOf(err) == api.KindAnonymous:
		ch.Status = StatusFail
		ch.Detail = api.PathMobileLogin + " asks for a login; the app reads it before the user signs in"
		ch.Remedy = "Allow anonymous access to " + api.PathMobileLogin + " or use the MDM setup."
	default:
		return errorCheck(ch.ID, ch.Name, err)
	}
	return ch
}

func credentialsCheck(u *api.User, err error) Check {
	const id, name = CheckIDCredentials, "Credentials"
	if err != nil {
		return errorCheck(id, name, err)
	}
	who := u.Login()
	if d := u.DisplayName; d != "" && d != who {
		who += " (" + d + ")"
	}
	return Check{ID: id, Name: name, Status: StatusOK, Detail: "signed in as " + who}
}

func sysadminCheck(u *api.User, err error) Check {
	const id, name = CheckIDSysadmin, "System administrator"
	switch {
	case err == nil:
		return Check{ID: id, Name: name, Status: StatusOK, Detail: "may manage application links"}
	case isNotFound(err):
		return Check{ID: id, Name: name, Status: StatusSkip, Detail: "cannot be checked until the OAuth 2.0 provider plugin is enabled"}
	case api.KindOf(err) == api.KindNotSysadmin && u != nil:
		ch := errorCheck(id, name, err)
		ch.Detail = fmt.Sprintf("%s is not a system administrator; application links need that global permission", u.Login())
		return ch
	case !aboutPermission(err):
		return Check{ID: id, Name: name, Status: StatusSkip, Detail: "not checked: the list of OAuth 2.0 clients could not be read (see OAuth 2.0 client list below)"}
	}
	return errorCheck(id, name, err)
}

// aboutPermission reports whether listing the clients failed for who the
// caller is, which is what the system administrator check is about.
func aboutPermission(err error) bool {
	switch api.KindOf(err) {
	case api.KindUnauthorized, api.KindAnonymous, api.KindNotSysadmin, api.KindWebSudo,
		api.KindBasicAuthDisabled, api.KindForbidden:
		return true
	}
	return false
}

func baseURLCheck(typed, instance string) Check {
	ch := Check{ID: CheckIDBaseURL, Name: "Base URL"}
	switch {
	case instance == "":
		ch.Status, ch.Detail = StatusWarn, "the instance did not report its base URL"
		ch.Remedy = "Check Settings → System → General configuration → Base URL."
	case typed == "" || SameBaseURL(typed, instance):
		ch.Status, ch.Detail = StatusOK, "the instance's base URL is "+instance
	default:
		ch.Status = StatusWarn
		ch.Detail = fmt.Sprintf("you connected to %s but the instance's base URL is %s; the app and the site list use the base URL", typed, instance)
		ch.Remedy = "If users reach the instance at " + typed + ", set that as the base URL in the admin settings; otherwise use " + instance + "."
	}
	return ch
}

// httpsCheck warns about the rule the OAuth 2.0 provider applies at sign-in,
// not when the link is created: its authorization page answers 400 unless the
// base URL is https:// and the request arrives secure (over TLS, or through a
// proxy that says so in a header the provider reads: see ProxyHeaders). Only
// a JVM in development mode skips it, which the wizard cannot see.
func httpsCheck(instance string) Check {
	ch := Check{ID: CheckIDHTTPS, Name: "HTTPS"}
	if len(instance) >= 7 && strings.EqualFold(instance[:7], "http://") {
		ch.Status = StatusWarn
		ch.Detail = "the base URL uses http://, so the app's sign-in will be refused: the link can be created, but the OAuth 2.0 provider's sign-in page answers 400 unless the base URL uses https:// and each request arrives over HTTPS (directly, or through a proxy that says so)"
		ch.Remedy = "Serve the instance over HTTPS and set an https:// base URL; if a proxy terminates TLS, make it send " + ProxyHeaders + "."
		return ch
	}
	ch.Status = StatusOK
	ch.Detail = "the base URL uses HTTPS; if a proxy terminates TLS, it must send " + ProxyHeaders + ", or the app's sign-in will be refused"
	return ch
}

// ProxyHeaders names the headers by which a TLS-terminating proxy tells the
// OAuth 2.0 provider that a request arrived over HTTPS, as the provider reads
// them: X-Forwarded-Proto when its value starts with https; Forwarded only
// when proto= is not its first parameter (its parser skips the first one).
const ProxyHeaders = "X-Forwarded-Proto: https (or Forwarded with proto=https after another parameter, such as Forwarded: for=<client address>;proto=https; the provider ignores Forwarded: proto=https)"

// WrongToken is the credentials check when it failed because the instance
// ignored the token and ran the requests as anonymous (a wrong, expired or
// revoked personal access token): every other failure of the report follows
// from it, so a front-end asks for another token instead of listing them.
func (r *Report) WrongToken() (Check, bool) {
	if r == nil {
		return Check{}, false
	}
	for _, c := range r.Checks {
		if c.ID == CheckIDCredentials && c.Status == StatusFail && c.Fix.Kind == fix.NewToken {
			return c, true
		}
	}
	return Check{}, false
}

// NonMDMBlockers are the checks that would fail the non-MDM setup, in a
// report made before the mode was chosen (where they only warn): a front-end
// can mark that setup unavailable, with the reason, before it is picked.
func (r *Report) NonMDMBlockers() []Check {
	if r == nil {
		return nil
	}
	var out []Check
	for _, c := range r.Checks {
		if c.BlocksNonMDM {
			out = append(out, c)
		}
	}
	return out
}
