package analyzers

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMissingIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		capEff  string
		want    []string
		wantErr bool
	}{
		{name: "all of a root container", capEff: "00000000a80425fb"},
		{name: "everything", capEff: "000001ffffffffff"},
		{name: "none", capEff: "0000000000000000", want: []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_KILL", "CAP_SETGID", "CAP_SETUID"}},
		{name: "only setuid and setgid", capEff: "00000000000000c0", want: []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_KILL"}},
		{name: "not hexadecimal", capEff: "zz", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := missingIn(tt.capEff)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}
