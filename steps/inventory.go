package steps

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/api"

	"github.com/mobile-oauth-wizard/mobile-oauth-wizard/internal/regularfile"
)

// Instance is one Jira or Confluence instance in a run over several. It says
// where the credentials come from, never what they are.
type Instance struct {
	// URL is the normalised base URL.
	URL string
	// Title is the site title in the app; "" = the instance's own name.
	Title string
	// Mode is "" when the entry leaves it to the run.
	Mode Mode
	// Product, when the entry names it, is checked against the instance (never
	// forced); it also says, before the run, which app's site list the
	// instance's site goes to.
	Product api.Product
	// Creds is where the credentials come from; its zero value means the
	// credentials the whole run was given (one token shared by every instance).
	Creds CredentialSource
	// Line is the entry's line in the inventory file; 0 when it did not come
	// from a file.
	Line int
}

// CredentialSource names where an instance's credentials are: at most one of
// an environment variable with a personal access token, a file holding one, or
// a user name for Basic authentication.
type CredentialSource struct {
	TokenEnv  string // name of an environment variable
	TokenFile string // absolute, or relative to the working directory
	User      string // Basic authentication as this user
	// PasswordEnv names the variable with User's password; "" = the run's.
	PasswordEnv string
}

// Shared reports whether the instance uses the run's credentials.
func (c CredentialSource) Shared() bool { return c == CredentialSource{} }

// Inventory keys. The secrets themselves are refused by name so that a
// pasted token gets a clear error instead of "unknown key".
var (
	inventoryKeys = []string{"url", "title", "mode", "product", "token_env", "token_file", "user", "password_env"}
	secretKeys    = []string{"token", "password", "pat", "secret", "personal_access_token"}
	envName       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
)

// isVariableName reports whether v can be the name of an environment
// variable as people write them: letters of one case (JIRA_TOKEN, or
// jira_token), digits and underscores, at most 64 characters. A personal
// access token is base64, letters of both cases: pasted where a name goes,
// it is refused rather than used, and echoed, as a name.
func isVariableName(v string) bool {
	return envName.MatchString(v) && (strings.ToUpper(v) == v || strings.ToLower(v) == v)
}

// InventoryError is a problem with an inventory file, located by line.
type InventoryError struct {
	Line int
	Msg  string
}

func (e *InventoryError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

func invError(n *yaml.Node, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &InventoryError{Line: line, Msg: fmt.Sprintf(format, args...)}
}

// maxInventory bounds what LoadInventory reads: an inventory names a handful
// of instances.
const maxInventory = 1 << 20

// LoadInventory reads an inventory file; relative token_file paths are taken
// from the file's own folder, so the inventory works from any directory.
func LoadInventory(path string) ([]Instance, error) {
	data, err := regularfile.Read(path, maxInventory)
	if errors.Is(err, regularfile.ErrTooLarge) {
		return nil, fmt.Errorf("%s is larger than an inventory can be", path)
	}
	if err != nil {
		return nil, err
	}
	inst, err := ParseInventory(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	dir := filepath.Dir(path)
	for i := range inst {
		if f := inst[i].Creds.TokenFile; f != "" && !filepath.IsAbs(f) {
			inst[i].Creds.TokenFile = filepath.Join(dir, f)
		}
	}
	return inst, nil
}

// ParseInventory reads an inventory: a YAML document with a list of
// instances, one mapping each.
//
//	defaults:            # optional: keys every instance shares
//	  mode: mdm
//	instances:
//	  - url: https://jira.example.com
//	    title: Jira
//	    mode: mdm
//	    token_env: JIRA_TOKEN
//	  - url: https://wiki.example.com
//	    token_file: wiki.token
//
// Values are taken as written (no YAML typing: "title: yes" is the title
// "yes"); anchors and merge keys (<<: *defaults) work. Errors name the line
// and the key, and never repeat a value that may be a secret.
func ParseInventory(data []byte) ([]Instance, error) {
	if len(data) > maxInventory {
		return nil, errors.New("larger than an inventory can be")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not an inventory: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, errors.New("the inventory is empty: list the instances under \"instances:\"")
	}
	root := deref(doc.Content[0])
	if root.Kind != yaml.MappingNode {
		return nil, invError(root, "the inventory must be a mapping with the key \"instances:\"")
	}
	m := &merger{memo: map[*yaml.Node][]field{}}
	fields, err := m.fields(root, 0)
	if err != nil {
		return nil, err
	}
	var list *yaml.Node
	var defaults []field
	for _, f := range fields {
		switch f.key.Value {
		case "instances":
			list = deref(f.value)
		case "defaults":
			d := deref(f.value)
			if d.Kind != yaml.MappingNode {
				return nil, invError(d, "\"defaults:\" must be a mapping of keys every instance shares, like \"mode: mdm\"")
			}
			if defaults, err = m.fields(d, 0); err != nil {
				return nil, err
			}
			if slices.ContainsFunc(defaults, func(f field) bool { return f.key.Value == "url" }) {
				return nil, invError(d, "\"defaults:\" cannot hold url: each instance has its own")
			}
		default:
			return nil, invError(f.key, "unknown key %q: the inventory has \"instances:\" and, optionally, \"defaults:\"", f.key.Value)
		}
	}
	if list == nil || (list.Kind == yaml.ScalarNode && list.Tag == "!!null") {
		return nil, invError(root, "\"instances:\" lists no instances")
	}
	if list.Kind != yaml.SequenceNode {
		return nil, invError(list, "\"instances:\" must be a list (one \"- url: ...\" per instance)")
	}
	if len(list.Content) == 0 {
		return nil, invError(list, "\"instances:\" lists no instances")
	}
	out := make([]Instance, 0, len(list.Content))
	for i, n := range list.Content {
		inst, err := parseEntry(m, deref(n), i+1, defaults)
		if err != nil {
			return nil, err
		}
		out = append(out, inst)
	}
	if err := CheckDistinct(out); err != nil {
		return nil, err
	}
	return out, nil
}

func parseEntry(m *merger, n *yaml.Node, index int, defaults []field) (Instance, error) {
	inst := Instance{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return inst, invError(n, "instance %d must be a mapping like \"- url: https://jira.example.com\"", index)
	}
	fields, err := m.fields(n, 0)
	if err != nil {
		return inst, err
	}
	// The credential keys go together: an entry that names its own
	// credentials takes none of the defaults'.
	if slices.ContainsFunc(fields, isCredField) {
		defaults = slices.DeleteFunc(slices.Clone(defaults), isCredField)
	}
	fields = withDefaults(fields, defaults)
	values := map[string]string{}
	for _, f := range fields {
		k := f.key.Value
		if slices.Contains(secretKeys, strings.ToLower(k)) {
			return inst, invError(f.key, "instance %d: %q: the inventory says where the credentials are, never what they are: put the token in an environment variable named by token_env, or in a file named by token_file", index, k)
		}
		if !slices.Contains(inventoryKeys, k) {
			return inst, invError(f.key, "instance %d: unknown key %q (the keys are %s)", index, k, strings.Join(inventoryKeys, ", "))
		}
		v := deref(f.value)
		if v.Kind != yaml.ScalarNode {
			return inst, invError(v, "instance %d: %s must be a single value", index, k)
		}
		if v.Tag == "!!null" {
			continue
		}
		values[k] = strings.TrimSpace(v.Value)
	}
	where := func(key string) *yaml.Node {
		for _, f := range fields {
			if f.key.Value == key {
				return f.key
			}
		}
		return n
	}

	raw, ok := values["url"]
	if !ok || raw == "" {
		return inst, invError(n, "instance %d has no url", index)
	}
	u, err := NormalizeBaseURL(raw)
	if err != nil {
		return inst, invError(where("url"), "instance %d: url: %v", index, err)
	}
	inst.URL = u
	inst.Title = values["title"]
	if m := values["mode"]; m != "" {
		mode, err := ParseMode(m)
		if err != nil {
			return inst, invError(where("mode"), "instance %d: mode: %v", index, err)
		}
		inst.Mode = mode
	}
	if p := values["product"]; p != "" {
		product, err := api.ParseProduct(p)
		if err != nil {
			return inst, invError(where("product"), "instance %d: product: %v", index, err)
		}
		inst.Product = product
	}

	c := CredentialSource{TokenEnv: values["token_env"], TokenFile: values["token_file"], User: values["user"], PasswordEnv: values["password_env"]}
	given := 0
	for _, s := range []string{c.TokenEnv, c.TokenFile, c.User} {
		if s != "" {
			given++
		}
	}
	if given > 1 {
		return inst, invError(n, "instance %d: give one of token_env, token_file or user, not several", index)
	}
	for _, k := range []string{"token_env", "password_env"} {
		// The value is not quoted: what does not look like a variable name
		// may well be the secret itself.
		if v := values[k]; v != "" && !isVariableName(v) {
			return inst, invError(where(k), "instance %d: %s must name an environment variable (like JIRA_TOKEN), and this value is not a variable name: never put the secret itself in the inventory", index, k)
		}
	}
	if c.PasswordEnv != "" && c.User == "" {
		return inst, invError(where("password_env"), "instance %d: password_env needs user (Basic authentication as that user)", index)
	}
	inst.Creds = c
	return inst, nil
}

type field struct{ key, value *yaml.Node }

func isCredField(f field) bool {
	switch f.key.Value {
	case "token_env", "token_file", "user", "password_env":
		return true
	}
	return false
}

// Bounds on what anchors, aliases and merge keys may expand to. An alias
// costs nothing in the file and may stand for a mapping that merges two
// aliases, and so on: 40 such lines, 812 bytes, would double the work 40
// times. Each mapping's fields are worked out once (merger.memo) and hold at
// most its distinct keys; these bounds refuse what no inventory needs.
const (
	maxMergeDepth = 16     // merges within merges
	maxMergeWork  = 100000 // keys and merge sources looked at, in all
)

// merger works out mappings' fields, each mapping once, within the bounds.
type merger struct {
	memo map[*yaml.Node][]field
	work int
}

// fields lists a mapping's keys and values with merge keys (<<) applied:
// a key written in the mapping wins over one merged in.
func (m *merger) fields(n *yaml.Node, depth int) ([]field, error) {
	if fs, ok := m.memo[n]; ok {
		return fs, nil
	}
	if depth > maxMergeDepth {
		return nil, invError(n, "merge keys (<<) nested more than %d deep: an inventory needs a level or two", maxMergeDepth)
	}
	fs, err := m.expand(n, depth)
	if err != nil {
		return nil, err
	}
	m.memo[n] = fs
	return fs, nil
}

func (m *merger) expand(n *yaml.Node, depth int) ([]field, error) {
	var own, merged []field
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, invError(k, "keys must be plain words")
		}
		if k.Tag == "!!merge" || k.Value == "<<" {
			srcs := []*yaml.Node{v}
			if d := deref(v); d.Kind == yaml.SequenceNode {
				srcs = d.Content
			}
			for _, s := range srcs {
				s = deref(s)
				if s.Kind != yaml.MappingNode {
					return nil, invError(s, "<< must merge a mapping")
				}
				fs, err := m.fields(s, depth+1)
				if err != nil {
					return nil, err
				}
				if m.work += 1 + len(fs); m.work > maxMergeWork {
					return nil, invError(s, "the anchors and merge keys (<<) expand to more than an inventory can be")
				}
				merged = withDefaults(merged, fs)
			}
			continue
		}
		if m.work++; m.work > maxMergeWork {
			return nil, invError(k, "the anchors and merge keys (<<) expand to more than an inventory can be")
		}
		for _, f := range own {
			if f.key.Value == k.Value {
				return nil, invError(k, "%q is given twice", k.Value)
			}
		}
		own = append(own, field{k, v})
	}
	return withDefaults(own, merged), nil
}

// withDefaults adds the defaults whose keys fields does not have, in a new
// slice: fields may be shared (merger.memo).
func withDefaults(fields, defaults []field) []field {
	out := slices.Clip(fields)
	for _, d := range defaults {
		if !slices.ContainsFunc(out, func(f field) bool { return f.key.Value == d.key.Value }) {
			out = append(out, d)
		}
	}
	return out
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// CheckDistinct refuses a list that names one instance twice: two runs against
// one instance at the same time could each create a link, and the site list
// can hold the instance only once.
func CheckDistinct(list []Instance) error {
	seen := make(map[string]int, len(list))
	for i, inst := range list {
		k := siteKey(inst.URL)
		if j, ok := seen[k]; ok {
			return &InventoryError{Line: inst.Line, Msg: fmt.Sprintf("%s is listed twice (instances %d and %d)", inst.URL, j+1, i+1)}
		}
		seen[k] = i
	}
	return nil
}
