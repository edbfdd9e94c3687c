package app

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWorkerGCPercent: the worker collects at GOGC=50 unless the operator
// set GOGC, whatever its value.
func TestWorkerGCPercent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		want    int
		wantSet bool
	}{
		{"unset", nil, 50, true},
		{"set", map[string]string{"GOGC": "100"}, 0, false},
		{"off", map[string]string{"GOGC": "off"}, 0, false},
		{"empty", map[string]string{"GOGC": ""}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, set := gcPercent(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			require.Equal(t, tt.wantSet, set)
			require.Equal(t, tt.want, got)
		})
	}
}
