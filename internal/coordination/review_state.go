package coordination

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/azreviewer/azreviewer/internal/streams"
	"github.com/nats-io/nats.go/jetstream"
)

// ReviewStateVersion is the version of [ReviewState] this code writes. A
// state of an older version (earlier releases wrote none: 0) is read for
// what it has, but its thread index is not trusted: the next review reads
// the pull request's threads in full and writes an index.
//
// An index line's state field may say f or w ([IndexedThread.Fixed],
// [IndexedThread.Dismissed]), which the release that first wrote version
// 2 reads as closed, as it reads any state but 1: the layout, 5 fields,
// is that release's, and so is the version.
const ReviewStateVersion = 2

// Bounds of a saved [ReviewState]. Past MaxIndexedThreads finding threads,
// or MaxIndexBytes of encoded index, the index is left out of the state
// (Indexed false): every later review of the pull request reads its thread
// list in full, as releases without an index did.
const (
	MaxCovered        = 200
	MaxIndexedThreads = 5000
	MaxIndexBytes     = 512 << 10
	// Past MaxBaseFiles files, or MaxBaseBytes of their paths and blob
	// ids, a state is saved without its Bases: the next incremental
	// review reads the common commit's versions by path.
	MaxBaseFiles = 1000
	MaxBaseBytes = 128 << 10
)

// ErrUnreadableState is returned (wrapped) by [Store.LoadReview] when the
// stored state cannot be decoded; the zero state comes with it, and a
// caller treats the pull request as never reviewed.
var ErrUnreadableState = errors.New("the review state cannot be read")

// ReviewState is what workers remember of a pull request between reviews:
// what was reviewed, and an index of the threads azreviewer keeps there,
// so that a review reads only the threads it must.
type ReviewState struct {
	// Version is the version the state was written with
	// ([ReviewStateVersion] when saved by this code).
	Version int `json:"version,omitempty"`
	// Iteration is the newest iteration reviewed, SourceCommit its commit.
	Iteration    int    `json:"iteration"`
	SourceCommit string `json:"source_commit"`
	// Covered lists the source commits of every iteration up to Iteration
	// (the newest MaxCovered), so an event for an older push is recognised
	// as superseded without calling Azure DevOps.
	Covered []string `json:"covered"`
	// IgnoredRules were silenced on this pull request with /azreviewer ignore.
	IgnoredRules []string  `json:"ignored_rules,omitempty"`
	ReviewedAt   time.Time `json:"reviewed_at"`

	// Posting is set before a review's first write and cleared when its
	// state is saved: while it is set, threads may exist that the index
	// does not name (the worker died, or a write failed), and the next
	// review reads the thread list in full.
	Posting bool `json:"posting,omitempty"`
	// Indexed says Summary, Config and Findings name every thread
	// azreviewer keeps on the pull request.
	Indexed bool `json:"indexed,omitempty"`
	// Summary is the summary thread's id (0: none), SummaryKey the
	// iteration key it carries.
	Summary    int    `json:"summary,omitempty"`
	SummaryKey string `json:"summary_key,omitempty"`
	// Config is the thread of the comment about an invalid .azreviewer.yaml
	// (0: none), ConfigOpen whether it was active when last seen.
	Config     int  `json:"config,omitempty"`
	ConfigOpen bool `json:"config_open,omitempty"`
	// Findings are azreviewer's finding threads, oldest first. They are
	// stored under their own key (indexKey), IndexRevision the revision
	// they were stored at: an index of another revision is not this
	// state's (0: no findings).
	Findings      []IndexedThread `json:"-"`
	IndexRevision uint64          `json:"index_revision,omitempty"`
	// stored is the index as loaded: SaveReview copies the lines of the
	// entries of Findings left as they were instead of writing them again.
	stored *storedIndex
	// ListedAt is when a review last read the pull request's whole thread
	// list (zero: not known); the index is refreshed from it, and what
	// people changed on threads the index holds is seen then.
	ListedAt time.Time `json:"listed_at,omitzero"`

	// Bases are the common commit's versions of the files changed as of
	// Iteration (nil: not known); earlier releases neither read nor keep
	// them.
	Bases *BaseVersions `json:"bases,omitempty"`

	// Absent: no state is stored under the key (LoadReview found none; a
	// state that cannot be decoded, or was not read, is not absent). It is
	// never stored.
	Absent bool `json:"-"`

	// Seen is where the review stream stood just before the iterations
	// of Iteration were read (nil: not known): a request whose message it
	// precedes (streams.Position.Precedes) was published before that read.
	// Earlier releases neither read nor keep it.
	Seen *streams.Position `json:"seen,omitempty"`

	// Watched is how many of the dismissed blocking threads the reviews
	// of the pull request have read by id so far, to learn whether a
	// person reactivated one: where the next review's turn starts.
	// Earlier releases neither read nor keep it.
	Watched int `json:"watched,omitempty"`
}

// BaseVersions names, for a common commit, the blob there of every file a
// pull request's diff against that commit holds at an iteration ("": the
// file is not at that commit). What a commit holds never changes: a file
// named beyond that diff is named rightly too. A later iteration's changes
// relative to Iteration then tell the common commit's version of any file:
// the one named here, or else the one at Iteration, which is the common
// commit's since that diff does not hold the file.
type BaseVersions struct {
	Iteration int               `json:"iteration"`
	Commit    string            `json:"commit"`
	Blobs     map[string]string `json:"blobs"`
}

// size is the bytes of its paths and blob ids.
func (b *BaseVersions) size() int {
	n := 0
	for path, blob := range b.Blobs {
		n += len(path) + len(blob)
	}
	return n
}

// IndexedThread is one of azreviewer's finding threads as last seen.
type IndexedThread struct {
	Fingerprint string
	ID          int
	// Path and Severity are an open thread's; the worker leaves them
	// empty for a closed one, which it keeps so as not to post its finding
	// again, but for the Severity of one Dismissed (an earlier release
	// wrote them: both are read).
	Path     string
	Severity string
	// Open: active or pending, and not deleted, when last read or written.
	Open bool
	// Fixed: closed, and set fixed by azreviewer itself (its finding was
	// gone), not by a person; its finding, when it comes back, reopens
	// it. Never set with Open or Dismissed.
	Fixed bool
	// Dismissed: closed as won't fix, by design or closed (a person's no,
	// which a person may take back). Never set with Open or Fixed.
	//
	// A release that knows neither Fixed nor Dismissed writes the entry
	// as closed when it rewrites it.
	Dismissed bool
}

// A state is stored as JSON under the pull request's key, as earlier
// releases wrote it and can still read it, and its index under indexKey:
// a line per finding thread — fingerprint, id, state (1 open, f closed as
// fixed by azreviewer, w dismissed, 0 closed otherwise), severity and
// path, separated
// by tabs (a release that knows no f reads any state but 1 as closed), a field holding a tab, a line break, a leading
// quote or bytes that are not UTF-8 written as a Go quoted string. A state
// holds thousands of threads, read and written once per review: lines
// parse an order of magnitude faster than JSON objects, and the checks of
// what was reviewed (LoadReviewed) do not read them at all.

// indexKey is the key of the index of the state under key.
func indexKey(key string) string { return key + ".threads" }

// storedIndex is an index as read: its text, the threads it holds and
// where each one's line ends in text.
type storedIndex struct {
	text    string
	threads []IndexedThread
	ends    []int
}

// encodeIndex appends the index lines of threads to b, grown once to
// their size. A thread as stored (an entry of from, the index loaded,
// may be nil) is the line it was read from: runs of such lines are copied
// whole. A review keeps the entries it did not read in their order and
// adds the others after them, so from is searched only a short way ahead
// of the last entry found there.
func encodeIndex(b []byte, threads []IndexedThread, from *storedIndex) []byte {
	n := 0
	for _, t := range threads {
		n += len(t.Fingerprint) + len(t.Severity) + len(t.Path) + 24
	}
	b = slices.Grow(b, n)
	var old storedIndex
	if from != nil {
		old = *from
	}
	// next is the entry of old after the last one found; run the text of
	// the lines found since the last written, to copy.
	next, run, runEnd := 0, 0, 0
	for _, t := range threads {
		if k := old.find(t, next); k >= 0 {
			start := 0
			if k > 0 {
				start = old.ends[k-1]
			}
			if start != runEnd {
				b = old.appendLines(b, run, runEnd)
				run = start
			}
			runEnd, next = old.ends[k], k+1
			continue
		}
		b = old.appendLines(b, run, runEnd)
		run, runEnd = 0, 0
		b = appendLine(b, t)
	}
	return old.appendLines(b, run, runEnd)
}

// storedLookahead is how far ahead of the last entry found encodeIndex
// looks for the next one: past the entries a review read (and writes
// again, changed or not, after the others).
const storedLookahead = 32

// find returns the index of t among the threads from next on, at most
// storedLookahead ahead (-1: not there).
func (s storedIndex) find(t IndexedThread, next int) int {
	for k := next; k < len(s.threads) && k < next+storedLookahead; k++ {
		if s.threads[k] == t {
			return k
		}
	}
	return -1
}

// appendLines appends text[start:end], with the line break the last line
// of a text may lack.
func (s storedIndex) appendLines(b []byte, start, end int) []byte {
	if start == end {
		return b
	}
	b = append(b, s.text[start:end]...)
	if b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	return b
}

// appendLine appends the index line of t.
func appendLine(b []byte, t IndexedThread) []byte {
	b = appendField(b, t.Fingerprint)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(t.ID), 10)
	switch {
	case t.Open:
		b = append(b, "\t1\t"...)
	case t.Fixed:
		b = append(b, "\tf\t"...)
	case t.Dismissed:
		b = append(b, "\tw\t"...)
	default:
		b = append(b, "\t0\t"...)
	}
	b = appendField(b, t.Severity)
	b = append(b, '\t')
	b = appendField(b, t.Path)
	return append(b, '\n')
}

// decodeIndex reads what encodeIndex writes. The strings of its threads
// share s's memory.
func decodeIndex(s string) (*storedIndex, error) {
	n := strings.Count(s, "\n") + 1
	out := &storedIndex{text: s, threads: make([]IndexedThread, n), ends: make([]int, n)}
	i, end := 0, 0
	for end < len(s) {
		line, _, _ := strings.Cut(s[end:], "\n")
		if err := decodeLine(&out.threads[i], line); err != nil {
			return nil, fmt.Errorf("thread index line %q: %w", line, err)
		}
		end = min(end+len(line)+1, len(s))
		out.ends[i] = end
		i++
	}
	out.threads, out.ends = out.threads[:i:i], out.ends[:i:i]
	return out, nil
}

// errIndexFields is a line of the thread index without its 5 fields.
var errIndexFields = errors.New("want 5 fields")

// decodeLine reads one line of the index, without its line break, into t.
func decodeLine(t *IndexedThread, line string) error {
	var f [5]string
	for i := range 4 {
		var ok bool
		if f[i], line, ok = strings.Cut(line, "\t"); !ok {
			return errIndexFields
		}
	}
	if strings.IndexByte(line, '\t') >= 0 {
		return errIndexFields
	}
	f[4] = line
	id, err := strconv.Atoi(f[1])
	if err != nil {
		return err
	}
	t.ID, t.Open, t.Fixed, t.Dismissed = id, f[2] == "1", f[2] == "f", f[2] == "w"
	if t.Fingerprint, err = unfield(f[0]); err == nil {
		if t.Severity, err = unfield(f[3]); err == nil {
			t.Path, err = unfield(f[4])
		}
	}
	return err
}

// appendField appends s as an index field: as it is, or quoted when it
// holds a tab, a line break, a leading quote or bytes that are not UTF-8
// (which JSON would replace).
func appendField(b []byte, s string) []byte {
	if plainField(s) {
		return append(b, s...)
	}
	return strconv.AppendQuote(b, s)
}

// plainField reports whether s is written as it is (see appendField).
func plainField(s string) bool {
	if s != "" && s[0] == '"' {
		return false
	}
	ascii := true
	for i := range len(s) {
		// One test covers the common byte: printable ASCII.
		if c := s[i]; c < ' ' || c >= utf8.RuneSelf {
			switch {
			case c == '\t' || c == '\n' || c == '\r':
				return false
			case c >= utf8.RuneSelf:
				ascii = false
			}
		}
	}
	return ascii || utf8.ValidString(s)
}

func unfield(s string) (string, error) {
	if strings.HasPrefix(s, `"`) {
		return strconv.Unquote(s)
	}
	return s, nil
}

// Covers reports whether commit is among the source commits reviewed.
func (s ReviewState) Covers(commit string) bool {
	return commit != "" && slices.Contains(s.Covered, commit)
}

// Trusted reports whether the thread index can stand for the pull
// request's thread list: written by this version, complete, and no review
// left unfinished since.
func (s ReviewState) Trusted() bool {
	return s.Version >= ReviewStateVersion && s.Indexed && !s.Posting
}

// bounded is s as saved: at most MaxCovered commits, and without its
// index (Indexed false) past MaxIndexedThreads (SaveReview applies
// MaxIndexBytes).
func (s ReviewState) bounded() (ReviewState, error) {
	s.Version = ReviewStateVersion
	if len(s.Covered) > MaxCovered {
		s.Covered = s.Covered[len(s.Covered)-MaxCovered:]
	}
	if len(s.Findings) > MaxIndexedThreads {
		s.dropIndex()
	}
	if s.Bases != nil && (len(s.Bases.Blobs) > MaxBaseFiles || s.Bases.size() > MaxBaseBytes) {
		s.Bases = nil
	}
	return s, nil
}

func (s *ReviewState) dropIndex() {
	s.Findings, s.Indexed, s.IndexRevision = nil, false, 0
	s.Summary, s.SummaryKey, s.Config, s.ConfigOpen = 0, "", 0, false
}

// LoadReview returns the review state of key: the zero state, Absent, when
// there is none, and with an error wrapping [ErrUnreadableState] when what is
// stored cannot be decoded.
func (c *Store) LoadReview(ctx context.Context, key string) (ReviewState, error) {
	return c.loadReview(ctx, key, true)
}

// LoadReviewed is [Store.LoadReview] without the thread index (Findings
// nil, Indexed false), for a caller that only asks what was reviewed: it
// decodes a few hundred bytes, not thousands of threads.
func (c *Store) LoadReviewed(ctx context.Context, key string) (ReviewState, error) {
	return c.loadReview(ctx, key, false)
}

func (c *Store) loadReview(ctx context.Context, key string, withIndex bool) (ReviewState, error) {
	data, found, err := c.LoadState(ctx, key)
	if err != nil {
		return ReviewState{}, err
	}
	if !found {
		return ReviewState{Absent: true}, nil
	}
	var st ReviewState
	if err := json.Unmarshal(data, &st); err != nil {
		return ReviewState{}, fmt.Errorf("%w: %s: %w", ErrUnreadableState, key, err)
	}
	if !withIndex || !st.Indexed || st.IndexRevision == 0 {
		st.Indexed = st.Indexed && withIndex
		return st, nil
	}
	index, rev, err := c.loadIndex(ctx, key)
	switch {
	case err != nil:
		return ReviewState{}, err
	case rev != st.IndexRevision:
		// Not this state's index (lost, or written by a review that did
		// not save its state): not trusted.
		st.Indexed = false
		return st, nil
	}
	if st.stored, err = decodeIndex(index); err != nil {
		return ReviewState{}, fmt.Errorf("%w: %s: %w", ErrUnreadableState, indexKey(key), err)
	}
	// A copy: a caller may change an entry in place, and a save compares
	// Findings with what was stored.
	st.Findings = slices.Clone(st.stored.threads)
	return st, nil
}

// loadIndex returns the stored index of key and its revision (0: none).
func (c *Store) loadIndex(ctx context.Context, key string) (string, uint64, error) {
	ctx, cancel := callContext(ctx)
	defer cancel()
	e, err := c.state.Get(ctx, indexKey(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, fmt.Errorf("load thread index %s: %w", key, keyError(err))
	}
	return string(e.Value()), e.Revision(), nil
}

// SaveReview stores the review state of key, bounded (see
// [MaxIndexedThreads]), as version [ReviewStateVersion]: its index first,
// then the state naming the index's revision, so that a state is never
// read with an index it was not saved with.
func (c *Store) SaveReview(ctx context.Context, key string, st ReviewState) error {
	st, err := st.bounded()
	if err != nil {
		return fmt.Errorf("encode review state %s: %w", key, err)
	}
	st.IndexRevision = 0
	if st.Indexed && len(st.Findings) > 0 {
		index := encodeIndex(nil, st.Findings, st.stored)
		if len(index) > MaxIndexBytes {
			st.dropIndex()
		} else if st.IndexRevision, err = c.saveIndex(ctx, key, index); err != nil {
			return err
		}
	}
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode review state %s: %w", key, err)
	}
	return c.SaveState(ctx, key, data)
}

// saveIndex stores the index of key and returns its revision.
func (c *Store) saveIndex(ctx context.Context, key string, index []byte) (uint64, error) {
	ctx, cancel := callContext(ctx)
	defer cancel()
	rev, err := c.state.Put(ctx, indexKey(key), index)
	if err != nil {
		return 0, fmt.Errorf("save thread index %s: %w", key, keyError(err))
	}
	return rev, nil
}
