package servicehooks

// PayloadError says what is wrong with a webhook body. Ingest answers it
// with 400 and the error as JSON.
type PayloadError struct {
	// Field is the JSON path of the offending field, empty for the body.
	Field  string
	Reason string
}

func (e *PayloadError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}
