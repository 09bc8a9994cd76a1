package steps

import "strings"

// NewSite is the site list entry for the instance; clientID is empty for non-MDM,
// where the app gets its client from the mobile plugin.
func NewSite(det *Detection, baseURL, title, clientID string, cacheSession bool) Site {
	if title = strings.TrimSpace(title); title == "" {
		title = det.Title
	}
	if det.InstanceBaseURL != "" {
		baseURL = det.InstanceBaseURL
	}
	s := Site{Title: title, BaseURL: strings.TrimRight(baseURL, "/")}
	if clientID != "" {
		s.OAuth = &SiteOAuth{ClientID: clientID, CacheSessionInMobileBrowser: cacheSession}
	}
	return s
}
