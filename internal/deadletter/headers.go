package deadletter

// Headers of a dead letter.
const (
	HeaderError           = "Azreviewer-Error"
	HeaderErrorType       = "Azreviewer-Error-Type"
	HeaderDiagnosis       = "Azreviewer-Diagnosis"
	HeaderOriginalSubject = "Azreviewer-Original-Subject"
	HeaderOriginalSeq     = "Azreviewer-Original-Seq"
	HeaderDeliveries      = "Azreviewer-Deliveries"
	// HeaderBodyOmitted, with the request's size in bytes, marks a dead
	// letter stored without its request: the copy with its headers did not
	// fit the server's max_payload. It cannot be replayed.
	HeaderBodyOmitted = "Azreviewer-Body-Omitted"
)

// maxDeadLetterHeader bounds the error and diagnosis headers of a dead
// letter.
const maxDeadLetterHeader = 4 << 10
