// Package demo is the all-in-one binary's --demo scenario: it starts the
// built-in Azure DevOps simulator with a sample project (its name has a
// space), a repository and an active pull request whose change holds things
// the built-in rules catch; sends the pull request's webhook to ingest over
// HTTP with credentials, exactly as Azure DevOps would; waits for the
// review; and prints the threads posted and the trace of the review.
package demo
