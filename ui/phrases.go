package ui

import (
	"fmt"
	"strings"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/steps"
)

// Phrases both interactive front-ends (full screen and accessible) say, so
// that they cannot drift apart.

// blockerNames names the checks that rule a mode out.
func blockerNames(blockers []steps.Check) string {
	why := make([]string, len(blockers))
	for i, c := range blockers {
		why[i] = "“" + c.Name + "”"
	}
	return strings.Join(why, ", ")
}

// siteEntryText says what the site list entry will hold, for the
// confirmation: the link is not there yet, so its client ID is named by
// where it comes from.
func siteEntryText(e steps.SiteEntry) string {
	return fmt.Sprintf("Site list entry: title %q, cacheSessionInMobileBrowser %t, and the link's client ID.", strings.TrimSpace(e.Title), e.Cache)
}

// resultHint says what the site list is for: non-MDM has nothing to paste
// anywhere, a failed verification is said before any "paste this", and a
// deleted link leaves nothing to paste.
func resultHint(st steps.State, app steps.App) string {
	rec := st.Record
	switch {
	case st.Mode == steps.ModeNonMDM:
		hint := "Users add the site in the iOS app by typing " + st.BaseURL + "; the app gets its client ID from the mobile plugin. No MDM is needed."
		if rec.SignInFails() {
			hint = "The app's sign-in will not work yet (see the verification): fix it first. " + hint
		}
		return hint
	case st.Site == nil:
		return "The link was deleted: its site is out of the list, nothing is left to paste for this instance."
	case rec.SignInFails():
		return "The app's sign-in will not work yet (see the verification): fix that first, then paste this into your MDM's managed app configuration for the " + app.Label() + "."
	}
	return "The " + app.Name() + "'s site list. Paste it into your MDM's managed app configuration for the " + app.Label() + "."
}

// chooseLinkText asks which of several links with the app's redirect to
// delete, one line a link.
func chooseLinkText(choose []api.OAuthClient) (question string, links []string) {
	links = make([]string, len(choose))
	for i, cl := range choose {
		links[i] = fmt.Sprintf("%q (client ID %s, scope %s)", cl.Name, cl.ClientID, cl.Scope)
	}
	return fmt.Sprintf("%d incoming links carry the iOS app's redirect. Which one should be deleted?", len(choose)), links
}

// TypedYes is the typed confirmation of a deletion: the word yes, not y (a
// stray key press gives y), and not Enter.
func TypedYes(answer string) bool { return strings.EqualFold(strings.TrimSpace(answer), "yes") }

// noAdminURL says why the mobile plugin's settings page, unlike the
// Application links page, is named by its menus and not linked.
const noAdminURL = "No link to it: no URL of this page is known to be stable across the plugin's versions."
