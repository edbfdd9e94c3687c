package events_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/deadletter"
	"github.com/azreviewer/azreviewer/internal/events"
)

func TestValidID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want bool
	}{
		{"b1b1b1b1-cccc-dddd-eeee-f2f2f2f2f2f2", true},
		{"E6830352-1210-4E1C-8E1F-2C32B9186153", true},
		{"repo_1", true},
		{strings.Repeat("a", 64), true},
		{"", false},
		{strings.Repeat("a", 65), false},
		{"répo", false},
		{"team/repo", false},
		{"a.b", false},
		{"a b", false},
		{"a*", false},
		{"a>", false},
		{"a=b", false},
		{"a\nb", false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, events.ValidID(tt.id), "%q", tt.id)
	}
}

func TestUnmarshalRequestRefusesUnusableIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		wantField string
	}{
		{"unicode repository id", `{"version":1,"repository_id":"répo","pull_request_id":1}`, "repository_id"},
		{"no repository id", `{"version":1,"pull_request_id":1}`, "repository_id"},
		{"no pull request id", `{"version":1,"repository_id":"r"}`, "pull_request_id"},
		{"project id that climbs a URL path", `{"version":1,"repository_id":"r","pull_request_id":1,"project_id":"p/../x"}`, "project_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := events.UnmarshalRequest([]byte(tt.body))
			require.True(t, events.IsPermanent(err))
			var invalid *events.InvalidRequestError
			require.ErrorAs(t, err, &invalid)
			require.Equal(t, tt.wantField, invalid.Field)
			var c deadletter.Classified
			require.ErrorAs(t, err, &c)
			require.Equal(t, "invalid_request", c.Class())
		})
	}
}
