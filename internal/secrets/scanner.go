package secrets

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
	gitleaksre "github.com/zricethezav/gitleaks/v8/regexp"
	"github.com/zricethezav/gitleaks/v8/report"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// Name is the [reviewer.Reviewer.Name] of the scanner, the name
// .azreviewer.yaml switches it on and off by.
const Name = "secrets"

// RulePrefix starts the rule id of every finding: gitleaks' rule
// "github-pat" reports as "secret/github-pat".
const RulePrefix = "secret/"

// gitleaksAllow is gitleaks' own suppression comment, honoured with
// azreviewer's (reviewer.IgnoreMarker, reviewer.IgnoreNextMarker).
const gitleaksAllow = "gitleaks:allow"

// azureRules are azreviewer's rules added to gitleaks' default set.
//
//go:embed rules.toml
var azureRules string

// Scanner is the secret scanner. It is safe for concurrent use; build one
// with [New] and share it, since building compiles every rule.
type Scanner struct {
	det   *detect.Detector
	lines lineAllows
	kinds map[string]confidence
	allow allowList
}

// New returns a Scanner with gitleaks' default rule set and azreviewer's
// Azure rules.
func New() (*Scanner, error) {
	// A viper instance of its own: gitleaks' NewDetectorDefaultConfig uses
	// viper's global one, which is not safe to share.
	v := viper.New()
	v.SetConfigType("toml")
	if err := v.ReadConfig(strings.NewReader(config.DefaultConfig + "\n" + azureRules)); err != nil {
		return nil, fmt.Errorf("secrets: reading the rule set: %w", err)
	}
	var vc config.ViperConfig
	if err := v.Unmarshal(&vc); err != nil {
		return nil, fmt.Errorf("secrets: reading the rule set: %w", err)
	}
	cfg, err := vc.Translate()
	if err != nil {
		return nil, fmt.Errorf("secrets: compiling the rule set: %w", err)
	}
	// The Azure storage emulator's account and key are public, documented
	// values: a connection string naming the account is not a secret.
	emulator := &config.Allowlist{
		Description: "The Azure storage emulator's public account and key",
		RegexTarget: "line",
		Regexes:     []*gitleaksre.Regexp{gitleaksre.MustCompile(`(?i)AccountName=devstoreaccount1;`)},
	}
	if err := emulator.Validate(); err != nil {
		return nil, fmt.Errorf("secrets: compiling the rule set: %w", err)
	}
	if cfg.Allowlists, err = withoutPaths(cfg.Allowlists); err != nil {
		return nil, fmt.Errorf("secrets: compiling the rule set: %w", err)
	}
	cfg.Allowlists = append(cfg.Allowlists, emulator)
	// Key names that describe a credential rather than hold one.
	describing := &config.Allowlist{
		Description: "Key names that describe a credential rather than hold one",
		RegexTarget: "match",
		Regexes: []*gitleaksre.Regexp{gitleaksre.MustCompile(
			`(?i)(?:passw(?:or)?d|pwd|secret|token|key)[_.-]?(?:hash(?:ed)?|digest|salt|type|kind|length|len|min|max|policy|regex|pattern|prompt|label|hint|field|param|header|ref|reference|version)["']?\s*(?:=|:=|:|=>)`)},
	}
	if err := describing.Validate(); err != nil {
		return nil, fmt.Errorf("secrets: compiling the rule set: %w", err)
	}
	for _, id := range []string{"generic-api-key", "password-assignment", "password-in-config"} {
		r := cfg.Rules[id]
		r.Allowlists = append(r.Allowlists, describing)
		cfg.Rules[id] = r
	}
	lines := takeLineAllows(&cfg)
	det := detect.NewDetector(cfg)
	// Only what is written: no base64 or URL decoding passes, which would
	// multiply the work an attacker's pull request can ask for.
	det.MaxDecodeDepth = 0
	// The scanner honours gitleaks:allow itself, on the whole line (see
	// suppressed); Lines must not honour it at all.
	det.IgnoreGitleaksAllow = true
	kinds := make(map[string]confidence, len(cfg.Rules))
	for id, r := range cfg.Rules {
		kinds[id] = ruleConfidence(r)
	}
	return &Scanner{det: det, kinds: kinds, lines: lines}, nil
}

// MustNew is [New] for callers that cannot handle its error: it panics if
// the embedded rule set does not compile, which the package's tests rule
// out.
func MustNew() *Scanner {
	s, err := New()
	if err != nil {
		panic(err)
	}
	return s
}

// Name returns [Name].
func (*Scanner) Name() string { return Name }

// WithAllow returns a Scanner that shares s's rules and also leaves quiet
// what a allows, on top of what s allows. It fails when a value pattern or
// a glob of a is not valid.
func (s *Scanner) WithAllow(a Allow) (*Scanner, error) {
	list, err := a.compile()
	if err != nil {
		return nil, err
	}
	out := *s
	out.allow = s.allow.join(list)
	return &out, nil
}

// RuleCount returns how many rules the scanner applies.
func (s *Scanner) RuleCount() int { return len(s.kinds) }

var _ reviewer.Judge = (*Scanner)(nil)

// Judges reports whether rule is one of the scanner's ("secret/" and a
// rule of its set, or the id of one of the rules it replaced) and the
// scanner reads the file at path: not third-party code, nor a file its
// allow list's paths name. It makes the Scanner a [reviewer.Judge].
func (s *Scanner) Judges(rule, path string) bool {
	id, ok := strings.CutPrefix(rule, RulePrefix)
	if !ok {
		return false
	}
	if _, known := s.kinds[id]; !known && !slices.Contains(formerRuleIDs, rule) {
		return false
	}
	return !thirdParty(strings.TrimPrefix(path, "/")) && !s.allow.path(path)
}

// Review flags the added lines of pr that hold a credential.
func (s *Scanner) Review(ctx context.Context, pr *reviewer.PullRequest) ([]reviewer.Finding, error) {
	var out []reviewer.Finding
	for i := range pr.Files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f := &pr.Files[i]
		if f.Skipped != "" || len(f.Hunks) == 0 || thirdParty(strings.TrimPrefix(f.Path, "/")) || s.allow.path(f.Path) {
			continue
		}
		out = append(out, s.file(ctx, f)...)
	}
	return out, ctx.Err()
}

// file scans the added lines of one file, as one text in which each run of
// consecutive added lines is set apart from the next by an empty line.
func (s *Scanner) file(ctx context.Context, f *reviewer.FileDiff) []reviewer.Finding {
	var t text
	for i := range f.Hunks {
		prev, prevNo := "", -1
		for _, l := range f.Hunks[i].Lines {
			if l.Kind == reviewer.Deleted {
				continue
			}
			if l.Kind == reviewer.Added {
				quiet := suppressed(l.Text) || prevNo == l.New-1 && strings.Contains(prev, reviewer.IgnoreNextMarker)
				t.add(l.New, l.Text, quiet)
			}
			prev, prevNo = l.Text, l.New
		}
	}
	if len(t.lines) == 0 {
		return nil
	}
	class := classify(f.Path)
	check := lineCheck{lists: s.lines, path: strings.TrimPrefix(f.Path, "/")}
	var out []reviewer.Finding
	for _, fr := range t.fragments() {
		if ctx.Err() != nil {
			return nil
		}
		for _, gf := range s.detect(ctx, f.Path, fr.raw) {
			rf, rt := secretLines(gf)
			from, to, ok := t.span(fr.line(rf), fr.line(rt))
			if !ok || t.lines[from].quiet || s.allow.value(gf.Secret) ||
				check.allowed(&t, gf.RuleID, gf.Secret, fr.line(gf.StartLine), fr.line(gf.EndLine)) {
				continue
			}
			kind := s.kinds[gf.RuleID]
			sev, report := kind.severity(class)
			if !report {
				continue
			}
			out = append(out, reviewer.Finding{
				Path:        f.Path,
				StartLine:   t.lines[from].no,
				EndLine:     t.lines[to].no,
				Rule:        RulePrefix + gf.RuleID,
				Severity:    sev,
				Message:     kind.message(gf.Description),
				FormerRules: formerRules(gf.RuleID),
			})
		}
	}
	return strongest(out)
}

// suppressed reports whether line carries a comment that keeps its
// findings quiet. The scanner looks for gitleaks' own, not the detector,
// which would see only the part of a long line it scans.
func suppressed(line string) bool {
	return strings.Contains(line, reviewer.IgnoreMarker) || strings.Contains(line, gitleaksAllow)
}

// detect runs gitleaks on one text of the file at path.
func (s *Scanner) detect(ctx context.Context, path, raw string) []report.Finding {
	// DetectContext takes the deprecated Fragment (an alias of
	// sources.Fragment until gitleaks v9); DetectSource, its replacement,
	// keeps findings in the detector, which would make it unsafe to share.
	return s.det.DetectContext(ctx, detect.Fragment{Raw: raw, FilePath: strings.TrimPrefix(path, "/")}) //nolint:staticcheck // SA1019: the only entry point that leaves the detector unchanged
}

// secretLines returns the 0-based lines of the detector's text that hold
// the secret of f, which may be fewer than its match covers: a rule may
// match from a command's name lines before the credential.
func secretLines(f report.Finding) (int, int) {
	i := strings.Index(f.Match, f.Secret)
	if f.Secret == "" || i < 0 {
		return f.StartLine, f.EndLine
	}
	from := f.StartLine + strings.Count(f.Match[:i], "\n")
	return from, from + strings.Count(f.Secret, "\n")
}

// strongest keeps, of the findings that flag the same lines, the most
// severe one, of equals the one whose rule id sorts first: the detector
// finds in no fixed order, and a finding must keep its rule (and so its
// thread) from one review to the next.
func strongest(fs []reviewer.Finding) []reviewer.Finding {
	slices.SortFunc(fs, func(a, b reviewer.Finding) int {
		return cmp.Or(cmp.Compare(a.StartLine, b.StartLine), cmp.Compare(a.EndLine, b.EndLine), cmp.Compare(a.Rule, b.Rule))
	})
	type lines struct{ from, to int }
	best := make(map[lines]int, len(fs))
	out := fs[:0]
	for _, f := range fs {
		k := lines{f.StartLine, f.EndLine}
		i, seen := best[k]
		switch {
		case !seen:
			best[k] = len(out)
			out = append(out, f)
		case f.Severity.Rank() > out[i].Severity.Rank():
			out[i] = f
		}
	}
	return out
}
