// Package worker is the review pipeline behind the JetStream consumer: for
// each review request it reads the pull request's newest iteration from
// Azure DevOps, diffs every changed file, runs the reviewers, posts one
// comment thread per finding anchored to its lines and a summary thread,
// and tells the consume loop how to settle the message.
//
// # The pipeline
//
// One request is a reviewRun, whose phases are methods run in order: gate,
// lease, load, diff, review, post, verify, remember (review.go, post.go).
//
// # Azure DevOps
//
// The worker sees Azure DevOps through three small interfaces in azdo's
// own types, one per role: [PullRequestReader], [Commenter] and
// [Diagnoser] ([AzureDevOps] composes them; *azdo.Client implements it).
// azdotest.Fake, a plain struct, implements them for tests about the
// worker's decisions; tests of the requests themselves run against the
// simulator (azdotest.New). The worker knows nothing of HTTP routing,
// webhooks or the SDK's models.
package worker
