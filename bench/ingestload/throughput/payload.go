package throughput

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// samplesDir holds Microsoft's sample service-hook payloads.
const samplesDir = "internal/servicehooks/testdata"

// sampleEventID and samplePullRequest are the values every sample carries,
// replaced in each delivery so that no two share a de-duplication id.
const (
	sampleEventID     = "a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1"
	samplePullRequest = `"pullRequestId": 1,`
)

// template is a sample payload cut where its event id and pull-request id
// go: a delivery is head + id + middle + pull request + tail.
type template struct {
	name               string
	head, middle, tail []byte
}

// samples are the payloads posted: the two samples that ask for a review
// (the others are ignored, and the minimal server would publish them).
var samples = []string{"git.pullrequest.created.json", "ms.vss-code.git-pullrequest-comment-event.json"}

// loadTemplates reads the samples from the module at root.
func loadTemplates(root string) ([]template, error) {
	out := make([]template, 0, len(samples))
	for _, name := range samples {
		raw, err := os.ReadFile(filepath.Join(root, samplesDir, name))
		if err != nil {
			return nil, fmt.Errorf("read sample: %w", err)
		}
		head, rest, ok := bytes.Cut(raw, []byte(sampleEventID))
		if !ok {
			return nil, fmt.Errorf("sample %s has no event id %s", name, sampleEventID)
		}
		middle, tail, ok := bytes.Cut(rest, []byte(samplePullRequest))
		if !ok {
			return nil, fmt.Errorf("sample %s has no %s", name, samplePullRequest)
		}
		out = append(out, template{name: name, head: head, middle: middle, tail: tail})
	}
	return out, nil
}

// body appends delivery n of t to dst: event id and pull-request id
// derived from n, everything else the sample's bytes.
func (t template) body(dst []byte, n uint64) []byte {
	dst = append(dst, t.head...)
	dst = fmt.Appendf(dst, "%08x-bbbb-cccc-dddd-%012x", uint32(n>>48), n&(1<<48-1))
	dst = append(dst, t.middle...)
	dst = append(dst, `"pullRequestId": `...)
	dst = strconv.AppendUint(dst, n%(1<<31-1)+1, 10)
	dst = append(dst, ',')
	return append(dst, t.tail...)
}
