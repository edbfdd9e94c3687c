package analyzers

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// SARIFResult is one result of a SARIF 2.1.0 log, reduced to what a
// [reviewer.Finding] needs.
type SARIFResult struct {
	// RuleID is the result's ruleId (or rule.id, or the id of the rule its
	// ruleIndex points to); it may be empty.
	RuleID string
	// Severity is the result's level mapped to a severity: error → error,
	// warning → warning, note and none → info. A missing level is the
	// rule's default level, or warning.
	Severity reviewer.Severity
	// Message is message.text (or message.markdown).
	Message string
	// URI is the artifact location of the result's first location, as
	// written by the tool.
	URI string
	// StartLine and EndLine are the region's 1-based lines; EndLine is
	// StartLine when the tool gave none. Both are 0 without a region.
	StartLine, EndLine int
}

// sarifLog is the subset of SARIF 2.1.0 that is read.
type sarifLog struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Rules []sarifRule `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []sarifResult `json:"results"`
	} `json:"runs"`
}

type sarifRule struct {
	ID                   string `json:"id"`
	DefaultConfiguration struct {
		Level string `json:"level"`
	} `json:"defaultConfiguration"`
}

type sarifResult struct {
	RuleID    string `json:"ruleId"`
	RuleIndex *int   `json:"ruleIndex"`
	Rule      struct {
		ID    string `json:"id"`
		Index *int   `json:"index"`
	} `json:"rule"`
	Kind    string `json:"kind"`
	Level   string `json:"level"`
	Message struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown"`
	} `json:"message"`
	Locations []struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
			Region struct {
				StartLine int `json:"startLine"`
				EndLine   int `json:"endLine"`
			} `json:"region"`
		} `json:"physicalLocation"`
	} `json:"locations"`
	Suppressions []struct {
		Status string `json:"status"`
	} `json:"suppressions"`
}

// ParseSARIF parses a SARIF 2.1.0 log and returns the results of all its
// runs that have a location, in order. Results of kind "pass" or
// "notApplicable" and suppressed results (a suppression whose status is
// absent or "accepted") are left out. It fails on anything that is not a
// JSON SARIF log of version 2.1.0 with a "runs" array.
func ParseSARIF(data []byte) ([]SARIFResult, error) {
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		return nil, fmt.Errorf("invalid SARIF: %w", err)
	}
	if log.Version != "2.1.0" {
		return nil, fmt.Errorf("invalid SARIF: version %q, want \"2.1.0\"", log.Version)
	}
	if log.Runs == nil {
		return nil, errors.New("invalid SARIF: no runs")
	}
	var out []SARIFResult
	for _, run := range log.Runs {
		rules := run.Tool.Driver.Rules
		for _, r := range run.Results {
			if r.Kind == "pass" || r.Kind == "notApplicable" || suppressed(r) || len(r.Locations) == 0 {
				continue
			}
			rule := findRule(rules, r)
			id := r.RuleID
			if id == "" {
				id = r.Rule.ID
			}
			if id == "" && rule != nil {
				id = rule.ID
			}
			level := r.Level
			if level == "" && rule != nil {
				level = rule.DefaultConfiguration.Level
			}
			msg := r.Message.Text
			if msg == "" {
				msg = r.Message.Markdown
			}
			loc := r.Locations[0].PhysicalLocation
			start, end := loc.Region.StartLine, loc.Region.EndLine
			if end < start {
				end = start
			}
			out = append(out, SARIFResult{
				RuleID:    id,
				Severity:  severity(level),
				Message:   msg,
				URI:       loc.ArtifactLocation.URI,
				StartLine: start,
				EndLine:   end,
			})
		}
	}
	return out, nil
}

// findRule returns the driver rule a result refers to, by index or id.
func findRule(rules []sarifRule, r sarifResult) *sarifRule {
	for _, i := range []*int{r.RuleIndex, r.Rule.Index} {
		if i != nil && *i >= 0 && *i < len(rules) {
			return &rules[*i]
		}
	}
	for _, id := range []string{r.RuleID, r.Rule.ID} {
		if id == "" {
			continue
		}
		for i := range rules {
			if rules[i].ID == id {
				return &rules[i]
			}
		}
	}
	return nil
}

// suppressed reports whether a result has an accepted suppression.
func suppressed(r sarifResult) bool {
	for _, s := range r.Suppressions {
		if s.Status == "" || s.Status == "accepted" {
			return true
		}
	}
	return false
}

// severity maps a SARIF level to a severity; unknown and empty levels are
// warnings, SARIF's default.
func severity(level string) reviewer.Severity {
	switch level {
	case "error":
		return reviewer.SeverityError
	case "note", "none":
		return reviewer.SeverityInfo
	default:
		return reviewer.SeverityWarning
	}
}
