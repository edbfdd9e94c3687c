package coordination

import (
	"context"
	"slices"
	"strconv"
	"time"
)

// Usage is what the commands that ask the model (ask, describe) used on one
// pull request.
type Usage struct {
	// Recent are the times of the commands let through within the last
	// window, oldest first (at most the limit).
	Recent []time.Time `json:"recent"`
	// Commands counts the commands answered in all.
	Commands int `json:"commands"`
	// PromptTokens and CompletionTokens add up what their answers cost.
	PromptTokens     int64 `json:"prompt_tokens"`
	CompletionTokens int64 `json:"completion_tokens"`
}

func usageKey(repositoryID string, pullRequest int) string {
	return "talk." + token(repositoryID) + "." + strconvItoa(pullRequest)
}

func strconvItoa(n int) string { return strconv.Itoa(n) }

// Take counts one command on the pull request if fewer than limit were let
// through in the window before now; ok is false otherwise, and next is
// when the next one will be.
func (s *Memory) Take(ctx context.Context, repositoryID string, pullRequest, limit int, window time.Duration, now time.Time) (ok bool, next time.Time, err error) {
	_, err = update(ctx, s.kv, usageKey(repositoryID, pullRequest), func(u *Usage) (bool, error) {
		cut := now.Add(-window)
		u.Recent = slices.DeleteFunc(u.Recent, func(t time.Time) bool { return !t.After(cut) })
		if len(u.Recent) >= limit {
			ok, next = false, u.Recent[len(u.Recent)-limit].Add(window)
			return false, nil
		}
		ok = true
		u.Recent = append(u.Recent, now.UTC())
		return true, nil
	})
	return ok, next, err
}

// Spent adds a command's answer and tokens to the pull request's usage.
func (s *Memory) Spent(ctx context.Context, repositoryID string, pullRequest int, promptTokens, completionTokens int64) error {
	_, err := update(ctx, s.kv, usageKey(repositoryID, pullRequest), func(u *Usage) (bool, error) {
		u.Commands++
		u.PromptTokens += promptTokens
		u.CompletionTokens += completionTokens
		return true, nil
	})
	return err
}

// Usage returns the pull request's usage (the zero value when none).
func (s *Memory) Usage(ctx context.Context, repositoryID string, pullRequest int) (Usage, error) {
	var u Usage
	_, err := get(ctx, s.kv, usageKey(repositoryID, pullRequest), &u)
	return u, err
}
