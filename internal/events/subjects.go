package events

// Names of the review queue: the stream review requests are stored in and
// the prefix of their subjects, azreviewer.review.<repositoryId>.<pullRequestId>
// ([ReviewRequest.Subject]).
const (
	StreamName    = "AZREVIEWER_REVIEWS"
	SubjectPrefix = "azreviewer.review."
)
