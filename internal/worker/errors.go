package worker

import "fmt"

// droppedDiagnosis explains a write Azure DevOps acknowledged but did not
// keep.
const droppedDiagnosis = "Azure DevOps answered success to a comment write but the thread is not there when read back, so nobody sees it. " +
	"Check that the PAT owner can still see the pull request and has 'Contribute to pull requests' on the repository, and Azure DevOps' service health; " +
	"the dead letter holds the request to replay once fixed."

// DroppedWritesError is a review whose writes Azure DevOps acknowledged
// but did not keep. Retrying cannot be trusted to help, so it is permanent.
type DroppedWritesError struct {
	Dropped    int
	Repository string
}

func (e *DroppedWritesError) Error() string {
	return fmt.Sprintf("%d acknowledged thread write(s) missing when read back", e.Dropped)
}

// Class is the failure's kind for dead letters and traces.
func (e *DroppedWritesError) Class() string { return "dropped" }

// Diagnosis says what to check.
func (e *DroppedWritesError) Diagnosis() string { return droppedDiagnosis }
