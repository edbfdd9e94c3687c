package reviewer

// Optional interfaces: what a [Reviewer] may also do, found with [As]
// through any wrapper that has an Unwrap method (as a tracing wrapper does).

// Instructable is a Reviewer that takes a repository's instructions and
// comment language for one review, such as the LLM reviewer. ForReview
// returns the reviewer to run for that review; call it once per review.
type Instructable interface {
	Reviewer
	ForReview(instructions, language string) Reviewer
}

// Noter is a Reviewer with a line for the review's summary once it has run,
// such as the LLM's token counts or the files an analyzer was not given; ""
// means nothing to say.
type Noter interface {
	Reviewer
	Notes() string
}

// Partial is a Reviewer that may leave some files of a pull request
// unjudged, such as the LLM reviewer past its limit of requests or an
// external analyzer past its bounds. Unjudged lists, once Review has
// returned without an error, the files of that review it did not judge in
// full: its findings there are not known to be gone, so [Run] reports
// them in [Result.Unjudged] and a caller leaves its earlier findings on
// them alone.
type Partial interface {
	Reviewer
	Unjudged() []Unjudged
}

// Unjudged is a changed file a reviewer did not judge in full, and whose
// findings it is: the rule ids of that reviewer.
type Unjudged struct {
	// Path is the file's path, as in [FileDiff.Path].
	Path string
	// Rules is the namespace of the reviewer's rule ids: a rule is its
	// reviewer's when it is Rules or begins with Rules and a "/" ("llm"
	// for "llm/bug"; an analyzer's name for "<name>/<ruleId>" and for the
	// bare "<name>" of a result without a rule id). "" stands for every
	// rule.
	Rules string
}

// Covers reports whether rule is of u's reviewer (see [Unjudged.Rules]);
// an unknown rule ("") is covered: it may be.
func (u Unjudged) Covers(rule string) bool {
	if u.Rules == "" || rule == "" {
		return true
	}
	return rule == u.Rules || len(rule) > len(u.Rules) && rule[len(u.Rules)] == '/' && rule[:len(u.Rules)] == u.Rules
}

// Judge is a Reviewer that says which findings are its own and on which
// files it looks for them, such as the built-in rules (each rule's file
// types), the custom rules (each rule's paths) or an external analyzer
// (its paths). A caller asks it, through [Result.Coverage], whether a
// finding it reported earlier and did not report now is gone, or was not
// looked for: one of a rule that is no longer the reviewer's, on a file
// it does not look at, was not.
type Judge interface {
	Reviewer
	// Judges reports whether the reviewer looks for findings of rule on
	// the file at path: rule is one of its rule ids (or one its findings
	// name as former, [Finding.FormerRules]) and it applies that rule to
	// such a file. It answers for any review; what one review left out is
	// [Partial]'s to say.
	Judges(rule, path string) bool
}

// Varying is a Reviewer whose findings on the same code may differ from
// one review to the next, such as the LLM reviewer: a model samples its
// answer, and may report a finding on one push and not on the next. A
// finding of a Varying reviewer that is back after it was gone says
// nothing about the code, so a caller does not take it for a regression
// ([Coverage.Varies]). Varies reports whether the reviewer's findings
// vary; a reviewer that is no Varying, as the rules, the secret scanner
// and the analyzers, reports the same findings on the same code.
type Varying interface {
	Reviewer
	Varies() bool
}

// Wrapper is a Reviewer that adds to another one, such as tracing; Unwrap
// returns the one it wraps.
type Wrapper interface {
	Reviewer
	Unwrap() Reviewer
}

// As returns the first reviewer of r's chain (r, then what each [Wrapper]
// of it wraps) that is a T, and true; or T's zero value and false.
func As[T Reviewer](r Reviewer) (T, bool) {
	for r != nil {
		if t, ok := r.(T); ok {
			return t, true
		}
		w, ok := r.(Wrapper)
		if !ok {
			break
		}
		r = w.Unwrap()
	}
	var zero T
	return zero, false
}
