package worker

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/azreviewer/azreviewer/internal/analyzers"
	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/repoconfig"
	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/secrets"
)

// repoConfig reads .azreviewer.yaml from the target branch's commit of the
// iteration (once per commit: configCache) and merges it over the organisation's defaults and those of
// its project. A file that does not parse gives the defaults and the parse
// error, which the caller reports on the pull request.
func (w *Worker) repoConfig(ctx context.Context, ref azdo.PullRequestRef, project string, it azdo.Iteration, targetRef string) (cfg repoconfig.Config, invalid error, err error) {
	cfg = repoconfig.Merge(repoconfig.Merge(repoconfig.Defaults(), w.cfg.RepoDefaults), w.cfg.ProjectDefaults[strings.ToLower(project)])
	target := it.TargetCommit
	if target == "" {
		return cfg, nil, nil
	}
	data, found, err := w.configs.read(ctx, w.read, w.cfg.OrgURL, ref, "/"+repoconfig.FileName, target, repoconfig.MaxFileBytes, false)
	if err != nil || !found {
		return cfg, nil, err
	}
	repo, perr := repoconfig.Parse(data)
	if perr != nil {
		return cfg, perr, nil
	}
	repo.Source = fmt.Sprintf("%s from %s", repoconfig.FileName, strings.TrimPrefix(targetRef, "refs/heads/"))
	return repoconfig.Merge(cfg, repo), nil, nil
}

// reviewersFor returns the reviewers the configuration enables, each
// traced: the worker's, its external analyzers reading the head versions
// through files, and the file's custom rules.
func (w *Worker) reviewersFor(cfg repoconfig.Config, files analyzers.Files) []reviewer.Reviewer {
	available := make(map[string]reviewer.Reviewer, len(w.cfg.Reviewers)+len(w.cfg.Analyzers)+1)
	for _, r := range w.cfg.Reviewers {
		if p, ok := reviewer.As[reviewer.Instructable](r); ok {
			r = p.ForReview(cfg.LLM.Instructions, cfg.LLM.Language)
		}
		if s, ok := r.(*secrets.Scanner); ok {
			r = allowing(s, cfg.Secrets.Allow)
		}
		available[r.Name()] = tracedReviewer{Reviewer: r, tracer: w.tracer}
	}
	for _, r := range analyzers.New(w.cfg.Analyzers, files) {
		available[r.Name()] = tracedReviewer{Reviewer: r, tracer: w.tracer}
	}
	if custom, err := cfg.CustomRules(); err == nil && custom != nil && len(cfg.Custom) > 0 {
		available[custom.Name()] = tracedReviewer{Reviewer: custom, tracer: w.tracer}
	}
	return cfg.Reviewers(available)
}

// allowing returns s leaving quiet what allow allows. Parse has checked
// allow; should it still not compile, s is kept as it is, reporting more
// rather than less.
func allowing(s *secrets.Scanner, allow repoconfig.SecretAllow) *secrets.Scanner {
	out, err := s.WithAllow(secrets.Allow{Paths: allow.Paths, Values: allow.Values, Stopwords: allow.Stopwords})
	if err != nil {
		return s
	}
	return out
}

// configThread is the thread of azreviewer's comment about
// .azreviewer.yaml, nil if there is none: the first whose first comment
// carries repoconfig.ErrorCommentMarker and was written by the PAT's
// identity. Anyone who may comment can write the marker (quoting the
// comment copies it), and a person's thread is not azreviewer's to edit
// (Azure DevOps refuses it) or to resolve. The identity is read only when
// a thread carries the marker.
func (w *Worker) configThread(ctx context.Context, existing []azdo.Thread) (*azdo.Thread, error) {
	var me *azdo.Identity
	for i, t := range existing {
		if len(t.Comments) == 0 || !strings.Contains(t.Comments[0].Content, repoconfig.ErrorCommentMarker) {
			continue
		}
		if me == nil {
			who, err := w.self(ctx)
			if err != nil {
				return nil, fmt.Errorf("tell azreviewer's configuration comment from a person's: %w", err)
			}
			me = &who
		}
		if strings.EqualFold(t.Comments[0].AuthorID, me.ID) {
			return &existing[i], nil
		}
	}
	return nil, nil
}

// configComment keeps the one comment about an invalid .azreviewer.yaml,
// thread (nil: none yet, see configThread), in step with the file: posted
// (or updated in place) while the file is invalid, resolved once it is
// fixed.
func (ws *writes) configComment(ctx context.Context, thread *azdo.Thread, invalid error) error {
	switch {
	case invalid == nil && thread != nil && thread.Status == azdo.ThreadActive:
		return ws.resolve(ctx, *thread)
	case invalid == nil:
		return nil
	case thread == nil:
		return ws.create(ctx, WriteConfig, azdo.Thread{
			Status:   azdo.ThreadActive,
			Comments: []azdo.Comment{{Content: repoconfig.ErrorComment(invalid, repoconfig.FileName)}},
		})
	default:
		content := commentText(repoconfig.ErrorComment(invalid, repoconfig.FileName))
		if sameText(thread.FirstComment(), content) {
			return nil
		}
		return ws.updateComment(ctx, *thread, WriteConfig, content)
	}
}

// notes collects what reviewers want said in the summary (LLM tokens, the
// files the external analyzers were not given), each different note once.
func notes(rs []reviewer.Reviewer) []string {
	var out []string
	for _, r := range rs {
		if n, ok := reviewer.As[reviewer.Noter](r); ok {
			if note := n.Notes(); note != "" && !slices.Contains(out, note) {
				out = append(out, note)
			}
		}
	}
	return out
}

// readsHeads reports whether a reviewer cfg enables reads head versions:
// an external analyzer, or a model reviewer with a head-file window.
func (w *Worker) readsHeads(cfg repoconfig.Config) bool {
	readers := make(map[string]reviewer.Reviewer, len(w.cfg.Analyzers)+1)
	if cfg.LLM.Window() > 0 {
		for _, r := range w.cfg.Reviewers {
			if contextual(r) {
				readers[r.Name()] = r
			}
		}
	}
	for _, r := range analyzers.New(w.cfg.Analyzers, nil) {
		readers[r.Name()] = r
	}
	return len(cfg.Reviewers(readers)) > 0
}

// contextual reports whether r, or its per-review form, takes a
// reviewer.ReviewContext.
func contextual(r reviewer.Reviewer) bool {
	if _, ok := reviewer.As[reviewer.Contextual](r); ok {
		return true
	}
	in, ok := reviewer.As[reviewer.Instructable](r)
	if !ok {
		return false
	}
	_, ok = reviewer.As[reviewer.Contextual](in.ForReview("", ""))
	return ok
}

// headsFor is the head versions of one review: kept from the diff phase's
// bulk read, up to HeadBytes, when a reviewer cfg enables reads them, and
// none kept otherwise (a review without such a reviewer holds nothing
// more than before).
func (w *Worker) headsFor(ref azdo.PullRequestRef, head string, cfg repoconfig.Config) *headFiles {
	h := &headFiles{az: w.read, ref: ref, head: head}
	if w.cfg.HeadBytes > 0 && w.readsHeads(cfg) {
		h.room = w.cfg.HeadBytes
	}
	return h
}

// headFiles gives analyzers and the model's window the head version of
// the pull request's files: those the diff phase kept (keep), without a
// call, and any other read by path.
type headFiles struct {
	az   PullRequestReader
	ref  azdo.PullRequestRef
	head string

	mu sync.Mutex
	// room is how many more bytes keep takes (0: none).
	room int
	kept map[string][]byte
}

// keep holds data as the head version of path, if it fits in the room
// left; a nil h keeps nothing.
func (h *headFiles) keep(path string, data []byte) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.room == 0 || len(data) > h.room {
		return
	}
	if h.kept == nil {
		h.kept = make(map[string][]byte)
	}
	if _, dup := h.kept[path]; !dup {
		h.room -= len(data)
		h.kept[path] = data
	}
}

// release lets go of what keep holds; later reads go by path.
func (h *headFiles) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.kept, h.room = nil, 0
}

// Head returns the head version of path: the one kept, or read by path.
// The bytes are shared: callers must not change them.
func (h *headFiles) Head(ctx context.Context, path string) ([]byte, bool, error) {
	h.mu.Lock()
	data, ok := h.kept[path]
	h.mu.Unlock()
	if ok {
		return data, true, nil
	}
	return h.az.FileAt(ctx, h.ref, path, h.head)
}
