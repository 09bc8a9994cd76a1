package steps

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	version "github.com/hashicorp/go-version"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"
)

// matrixRow is one line of the compatibility matrix: a half-open product version range
// [from, to) and what it needs. Rows of one product are contiguous and ordered.
type matrixRow struct {
	product api.Product
	from    string // "" = from the beginning
	to      string // "" = open-ended
	span    string // the range as a person reads it (supported rows)

	supported bool
	remedy    string // unsupported rows: what to upgrade to
	// caution: a supported row Atlassian's list does not name in so many words;
	// the product check warns with it (caution is the Detail, remedy the advice).
	caution string

	oauthMin  string
	oauthRule string // the rule of Atlassian's list that sets oauthMin, when not the row's own
	// oauthAdvise is the version to name when the plugin must be updated and
	// its line is not known (verify's 412), when not oauthMin.
	oauthAdvise string
	mobileMin   string
	mobileLabel string // whom the mobile minimum is documented for: "Jira 9"

	// lastDocumentedMajor: on an open-ended row, majors above it are versions
	// the Atlassian docs do not name yet ("later" versions).
	lastDocumentedMajor int64
}

// The matrix of Atlassian's "Configure OAuth 2.0 for the Jira / Confluence
// Data Center iOS app" pages. Keep it data:
// a new Atlassian release is a new row, not a new branch.
var compatMatrix = []matrixRow{
	{product: api.Jira, to: "9.12.14",
		remedy: "Upgrade Jira to 9.12.14 or later (Jira 9), or to 10.1.0 or later (Jira 10)."},
	{product: api.Jira, from: "9.12.14", to: "10.0.0", span: "9.12.14 to 9.x", supported: true,
		oauthMin: "3.1.14", mobileMin: "4.2.0", mobileLabel: "Jira 9"},
	// Atlassian's list says "Jira 9.12.14 and later: OAuth plugin 3.1.14 or later"
	// and "Jira 10.1.0 and later: 4.1.0 or later"; it never calls 10.0.x
	// unsupported. The first rule covers it, with a warning that recommends 10.1.0.
	{product: api.Jira, from: "10.0.0", to: "10.1.0", span: "10.0.x", supported: true,
		caution:  "Atlassian lists Jira 10.1.0 and later for Jira 10 (OAuth 2.0 provider plugin 4.1.0 or later) and does not name 10.0.x; its \"Jira 9.12.14 and later\" rule (plugin 3.1.14 or later) is applied",
		remedy:   "Upgrade Jira to 10.1.0 or later, the Jira 10 release Atlassian lists for OAuth 2.0 in the iOS app.",
		oauthMin: "3.1.14", oauthRule: "Atlassian's \"Jira 9.12.14 and later\" rule", mobileMin: "5.1.2", mobileLabel: "Jira 10",
		// Jira 10 ships the plugin's 4.x line, whose fix came in 4.1.0.
		oauthAdvise: "4.1.0"},
	{product: api.Jira, from: "10.1.0", span: "10.1.0 or later", supported: true,
		oauthMin: "4.1.0", mobileMin: "5.1.2", mobileLabel: "Jira 10", lastDocumentedMajor: 10},
	{product: api.Confluence, to: "9.1.0",
		remedy: "Upgrade Confluence to 9.1.0 or later."},
	{product: api.Confluence, from: "9.1.0", span: "9.1.0 or later", supported: true,
		oauthMin: "4.1.1", mobileMin: "19.1.47", mobileLabel: "Confluence 9.1 and later", lastDocumentedMajor: 9},
}

// oauthFixedIn is, for each major line of the OAuth 2.0 provider plugin, the
// first version known to carry the fix the iOS app needs: 3.1.14 on the 3.x
// line (Jira 9) and 4.1.0 on the 4.x line (Jira 10.1 and later). A version
// that meets a row's minimum on a line whose fix came later (4.0.x ≥ 3.1.14,
// on Jira 10.0.x) is not known to carry it.
var oauthFixedIn = []string{"3.1.14", "4.1.0"}

// lineFix is the fix on found's major line, if the list names one.
func lineFix(found parsedVersion) (*version.Version, bool) {
	for _, f := range oauthFixedIn {
		if v := version.Must(version.NewVersion(f)); v.Segments64()[0] == found.major() {
			return v, true
		}
	}
	return nil, false
}

// productUI is where things are in each product's admin UI.
type productUI struct {
	manageApps string // Universal Plugin Manager
	systemInfo string
	mobileName string // the mobile plugin as Atlassian names it
	appName    string // the iOS app
}

var productUIs = map[api.Product]productUI{
	api.Jira: {
		manageApps: "Administration (cog) → Manage apps → Manage apps",
		systemInfo: "Administration (cog) → System → System info",
		mobileName: "Jira Mobile plugin",
		appName:    "Jira Data Center iOS app",
	},
	api.Confluence: {
		manageApps: "Administration (cog) → Manage apps",
		systemInfo: "Administration (cog) → General Configuration → System Information",
		mobileName: "Confluence Mobile plugin",
		appName:    "Confluence Data Center iOS app",
	},
}

const oauthPluginName = "OAuth 2.0 provider plugin"

func rowFor(p api.Product, v *version.Version) (matrixRow, bool) {
	for _, r := range compatMatrix {
		if r.product != p {
			continue
		}
		if r.from != "" && v.LessThan(version.Must(version.NewVersion(r.from))) {
			continue
		}
		if r.to != "" && !v.LessThan(version.Must(version.NewVersion(r.to))) {
			continue
		}
		return r, true
	}
	return matrixRow{}, false
}

// lookup finds the matrix row for a product version. Rows are chosen by the
// numeric release, so "10.0.0-m0002" is a Jira 10.0 build (not Jira 9). The
// one exception is a pre-release of a supported row's first version
// ("10.1.0-m0002"): it comes before that release, so it is not supported (the
// row below may have other requirements: it is not used either), and
// belowRelease reports that this happened so the Detail can say why.
func lookup(p api.Product, pv parsedVersion) (row matrixRow, belowRelease bool) {
	row, _ = rowFor(p, pv.core)
	if row.supported && pv.pre != "" && row.from != "" &&
		pv.core.Equal(version.Must(version.NewVersion(row.from))) {
		row.supported = false
		return row, true
	}
	return row, false
}

// later reports whether the version is a major the docs do not name yet.
func (r matrixRow) later(pv parsedVersion) bool {
	return r.to == "" && r.lastDocumentedMajor > 0 && pv.major() > r.lastDocumentedMajor
}

func knownProduct(p api.Product) bool {
	_, ok := productUIs[p]
	return ok
}

func supportedSpans(p api.Product) string {
	var spans []string
	for _, r := range compatMatrix {
		if r.product == p && r.supported && r.caution == "" {
			spans = append(spans, r.span)
		}
	}
	return strings.Join(spans, ", or ")
}

// CheckProduct places the product version in the matrix.
func CheckProduct(p api.Product, productVersion string) Check {
	c := Check{ID: CheckIDProduct, Name: p.Title() + " version"}
	if !knownProduct(p) {
		c.Name = "Product"
		c.Status = StatusFail
		c.Detail = fmt.Sprintf("unknown product %s (version %s): only Jira and Confluence Data Center are supported",
			quoteVersion(string(p)), quoteVersion(productVersion))
		c.Remedy = "Point the wizard at a Jira or Confluence Data Center instance."
		return c
	}
	ui := productUIs[p]
	pv, err := parseVersionReported(productVersion)
	if err != nil {
		c.Status = StatusFail
		c.Detail = fmt.Sprintf("%s reported %s, %s", p.Title(), err, "so it cannot be placed in the compatibility matrix")
		c.Remedy = fmt.Sprintf("Make sure the URL points at %s itself (not a proxy or login page); the version is under %s.",
			p.Title(), ui.systemInfo)
		return c
	}
	row, belowRelease := lookup(p, pv)
	if !row.supported {
		c.Status = StatusFail
		c.Detail = fmt.Sprintf("%s %s does not support OAuth 2.0 for the iOS app; supported: %s",
			p.Title(), pv.raw, supportedSpans(p))
		c.Remedy = row.remedy
		if belowRelease {
			c.Detail = fmt.Sprintf("%s %s%s does not support OAuth 2.0 for the iOS app; supported: %s",
				p.Title(), pv.raw, pv.preNote(), supportedSpans(p))
			c.Remedy = preReleaseRemedy(p, pv, row)
		}
		return c
	}
	if row.caution != "" {
		c.Status = StatusWarn
		c.Detail = fmt.Sprintf("%s %s: %s", p.Title(), pv.raw, row.caution)
		c.Remedy = row.remedy
		return c
	}
	c.Status = StatusOK
	if row.later(pv) {
		c.Detail = fmt.Sprintf("%s %s is later than the versions Atlassian documents (up to %s %d); the requirements for %s %s are applied",
			p.Title(), pv.raw, p.Title(), row.lastDocumentedMajor, p.Title(), row.span)
		return c
	}
	c.Detail = fmt.Sprintf("%s %s supports OAuth 2.0 for the iOS app (%s %s)", p.Title(), pv.raw, p.Title(), row.span)
	if pv.pre != "" {
		c.Detail += fmt.Sprintf("; it is a pre-release of %s", pv.core)
	}
	return c
}

// CheckOAuthPlugin checks the OAuth 2.0 provider plugin against the row of the
// product version. plugin nil means the plugin is not installed.
func CheckOAuthPlugin(p api.Product, productVersion string, plugin *api.Plugin) Check {
	c := Check{ID: CheckIDOAuthPlugin, Name: oauthPluginName}
	row, pv, skip, ok := pluginRow(p, productVersion)
	if !ok {
		return skip.with(c)
	}
	req := oauthRequirement(p, row, pv)
	c, found, done := pluginPresence(c, p, oauthPluginName, api.OAuth2ProviderPluginKey, row.oauthMin, req, plugin)
	if done {
		return c
	}
	if !found.atLeast(version.Must(version.NewVersion(row.oauthMin))) {
		c.Status = StatusFail
		c.Detail = fmt.Sprintf("version %s found%s; %s", found.raw, found.preNote(), req)
		c.Remedy = updateRemedy(p, oauthPluginName, api.OAuth2ProviderPluginKey, row.oauthMin)
		return c
	}
	if fix, ok := lineFix(found); ok && !found.atLeast(fix) {
		c.Status = StatusWarn
		c.Detail = fmt.Sprintf("version %s found; %s, but on the %d.x line the fix the iOS app needs came in %s, so %s is not known to carry it",
			found.raw, req, found.major(), fix.Original(), found.raw)
		c.Remedy = updateRemedy(p, oauthPluginName, api.OAuth2ProviderPluginKey, fix.Original()) +
			" Once the link exists, the wizard's verification asks the provider's consent page as the app does: a 412 there means the plugin is too old for the app's redirect."
		return c
	}
	c.Status = StatusOK
	c.Detail = fmt.Sprintf("version %s found; %s", found.raw, req)
	return c
}

// CheckMobilePlugin checks the product's mobile plugin (needed for the non-MDM
// setup only). plugin nil means the plugin is not installed.
func CheckMobilePlugin(p api.Product, productVersion string, plugin *api.Plugin) Check {
	c := mobileCheck(p)
	row, pv, skip, ok := pluginRow(p, productVersion)
	if !ok {
		return skip.with(c)
	}
	name, key := productUIs[p].mobileName, p.MobilePluginKey()
	req := fmt.Sprintf("%s needs %s or later", row.mobileLabel, row.mobileMin)
	c, found, done := pluginPresence(c, p, name, key, row.mobileMin, req, plugin)
	if done {
		return c
	}
	if !found.atLeast(version.Must(version.NewVersion(row.mobileMin))) {
		c.Status = StatusFail
		c.Detail = fmt.Sprintf("version %s found%s; %s", found.raw, found.preNote(), req)
		c.Remedy = updateRemedy(p, name, key, row.mobileMin)
		return c
	}
	if row.later(pv) {
		// Atlassian gives no minimum for this major: meeting the older one is
		// a good sign, not a guarantee, and the admin is the one who can tell.
		c.Status = StatusWarn
		c.Detail = fmt.Sprintf("version %s found; the documented minimum %s is for %s, and %s %s is a later major",
			found.raw, row.mobileMin, row.mobileLabel, p.Title(), pv.raw)
		c.Remedy = fmt.Sprintf("Check on the Atlassian Marketplace that %s %s is compatible with %s %d (update it in %s if not), or use the MDM setup, which does not need this plugin.",
			name, found.raw, p.Title(), pv.major(), productUIs[p].manageApps)
		return c
	}
	c.Status = StatusOK
	c.Detail = fmt.Sprintf("version %s found; %s", found.raw, req)
	return c
}

// CheckOAuthPluginUnread is the verdict on the OAuth 2.0 provider plugin when
// its version could not be read: present names the anonymous resource that
// answered ("" when it answered 404, i.e. the plugin is missing or disabled).
func CheckOAuthPluginUnread(p api.Product, productVersion, present string) Check {
	c := Check{ID: CheckIDOAuthPlugin, Name: oauthPluginName}
	row, pv, skip, ok := pluginRow(p, productVersion)
	if !ok {
		return skip.with(c)
	}
	req := oauthRequirement(p, row, pv)
	return unreadVerdict(c, p, oauthPluginName, api.OAuth2ProviderPluginKey, row.oauthMin, req, present, "not installed or not enabled")
}

// oauthRequirement says which minimum of the OAuth 2.0 provider plugin applies
// to the product version, and why: both verdicts, read or unread, give it.
func oauthRequirement(p api.Product, row matrixRow, pv parsedVersion) string {
	switch {
	case row.later(pv):
		return fmt.Sprintf("%s %s is later than the documented versions, so the %s %s minimum applies: %s or later",
			p.Title(), pv.raw, p.Title(), row.span, row.oauthMin)
	case row.oauthRule != "":
		return fmt.Sprintf("%s applies to %s %s: %s or later", row.oauthRule, p.Title(), row.span, row.oauthMin)
	}
	return fmt.Sprintf("%s %s needs %s or later", p.Title(), row.span, row.oauthMin)
}

// mobileCheck is the mobile plugin's check before its verdict, named after the
// product's plugin when the product is known.
func mobileCheck(p api.Product) Check {
	c := Check{ID: CheckIDMobilePlugin, Name: "Mobile plugin"}
	if knownProduct(p) {
		c.Name = productUIs[p].mobileName
	}
	return c
}

// CheckMobilePluginUnread is CheckOAuthPluginUnread for the mobile plugin.
func CheckMobilePluginUnread(p api.Product, productVersion, present string) Check {
	c := mobileCheck(p)
	row, _, skip, ok := pluginRow(p, productVersion)
	if !ok {
		return skip.with(c)
	}
	req := fmt.Sprintf("%s needs %s or later", row.mobileLabel, row.mobileMin)
	// Older Jira mobile plugins serve info/login at another path.
	return unreadVerdict(c, p, productUIs[p].mobileName, p.MobilePluginKey(), row.mobileMin, req, present, "missing, disabled, or older than the version the matrix needs")
}

func unreadVerdict(c Check, p api.Product, name, key, min, req, present, absent string) Check {
	ui := productUIs[p]
	const why = "the Universal Plugin Manager asked for a secure administrator session (websudo), so the version could not be read"
	if present == "" {
		c.Status = StatusFail
		c.Detail = fmt.Sprintf("%s (%s; its own resource answers 404); %s", absent, why, req)
		c.Remedy = fmt.Sprintf("Install, update or enable the %s (%s), %s or later, in %s.", name, key, min, ui.manageApps)
		return c
	}
	c.Status = StatusWarn
	c.Detail = fmt.Sprintf("installed and enabled (%s answers), but %s; %s", present, why, req)
	c.Remedy = fmt.Sprintf("Check the version of the %s (%s) in %s: it must be %s or later.", name, key, ui.manageApps, min)
	return c
}

// IOSAppCheck states the app requirement: the server cannot see the devices,
// so it is informational (OK) with a reminder as its remedy.
func IOSAppCheck(p api.Product) Check {
	app := "Jira or Confluence Data Center iOS app"
	if knownProduct(p) {
		app = productUIs[p].appName
	}
	return Check{
		ID:     CheckIDIOSApp,
		Name:   "iOS app version",
		Status: StatusOK,
		Detail: fmt.Sprintf("OAuth 2.0 needs the %s 2.0 or later; the app version cannot be checked from the server (information only)", app),
		Remedy: fmt.Sprintf("Make sure devices run the %s 2.0 or later (App Store, or the version your MDM deploys).", app),
	}
}

// skipReason is why a plugin check could not be judged: an earlier check
// failed, and that check carries the remedy (one cause, one remedy).
type skipReason struct{ detail string }

func (s skipReason) with(c Check) Check {
	c.Status = StatusSkip
	c.Detail = s.detail
	c.Remedy = ""
	return c
}

func pluginRow(p api.Product, productVersion string) (matrixRow, parsedVersion, skipReason, bool) {
	if !knownProduct(p) {
		return matrixRow{}, parsedVersion{}, skipReason{
			detail: fmt.Sprintf("not checked: depends on a supported product (found %s %s; see Product above)", quoteVersion(string(p)), quoteVersion(productVersion)),
		}, false
	}
	pv, err := parseVersionReported(productVersion)
	if err != nil {
		return matrixRow{}, parsedVersion{}, skipReason{
			detail: fmt.Sprintf("not checked: depends on a supported %s version (found %s; see %s version above)", p.Title(), quoteVersion(productVersion), p.Title()),
		}, false
	}
	row, _ := lookup(p, pv)
	if !row.supported {
		return row, pv, skipReason{
			detail: fmt.Sprintf("not checked: depends on a supported %s version (found %s %s; see %s version above)", p.Title(), p.Title(), pv.raw, p.Title()),
		}, false
	}
	return row, pv, skipReason{}, true
}

// pluginPresence handles the verdicts that do not need a version comparison:
// missing, disabled, unreadable version. done reports that c is final.
func pluginPresence(c Check, p api.Product, name, key, min, req string, plugin *api.Plugin) (_ Check, found parsedVersion, done bool) {
	ui := productUIs[p]
	if plugin == nil {
		c.Status = StatusFail
		c.Detail = "not installed; " + req
		c.Remedy = fmt.Sprintf("Install or update the %s (%s) to %s or later in %s.", name, key, min, ui.manageApps)
		return c, found, true
	}
	found, err := parseVersionReported(plugin.Version)
	if err != nil {
		c.Status = StatusFail
		c.Detail = fmt.Sprintf("the installed plugin reported %s; %s", err, req)
		c.Remedy = updateRemedy(p, name, key, min)
		return c, found, true
	}
	if !plugin.Enabled {
		c.Status = StatusFail
		c.Detail = fmt.Sprintf("version %s is installed but disabled; %s", found.raw, req)
		c.Remedy = fmt.Sprintf("Enable the %s (%s) in %s (it may be listed under System apps).", name, key, ui.manageApps)
		if !found.atLeast(version.Must(version.NewVersion(min))) {
			c.Remedy = fmt.Sprintf("Update the %s (%s) to %s or later and enable it, in %s.", name, key, min, ui.manageApps)
		}
		return c, found, true
	}
	return c, found, false
}

// preReleaseRemedy is the advice for a pre-release of a row's first version.
func preReleaseRemedy(p api.Product, pv parsedVersion, row matrixRow) string {
	s := fmt.Sprintf("Upgrade %s to the %s release or later: a pre-release build does not count.", p.Title(), pv.core)
	if row.caution != "" {
		s += " " + row.remedy
	}
	return s
}

func updateRemedy(p api.Product, name, key, min string) string {
	return fmt.Sprintf("Update the %s (%s) to %s or later in %s (bundled apps are listed under System apps), or upgrade %s to a release that bundles it.",
		name, key, min, productUIs[p].manageApps, p.Title())
}

// parseVersionReported wraps parseVersion with an error that quotes the
// (sanitised) string, for use in a Detail.
func parseVersionReported(s string) (parsedVersion, error) {
	if strings.TrimSpace(s) == "" {
		return parsedVersion{}, fmt.Errorf("no version")
	}
	pv, err := parseVersion(s)
	if err != nil {
		return parsedVersion{}, fmt.Errorf("version %s, which is not a version number", quoteVersion(s))
	}
	return pv, nil
}

// parsedVersion is a product or plugin version as reported, split into the
// numeric release and its qualifier.
//
// Qualifiers are of two kinds, and the difference matters at the matrix
// boundaries because go-version orders every "-qualifier" below the release:
//   - pre-release markers ("10.1.0-m0002", "4.1.0-rc1", "-beta", "-SNAPSHOT"):
//     a build made BEFORE the release. We keep go-version's ordering, so a
//     pre-release of a minimum does not meet that minimum. That is the
//     conservative answer: the documented fix may not be in a milestone.
//   - build flavours ("3.1.14-jira9"): the release itself, packaged for one
//     platform. These compare as their numeric release, otherwise an admin
//     with exactly the required plugin would be told to upgrade it.
//
// Anything whose qualifier starts with a digit (a timestamp, a respin
// counter) is treated as a pre-release too: when unsure, do not claim support.
type parsedVersion struct {
	raw  string           // as reported, spaces trimmed
	full *version.Version // including the qualifier
	core *version.Version // numeric segments only
	pre  string           // the pre-release qualifier, "" for releases and flavours
}

var preReleaseToken = regexp.MustCompile(`^((m|rc|cr|a|b)\d+|(alpha|beta|milestone|preview|pre|dev|snapshot|eap|ea|rc)\d*)$`)

func isPreRelease(qualifier string) bool {
	if qualifier == "" {
		return false
	}
	if c := qualifier[0]; c >= '0' && c <= '9' {
		return true
	}
	for _, tok := range strings.FieldsFunc(strings.ToLower(qualifier), func(r rune) bool {
		return r == '.' || r == '-' || r == '_' || r == '~'
	}) {
		if preReleaseToken.MatchString(tok) {
			return true
		}
	}
	return false
}

func parseVersion(raw string) (parsedVersion, error) {
	s := strings.TrimSpace(raw)
	if strings.HasPrefix(s, "V") {
		s = "v" + s[1:] // go-version only knows the lower-case prefix
	}
	full, err := version.NewVersion(s)
	if err != nil {
		return parsedVersion{}, err
	}
	segs := full.Segments64()
	parts := make([]string, len(segs))
	for i, n := range segs {
		parts[i] = strconv.FormatInt(n, 10)
	}
	core, err := version.NewVersion(strings.Join(parts, "."))
	if err != nil {
		return parsedVersion{}, err
	}
	// go-version's grammar admits only [0-9A-Za-z.+~-], so only the length
	// needs taming before the string goes into a Detail.
	shown := strings.TrimSpace(raw)
	if len(shown) > 40 {
		shown = shown[:40] + "…"
	}
	p := parsedVersion{raw: shown, full: full, core: core}
	if isPreRelease(full.Prerelease()) {
		p.pre = full.Prerelease()
	}
	return p, nil
}

// effective is the version used for comparisons (see parsedVersion).
func (p parsedVersion) effective() *version.Version {
	if p.pre != "" {
		return p.full
	}
	return p.core
}

func (p parsedVersion) atLeast(min *version.Version) bool {
	return p.effective().GreaterThanOrEqual(min)
}

func (p parsedVersion) major() int64 { return p.core.Segments64()[0] }

// preNote explains why a pre-release may not count as its release; "" otherwise.
func (p parsedVersion) preNote() string {
	if p.pre == "" {
		return ""
	}
	return fmt.Sprintf(" (a pre-release of %s, which counts as earlier than the %s release)", p.core, p.core)
}

// quoteVersion makes a reported string safe for a one-line Detail: quoted,
// control characters escaped, and cut short so a server cannot flood the report.
func quoteVersion(s string) string {
	const maxRunes = 40
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxRunes {
		r := []rune(s)
		s = string(r[:maxRunes]) + "…"
	}
	return strconv.Quote(s)
}
