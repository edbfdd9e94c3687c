package llmreview

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// schemaName names the response format sent to the model.
const schemaName = "review_findings"

// findingsSchema is the JSON schema of the model's answer, in the subset that
// strict structured outputs accept: every property required, no additional
// properties; "replacement" is "" when there is none.
var findingsSchema = map[string]any{
	"type":                 "object",
	"additionalProperties": false,
	"required":             []string{"findings"},
	"properties": map[string]any{
		"findings": map[string]any{
			"type": "array",
			"items": map[string]any{
				"type":                 "object",
				"additionalProperties": false,
				"required":             []string{"path", "start_line", "end_line", "severity", "category", "message", "replacement"},
				"properties": map[string]any{
					"path":        map[string]any{"type": "string", "description": "file path exactly as given after \"File:\""},
					"start_line":  map[string]any{"type": "integer", "description": "first new-side line number"},
					"end_line":    map[string]any{"type": "integer", "description": "last new-side line number, inclusive"},
					"severity":    map[string]any{"type": "string", "enum": []string{"info", "warning", "error"}},
					"category":    map[string]any{"type": "string", "description": "short lowercase category, e.g. bug, security"},
					"message":     map[string]any{"type": "string", "description": "what is wrong and what to do"},
					"replacement": map[string]any{"type": "string", "description": "replacement text for the lines, or empty"},
				},
			},
		},
	},
}

// Reasons a finding is dropped, the keys of [Stats.Dropped].
const (
	// DropMalformed is a finding that is not an object of the schema's shape.
	DropMalformed = "malformed"
	// DropUnknownPath is a finding on a file that was not in its batch.
	DropUnknownPath = "unknown_path"
	// DropInvalidRange is a finding whose start line is below 1 or whose end
	// line is before its start line.
	DropInvalidRange = "invalid_range"
	// DropLineOutsideDiff is a finding on a line that was not shown to the
	// model (not an added or context line of its batch).
	DropLineOutsideDiff = "line_outside_diff"
	// DropInvalidSeverity is a finding whose severity is not info, warning
	// or error.
	DropInvalidSeverity = "invalid_severity"
	// DropEmptyMessage is a finding without a message.
	DropEmptyMessage = "empty_message"
	// DropOverLimit is a valid finding beyond [Config.MaxFindingsPerRequest]
	// of its answer (the least severe are dropped).
	DropOverLimit = "over_limit"
)

// rawFinding is one finding as the schema describes it.
type rawFinding struct {
	Path        string `json:"path"`
	StartLine   int    `json:"start_line"`
	EndLine     int    `json:"end_line"`
	Severity    string `json:"severity"`
	Category    string `json:"category"`
	Message     string `json:"message"`
	Replacement string `json:"replacement"`
}

// errMalformed is returned by parseAnswer for content that is not a JSON
// object with a findings array.
type errMalformed struct{ cause string }

func (e errMalformed) Error() string { return "malformed model output: " + e.cause }

// parseAnswer turns the model's content into findings for b, counting the
// dropped ones in dropped. At most limit findings are kept, the most severe
// first (in the answer's order within a severity). It fails only when the
// content as a whole is not a JSON object with a "findings" array; a
// Markdown code fence around it is tolerated, since models without
// structured outputs often add one.
func parseAnswer(content string, b *batch, limit int, dropped map[string]int) ([]reviewer.Finding, error) {
	var ans struct {
		Findings *[]json.RawMessage `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stripFence(content)), &ans); err != nil {
		return nil, errMalformed{cause: "not a JSON object"}
	}
	if ans.Findings == nil {
		return nil, errMalformed{cause: `no "findings" array`}
	}
	var out []reviewer.Finding
	for _, raw := range *ans.Findings {
		var rf rawFinding
		if err := json.Unmarshal(raw, &rf); err != nil {
			dropped[DropMalformed]++
			continue
		}
		f, reason := convert(rf, b)
		if reason != "" {
			dropped[reason]++
			continue
		}
		out = append(out, f)
	}
	if len(out) > limit {
		slices.SortStableFunc(out, func(a, b reviewer.Finding) int { return b.Severity.Rank() - a.Severity.Rank() })
		dropped[DropOverLimit] += len(out) - limit
		out = out[:limit]
	}
	return out, nil
}

// stripFence removes a surrounding ``` or ```json fence and white space.
func stripFence(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "```") {
		return s
	}
	s = strings.TrimPrefix(s, "```")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "```"))
}

// maxRangeLines bounds a finding's line range, so a hallucinated huge range
// is not walked line by line.
const maxRangeLines = 10000

// convert validates rf against b and makes a Finding, or returns the reason
// to drop it.
func convert(rf rawFinding, b *batch) (reviewer.Finding, string) {
	path := strings.TrimSpace(rf.Path)
	if path != "" && !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	shown, ok := b.shown[path]
	if !ok {
		return reviewer.Finding{}, DropUnknownPath
	}
	end := rf.EndLine
	if end == 0 {
		end = rf.StartLine
	}
	if rf.StartLine < 1 || end < rf.StartLine || end-rf.StartLine > maxRangeLines {
		return reviewer.Finding{}, DropInvalidRange
	}
	for n := rf.StartLine; n <= end; n++ {
		if !shown[n] {
			return reviewer.Finding{}, DropLineOutsideDiff
		}
	}
	sev := reviewer.Severity(strings.ToLower(strings.TrimSpace(rf.Severity)))
	if !sev.Valid() {
		return reviewer.Finding{}, DropInvalidSeverity
	}
	msg := strings.TrimSpace(rf.Message)
	if msg == "" {
		return reviewer.Finding{}, DropEmptyMessage
	}
	// Message and suggestion are the model's text: the worker renders them
	// safe (and bounded) when it posts them.
	return reviewer.Finding{
		Path:       path,
		StartLine:  rf.StartLine,
		EndLine:    end,
		Rule:       "llm/" + slug(rf.Category),
		Severity:   sev,
		Message:    msg,
		Suggestion: rf.Replacement,
	}, ""
}

// maxSlugLen bounds a rule's category slug.
const maxSlugLen = 40

// slug lowercases s and turns every run of characters other than a-z and 0-9
// into one "-"; the result is at most maxSlugLen bytes, or "general" when
// empty.
func slug(s string) string {
	var sb strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && sb.Len() > 0 {
				sb.WriteByte('-')
			}
			dash = false
			sb.WriteRune(r)
		} else {
			dash = true
		}
		if sb.Len() >= maxSlugLen {
			break
		}
	}
	if sb.Len() == 0 {
		return "general"
	}
	return sb.String()
}
