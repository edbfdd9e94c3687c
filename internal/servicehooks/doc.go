// Package servicehooks reads Azure DevOps service-hook deliveries: the
// [Envelope] every event arrives in, the resources of the pull-request
// events azreviewer reviews on ([PullRequestResource], [CommentResource]),
// and the organisation an event came from ([Envelope.OrgURL],
// [NormalizeOrgURL]). [ParseEnvelope] decodes a delivery once, envelope
// and resource together, and leaves any body it cannot decode so, or might
// decode otherwise, to encoding/json in two steps, so every body gets
// encoding/json's answer. It only parses; what to do with an event is
// ingest's decision.
package servicehooks
