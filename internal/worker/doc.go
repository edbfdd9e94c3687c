// Package worker is the review pipeline behind the JetStream consumer: for
// each review request it reads the pull request's newest iteration from
// Azure DevOps, diffs every changed file, runs the reviewers, posts one
// comment thread per finding anchored to its lines and a summary thread,
// and tells the consume loop how to settle the message.
//
// It depends on a small [AzureDevOps] interface (satisfied by *azdo.Client)
// and on package reviewer for the diff model and the findings; it knows
// nothing of HTTP routing or webhooks.
package worker
