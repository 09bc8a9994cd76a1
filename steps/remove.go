package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// RemovePlan is what removing the app's link will do, shown before anything is deleted.
type RemovePlan struct {
	Product api.Product
	// Delete is the link to delete; nil when there is nothing to remove.
	Delete *api.OAuthClient
	// Candidates are all the links that carry the app's redirect.
	Candidates []api.OAuthClient
	// NotFound is a client ID that was asked for and is not among the candidates
	// (already removed, most likely).
	NotFound string
}

// Changes reports whether carrying out the plan writes to the instance.
func (p *RemovePlan) Changes() bool { return p.Delete != nil }

// Describe says in one sentence what the plan does.
func (p *RemovePlan) Describe() string {
	switch {
	case p.Delete != nil:
		return fmt.Sprintf("Delete the incoming link %s, which carries the iOS app's redirect %s.", linkLabel(*p.Delete), p.Product.MobileRedirect())
	case p.NotFound != "":
		return fmt.Sprintf("No link with the app's redirect has the client ID %s: nothing to remove.", termsafe.String(p.NotFound))
	}
	return fmt.Sprintf("No incoming link carries the iOS app's redirect %s: nothing to remove.", p.Product.MobileRedirect())
}

// Warning is what deleting costs, said by every front-end before it asks;
// "" when nothing is deleted. The provider deletes the client's access and
// refresh tokens with it and records the deletion once in the audit log; a
// link made again is a new client with a new client ID, which the app learns
// only from a new site list (MDM) or from the mobile plugin once its OAuth 2.0
// is switched off and on (non-MDM).
func (p *RemovePlan) Warning() string {
	if p.Delete == nil {
		return ""
	}
	return fmt.Sprintf("Deleting it deletes the link's access and refresh tokens: the %s iOS app's users who signed in through this link are signed out (users of other links are not), and the instance writes one audit log entry. "+
		"A link set up again gets a new client ID: with MDM, deploy the site list again; without MDM, switch the mobile plugin's OAuth 2.0 off and on again (%s).",
		p.Product.Title(), MobileAdminPath(p.Product))
}

// Requests lists the requests carrying out the plan sends (for a dry run).
func (p *RemovePlan) Requests(c *api.Client) []string {
	if p.Delete == nil {
		return nil
	}
	return []string{c.RequestsFor(http.MethodDelete, api.PathClients+"/"+p.Delete.ID, nil)}
}

// ChooseLinkError: several links carry the app's redirect and none was chosen.
type ChooseLinkError struct {
	Product    api.Product
	Candidates []api.OAuthClient
}

func (e *ChooseLinkError) Error() string {
	return fmt.Sprintf("%d incoming links carry the iOS app's redirect %s: %s; choose the one to delete by its client ID",
		len(e.Candidates), e.Product.MobileRedirect(), describeLinks(e.Candidates))
}

// PlanRemove finds the link to delete among the links with the app's redirect.
// clientID (the clientId or the id) chooses among several; with one link it
// must name that one. clients may come from an earlier listing; nil lists now.
func PlanRemove(ctx context.Context, c *api.Client, p api.Product, clients []api.OAuthClient, clientID string) (*RemovePlan, error) {
	if clients == nil {
		var err error
		if clients, err = c.ListClients(ctx); err != nil {
			return nil, err
		}
	}
	plan := &RemovePlan{Product: p}
	for _, cl := range clients {
		if cl.HasRedirect(p.MobileRedirect()) {
			plan.Candidates = append(plan.Candidates, cl)
		}
	}
	if clientID != "" {
		i := slices.IndexFunc(plan.Candidates, func(cl api.OAuthClient) bool { return cl.ClientID == clientID || cl.ID == clientID })
		if i < 0 {
			if slices.ContainsFunc(clients, func(cl api.OAuthClient) bool { return cl.ClientID == clientID || cl.ID == clientID }) {
				return nil, fmt.Errorf("the link with client ID %s does not carry the iOS app's redirect %s; only the app's links are removed here, others in Administration → Application links",
					termsafe.String(clientID), p.MobileRedirect())
			}
			plan.NotFound = clientID
			return plan, nil
		}
		plan.Delete = &plan.Candidates[i]
		return plan, nil
	}
	switch len(plan.Candidates) {
	case 0:
		return plan, nil
	case 1:
		plan.Delete = &plan.Candidates[0]
		return plan, nil
	}
	return nil, &ChooseLinkError{Product: p, Candidates: plan.Candidates}
}

// RemoveResult is what removing did.
type RemoveResult struct {
	// Removed is the deleted link; nil when nothing was deleted.
	Removed *api.OAuthClient
	// Reconciled: the delete's answer was lost and listing showed the link gone.
	Reconciled bool
}

// Changed reports whether the instance was changed.
func (r *RemoveResult) Changed() bool { return r != nil && r.Removed != nil }

// Outcome says in one sentence what happened to the instance.
func (r *RemoveResult) Outcome(p *RemovePlan) string {
	switch {
	case r.Changed() && r.Reconciled:
		return fmt.Sprintf("Deleted the incoming link %s; the instance's answer was lost, so the wizard confirmed it by listing the links.", linkLabel(*r.Removed))
	case r.Changed():
		return fmt.Sprintf("Deleted the incoming link %s.", linkLabel(*r.Removed))
	case p != nil && p.Delete != nil:
		return fmt.Sprintf("The link %s was already gone: nothing changed.", linkLabel(*p.Delete))
	case p != nil:
		return p.Describe()
	}
	return "Nothing was changed on the instance."
}

// Remove carries out the plan. The delete is sent once; after an unclear
// failure (timeout, reset, 5xx) the links are listed to learn whether it
// happened. A link someone else deleted in the meantime is not an error.
// What it came to (removed, unclear) is recorded once settled (api.Client.Record).
func Remove(ctx context.Context, c *api.Client, plan *RemovePlan) (*RemoveResult, error) {
	res, err := remove(ctx, c, plan)
	switch {
	case res.Changed():
		c.Record(api.Change{Action: api.ChangeRemoved, ClientID: res.Removed.ClientID, Name: res.Removed.Name, SettledBy: settledBy(res.Reconciled)})
	case errors.As(err, new(*UnclearRemoveError)):
		c.Record(api.Change{Action: api.ChangeRemoveUnclear, ClientID: plan.Delete.ClientID, Name: plan.Delete.Name})
	}
	return res, err
}

// UnclearRemoveError: the delete may or may not have happened and listing could not tell.
type UnclearRemoveError struct {
	Link api.OAuthClient
	Err  error
}

func (e *UnclearRemoveError) Error() string {
	return fmt.Sprintf("the request to delete the link %s failed (%v) and the wizard could not check whether it was deleted; look in Administration → Application links",
		linkLabel(e.Link), e.Err)
}

func (e *UnclearRemoveError) Unwrap() error { return e.Err }

func remove(ctx context.Context, c *api.Client, plan *RemovePlan) (*RemoveResult, error) {
	if plan.Delete == nil {
		return &RemoveResult{}, nil
	}
	err := c.DeleteClient(ctx, plan.Delete.ID)
	switch {
	case err == nil:
		return &RemoveResult{Removed: plan.Delete}, nil
	case isNotFound(err):
		return &RemoveResult{}, nil
	case !unclear(err):
		return nil, err
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), reconcileTimeout)
	defer cancel()
	clients, lerr := c.ListClients(rctx)
	if lerr != nil {
		return nil, &UnclearRemoveError{Link: *plan.Delete, Err: err}
	}
	if slices.ContainsFunc(clients, func(cl api.OAuthClient) bool { return cl.ID == plan.Delete.ID }) {
		return nil, fmt.Errorf("%w (checked: the link %s is still there)", err, linkLabel(*plan.Delete))
	}
	return &RemoveResult{Removed: plan.Delete, Reconciled: true}, nil
}

func linkLabel(cl api.OAuthClient) string {
	return fmt.Sprintf("%q (client ID %s)", cl.Name, cl.ClientID)
}
