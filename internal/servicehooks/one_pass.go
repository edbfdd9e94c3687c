package servicehooks

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// maxOnePassDepth bounds the nesting the one-pass decoder follows; a
// deeper body is left to encoding/json (which allows 10,000).
const maxOnePassDepth = 256

// decodeOnePass reads body in one pass: it checks the JSON as
// encoding/json's scanner does (or more strictly) while it decodes the
// envelope's fields and the resource's, as both kinds of event's. It
// reports false whenever encoding/json's answer could differ from what it
// read — a syntax error, a value of the wrong type, a name that is
// duplicated, escaped, not ASCII or matches a field only ignoring case, a
// resource that is not an object — and the caller then decodes with
// encoding/json. When it reports true, the envelope and both views are
// what encoding/json gives (FuzzOnePassMatchesEncodingJSON checks it).
func decodeOnePass(body []byte) (*Envelope, bool) {
	d := onePass{data: body}
	env := &Envelope{decoded: new(resourceViews)}
	d.space()
	if !d.envelope(env) {
		return nil, false
	}
	d.space()
	if d.i != len(d.data) || env.Resource == nil {
		return nil, false
	}
	return env, true
}

// onePass is a position in a body being decoded.
type onePass struct {
	data  []byte
	i     int
	depth int
}

// Field names of each object read, in the order the members switch on
// them. A name that matches one of these only ignoring case is left to
// encoding/json, which would fill the field.
var (
	envelopeFields   = []string{"subscriptionId", "notificationId", "id", "eventType", "publisherId", "message", "resource", "resourceVersion", "resourceContainers", "createdDate"}
	textFields       = []string{"text"}
	containerFields  = []string{"id", "baseUrl"}
	resourceFields   = []string{"pullRequestId", "status", "isDraft", "title", "sourceRefName", "targetRefName", "lastMergeSourceCommit", "lastMergeTargetCommit", "repository", "url", "comment", "pullRequest"}
	repositoryFields = []string{"id", "name", "url", "project"}
	projectFields    = []string{"id", "name"}
	commitFields     = []string{"commitId"}
	commentFields    = []string{"id", "parentCommentId", "content", "commentType", "publishedDate", "lastContentUpdatedDate", "author", "_links"}
	authorFields     = []string{"id", "displayName", "uniqueName"}
	linksFields      = []string{"threads"}
	linkFields       = []string{"href"}
)

// pullRequestCount: resourceFields[:pullRequestCount] are
// PullRequestResource's.
const pullRequestCount = 10

func (d *onePass) envelope(env *Envelope) bool {
	return d.object(envelopeFields, func(f int) bool {
		switch f {
		case 0:
			return d.stringField(&env.SubscriptionID)
		case 1:
			return d.int64Field(&env.NotificationID)
		case 2:
			return d.stringField(&env.ID)
		case 3:
			return d.stringField(&env.EventType)
		case 4:
			return d.stringField(&env.PublisherID)
		case 5:
			return pointer(d, &env.Message, func(t *Text) bool {
				return d.object(textFields, func(int) bool { return d.stringField(&t.Text) })
			})
		case 6:
			start := d.i
			if d.peek() != '{' || !d.resource(env.decoded) {
				return false
			}
			env.Resource = d.data[start:d.i:d.i]
			return true
		case 7:
			return d.stringField(&env.ResourceVersion)
		case 8:
			return d.containers(&env.ResourceContainers)
		default:
			return d.stringField(&env.CreatedDate)
		}
	})
}

// resource reads the resource object into both views: the pull-request
// fields into v.pullRequest, comment and pullRequest into v.comment.
func (d *onePass) resource(v *resourceViews) bool {
	return d.object(resourceFields, func(f int) bool {
		switch {
		case f < pullRequestCount:
			return d.pullRequestField(&v.pullRequest, f)
		case resourceFields[f] == "comment":
			return pointer(d, &v.comment.Comment, d.comment)
		default:
			return pointer(d, &v.comment.PullRequest, d.pullRequest)
		}
	})
}

func (d *onePass) pullRequest(pr *PullRequestResource) bool {
	return d.object(resourceFields[:pullRequestCount], func(f int) bool { return d.pullRequestField(pr, f) })
}

func (d *onePass) pullRequestField(pr *PullRequestResource, f int) bool {
	switch f {
	case 0:
		return d.intField(&pr.PullRequestID)
	case 1:
		return d.stringField(&pr.Status)
	case 2:
		return d.boolField(&pr.IsDraft)
	case 3:
		return d.stringField(&pr.Title)
	case 4:
		return d.stringField(&pr.SourceRefName)
	case 5:
		return d.stringField(&pr.TargetRefName)
	case 6:
		return pointer(d, &pr.LastMergeSourceCommit, d.commit)
	case 7:
		return pointer(d, &pr.LastMergeTargetCommit, d.commit)
	case 8:
		return pointer(d, &pr.Repository, d.repository)
	default:
		return d.stringField(&pr.URL)
	}
}

func (d *onePass) commit(c *commitRef) bool {
	return d.object(commitFields, func(int) bool { return d.stringField(&c.CommitID) })
}

func (d *onePass) repository(r *Repository) bool {
	return d.object(repositoryFields, func(f int) bool {
		switch f {
		case 0:
			return d.stringField(&r.ID)
		case 1:
			return d.stringField(&r.Name)
		case 2:
			return d.stringField(&r.URL)
		default:
			return pointer(d, &r.Project, func(p *Project) bool {
				return d.object(projectFields, func(f int) bool {
					if f == 0 {
						return d.stringField(&p.ID)
					}
					return d.stringField(&p.Name)
				})
			})
		}
	})
}

func (d *onePass) comment(c *Comment) bool {
	return d.object(commentFields, func(f int) bool {
		switch f {
		case 0:
			return d.intField(&c.ID)
		case 1:
			return d.intField(&c.ParentCommentID)
		case 2:
			return d.stringField(&c.Content)
		case 3:
			return d.stringField(&c.CommentType)
		case 4, 5:
			t := &c.PublishedDate
			if f == 5 {
				t = &c.LastContentUpdatedDate
			}
			// encoding/json hands time.Time the value's bytes, whatever
			// its kind.
			start := d.i
			return d.skip() && t.UnmarshalJSON(d.data[start:d.i]) == nil
		case 6:
			return pointer(d, &c.Author, func(a *Author) bool {
				return d.object(authorFields, func(f int) bool {
					switch f {
					case 0:
						return d.stringField(&a.ID)
					case 1:
						return d.stringField(&a.DisplayName)
					default:
						return d.stringField(&a.UniqueName)
					}
				})
			})
		default:
			return pointer(d, &c.Links, func(l *CommentLinks) bool {
				return d.object(linksFields, func(int) bool {
					return pointer(d, &l.Threads, func(t *Link) bool {
						return d.object(linkFields, func(int) bool { return d.stringField(&t.Href) })
					})
				})
			})
		}
	})
}

// containers reads resourceContainers as encoding/json reads a map: null
// leaves it nil, each member replaces the key's container (a null member
// stores a zero container).
func (d *onePass) containers(m *map[string]Container) bool {
	if d.null() {
		*m = nil
		return true
	}
	if d.peek() != '{' || !d.enter() {
		return false
	}
	if *m == nil {
		*m = map[string]Container{}
	}
	ok := d.members(func(key []byte, plainKey bool) bool {
		if !plainKey {
			return false
		}
		var c Container
		if !d.null() {
			if d.peek() != '{' {
				return false
			}
			if !d.object(containerFields, func(f int) bool {
				if f == 0 {
					return d.stringField(&c.ID)
				}
				return d.stringField(&c.BaseURL)
			}) {
				return false
			}
		}
		(*m)[string(key)] = c
		return true
	})
	d.depth--
	return ok
}

// pointer reads a pointer to a struct as encoding/json does: null sets it
// to nil, an object is read into a new value by read. Fields are never
// read twice (object declines duplicates), so the value is always new.
func pointer[T any](d *onePass, p **T, read func(*T) bool) bool {
	if d.null() {
		*p = nil
		return true
	}
	if d.peek() != '{' {
		return false
	}
	v := new(T)
	if !read(v) {
		return false
	}
	*p = v
	return true
}

// object reads an object at d.i whose fields are names: member is called
// with the index of each field present, d.i at its value, and must read
// the value. Other members are checked and skipped. It declines a member
// named in a way encoding/json might map to a field differently: escaped,
// not ASCII, duplicated, or equal to a field only ignoring case.
func (d *onePass) object(names []string, member func(field int) bool) bool {
	if d.peek() != '{' || !d.enter() {
		return false
	}
	var seen uint64
	ok := d.members(func(key []byte, plainKey bool) bool {
		if !plainKey {
			return false
		}
		f := field(names, key)
		switch {
		case f == -1:
			return d.skip()
		case f == -2 || seen&(1<<f) != 0:
			return false
		}
		seen |= 1 << f
		return member(f)
	})
	d.depth--
	return ok
}

// field is the index of key among names, -1 if it is none of them, -2 if
// encoding/json would still match it to one, ignoring case (key is plain
// ASCII: object declines the others).
func field(names []string, key []byte) int {
	for i, n := range names {
		if string(key) == n {
			return i
		}
	}
	for _, n := range names {
		if len(n) == len(key) && equalFoldASCII(n, key) {
			return -2
		}
	}
	return -1
}

func equalFoldASCII(a string, b []byte) bool {
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// members reads the members of the object whose '{' is at d.i, calling
// member with each name as it is written, whether it is plain (no escape,
// ASCII only: the name itself), and d.i at its value.
func (d *onePass) members(member func(key []byte, plainKey bool) bool) bool {
	d.i++
	d.space()
	if d.peek() == '}' {
		d.i++
		return true
	}
	for {
		start := d.i
		esc, ascii, ok := d.scanString()
		if !ok {
			return false
		}
		key := d.data[start+1 : d.i-1]
		d.space()
		if d.peek() != ':' {
			return false
		}
		d.i++
		d.space()
		if !member(key, !esc && ascii) {
			return false
		}
		d.space()
		switch d.peek() {
		case ',':
			d.i++
			d.space()
		case '}':
			d.i++
			return true
		default:
			return false
		}
	}
}

// enter counts one more level of nesting, false past maxOnePassDepth.
func (d *onePass) enter() bool {
	d.depth++
	return d.depth <= maxOnePassDepth
}

// skip checks and passes the value at d.i, whatever its kind.
func (d *onePass) skip() bool {
	switch c := d.peek(); {
	case c == '"':
		_, _, ok := d.scanString()
		return ok
	case c == '{':
		if !d.enter() {
			return false
		}
		ok := d.members(func([]byte, bool) bool { return d.skip() })
		d.depth--
		return ok
	case c == '[':
		if !d.enter() {
			return false
		}
		ok := d.array()
		d.depth--
		return ok
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		_, ok := d.number()
		return ok
	}
	return false
}

func (d *onePass) array() bool {
	d.i++
	d.space()
	if d.peek() == ']' {
		d.i++
		return true
	}
	for {
		if !d.skip() {
			return false
		}
		d.space()
		switch d.peek() {
		case ',':
			d.i++
			d.space()
		case ']':
			d.i++
			return true
		default:
			return false
		}
	}
}

// stringField reads a string field: a JSON string sets it, null leaves it.
// A string with escapes or bytes outside ASCII that are not UTF-8 is
// unquoted by encoding/json itself (its replacement of bad escapes and
// bytes).
func (d *onePass) stringField(dst *string) bool {
	if d.null() {
		return true
	}
	if d.peek() != '"' {
		return false
	}
	start := d.i
	esc, ascii, ok := d.scanString()
	switch {
	case !ok:
		return false
	case esc || !ascii && !utf8.Valid(d.data[start+1:d.i-1]):
		return json.Unmarshal(d.data[start:d.i], dst) == nil
	}
	*dst = string(d.data[start+1 : d.i-1])
	return true
}

// intField and int64Field read an integer field as encoding/json does:
// digits only (no fraction or exponent), within the type; null leaves it.
func (d *onePass) intField(dst *int) bool {
	if d.null() {
		return true
	}
	var n int64
	if !d.int64Field(&n) || int64(int(n)) != n {
		return false
	}
	*dst = int(n)
	return true
}

func (d *onePass) int64Field(dst *int64) bool {
	if d.null() {
		return true
	}
	if c := d.peek(); c != '-' && (c < '0' || c > '9') {
		return false
	}
	start := d.i
	integer, ok := d.number()
	if !ok || !integer {
		return false
	}
	n, err := strconv.ParseInt(string(d.data[start:d.i]), 10, 64)
	if err != nil {
		return false
	}
	*dst = n
	return true
}

// boolField reads a boolean field; null leaves it.
func (d *onePass) boolField(dst *bool) bool {
	switch d.peek() {
	case 'n':
		return d.literal("null")
	case 't':
		*dst = true
		return d.literal("true")
	case 'f':
		*dst = false
		return d.literal("false")
	}
	return false
}

// null passes a null at d.i and reports whether there was one.
func (d *onePass) null() bool {
	return d.peek() == 'n' && d.literal("null")
}

func (d *onePass) literal(word string) bool {
	if len(d.data)-d.i < len(word) || string(d.data[d.i:d.i+len(word)]) != word {
		return false
	}
	d.i += len(word)
	return true
}

// number passes a JSON number (RFC 8259's grammar) and reports whether it
// has neither fraction nor exponent.
func (d *onePass) number() (integer, ok bool) {
	if d.peek() == '-' {
		d.i++
	}
	switch c := d.peek(); {
	case c == '0':
		d.i++
	case '1' <= c && c <= '9':
		d.digits()
	default:
		return false, false
	}
	integer = true
	if d.peek() == '.' {
		d.i++
		if !d.digits() {
			return false, false
		}
		integer = false
	}
	if c := d.peek(); c == 'e' || c == 'E' {
		d.i++
		if c := d.peek(); c == '+' || c == '-' {
			d.i++
		}
		if !d.digits() {
			return false, false
		}
		integer = false
	}
	return integer, true
}

// digits passes one or more digits, false if there is none.
func (d *onePass) digits() bool {
	start := d.i
	for d.i < len(d.data) && '0' <= d.data[d.i] && d.data[d.i] <= '9' {
		d.i++
	}
	return d.i > start
}

// scanString passes the string whose '"' is at d.i, checking its escapes and that
// it has no control character, and reports whether it has an escape and
// whether all its bytes are ASCII.
func (d *onePass) scanString() (esc, ascii, ok bool) {
	if d.peek() != '"' {
		return false, false, false
	}
	ascii = true
	for i := d.i + 1; i < len(d.data); i++ {
		c := d.data[i]
		switch {
		case plain[c]:
			continue
		case c == '"':
			d.i = i + 1
			return esc, ascii, true
		case c == '\\':
			esc = true
			if i+1 >= len(d.data) {
				return false, false, false
			}
			i++
			switch d.data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(d.data) || !hex4(d.data[i+1:i+5]) {
					return false, false, false
				}
				i += 4
			default:
				return false, false, false
			}
		case c < 0x20:
			return false, false, false
		default: // c >= 0x80: encoding/json takes any byte
			ascii = false
		}
	}
	return false, false, false
}

func hex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// plain are the bytes a string holds as they are: printable ASCII but the
// quote and the backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (d *onePass) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek is the byte at d.i, 0 at the end.
func (d *onePass) peek() byte {
	if d.i < len(d.data) {
		return d.data[d.i]
	}
	return 0
}
