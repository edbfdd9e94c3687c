package azdo

// val is the value p points to, or T's zero value when p is nil. The SDK's
// models make every field an optional pointer; azdo's own types hold
// values, and this is where one becomes the other.
func val[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// ptr is a pointer to a copy of v, for the SDK's request models.
func ptr[T any](v T) *T { return &v }
