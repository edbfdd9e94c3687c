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
