package llmreview

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/shared"
	"github.com/sourcegraph/conc/pool"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/azreviewer/azreviewer/internal/reviewer"
	"github.com/azreviewer/azreviewer/internal/secrets"
)

// tracerName is the instrumentation scope of the package's spans.
const tracerName = "github.com/azreviewer/azreviewer/internal/llmreview"

// Reviewer reviews pull requests with a language model. It is safe for
// concurrent use.
type Reviewer struct {
	cfg    Config
	client openai.Client
	tracer trace.Tracer
	log    *slog.Logger
	system string
	red    redactor
	// secrets finds the lines masked before a prompt is built.
	secrets SecretLines
}

var _ reviewer.Varying = (*Reviewer)(nil)

// New validates cfg and returns a Reviewer. It makes no request.
func New(cfg Config) (*Reviewer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	tp := cfg.TracerProvider
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	sec := cfg.Secrets
	if sec == nil {
		s, err := secrets.New()
		if err != nil {
			return nil, err
		}
		sec = s
	}
	return &Reviewer{
		cfg:     cfg,
		client:  newClient(cfg),
		tracer:  tp.Tracer(tracerName),
		log:     log,
		system:  systemPrompt(cfg),
		red:     redactor{secret: cfg.APIKey},
		secrets: sec,
	}, nil
}

// Name is the LLM reviewer's name.
const Name = "llm"

// Name returns [Name], "llm".
func (r *Reviewer) Name() string { return Name }

// Varies reports true: the model may report a finding on one review and
// not on the next of the same code, or under another category, whatever
// the temperature. It makes the Reviewer a [reviewer.Varying].
func (r *Reviewer) Varies() bool { return true }

// Review implements [reviewer.Reviewer]; see [Reviewer.ReviewWithStats].
func (r *Reviewer) Review(ctx context.Context, pr *reviewer.PullRequest) ([]reviewer.Finding, error) {
	findings, _, err := r.ReviewWithStats(ctx, pr)
	return findings, err
}

// ReviewWithStats reviews pr in batches and returns the findings with the
// review's [Stats]. Lines that a built-in secret rule flags are masked
// before any prompt is built: the model never receives them. It returns an error when ctx ends or when every batch
// failed; the Stats are returned in any case. A pull request without
// reviewable hunks makes no request.
func (r *Reviewer) ReviewWithStats(ctx context.Context, pr *reviewer.PullRequest) ([]reviewer.Finding, Stats, error) {
	return r.review(ctx, pr, ReviewContext{})
}

// review is ReviewWithStats with the context rc adds to the prompts: the
// head-file window is read first, then every line the prompts show —
// guidance included — is masked where a secret rule flags it.
func (r *Reviewer) review(ctx context.Context, pr *reviewer.PullRequest, rc ReviewContext) ([]reviewer.Finding, Stats, error) {
	if pr == nil {
		pr = &reviewer.PullRequest{}
	}
	var sent ContextSent
	if rc.Window > 0 && rc.Files != nil {
		pr, sent.WindowFiles, sent.WindowFailed = widen(ctx, pr, rc.Files, rc.Window, r.cfg.MaxConcurrency*2)
		sent.Window = rc.Window
	}
	pr = maskHeader(r.secrets, pr)
	// The guidance and the list of other files take at most a quarter of
	// the request's budget each (MaxInputTokens bytes is a quarter of
	// MaxInputTokens tokens).
	rc.Guidance = maskText(r.secrets, rc.Guidance)
	if len(rc.Guidance) > r.cfg.MaxInputTokens {
		rc.Guidance = truncateUTF8(rc.Guidance, r.cfg.MaxInputTokens) + "\n[guidance truncated]"
	}
	others := min(maxOtherFilesBytes, r.cfg.MaxInputTokens)
	header := prHeader(pr) + guidanceBlock(rc)
	schemaJSON, _ := json.Marshal(findingsSchema)
	fixed := estimateTokens(r.system) + estimateTokens(header) + estimateTokens(string(schemaJSON)) + 32
	if rc.OtherFiles {
		fixed += estimateTokens(strings.Repeat(" ", others+200))
	}
	budget := max(r.cfg.MaxInputTokens-fixed, r.cfg.MaxInputTokens/4)
	limit := r.maxRequests(rc)
	batches, notSent := makeBatches(pr, header, budget, limit, r.secrets)
	var (
		spent  *reviewer.Grant
		over   int
		unread bool
		bound  = len(notSent) > 0 // the limit of requests left files out
	)
	if rc.Budget != nil && len(batches) > 0 {
		g, err := rc.Budget.Reserve(ctx, len(batches))
		switch {
		case err != nil:
			// The budget could not be read (the worker logs why):
			// nothing is sent, and the model's files are unjudged, so
			// its threads stay as they are, while the other reviewers'
			// findings, resolutions and the status are as without it.
			unread, over = true, len(batches)
			batches, notSent = cutBatches(batches, notSent, 0)
		case g.Granted < len(batches):
			spent, over = &g, len(batches)-max(g.Granted, 0)
			batches, notSent = cutBatches(batches, notSent, max(g.Granted, 0))
		}
	}
	if rc.OtherFiles {
		for _, b := range batches {
			b.user += otherFiles(pr, b.shown, others)
			b.tokens = estimateTokens(b.user)
		}
		sent.OtherFiles = len(batches) > 0
	}

	stats := Stats{Batches: len(batches), Failures: map[string]int{}, Dropped: map[string]int{}, Context: sent}
	stats.Budget, stats.OverBudget, stats.BudgetUnread = spent, over, unread
	if len(notSent) > 0 {
		if bound {
			stats.MaxRequests = limit
		}
		stats.NotSent, stats.PartlySent = splitNotSent(notSent, batches)
	}
	results := make([]batchResult, len(batches))
	var unsent atomic.Int32
	p := pool.New().WithMaxGoroutines(r.cfg.MaxConcurrency)
	for i, b := range batches {
		p.Go(func() {
			if err := ctx.Err(); err != nil {
				// Stopped before this request was sent: its reservation
				// goes back.
				unsent.Add(1)
				results[i] = batchResult{reason: FailRequest, err: fmt.Errorf("request %d: %w", b.index+1, err)}
				return
			}
			results[i] = r.runBatch(ctx, b)
		})
	}
	p.Wait()
	if n := int(unsent.Load()); n > 0 && rc.Budget != nil {
		rc.Budget.Return(context.WithoutCancel(ctx), n)
	}

	var (
		findings []reviewer.Finding
		errs     []error
	)
	for i, res := range results {
		stats.PromptTokens += res.promptTokens
		stats.CompletionTokens += res.completionTokens
		stats.TotalTokens += res.totalTokens
		for k, v := range res.dropped {
			stats.Dropped[k] += v
		}
		if res.err != nil {
			stats.FailedBatches++
			stats.Failures[res.reason]++
			stats.FailedFiles = appendNew(stats.FailedFiles, batches[i].files)
			errs = append(errs, res.err)
			continue
		}
		findings = append(findings, res.findings...)
	}
	stats.Findings = len(findings)

	span := trace.SpanFromContext(ctx)
	span.SetAttributes(
		attribute.Int("llmreview.batches", stats.Batches),
		attribute.Int("llmreview.failed_batches", stats.FailedBatches),
		attribute.Int64("llmreview.usage.input_tokens", stats.PromptTokens),
		attribute.Int64("llmreview.usage.output_tokens", stats.CompletionTokens),
		attribute.Int("llmreview.findings", stats.Findings),
		attribute.Int("llmreview.dropped_findings", stats.DroppedTotal()),
		attribute.Int("llmreview.files_not_sent", len(stats.NotSent)),
		attribute.Int("llmreview.files_partly_sent", len(stats.PartlySent)),
	)
	if spent != nil {
		span.SetAttributes(attribute.Int("llmreview.requests_over_budget", over))
	}
	if err := ctx.Err(); err != nil {
		return nil, stats, err
	}
	if len(batches) > 0 && stats.FailedBatches == len(batches) {
		return nil, stats, fmt.Errorf("llm review failed: all %d requests failed: %w", len(batches), errors.Join(errs...))
	}
	return findings, stats, nil
}

// maxRequests is the most requests the review sends: the configured
// bound, lowered by rc.MaxRequests when that is positive and smaller; -1
// means no limit.
func (r *Reviewer) maxRequests(rc ReviewContext) int {
	limit := r.cfg.MaxRequests
	if limit < 0 {
		limit = -1
	}
	if rc.MaxRequests > 0 && (limit < 0 || rc.MaxRequests < limit) {
		limit = rc.MaxRequests
	}
	return limit
}

// cutBatches keeps the first keep batches: the files of the others are
// added to notSent, which stays in pull-request order (every batch's files
// come before the files makeBatches left out), a path once.
func cutBatches(batches []*batch, notSent []string, keep int) ([]*batch, []string) {
	var cut []string
	for _, b := range batches[keep:] {
		cut = appendNew(cut, b.files)
	}
	for _, p := range notSent {
		if len(cut) == 0 || cut[len(cut)-1] != p {
			cut = append(cut, p)
		}
	}
	return batches[:keep], cut
}

// splitNotSent splits the paths makeBatches left out into those no batch
// shows at all and those some batch shows a part of, both in pull-request
// order.
func splitNotSent(notSent []string, batches []*batch) (none, part []string) {
	for _, p := range notSent {
		if slices.ContainsFunc(batches, func(b *batch) bool { return b.shown[p] != nil }) {
			part = append(part, p)
		} else {
			none = append(none, p)
		}
	}
	return none, part
}

// appendNew appends to list the paths not at its end already: batches are
// in pull-request order, and a file split between batches is in
// consecutive ones.
func appendNew(list, paths []string) []string {
	for _, p := range paths {
		if len(list) == 0 || list[len(list)-1] != p {
			list = append(list, p)
		}
	}
	return list
}

// batchResult is the outcome of one batch.
type batchResult struct {
	findings                                    []reviewer.Finding
	dropped                                     map[string]int
	promptTokens, completionTokens, totalTokens int64
	// reason is the Failures key when err is set.
	reason string
	err    error
}

// genAISystem returns the gen_ai.system attribute value of the provider.
func (r *Reviewer) genAISystem() string {
	if r.cfg.Provider == ProviderAzure {
		return "az.ai.openai"
	}
	return "openai"
}

// requestModel is the model field of requests: the deployment for Azure,
// which the SDK turns into the deployment path.
func (r *Reviewer) requestModel() string {
	if r.cfg.Provider == ProviderAzure {
		return r.cfg.Deployment
	}
	return r.cfg.Model
}

// runBatch sends one batch in its own span and parses the answer.
func (r *Reviewer) runBatch(ctx context.Context, b *batch) (res batchResult) {
	res.dropped = map[string]int{}
	ctx, span := r.tracer.Start(ctx, "chat "+r.cfg.Model,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("gen_ai.system", r.genAISystem()),
			attribute.String("gen_ai.operation.name", "chat"),
			attribute.String("gen_ai.request.model", r.cfg.Model),
			attribute.Int("llmreview.batch.index", b.index),
			attribute.Int("llmreview.batch.files", len(b.files)),
			attribute.Int("llmreview.batch.estimated_input_tokens", b.tokens+estimateTokens(r.system)),
		))
	defer func() {
		if res.err != nil {
			span.SetStatus(codes.Error, res.err.Error())
			span.SetAttributes(attribute.String("llmreview.failure", res.reason))
			r.log.WarnContext(ctx, "llm review batch failed",
				"batch", b.index, "reason", res.reason, "error", res.err.Error())
		}
		span.End()
	}()

	params := openai.ChatCompletionNewParams{
		Model: r.requestModel(),
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage(r.system),
			openai.UserMessage(b.user),
		},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{
			OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
				JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{
					Name:   schemaName,
					Strict: openai.Bool(true),
					Schema: findingsSchema,
				},
			},
		},
	}
	if t := r.cfg.Temperature; t != nil {
		params.Temperature = openai.Float(*t)
	}
	resp, err := r.client.Chat.Completions.New(ctx, params)
	if err != nil {
		res.reason = FailRequest
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			res.reason = FailTimeout
		}
		res.err = fmt.Errorf("request %d: %w", b.index+1, r.red.err(err))
		return res
	}

	res.promptTokens = resp.Usage.PromptTokens
	res.completionTokens = resp.Usage.CompletionTokens
	res.totalTokens = max(resp.Usage.TotalTokens, resp.Usage.PromptTokens+resp.Usage.CompletionTokens)
	span.SetAttributes(
		attribute.String("gen_ai.response.model", resp.Model),
		attribute.Int64("gen_ai.usage.input_tokens", res.promptTokens),
		attribute.Int64("gen_ai.usage.output_tokens", res.completionTokens),
	)
	if len(resp.Choices) == 0 {
		res.reason, res.err = FailMalformed, fmt.Errorf("request %d: the response has no choices", b.index+1)
		return res
	}
	choice := resp.Choices[0]
	span.SetAttributes(attribute.StringSlice("gen_ai.response.finish_reasons", []string{choice.FinishReason}))
	switch {
	case choice.Message.Refusal != "" || choice.FinishReason == "content_filter":
		res.reason, res.err = FailRefusal, fmt.Errorf("request %d: the model refused to review", b.index+1)
		return res
	case choice.FinishReason == "length":
		res.reason, res.err = FailTruncated, fmt.Errorf("request %d: the answer was cut off at the output token limit; lower the maximum input tokens for smaller batches", b.index+1)
		return res
	}
	findings, err := parseAnswer(choice.Message.Content, b, r.cfg.MaxFindingsPerRequest, res.dropped)
	if err != nil {
		res.reason, res.err = FailMalformed, fmt.Errorf("request %d: %w", b.index+1, err)
		return res
	}
	res.findings = findings
	span.SetAttributes(attribute.Int("llmreview.findings", len(findings)))
	return res
}
