package worker

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/azreviewer/azreviewer/internal/reviewer"
)

// tracedReviewer gives each reviewer's run its own span.
type tracedReviewer struct {
	reviewer.Reviewer
	tracer trace.Tracer
}

// Unwrap returns the traced reviewer.
func (t tracedReviewer) Unwrap() reviewer.Reviewer { return t.Reviewer }

func (t tracedReviewer) Review(ctx context.Context, pr *reviewer.PullRequest) ([]reviewer.Finding, error) {
	ctx, span := t.tracer.Start(ctx, "reviewer "+t.Name(), trace.WithAttributes(
		attribute.String("azreviewer.reviewer", t.Name()),
		attribute.Int("azreviewer.files", len(pr.Files)),
	))
	defer span.End()
	findings, err := t.Reviewer.Review(ctx, pr)
	span.SetAttributes(attribute.Int("azreviewer.findings", len(findings)))
	if err != nil {
		recordFailure(span, err)
	}
	return findings, err
}
