package steps

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/fix"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// Scope is the permission the iOS app needs.
const Scope = "WRITE"

// scopeOrder is the provider's scopes, each granting those before it (READ ⊂
// WRITE ⊂ ADMIN ⊂ SYSTEM_ADMIN). Names are case-sensitive.
var scopeOrder = []string{"READ", Scope, "ADMIN", "SYSTEM_ADMIN"}

// scopeRank is the rank of the highest scope a link's scope (one name, or
// several separated by spaces) holds; -1 when it holds none the provider knows.
func scopeRank(scope string) int {
	best := -1
	for _, sc := range strings.Fields(scope) {
		best = max(best, slices.Index(scopeOrder, sc))
	}
	return best
}

// GrantsScope reports whether a link with that scope grants the app's request
// for Scope: its own scope is Scope or one that holds it.
func GrantsScope(scope string) bool { return scopeRank(scope) >= slices.Index(scopeOrder, Scope) }

// BroaderScope reports whether a link with that scope grants more than the
// app needs (ADMIN or SYSTEM_ADMIN): the app works, with more privilege on
// offer than it asks for.
func BroaderScope(scope string) bool { return scopeRank(scope) > slices.Index(scopeOrder, Scope) }

// broaderNote is the sentence a reused link's summary ends with when its scope
// is broader than the app needs; "" otherwise.
func broaderNote(scope string) string {
	if !BroaderScope(scope) {
		return ""
	}
	return fmt.Sprintf(" Its scope %s grants more than the %s the app needs.", termsafe.String(scope), Scope)
}

// BroaderScopeWarning says what a link with a scope above the app's costs, and
// how to narrow it; "" when the scope is not broader.
func BroaderScopeWarning(cl api.OAuthClient) string {
	if !BroaderScope(cl.Scope) {
		return ""
	}
	return fmt.Sprintf("The link %s has scope %s, which grants more than the %s the app needs: the app's sign-in works, but any sign-in with its client ID may ask for %s. "+
		"Narrow it to %s: edit the link in Administration → Application links (permission Write), or send PUT %s/{id} with scope %s.",
		linkLabel(cl), termsafe.String(cl.Scope), Scope, termsafe.String(cl.Scope), Scope, api.PathClients, Scope)
}

// DefaultLinkName names the link after the product and the app.
func DefaultLinkName(p api.Product) string { return p.Title() + " iOS app" }

// LinkPlan is what the link step will do, shown to the user before anything is written.
type LinkPlan struct {
	Product api.Product
	// Existing is an incoming client with the mobile redirect whose scope
	// grants WRITE (WRITE, or a broader one that holds it): reused as is.
	Existing *api.OAuthClient
	// Create is the client to create when none can be reused.
	Create *api.NewOAuthClient
	// Others are clients with the mobile redirect that cannot be reused (a scope below WRITE).
	Others []api.OAuthClient
}

// Changes reports whether carrying out the plan writes to the instance.
func (p *LinkPlan) Changes() bool { return p.Existing == nil }

// Describe says in one sentence what the plan does.
func (p *LinkPlan) Describe() string {
	if p.Existing != nil {
		return fmt.Sprintf("Reuse the existing link %q (client ID %s): nothing is written.", p.Existing.Name, p.Existing.ClientID) + broaderNote(p.Existing.Scope)
	}
	return fmt.Sprintf("Create an incoming link %q with redirect %s and scope %s.", p.Create.Name, p.Create.Redirects[0], p.Create.Scope)
}

// NotReused says, one sentence each, which links already carry the app's
// redirect but are not reused, so that nobody is surprised by a second link.
func (p *LinkPlan) NotReused() []string {
	out := make([]string, 0, len(p.Others))
	for _, o := range p.Others {
		out = append(out, fmt.Sprintf("Not reused: %q has the redirect but scope %s, below the %s the app needs.", o.Name, termsafe.String(o.Scope), Scope))
	}
	return out
}

// Requests lists the requests carrying out the plan sends, for a dry run.
func (p *LinkPlan) Requests(c *api.Client) []string {
	if p.Existing != nil {
		return []string{c.RequestsFor(http.MethodGet, api.PathClients+"/"+p.Existing.ID, nil)}
	}
	return []string{
		c.RequestsFor(http.MethodPost, api.PathClients, p.Create),
		c.RequestsFor(http.MethodGet, api.PathClients+"/{id of the new client}", nil),
	}
}

// PlanLink decides between reusing and creating. clients may come from the checks;
// nil means list them now.
func PlanLink(ctx context.Context, c *api.Client, p api.Product, name string, clients []api.OAuthClient) (*LinkPlan, error) {
	if clients == nil {
		var err error
		if clients, err = c.ListClients(ctx); err != nil {
			return nil, err
		}
	}
	if name = strings.TrimSpace(name); name == "" {
		name = DefaultLinkName(p)
	}
	plan := &LinkPlan{Product: p}
	var reusable []api.OAuthClient
	for _, cl := range clients {
		if !cl.HasRedirect(p.MobileRedirect()) {
			continue
		}
		if GrantsScope(cl.Scope) {
			reusable = append(reusable, cl)
		} else {
			plan.Others = append(plan.Others, cl)
		}
	}
	if len(reusable) > 0 {
		// Prefer the app's own scope over a broader one, then the one the
		// wizard would have created, else the first listed.
		slices.SortStableFunc(reusable, func(a, b api.OAuthClient) int {
			return cmp.Or(cmp.Compare(scopeRank(a.Scope), scopeRank(b.Scope)), boolRank(a.Name != name, b.Name != name))
		})
		plan.Existing = &reusable[0]
		return plan, nil
	}
	for _, cl := range clients {
		if cl.Name == name {
			e := &NameTakenError{Name: name}
			if cl.HasRedirect(p.MobileRedirect()) {
				e.Scope = cl.Scope
			}
			return nil, e
		}
	}
	plan.Create = &api.NewOAuthClient{Name: name, Redirects: []string{p.MobileRedirect()}, Scope: Scope}
	return plan, nil
}

// boolRank orders false before true.
func boolRank(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// NameTakenError: a client of that name exists but is not one the app can use.
type NameTakenError struct {
	Name string
	// Scope is set when the client has the app's redirect but a scope other
	// than the one the app needs.
	Scope string
}

func (e *NameTakenError) Error() string {
	if e.Scope != "" {
		return fmt.Sprintf("an application link named %q already has the iOS app's redirect but scope %s, below the %s the app needs; change its scope to %s in Administration → Application links",
			e.Name, e.Scope, Scope, Scope)
	}
	return fmt.Sprintf("an application link named %q already exists without the iOS app's redirect; add the redirect to that link in Administration → Application links", e.Name)
}

// Fix: another name avoids the clash.
func (e *NameTakenError) Fix() fix.Fix { return fix.Fix{Kind: fix.OtherLinkName} }

// LinkResult is the link the app will use.
type LinkResult struct {
	Client api.OAuthClient
	// Changed: the wizard created the link in this run.
	Changed bool
	// Reconciled: the create's answer was lost and the link was found by listing.
	Reconciled bool
	// Raced: another run created a usable link between the plan and the
	// create (the create was refused for its name); that link is reused.
	Raced bool
}

// Outcome says in one sentence what the link step did to the instance.
func (res *LinkResult) Outcome() string {
	if res == nil {
		return "Nothing was changed on the instance."
	}
	name := res.Client.Name
	switch {
	case res.Reconciled:
		return fmt.Sprintf("Created the incoming link %q (client ID %s); the instance's answer was lost, so the wizard confirmed it by listing the links.", name, res.Client.ClientID)
	case res.Raced:
		return fmt.Sprintf("Reused the link %q (client ID %s) that another run created a moment ago: nothing changed.", name, res.Client.ClientID)
	case res.Changed:
		return fmt.Sprintf("Created the incoming link %q (client ID %s).", name, res.Client.ClientID)
	}
	return fmt.Sprintf("Reused the existing link %q (client ID %s): nothing changed.", name, res.Client.ClientID) + broaderNote(res.Client.Scope)
}

// NarrowLink sets the link's scope to the app's (Scope), keeping its name and
// redirects, and reads it back. Only on the user's request: it changes what
// every sign-in with that client ID may ask for. The PUT is sent once; after
// an unclear failure the read-back tells whether it happened.
func NarrowLink(ctx context.Context, c *api.Client, cl api.OAuthClient) (*api.OAuthClient, error) {
	if !BroaderScope(cl.Scope) {
		return &cl, nil
	}
	err := c.UpdateClient(ctx, cl.ID, narrowed(cl))
	if err != nil && !unclear(err) {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reconcileTimeout)
	defer cancel()
	got, gerr := c.GetClient(rctx, cl.ID)
	switch {
	case gerr != nil && err != nil:
		return nil, fmt.Errorf("the request to narrow the link %s failed (%w) and the wizard could not read it back; look in Administration → Application links", linkLabel(cl), err)
	case gerr != nil:
		return nil, fmt.Errorf("the link %s was narrowed to %s but reading it back failed: %w", linkLabel(cl), Scope, gerr)
	case got.Scope != Scope && err != nil:
		return nil, fmt.Errorf("%w (checked: the link %s still has scope %s)", err, linkLabel(cl), termsafe.String(got.Scope))
	case got.Scope != Scope:
		return nil, fmt.Errorf("the instance accepted the change but the link %s reads back with scope %s, not %s", linkLabel(cl), termsafe.String(got.Scope), Scope)
	}
	c.Record(api.Change{Action: api.ChangeNarrowed, ClientID: got.ClientID, Name: got.Name, SettledBy: settledBy(err != nil)})
	return got, nil
}

// narrowed is the update that narrows cl: its own name and redirects, the app's scope.
func narrowed(cl api.OAuthClient) api.NewOAuthClient {
	return api.NewOAuthClient{Name: cl.Name, Redirects: cl.Redirects, Scope: Scope}
}

// NarrowRequests lists the request narrowing cl sends, for a dry run.
func NarrowRequests(c *api.Client, cl api.OAuthClient) []string {
	return []string{c.RequestsFor(http.MethodPut, api.PathClients+"/"+cl.ID, narrowed(cl))}
}

// UnclearCreateError: the create may or may not have happened and listing could not tell.
type UnclearCreateError struct {
	Name string
	Err  error
}

func (e *UnclearCreateError) Error() string {
	return fmt.Sprintf("the request to create the link %q failed (%v) and the wizard could not check whether the link was created; look in Administration → Application links before running again", e.Name, e.Err)
}

func (e *UnclearCreateError) Unwrap() error { return e.Err }

// reconcileTimeout bounds the listing after a lost answer; it runs even if the
// user has just pressed Ctrl-C, so that the wizard can say what exists.
const reconcileTimeout = 15 * time.Second

// EnsureLink carries out the plan and reads the client back. A create is sent once
// and never retried: after an unclear failure (timeout, reset, 5xx, Ctrl-C) the
// clients are listed to learn whether it happened, so one run never makes two links.
// What it came to (created, reused, unclear) is recorded once settled (api.Client.Record).
func EnsureLink(ctx context.Context, c *api.Client, plan *LinkPlan) (*LinkResult, error) {
	return ensureLink(ctx, c, plan, nil)
}

// ensureLink is EnsureLink that calls known with the link's client ID as soon
// as it is known (the plan's link, or the create's answer), before the
// read-back: what needs only the client ID can go out beside it.
func ensureLink(ctx context.Context, c *api.Client, plan *LinkPlan, known func(clientID string)) (*LinkResult, error) {
	res, err := carryOutLink(ctx, c, plan, known)
	switch {
	case res != nil && res.Changed:
		c.Record(api.Change{Action: api.ChangeCreated, ClientID: res.Client.ClientID, Name: res.Client.Name, SettledBy: settledBy(res.Reconciled)})
	case res != nil:
		c.Record(api.Change{Action: api.ChangeReused, ClientID: res.Client.ClientID, Name: res.Client.Name})
	case errors.As(err, new(*UnclearCreateError)):
		c.Record(api.Change{Action: api.ChangeCreateUnclear, Name: plan.Create.Name})
	}
	return res, err
}

// settledBy says how a change is known: by the instance's answer, or by
// listing the links after the answer was lost.
func settledBy(reconciled bool) string {
	if reconciled {
		return api.SettledByListing
	}
	return api.SettledByAnswer
}

func carryOutLink(ctx context.Context, c *api.Client, plan *LinkPlan, known func(clientID string)) (*LinkResult, error) {
	if known == nil {
		known = func(string) {}
	}
	if plan.Existing != nil {
		known(plan.Existing.ClientID)
		got, err := c.GetClient(ctx, plan.Existing.ID)
		if err != nil {
			return nil, err
		}
		return &LinkResult{Client: *got}, nil
	}
	created, err := c.CreateClient(ctx, *plan.Create)
	if err != nil {
		if nameTaken(err) {
			// Another run (or a person) created a link of that name since the
			// plan: if it is one the app can use, it is the link to use.
			if won := winner(ctx, c, plan); won != nil {
				return &LinkResult{Client: *won, Raced: true}, nil
			}
		}
		if !unclear(err) {
			return nil, createError(err)
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reconcileTimeout)
		defer cancel()
		found, lerr := findCreated(rctx, c, plan)
		switch {
		case lerr != nil:
			return nil, &UnclearCreateError{Name: plan.Create.Name, Err: err}
		case found == nil:
			return nil, fmt.Errorf("%w (checked: no link was created)", err)
		}
		return &LinkResult{Client: *found, Changed: true, Reconciled: true}, nil
	}
	known(created.ClientID)
	got, err := c.GetClient(ctx, created.ID)
	if err != nil {
		// It exists (the create answered); say so rather than leave it unmentioned.
		return &LinkResult{Client: *created, Changed: true}, fmt.Errorf("the link %q was created (client ID %s) but reading it back failed: %w", created.Name, created.ClientID, err)
	}
	return &LinkResult{Client: *got, Changed: true}, nil
}

func findCreated(ctx context.Context, c *api.Client, plan *LinkPlan) (*api.OAuthClient, error) {
	clients, err := c.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	for _, cl := range clients {
		if cl.Name == plan.Create.Name && cl.HasRedirect(plan.Product.MobileRedirect()) {
			return &cl, nil
		}
	}
	return nil, nil
}

func nameTaken(err error) bool {
	var ae *api.Error
	return errors.As(err, &ae) && ae.Kind == api.KindValidation && len(ae.FieldErrors["name"]) > 0
}

// winner lists the clients again and returns the one a fresh plan would reuse.
func winner(ctx context.Context, c *api.Client, plan *LinkPlan) *api.OAuthClient {
	clients, err := c.ListClients(ctx)
	if err != nil {
		return nil
	}
	again, err := PlanLink(ctx, c, plan.Product, plan.Create.Name, clients)
	if err != nil || again.Existing == nil {
		return nil
	}
	return again.Existing
}

// unclear reports whether a failed write may still have been carried out.
func unclear(err error) bool {
	switch api.KindOf(err) {
	case api.KindTimeout, api.KindNetwork, api.KindServer, api.KindCanceled, api.KindUnknown:
		return true
	case api.KindIntercepted:
		// A redirect or an HTML page may stand in for an answer the
		// instance gave after it created the client.
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// createError explains the refusals a create can meet.
func createError(err error) error {
	var ae *api.Error
	if errors.As(err, &ae) && ae.Kind == api.KindValidation {
		if len(ae.FieldErrors["name"]) > 0 {
			return fix.Wrap(fmt.Errorf("%w: the instance refused the link's name", err), fix.Fix{Kind: fix.OtherLinkName})
		}
	}
	return err
}
