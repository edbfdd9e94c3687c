// Package llmreview is a [reviewer.Reviewer] that asks a large language model
// to review a pull request, through the official OpenAI Go SDK
// (github.com/openai/openai-go/v3). It talks to any OpenAI-compatible Chat
// Completions endpoint (OpenAI, Ollama, vLLM, LiteLLM; [ProviderOpenAI]) or to
// Azure OpenAI ([ProviderAzure]: endpoint, deployment, api-version and an
// api-key header), configured with a [Config] (the worker reads it from its
// flags and environment).
//
// # Prompts and batches
//
// A review sends one or more Chat Completions requests ("batches"). Each
// batch holds whole files, in pull-request order, as long as the estimated
// prompt stays within [Config.MaxInputTokens]; only a file that alone exceeds
// the budget is split between batches at hunk boundaries (and a hunk that
// alone exceeds it, at line boundaries). Skipped and binary files are never
// sent. Tokens are estimated cheaply as one token per 4 bytes of prompt text
// (rounded up), which over-estimates for English and code with common
// tokenizers, so batches stay within the model's context window.
//
// A review sends at most [Config.MaxRequests] requests (default 8), which
// with MaxInputTokens bounds what one review costs; a review's
// [reviewer.ReviewContext.MaxRequests] (a repository's llm.max_requests)
// may lower it, never raise it. The batches beyond are not built: their
// files are named, in pull-request order, in [Stats.NotSent] (and a file
// cut within, in [Stats.PartlySent]) and in the summary's line
// ([Stats.NotSentNote]), while the other reviewers still review them.
// Secrets are masked file by file as the prompts are built, so the files
// not sent are not scanned either.
//
// A review given a [reviewer.ReviewContext.Budget] (the worker's: the
// organisation's requests per window across the fleet) reserves the
// requests it built, all at once, before it sends any, and sends only
// those granted: the files of the others are named likewise, with the
// budget and when it renews ([Stats.OverBudget], [Stats.Budget]), and
// are unjudged. Requests it was stopped before sending are returned. A
// budget that cannot be read sends nothing: every file is unjudged
// ([Stats.BudgetUnread]), and the review does not fail.
//
// The system message says what to look for, asks for JSON only, matching the
// response schema, asks to cite new-side line numbers shown in the hunks and
// never to quote secrets. The user message holds the pull request's title,
// its description (truncated to [MaxDescriptionChars]) and, per file, its
// path and its hunks with new-side line numbers:
//
//   - 12 | added line
//     13 | context line
//   - | deleted line (no new-side number)
//
// The answer is requested as structured output (response_format json_schema,
// strict), shaped as
//
//	{"findings": [{"path": "/a.go", "start_line": 12, "end_line": 13,
//	  "severity": "info|warning|error", "category": "bug",
//	  "message": "…", "replacement": "… or empty"}]}
//
// A finding becomes a [reviewer.Finding] with Rule "llm/<category slug>" and
// the message, followed by a fenced ```suggestion block when a replacement
// is given.
//
// # Failures and dropped findings
//
// Batches run concurrently, at most [Config.MaxConcurrency] at a time; the
// SDK retries 429, 408, 409 and 5xx responses and connection errors
// [Config.MaxRetries] times, honouring Retry-After. A batch fails when its
// request still fails, when an attempt times out ([Config.Timeout]; the SDK
// does not retry a timed-out attempt), or when the model
// refuses, answers with malformed JSON or is cut off (finish_reason
// "length"). Review returns an error only when every batch failed (so a
// failed review is never mistaken for a clean one); otherwise it returns the
// findings of the other batches and [Stats] records the failures by reason.
// Findings on unknown paths, with invalid line ranges or on lines not shown to
// the model, with a severity outside info|warning|error, or without a
// message are dropped and counted by reason in [Stats.Dropped];
// [reviewer.Run] then drops findings on lines that are not added lines.
//
// # Observability and secrets
//
// Each batch is an OpenTelemetry client span named "chat <model>" with the
// gen_ai semantic-convention attributes (gen_ai.system,
// gen_ai.operation.name, gen_ai.request.model, gen_ai.response.model,
// gen_ai.usage.input_tokens, gen_ai.usage.output_tokens,
// gen_ai.response.finish_reasons); the caller's span gets the review's
// totals. [Reviewer.ReviewWithStats] returns the same totals for the
// pull-request summary. The API key is never logged, traced or put in an
// error: errors from the SDK (whose API errors hold the request, headers
// included) are replaced by plain errors carrying only their message, with
// the key scrubbed from it, before they leave the package.
package llmreview
