package orgs

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"

	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// Organization is one organisation of the file.
type Organization struct {
	// Name names the organisation in logs, metrics (the org label) and
	// doctor's --org: the file's name key, or the URL's last path segment.
	Name string
	// URL is the organisation's URL, normalised
	// ([servicehooks.NormalizeOrgURL]): https://dev.azure.com/fabrikam, or
	// an Azure DevOps Server collection.
	URL string
	// Credential is how azreviewer authenticates to URL, and only there.
	Credential CredentialSpec
	// Defaults are the organisation's defaults for .azreviewer.yaml.
	Defaults repoconfig.Config
	// Projects are the per-project overrides of Defaults, by project name
	// in lower case (Azure DevOps compares project names so).
	Projects map[string]repoconfig.Config
	// AzureBudget is the identity-wide Azure DevOps budget of the
	// organisation's credential, in estimated TSTU units (azdo.CallCost)
	// per 5-minute window, shared by every process of the fleet: the
	// file's azure_budget. 0: the processes' default (AZDO_BUDGET);
	// [BudgetOff]: none for this organisation (azure_budget: off).
	AzureBudget int
	// Line is where the organisation starts in the file (0: not from a
	// file).
	Line int
}

// ProjectDefaults returns the project's overrides of Defaults (the zero
// Config when it has none); the project name is compared in any case.
func (o Organization) ProjectDefaults(project string) repoconfig.Config {
	return o.Projects[strings.ToLower(project)]
}

// Error is what [Parse] and [Load] return for an invalid file: every
// problem, in file order, each with its line and column.
type Error struct {
	// File is the file's path ("" when parsed from bytes).
	File     string
	Problems []repoconfig.Problem
}

// Error returns the problems, one per line, each led by the file's name.
func (e *Error) Error() string {
	file := e.File
	if file == "" {
		file = "organisations file"
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = file + " " + p.Detail()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so that errors.As finds a
// [repoconfig.Problem].
func (e *Error) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// MaxNameLength bounds an organisation's name (a metric label value).
const MaxNameLength = 64

// Load reads and parses the organisations file at path. A file that does
// not parse is an [*Error] naming path. env (os.Getenv in the processes;
// nil: none) fills a workload identity's fields the file leaves out.
func Load(path string, env func(string) string) ([]Organization, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the organisations file: %w", err)
	}
	list, err := Parse(data, env)
	var pe *Error
	if errors.As(err, &pe) {
		pe.File = path
	}
	return list, err
}

// Parse reads an organisations file (see the package documentation). It
// reports every problem, each with its line and column, as an [*Error];
// the list is then nil. env is as for [Load].
func Parse(data []byte, env func(string) string) ([]Organization, error) {
	return parse(data, options{env: env})
}

// options are how parse reads a file: for the processes ([Parse]) or for
// an operator's check ([Check]).
type options struct {
	// env is as for [Load].
	env func(string) string
	// check: a credential's key the environment would fill (a workload
	// identity's) is not a problem when the file leaves it empty.
	check bool
	// readFiles: the files the credentials name are read
	// ([credential.CheckFile]), each problem located at its key.
	readFiles bool
}

func parse(data []byte, o options) ([]Organization, error) {
	d := repoconfig.NewDecoder()
	// The file holds tokens and secrets, and its problems are printed and
	// logged: one written in the wrong place is never quoted back.
	d.HideText()
	var list []Organization
	root := d.Root(data)
	if root != nil {
		d.Mapping(root, "", "the file to be a mapping with organizations", []repoconfig.Field{
			{Name: "organizations", Decode: func(n ast.Node, path string) { list = organizations(d, n, path, o) }},
		})
	} else if len(d.Problems()) == 0 {
		d.Add(nil, "", "the file is empty; it must list organizations")
	}
	if len(list) == 0 && len(d.Problems()) == 0 {
		d.Add(root, "organizations", "no organisation is listed; list at least one, each with url and credential")
	}
	if ps := d.Problems(); len(ps) > 0 {
		for i, p := range ps {
			if p.Field == "" && strings.HasPrefix(p.Message, "YAML syntax error: ") {
				ps[i].Message = redactQuoted(p.Message)
			}
		}
		return nil, &Error{Problems: ps}
	}
	return list, nil
}

// quoted is a quoted string in a message of the YAML parser.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// redactQuoted replaces the text the YAML parser quotes from the file in
// a syntax error (a duplicate key, a block scalar's header) by "…", but
// for a single character and the file's own keys: the file holds tokens
// and secrets, and its problems are printed and logged. The line and
// column still say where the text is.
func redactQuoted(msg string) string {
	return quoted.ReplaceAllStringFunc(msg, func(q string) string {
		v, err := strconv.Unquote(q)
		if err == nil && (utf8.RuneCountInString(v) <= 1 || slices.Contains(fileKeys(), v)) {
			return q
		}
		return `"…"`
	})
}

// fileKeys are the keys of the file itself (not those of defaults):
// an organisation's and its credential's.
func fileKeys() []string {
	keys := []string{"organizations", "url", "name", "credential", "defaults", "projects", "azure_budget"}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			keys = append(keys, name)
			if f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct {
				add(f.Type.Elem())
			}
		}
	}
	add(reflect.TypeFor[CredentialSpec]())
	return keys
}

// organizations decodes the list of organisations.
func organizations(d *repoconfig.Decoder, n ast.Node, at string, opts options) []Organization {
	items, ok := d.Sequence(n, at, "a list of organisations, each with url and credential")
	if !ok {
		return nil
	}
	var out []Organization
	byURL, byName := map[string]string{}, map[string]string{}
	for i, it := range items {
		p := fmt.Sprintf("%s[%d]", at, i)
		var o Organization
		var urlNode, nameNode, credNode ast.Node
		d.Mapping(it, p, "an organisation: a mapping with url and credential", []repoconfig.Field{
			{Name: "url", Decode: func(n ast.Node, path string) {
				urlNode = n
				if s, ok := d.String(n, path); ok {
					if u, err := orgURL(s); err != nil {
						d.Add(n, path, "%s", err)
					} else {
						o.URL = u
					}
				}
			}},
			{Name: "name", Decode: func(n ast.Node, path string) {
				nameNode = n
				if s, ok := d.String(n, path); ok {
					if err := checkName(s); err != nil {
						d.Add(n, path, "%s", err)
					} else {
						o.Name = s
					}
				}
			}},
			{Name: "credential", Decode: func(n ast.Node, path string) {
				credNode = n
				o.Credential = decodeCredential(d, n, path, opts)
			}},
			{Name: "defaults", Decode: func(n ast.Node, path string) { o.Defaults = d.Config(n, path) }},
			{Name: "projects", Decode: func(n ast.Node, path string) { o.Projects = projects(d, n, path) }},
			{Name: "azure_budget", Decode: func(n ast.Node, path string) { o.AzureBudget = azureBudget(d, n, path) }},
		})
		switch it.(type) {
		case *ast.MappingNode, *ast.MappingValueNode:
		default:
			continue // reported by Mapping
		}
		o.Line = line(it)
		if urlNode == nil {
			d.Add(it, p, "url is missing; every organisation needs url and credential")
		}
		if credNode == nil {
			d.Add(it, p, "credential is missing; every organisation needs one: pat, pat_file, service_principal, managed_identity or workload_identity")
		}
		if o.URL == "" {
			continue
		}
		if first, dup := byURL[o.URL]; dup {
			d.Add(urlNode, p+".url", "%s is already listed as %s; list each organisation once", o.URL, first)
			continue
		}
		byURL[o.URL] = fmt.Sprintf("%s (line %d)", p, line(urlNode))
		if o.Name == "" {
			o.Name = path.Base(strings.TrimRight(mustPath(o.URL), "/"))
			nameNode = urlNode
		}
		key := strings.ToLower(o.Name)
		if first, dup := byName[key]; dup {
			d.Add(nameNode, p+".name", "the name %q is already that of %s; give each organisation a name of its own (name: …)", o.Name, first)
			continue
		}
		byName[key] = fmt.Sprintf("%s (line %d)", p, line(it))
		out = append(out, o)
	}
	return out
}

// MaxAzureBudget bounds azure_budget: a thousand times Azure's global
// limit of 200 TSTU per 5 minutes is far beyond any identity's.
const MaxAzureBudget = 1_000_000

// BudgetOff is [Organization.AzureBudget] of azure_budget: off — no
// identity-wide budget for the organisation, whatever AZDO_BUDGET says.
const BudgetOff = -1

// azureBudget decodes azure_budget: a whole number of units per 5-minute
// window, 1 to MaxAzureBudget, or off ([BudgetOff]).
func azureBudget(d *repoconfig.Decoder, n ast.Node, at string) int {
	resolved := d.Resolve(n, at)
	if s, ok := resolved.(*ast.StringNode); ok && s.Value == "off" {
		return BudgetOff
	}
	in, ok := resolved.(*ast.IntegerNode)
	if !ok {
		// What it got is not shown: it may be a token written in the wrong
		// place.
		d.Add(n, at, "expected a whole number of estimated TSTU units per 5 minutes (e.g. 6000) or off")
		return 0
	}
	var v int64
	switch x := in.Value.(type) {
	case int64:
		v = x
	case uint64:
		v = math.MaxInt64
		if x <= math.MaxInt32 {
			v = int64(x)
		}
	}
	if v < 1 || v > MaxAzureBudget {
		d.Add(n, at, "%s is out of range; expected 1 to %d units per 5 minutes (leave azure_budget out for AZDO_BUDGET's)", in.Token.Value, MaxAzureBudget)
		return 0
	}
	return int(v)
}

// projects decodes the per-project overrides.
func projects(d *repoconfig.Decoder, n ast.Node, at string) map[string]repoconfig.Config {
	entries, ok := d.Entries(n, at, `a mapping of project names to {defaults: …}, like {"Web Platform": {defaults: {severity_threshold: warning}}}`)
	if !ok || len(entries) == 0 {
		return nil
	}
	out := make(map[string]repoconfig.Config, len(entries))
	where := map[string]int{}
	for _, e := range entries {
		p := at + "." + e.Key
		key := strings.ToLower(strings.TrimSpace(e.Key))
		if key == "" {
			d.Add(e.KeyNode, at, "a project name is empty")
			continue
		}
		if first, dup := where[key]; dup {
			d.Add(e.KeyNode, p, "project %q is already listed on line %d (names compare in any case)", e.Key, first)
			continue
		}
		where[key] = line(e.KeyNode)
		var cfg repoconfig.Config
		if e.Value != nil {
			d.Mapping(e.Value, p, "a mapping with defaults", []repoconfig.Field{
				{Name: "defaults", Decode: func(n ast.Node, path string) { cfg = d.Config(n, path) }},
			})
		}
		out[key] = cfg
	}
	return out
}

// Single is the one-entry list of AZDO_ORG_URL and its credential.
func Single(rawURL string, cred CredentialSpec) ([]Organization, error) {
	u, err := orgURL(rawURL)
	if err != nil {
		return nil, err
	}
	return []Organization{{Name: path.Base(mustPath(u)), URL: u, Credential: cred}}, nil
}

// Find returns the organisation named nameOrURL: by name in any case, or
// by URL (normalised).
func Find(list []Organization, nameOrURL string) (Organization, bool) {
	u := servicehooks.NormalizeOrgURL(nameOrURL)
	for _, o := range list {
		if strings.EqualFold(o.Name, nameOrURL) || o.URL == u {
			return o, true
		}
	}
	return Organization{}, false
}

// Names lists the organisations' names, for messages.
func Names(list []Organization) string {
	names := make([]string, len(list))
	for i, o := range list {
		names[i] = o.Name
	}
	return strings.Join(names, ", ")
}

// orgURL checks and normalises an organisation URL. Its errors say what
// is wrong and never show the URL: one copied from a git remote or a
// browser may hold a token, and a token may be pasted as the URL.
func orgURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", errors.New("is not an absolute http(s) URL, such as https://dev.azure.com/fabrikam (the value is not shown: it may be a token)")
	}
	var extra []string
	if u.User != nil {
		extra = append(extra, "a user name")
		if _, ok := u.User.Password(); ok {
			extra[0] = "a user name and password"
		}
	}
	if u.RawQuery != "" {
		extra = append(extra, "a query")
	}
	if u.Fragment != "" {
		extra = append(extra, "a fragment")
	}
	if len(extra) > 0 {
		return "", fmt.Errorf("has %s (not shown: it may hold a token); an organisation URL has no user name, query or fragment, as in https://dev.azure.com/fabrikam", strings.Join(extra, " and "))
	}
	n := servicehooks.NormalizeOrgURL(raw)
	if strings.Trim(mustPath(n), "/") == "" {
		return "", errors.New("names no organisation (or Azure DevOps Server collection) after the host, as in https://dev.azure.com/fabrikam")
	}
	return n, nil
}

// mustPath is the path of a URL orgURL accepted.
func mustPath(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Path
}

// checkName checks an organisation's name: printable, short.
func checkName(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return errors.New("is empty")
	case len(s) > MaxNameLength:
		return fmt.Errorf("is longer than %d bytes", MaxNameLength)
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return fmt.Errorf("%q has a character that is not printable", s)
	}
	return nil
}

func line(n ast.Node) int {
	if n == nil {
		return 0
	}
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 && !m.IsFlowStyle {
		n = m.Values[0].Key
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}
