package analyzers_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/analyzers"
)

func TestParseUsers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string
		size    int
		wantErr string
	}{
		{in: analyzers.DefaultUsers, want: "60600-60663", size: 64},
		{in: " 100000 - 100063 ", want: "100000-100063", size: 64},
		{in: "70000", want: "70000-70000", size: 1},
		{in: "0-63", wantErr: "positive"},
		{in: "-5", wantErr: "FIRST-LAST"},
		{in: "200-100", wantErr: "empty"},
		{in: "1-4294967295", wantErr: "not a valid id"},
		{in: "1-70000", wantErr: "at most 65536"},
		{in: "a-b", wantErr: "FIRST-LAST"},
		{in: "", wantErr: "FIRST-LAST"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			u, err := analyzers.ParseUsers(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, u.String())
			require.Equal(t, tt.size, u.Size())
		})
	}
}
