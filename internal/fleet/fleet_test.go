package fleet_test

import (
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/fleet"
)

// TestDefaultFleetKeepsTodaysNames: the default fleet, and the zero
// value, name exactly what deployments before FLEET_NAME created, so they
// keep working.
func TestDefaultFleetKeepsTodaysNames(t *testing.T) {
	t.Parallel()
	named, err := fleet.New("azreviewer")
	require.NoError(t, err)
	for _, n := range []fleet.Names{{}, named} {
		require.Equal(t, "azreviewer", n.Fleet())
		require.Equal(t, "AZREVIEWER_REVIEWS", n.ReviewStream())
		require.Equal(t, "azreviewer.review.", n.ReviewSubjectPrefix())
		require.Equal(t, "azreviewer.review.>", n.ReviewSubjects())
		require.Equal(t, "workers", n.Consumer())
		require.Equal(t, "AZREVIEWER_DEAD_LETTERS", n.DeadLetterStream())
		require.Equal(t, "azreviewer.deadletter.", n.DeadLetterSubjectPrefix())
		require.Equal(t, "azreviewer-leases", n.LeaseBucket())
		require.Equal(t, "azreviewer-review-state", n.StateBucket())
		require.Equal(t, "azreviewer-memory", n.MemoryBucket())
		require.Equal(t, "azreviewer-budget", n.BudgetBucket())
	}
}

// TestFleetNames: a named fleet prefixes every name, so two fleets share
// no stream, subject or bucket.
func TestFleetNames(t *testing.T) {
	t.Parallel()
	a, err := fleet.New("team-a")
	require.NoError(t, err)
	b, err := fleet.New("team_b")
	require.NoError(t, err)
	require.Equal(t, "TEAM-A_REVIEWS", a.ReviewStream())
	require.Equal(t, "team-a.review.", a.ReviewSubjectPrefix())
	require.Equal(t, "TEAM-A_DEAD_LETTERS", a.DeadLetterStream())
	require.Equal(t, "team-a.deadletter.", a.DeadLetterSubjectPrefix())
	require.Equal(t, "team-a-leases", a.LeaseBucket())
	require.Equal(t, "team-a-review-state", a.StateBucket())
	require.Equal(t, "team-a-memory", a.MemoryBucket())
	require.Equal(t, "team-a-budget", a.BudgetBucket())
	for _, name := range []func(fleet.Names) string{
		fleet.Names.ReviewStream, fleet.Names.ReviewSubjectPrefix, fleet.Names.DeadLetterStream,
		fleet.Names.DeadLetterSubjectPrefix, fleet.Names.LeaseBucket, fleet.Names.StateBucket,
		fleet.Names.MemoryBucket, fleet.Names.BudgetBucket,
	} {
		require.NotEqual(t, name(a), name(b))
	}
}

// TestFleetNameValidation: only a token safe in a subject, a stream name
// and a bucket name is a fleet name.
func TestFleetNameValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fleet   string
		wantErr string
	}{
		{"plain", "azreviewer", ""},
		{"digits and separators", "org2-prod_eu", ""},
		{"one character", "a", ""},
		{"longest", "abcdefghijabcdefghijabcdefghijab", ""},
		{"empty", "", "empty"},
		{"too long", "abcdefghijabcdefghijabcdefghijabc", "longer than 32"},
		{"dot splits a subject", "a.b", `'.'`},
		{"wildcard", "a*", `'*'`},
		{"full wildcard", ">", `'>'`},
		{"space", "a b", `' '`},
		{"upper case collides in stream names", "Prod", `'P'`},
		{"leading dash", "-a", `'-'`},
		{"slash", "a/b", `'/'`},
		{"non-ASCII", "é", `'é'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := fleet.New(tt.fleet)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.fleet, n.Fleet())
		})
	}
}

// TestNamesIsAFlag: --fleet-name validates when parsed and defaults to the
// default fleet.
func TestNamesIsAFlag(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var n fleet.Names
	fs.Var(&n, "fleet-name", "")
	require.Equal(t, "azreviewer", fs.Lookup("fleet-name").DefValue)
	require.Error(t, fs.Parse([]string{"--fleet-name", "a.b"}))
	require.NoError(t, fs.Parse([]string{"--fleet-name", "b"}))
	require.Equal(t, "B_REVIEWS", n.ReviewStream())
}
