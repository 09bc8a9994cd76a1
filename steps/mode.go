package steps

import (
	"fmt"
	"strings"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
)

// Mode is how the iOS app learns its OAuth 2.0 client.
type Mode string

const (
	// ModeMDM: the wizard creates the incoming link; the MDM pushes the site list with its client ID.
	ModeMDM Mode = "mdm"
	// ModeNonMDM: the mobile plugin creates the link itself and hands the client ID to the app.
	ModeNonMDM Mode = "non-mdm"
)

// ParseMode accepts mdm and non-mdm (and nonmdm, non_mdm).
func ParseMode(s string) (Mode, error) {
	switch strings.NewReplacer("_", "-", " ", "-").Replace(strings.ToLower(strings.TrimSpace(s))) {
	case "mdm":
		return ModeMDM, nil
	case "non-mdm", "nonmdm":
		return ModeNonMDM, nil
	}
	return "", fmt.Errorf("unknown mode %q: use mdm or non-mdm", s)
}

// Describe is the one-line explanation shown where the mode is chosen.
func (m Mode) Describe() string {
	if m == ModeNonMDM {
		return "No MDM: the mobile plugin creates the link itself and hands its client ID to the app; users type the site URL."
	}
	return "MDM: the wizard creates the link and prints the site list your MDM pushes to the app (recommended)."
}

// MobileAdminPath is where the mobile plugin's "Turn on OAuth 2.0" switch lives;
// no REST API for it is known, so the admin flips it by hand.
func MobileAdminPath(p api.Product) string {
	if p == api.Confluence {
		return "Settings → General Configuration → Confluence mobile app → Turn on OAuth 2.0"
	}
	return "Settings → System → Jira mobile app → Turn on OAuth 2.0"
}

// PersonalAccessTokensPage is where a user of the instance creates a personal
// access token: Jira's profile tab of the personal access tokens plugin
// (avatar → Profile → Personal Access Tokens), Confluence's user tokens page
// (avatar → Settings → Personal Access Tokens); "" for another product. Both
// paths have been the same since the tokens came (Jira 8.14, Confluence 7.9).
func PersonalAccessTokensPage(p api.Product, baseURL string) string {
	base := strings.TrimRight(baseURL, "/")
	switch p {
	case api.Jira:
		return base + "/secure/ViewProfile.jspa?selectedTab=com.atlassian.pats.pats-plugin:jira-user-personal-access-tokens"
	case api.Confluence:
		return base + "/plugins/personalaccesstokens/usertokens.action"
	}
	return ""
}

// ApplicationLinksPage is the instance's Application links administration
// page, where the incoming link the wizard creates or reuses is listed (the
// same servlet path on Jira and Confluence). The mobile plugin's settings
// page has no URL known to be stable across versions: MobileAdminPath names
// it by the admin menus instead.
func ApplicationLinksPage(baseURL string) string {
	return strings.TrimRight(baseURL, "/") + "/plugins/servlet/applinks/listApplicationLinks"
}
