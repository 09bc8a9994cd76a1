package intune

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/termsafe"
)

// OData types the push reads and writes.
const (
	TypeIOSConfiguration = "#microsoft.graph.iosMobileAppConfiguration"
	typeAssignment       = "#microsoft.graph.managedDeviceMobileAppConfigurationAssignment"
	typeGroupTarget      = "#microsoft.graph.groupAssignmentTarget"
	// StringType is the appConfigKeyType of a String value.
	StringType = "stringType"
)

// MobileApp is an app record in Intune. Only iOS store and VPP records carry
// bundleId and appStoreUrl.
type MobileApp struct {
	ODataType   string `json:"@odata.type"`
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Publisher   string `json:"publisher"`
	BundleID    string `json:"bundleId"`
	AppStoreURL string `json:"appStoreUrl"`
}

// Setting is one managed app configuration item.
type Setting struct {
	Key   string `json:"appConfigKey"`
	Type  string `json:"appConfigKeyType"`
	Value string `json:"appConfigKeyValue"`
}

// AppConfiguration is a managed device app configuration. The list leaves
// settings out: Get one to read them.
type AppConfiguration struct {
	ODataType          string    `json:"@odata.type,omitempty"`
	ID                 string    `json:"id,omitempty"`
	DisplayName        string    `json:"displayName,omitempty"`
	Description        string    `json:"description,omitempty"`
	TargetedMobileApps []string  `json:"targetedMobileApps,omitempty"`
	Settings           []Setting `json:"settings,omitempty"`
	// EncodedSettingXML is the console's "XML data" form: a plist <dict> body
	// (JSON carries it base64-encoded).
	EncodedSettingXML []byte `json:"encodedSettingXml,omitempty"`
}

// Assignment targets a configuration at a group (or all users, all devices,
// an exclusion). Target is kept as Graph sent it, so that assigning again
// keeps the targets the wizard does not know.
type Assignment struct {
	ID     string          `json:"id,omitempty"`
	Target json.RawMessage `json:"target"`
}

// GroupID is the group a group target names; "" for other targets.
func (a Assignment) GroupID() string {
	var t struct {
		ODataType string `json:"@odata.type"`
		GroupID   string `json:"groupId"`
	}
	if json.Unmarshal(a.Target, &t) != nil || t.ODataType != typeGroupTarget {
		return ""
	}
	return t.GroupID
}

// GroupTarget is the target of an assignment to a group.
func GroupTarget(groupID string) json.RawMessage {
	b, _ := json.Marshal(map[string]string{"@odata.type": typeGroupTarget, "groupId": groupID})
	return b
}

type page[T any] struct {
	Value    []T    `json:"value"`
	NextLink string `json:"@odata.nextLink"`
}

// list follows @odata.nextLink, only ever to the Graph host the client was
// given: the token goes nowhere else.
func list[T any](ctx context.Context, c *Client, op, path string) ([]T, error) {
	var all []T
	for range maxPages {
		var p page[T]
		if err := c.do(ctx, call{op: op, method: http.MethodGet, path: path}, &p); err != nil {
			return nil, err
		}
		all = append(all, p.Value...)
		if p.NextLink == "" {
			return all, nil
		}
		next, err := url.Parse(p.NextLink)
		if err != nil || next.Scheme != c.graph.Scheme || next.Host != c.graph.Host || !strings.HasPrefix(next.Path, c.graph.Path+"/v1.0/") {
			return nil, &Error{Kind: api.KindServer, Op: op, Path: pathOf(path),
				Err: fmt.Errorf("the next page is on another host or path (%s)", termsafe.String(next.Redacted()))}
		}
		path = next.String()
	}
	return nil, &Error{Kind: api.KindServer, Op: op, Path: pathOf(path), Err: fmt.Errorf("more than %d pages", maxPages)}
}

// MobileApps lists every app record (all platforms: whether v1.0 accepts an
// isof() filter is not known, so the caller filters).
func (c *Client) MobileApps(ctx context.Context) ([]MobileApp, error) {
	apps, err := list[MobileApp](ctx, c, "list the apps in Intune", "/deviceAppManagement/mobileApps")
	for i := range apps {
		a := &apps[i]
		a.DisplayName, a.Publisher = termsafe.String(a.DisplayName), termsafe.String(a.Publisher)
		a.BundleID, a.ID = termsafe.String(a.BundleID), termsafe.String(a.ID)
	}
	return apps, err
}

// AppConfigurations lists the managed device app configurations, without settings.
func (c *Client) AppConfigurations(ctx context.Context) ([]AppConfiguration, error) {
	cfgs, err := list[AppConfiguration](ctx, c, "list the app configuration policies in Intune", "/deviceAppManagement/mobileAppConfigurations")
	for i := range cfgs {
		cfgs[i].DisplayName, cfgs[i].ID = termsafe.String(cfgs[i].DisplayName), termsafe.String(cfgs[i].ID)
	}
	return cfgs, err
}

// ConfigurationsPath is the app configuration policies' collection below /v1.0.
const ConfigurationsPath = "/deviceAppManagement/mobileAppConfigurations"

// ConfigPath is one app configuration policy's path below /v1.0.
func ConfigPath(id string) string {
	return ConfigurationsPath + "/" + url.PathEscape(id)
}

// AppConfiguration reads one configuration with its settings. Values are not
// sanitised here: the caller compares and writes them back byte for byte.
func (c *Client) AppConfiguration(ctx context.Context, id string) (*AppConfiguration, error) {
	var cfg AppConfiguration
	if err := c.do(ctx, call{op: "read the app configuration policy", method: http.MethodGet, path: ConfigPath(id)}, &cfg); err != nil {
		return nil, err
	}
	cfg.DisplayName = termsafe.String(cfg.DisplayName)
	return &cfg, nil
}

// CreateAppConfiguration creates an iOS app configuration; sent once.
func (c *Client) CreateAppConfiguration(ctx context.Context, cfg AppConfiguration) (*AppConfiguration, error) {
	cfg.ODataType, cfg.ID = TypeIOSConfiguration, ""
	var out AppConfiguration
	err := c.do(ctx, call{op: "create the app configuration policy", method: http.MethodPost,
		path: "/deviceAppManagement/mobileAppConfigurations", body: cfg}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// SetSettings replaces the configuration's settings collection as a whole
// (Graph replaces a collection on PATCH); sent once.
func (c *Client) SetSettings(ctx context.Context, id string, settings []Setting) error {
	body := map[string]any{"@odata.type": TypeIOSConfiguration, "settings": settings}
	return c.do(ctx, call{op: "update the app configuration policy", method: http.MethodPatch, path: ConfigPath(id), body: body}, nil)
}

// SetEncodedSettingXML replaces the configuration's XML data; sent once.
func (c *Client) SetEncodedSettingXML(ctx context.Context, id string, xml []byte) error {
	body := map[string]any{"@odata.type": TypeIOSConfiguration, "encodedSettingXml": xml}
	return c.do(ctx, call{op: "update the app configuration policy", method: http.MethodPatch, path: ConfigPath(id), body: body}, nil)
}

// DeleteAppConfiguration deletes a configuration; sent once.
func (c *Client) DeleteAppConfiguration(ctx context.Context, id string) error {
	return c.do(ctx, call{op: "delete the app configuration policy", method: http.MethodDelete, path: ConfigPath(id)}, nil)
}

// Assignments lists the groups a configuration is assigned to.
func (c *Client) Assignments(ctx context.Context, id string) ([]Assignment, error) {
	return list[Assignment](ctx, c, "list the app configuration policy's assignments", ConfigPath(id)+"/assignments")
}

// Assign sets the configuration's assignments to these targets. Graph's
// assign action replaces every assignment: pass those already there too.
func (c *Client) Assign(ctx context.Context, id string, targets []json.RawMessage) error {
	return c.do(ctx, call{op: "assign the app configuration policy", method: http.MethodPost,
		path: ConfigPath(id) + "/assign", body: AssignBody(targets)}, nil)
}

// AssignBody is the body of the assign action for these targets.
func AssignBody(targets []json.RawMessage) any {
	as := make([]map[string]any, 0, len(targets))
	for _, t := range targets {
		as = append(as, map[string]any{"@odata.type": typeAssignment, "target": t})
	}
	return map[string]any{"assignments": as}
}

// RequestLine is a request as a dry run shows it: method, URL and JSON body.
func (c *Client) RequestLine(method, path string, body any) string {
	s := method + " " + c.graph.String() + "/v1.0" + path
	if body != nil {
		if b, err := json.Marshal(body); err == nil {
			s += "\n    " + string(b)
		}
	}
	return s
}
