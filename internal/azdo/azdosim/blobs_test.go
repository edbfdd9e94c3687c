package azdosim_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

// TestBlobsZip: the SDK's GetBlobsZip — a POST of a JSON array of blob ids
// at the blobs location, api-version 7.1-preview.1 — is answered with an
// application/zip of one entry per distinct blob, in the order asked,
// named by its id; SetBlobsZipFault omits and renames entries; an id that
// is no SHA-1 is a 400, one the repository lacks a 404.
func TestBlobsZip(t *testing.T) {
	t.Parallel()
	a, b := "package a\n", "package b\n"
	idA, idB := azdotest.BlobID(a), azdotest.BlobID(b)
	tests := []struct {
		name       string
		fault      azdosim.BlobsZipFault
		ids        []string
		want       []string // entry name, then content, for each entry
		wantStatus int
		wantType   string
	}{
		{name: "named by id", ids: []string{idA, idB, idA}, want: []string{idA, a, idB, b}},
		{name: "upper-case ids", ids: []string{strings.ToUpper(idB)}, want: []string{idB, b}},
		{name: "omitted", fault: azdosim.BlobsZipFault{Omit: 2}, ids: []string{idA, idB}, want: []string{idB, b}},
		{name: "renamed", fault: azdosim.BlobsZipFault{EntryName: func(id string) string { return "x/" + id + ".txt" }, Store: true},
			ids: []string{idB}, want: []string{"x/" + idB + ".txt", b}},
		{name: "not a blob id", ids: []string{"main.go"}, wantStatus: http.StatusBadRequest, wantType: "InvalidArgumentValueException"},
		{name: "no id", ids: []string{}, wantStatus: http.StatusBadRequest, wantType: "InvalidArgumentValueException"},
		{name: "unknown blob", ids: []string{azdotest.BlobID("nowhere\n")}, wantStatus: http.StatusNotFound, wantType: "GitObjectNotFoundException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := azdotest.New(t)
			sim.NewPullRequest(map[string]string{"/a.go": a}, map[string]string{"/a.go": a, "/b.go": b})
			sim.Server.SetBlobsZipFault(tt.fault)
			client := gitClient(t, sim)
			project, repo := sim.Project.Name(), sim.Repo.ID()
			body, err := client.GetBlobsZip(t.Context(), git.GetBlobsZipArgs{Project: &project, RepositoryId: &repo, BlobIds: &tt.ids})
			last := sim.Server.Requests()[len(sim.Server.Requests())-1]
			require.Equal(t, "git.blobs.zip", last.Operation)
			require.Equal(t, http.MethodPost, last.Method)
			require.Equal(t, "7.1-preview.1", last.APIVersion, "the version the SDK asks for")
			if tt.wantStatus != 0 {
				requireAzureError(t, err, tt.wantStatus, tt.wantType)
				return
			}
			require.NoError(t, err)
			defer body.Close()
			raw, err := io.ReadAll(body)
			require.NoError(t, err)
			zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
			require.NoError(t, err)
			var got []string
			for _, f := range zr.File {
				rc, err := f.Open()
				require.NoError(t, err)
				content, err := io.ReadAll(rc)
				require.NoError(t, err)
				require.NoError(t, rc.Close())
				got = append(got, f.Name, string(content))
			}
			require.Equal(t, tt.want, got)
		})
	}
}

// TestBlobsZipContentType: the answer is application/zip.
func TestBlobsZipContentType(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	sim.NewPullRequest(map[string]string{}, map[string]string{"/a.go": "a\n"})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
		sim.Org.URL()+"/_apis/git/repositories/"+sim.Repo.ID()+"/blobs?api-version=7.1-preview.1",
		strings.NewReader(`["`+azdotest.BlobID("a\n")+`"]`))
	require.NoError(t, err)
	req.SetBasicAuth("", sim.PAT)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/zip", resp.Header.Get("Content-Type"))
}
