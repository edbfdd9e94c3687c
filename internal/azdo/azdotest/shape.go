package azdotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// ShapeRules say how CompareShape reads two JSON documents. Paths name a
// place in a document: object fields joined by ".", "[]" for the elements
// of an array and "*" for the values of a map, e.g.
// "value[].comments[].author.id" or "value[].properties.*.$type".
type ShapeRules struct {
	// Ignore lists paths whose recorded fields the other document need not
	// have, each with the reason (which is never empty). An ignored path
	// the other document does answer is reported, so ignores cannot
	// outlive their reason.
	Ignore map[string]string
	// Maps are objects whose keys are data, not field names (properties,
	// _links, inputs): their values are compared as one shape, the keys
	// not at all.
	Maps []string
	// Enums are string fields whose spellings must be the same: the sets
	// of values found at the path in the two documents must be equal.
	Enums []string
}

// CompareShape reports where got does not have the shape of recorded:
// every field recorded (recursively, the elements of an array read as the
// union of their fields) must be in got with the same JSON type, and every
// enum path must carry the same spellings. A recorded null says nothing
// and is skipped. Fields only got has are not reported. It returns one line
// per difference, sorted; none means the shapes agree.
func CompareShape(recorded, got []byte, rules ShapeRules) ([]string, error) {
	for path, why := range rules.Ignore {
		if strings.TrimSpace(why) == "" {
			return nil, fmt.Errorf("azdotest: ignored path %s has no reason", path)
		}
	}
	r, err := shapeOf(recorded, rules)
	if err != nil {
		return nil, fmt.Errorf("azdotest: recorded document: %w", err)
	}
	g, err := shapeOf(got, rules)
	if err != nil {
		return nil, fmt.Errorf("azdotest: compared document: %w", err)
	}
	var diffs []string
	compareShapes("", r, g, rules, &diffs)
	slices.Sort(diffs)
	return diffs, nil
}

// shape is the union of the JSON values found at one path.
type shape struct {
	types  map[string]bool // "object", "array", "string", "number", "bool", "null"
	fields map[string]*shape
	elem   *shape
	values map[string]bool // strings seen, for enum paths
}

func newShape() *shape { return &shape{types: map[string]bool{}, fields: map[string]*shape{}} }

func shapeOf(doc []byte, rules ShapeRules) (*shape, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	s := newShape()
	s.add("", v, rules)
	return s, nil
}

func (s *shape) add(path string, v any, rules ShapeRules) {
	switch x := v.(type) {
	case nil:
		s.types["null"] = true
	case map[string]any:
		s.types["object"] = true
		isMap := slices.Contains(rules.Maps, path)
		for k, fv := range x {
			if isMap {
				k = "*"
			}
			f := s.fields[k]
			if f == nil {
				f = newShape()
				s.fields[k] = f
			}
			f.add(join(path, k), fv, rules)
		}
	case []any:
		s.types["array"] = true
		if s.elem == nil {
			s.elem = newShape()
		}
		for _, e := range x {
			s.elem.add(path+"[]", e, rules)
		}
	case string:
		s.types["string"] = true
		if slices.Contains(rules.Enums, path) {
			if s.values == nil {
				s.values = map[string]bool{}
			}
			s.values[x] = true
		}
	case json.Number:
		s.types["number"] = true
	case bool:
		s.types["bool"] = true
	}
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// nonNull lists the types of s other than null, sorted.
func (s *shape) nonNull() []string {
	if s == nil {
		return nil
	}
	var out []string
	for t := range s.types {
		if t != "null" {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

func compareShapes(path string, r, g *shape, rules ShapeRules, diffs *[]string) {
	if _, ok := rules.Ignore[path]; ok && path != "" {
		if len(r.nonNull()) > 0 && len(g.nonNull()) > 0 {
			*diffs = append(*diffs, fmt.Sprintf("%s: ignored, but answered: drop the ignore", path))
		}
		return
	}
	want := r.nonNull()
	if len(want) == 0 {
		return
	}
	have := g.nonNull()
	if len(have) == 0 {
		*diffs = append(*diffs, fmt.Sprintf("%s: missing (recorded: %s)", orRoot(path), strings.Join(want, "|")))
		return
	}
	for _, t := range want {
		if !g.types[t] {
			*diffs = append(*diffs, fmt.Sprintf("%s: type %s, recorded %s", orRoot(path), strings.Join(have, "|"), strings.Join(want, "|")))
			return
		}
	}
	if r.values != nil || g.values != nil {
		rv, gv := slices.Sorted(maps.Keys(r.values)), slices.Sorted(maps.Keys(g.values))
		if !slices.Equal(rv, gv) {
			*diffs = append(*diffs, fmt.Sprintf("%s: spelled %q, recorded %q", orRoot(path), gv, rv))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(r.fields)) {
		compareShapes(join(path, k), r.fields[k], g.fields[k], rules, diffs)
	}
	if r.elem != nil {
		var ge *shape
		if g != nil {
			ge = g.elem
		}
		compareShapes(path+"[]", r.elem, ge, rules, diffs)
	}
}

func orRoot(path string) string {
	if path == "" {
		return "(document)"
	}
	return path
}
