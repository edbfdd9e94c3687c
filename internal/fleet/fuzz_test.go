package fleet_test

import (
	"strings"
	"testing"

	"github.com/azreviewer/azreviewer/internal/fleet"
)

// FuzzFleetName: every name New accepts gives names that are one subject
// token where they prefix subjects, stream names without the characters
// JetStream refuses, bucket names of [A-Za-z0-9_-], and that keep the
// fleet apart from the default one.
func FuzzFleetName(f *testing.F) {
	for _, seed := range []string{"azreviewer", "a", "team-a", "org_2", "A", "a.b", "a*", ">", " ", "", "é", strings.Repeat("a", 33)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		n, err := fleet.New(name)
		if err != nil {
			return
		}
		if n.Fleet() != name {
			t.Fatalf("fleet %q named %q", name, n.Fleet())
		}
		for _, s := range []string{n.ReviewStream(), n.DeadLetterStream()} {
			if strings.ContainsAny(s, ".*> \t\r\n/\\") || len(s) > 255 {
				t.Fatalf("stream name %q", s)
			}
		}
		for _, p := range []string{n.ReviewSubjectPrefix(), n.DeadLetterSubjectPrefix()} {
			tokens := strings.Split(strings.TrimSuffix(p, "."), ".")
			if len(tokens) != 2 || tokens[0] != name || strings.ContainsAny(p, "*> \t\r\n") {
				t.Fatalf("subject prefix %q", p)
			}
		}
		for _, b := range []string{n.LeaseBucket(), n.StateBucket()} {
			for _, r := range b {
				if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
					t.Fatalf("bucket name %q", b)
				}
			}
		}
		if name != fleet.Default && (n.ReviewStream() == fleet.Names{}.ReviewStream() || n.LeaseBucket() == fleet.Names{}.LeaseBucket()) {
			t.Fatalf("fleet %q shares the default fleet's names", name)
		}
	})
}
