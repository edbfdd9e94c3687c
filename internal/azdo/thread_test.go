package azdo_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

// TestCreateThreadSendsTheSDKsShape: azdo's Thread goes out as the
// worker's SDK models did before azdo had types of its own. Each golden
// body in testdata/requests was marshalled from those models (a finding
// thread anchored to its lines, the summary, the configuration comment);
// the client must send the same JSON for the same thread, and the
// simulator must take it.
func TestCreateThreadSendsTheSDKsShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		golden string
		thread func(content string) azdo.Thread
	}{
		{"thread-finding.json", func(content string) azdo.Thread {
			return azdo.Thread{Status: azdo.ThreadActive, Comments: []azdo.Comment{{Content: content}},
				FilePath: "/src/app.js", Start: azdo.Position{Line: 3, Offset: 1}, End: azdo.Position{Line: 4, Offset: 17},
				ChangeTrackingID: 7, Iteration: 2,
				Properties: map[string]string{"azreviewer.fingerprint": "0808580e022e48067160eeb1ded19ca2",
					"azreviewer.rule": "debug/console-log", "azreviewer.severity": "warning"}}
		}},
		{"thread-summary.json", func(content string) azdo.Thread {
			return azdo.Thread{Status: azdo.ThreadClosed, Comments: []azdo.Comment{{Content: content}},
				Properties: map[string]string{"azreviewer.summary": "2@00ead00000000000000000000000000000000000"}}
		}},
		{"thread-config.json", func(content string) azdo.Thread {
			return azdo.Thread{Status: azdo.ThreadActive, Comments: []azdo.Comment{{Content: content}}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			t.Parallel()
			want, err := os.ReadFile(filepath.Join("testdata", "requests", tt.golden))
			require.NoError(t, err)
			var golden struct {
				Comments []struct {
					Content string `json:"content"`
				} `json:"comments"`
			}
			require.NoError(t, json.Unmarshal(want, &golden))

			sim := azdotest.New(t)
			pr := sim.NewPullRequest(map[string]string{"/src/app.js": "1\n"}, map[string]string{"/src/app.js": "1\n2\n3\n4\n"})
			var mu sync.Mutex
			var sent []byte
			orgURL := serveThrough(t, sim, func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/threads") {
						body, _ := io.ReadAll(r.Body)
						mu.Lock()
						sent = body
						mu.Unlock()
						r.Body = io.NopCloser(bytes.NewReader(body))
					}
					next.ServeHTTP(w, r)
				})
			})
			c, err := azdo.New(azdo.Config{OrgURL: orgURL, PAT: sim.PAT, MaxRetries: -1})
			require.NoError(t, err)
			ref := azdo.PullRequestRef{Project: sim.Project.Name(), RepositoryID: sim.Repo.ID(), ID: pr.ID()}
			got, err := c.CreateThread(t.Context(), ref, tt.thread(golden.Comments[0].Content))
			require.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			require.JSONEq(t, string(want), string(sent))

			kept, err := c.Threads(t.Context(), ref)
			require.NoError(t, err)
			require.Len(t, kept, 1)
			require.Equal(t, got, kept[0], "what CreateThread answers is what Threads lists")
			require.Equal(t, golden.Comments[0].Content, kept[0].FirstComment())
		})
	}
}
