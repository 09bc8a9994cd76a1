package api

import (
	"fmt"
	"strings"
)

// Product is an Atlassian Data Center product the iOS apps can sign in to.
type Product string

const (
	Jira       Product = "jira"
	Confluence Product = "confluence"
)

// Plugin keys (Universal Plugin Manager).
const (
	OAuth2ProviderPluginKey   = "com.atlassian.oauth2.oauth2-provider-plugin"
	JiraMobilePluginKey       = "com.atlassian.jira.mobile.jira-mobile-rest"
	ConfluenceMobilePluginKey = "com.atlassian.confluence.plugins.confluence-mobile-plugin"
)

// ParseProduct accepts the names a user types and the manifest's typeId.
func ParseProduct(s string) (Product, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "jira":
		return Jira, nil
	case "confluence":
		return Confluence, nil
	}
	return "", fmt.Errorf("unknown product %q: use jira or confluence", s)
}

// Title is the product's name as Atlassian writes it.
func (p Product) Title() string {
	switch p {
	case Jira:
		return "Jira"
	case Confluence:
		return "Confluence"
	}
	return string(p)
}

// MobileRedirect is the redirect URL the product's iOS app registers.
func (p Product) MobileRedirect() string {
	return string(p) + "-server://oauth-callback"
}

// MobilePluginKey is the key of the product's mobile plugin.
func (p Product) MobilePluginKey() string {
	if p == Confluence {
		return ConfluenceMobilePluginKey
	}
	return JiraMobilePluginKey
}
