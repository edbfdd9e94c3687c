package orgs

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/credential"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
)

// CredentialSpec is an organisation's credential key: exactly one kind
// (see [credential.Spec]).
type CredentialSpec = credential.Spec

// CredentialOptions are what building a credential may need besides its
// spec: Entra's authority host, the HTTP transport, the environment.
type CredentialOptions = credential.Options

// decodeCredential decodes the credential key: its yaml tags are the
// contract, unknown keys are problems.
func decodeCredential(d *repoconfig.Decoder, n ast.Node, at string, o options) CredentialSpec {
	n = d.Resolve(n, at)
	if n == nil {
		return CredentialSpec{}
	}
	if _, ok := n.(*ast.MappingNode); !ok {
		if _, ok := n.(*ast.MappingValueNode); !ok {
			d.Add(n, at, "expected a mapping with one of pat, pat_file, service_principal, managed_identity, workload_identity")
			return CredentialSpec{}
		}
	}
	if !knownKeys(d, n, at, reflect.TypeFor[CredentialSpec]()) {
		return CredentialSpec{}
	}
	var s CredentialSpec
	if err := yaml.NodeToValue(n, &s, yaml.DisallowUnknownField()); err != nil {
		var ye yaml.Error
		if errors.As(err, &ye) && ye.GetToken() != nil {
			// The token is the offending key or value.
			d.Add(ast.String(ye.GetToken()), at, "%s", redactQuoted(ye.GetMessage()))
		} else {
			d.Add(n, at, "%s", redactQuoted(err.Error()))
		}
		return CredentialSpec{}
	}
	s.PAT, s.PATFile = strings.TrimSpace(s.PAT), strings.TrimSpace(s.PATFile)
	s = s.Resolve(o.env)
	valid := true
	for _, err := range unjoin(s.Validate()) {
		var fe *credential.FieldError
		if !errors.As(err, &fe) {
			d.Add(n, at, "%s", err)
			valid = false
			continue
		}
		if o.check && fe.Env != "" {
			continue // left to the processes' environment
		}
		valid = false
		node, field := keyNode(n, at, fe.Key)
		d.Add(node, field, "%s", fe.Problem)
	}
	if valid && o.readFiles {
		for _, f := range s.Files() {
			err := credential.CheckFile(f)
			var fe *credential.FileError
			switch {
			case err == nil:
			case errors.As(err, &fe):
				// The path is not shown: the likeliest mistake is the token
				// or secret itself pasted under the *_file key. The line
				// and column say which value it is.
				node, field := keyNode(n, at, f.Key)
				d.Add(node, field, "the file it names %s", fe.Problem)
			default:
				node, field := keyNode(n, at, f.Key)
				d.Add(node, field, "%s", err)
			}
		}
	}
	return s
}

// knownKeys reports each key of the mapping n (and of the mappings in it)
// that the struct t has no yaml tag for, through the decoder, which hides
// the key itself: a key of a credential may be a token or secret written
// where a key goes (credential: {<token>}). It returns whether every key is known; values
// that are not mappings are left to the decoding.
func knownKeys(d *repoconfig.Decoder, n ast.Node, at string, t reflect.Type) bool {
	if tn, ok := n.(*ast.TagNode); ok {
		n = tn.Value
	}
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		return true
	}
	var names []string
	fields := map[string]reflect.Type{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		names = append(names, name)
		fields[name] = f.Type
	}
	ok := true
	for _, mv := range values {
		if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
			// The decoding merges the keys of the mapping given (<<: {…}).
			ok = knownKeys(d, mv.Value, at, t) && ok
			continue
		}
		key := keyText(mv.Key)
		ft, known := fields[key]
		if !known {
			d.UnknownKey(mv.Key, at, key, names)
			ok = false
			continue
		}
		if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct && mv.Value != nil {
			ok = knownKeys(d, mv.Value, at+"."+key, ft.Elem()) && ok
		}
	}
	return ok
}

// unjoin splits an errors.Join into its errors (nil: none).
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// keyNode locates key, a credential spec's key path such as
// "credential.service_principal.client_id", in the credential mapping n
// at the field path at: the node of its value, or of the deepest key of
// the path the file has (a key left out is reported where it belongs),
// and the key's field path.
func keyNode(n ast.Node, at, key string) (ast.Node, string) {
	parts := strings.Split(strings.TrimPrefix(key, "credential"), ".")[1:]
	field := strings.Join(append([]string{at}, parts...), ".")
	cur := n
	for _, part := range parts {
		if t, ok := cur.(*ast.TagNode); ok {
			cur = t.Value
		}
		var values []*ast.MappingValueNode
		switch m := cur.(type) {
		case *ast.MappingNode:
			values = m.Values
		case *ast.MappingValueNode:
			values = []*ast.MappingValueNode{m}
		}
		i := slices.IndexFunc(values, func(mv *ast.MappingValueNode) bool { return keyText(mv.Key) == part })
		if i < 0 || values[i].Value == nil {
			return cur, field
		}
		cur = values[i].Value
	}
	return cur, field
}

// keyText is a mapping key as written, unquoted.
func keyText(k ast.MapKeyNode) string {
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}

// NewCredential returns the organisation's credential. A pat_file is read
// now: a rotated token is picked up when the organisations are loaded
// again (SIGHUP).
func (o Organization) NewCredential(ctx context.Context, opts CredentialOptions) (azdo.Credential, error) {
	cred, err := buildCredential(ctx, o.Credential, opts)
	if err != nil {
		return nil, fmt.Errorf("organisation %s: %w", o.Name, err)
	}
	return cred, nil
}

// buildCredential turns a spec into a credential: the one place that knows
// the kinds is the credential package.
func buildCredential(ctx context.Context, s CredentialSpec, opts CredentialOptions) (azdo.Credential, error) {
	return credential.New(ctx, s, opts)
}
