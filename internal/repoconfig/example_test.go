package repoconfig_test

import (
	"fmt"

	"github.com/azreviewer/azreviewer/internal/repoconfig"
)

// Parse a repository's .azreviewer.yaml, merge it over the defaults, and
// see a problem reported with its line and column.
func ExampleParse() {
	repo, err := repoconfig.Parse([]byte("severity_threshold: warning\nrules:\n  disable: [debug/console-log]\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := repoconfig.Merge(repoconfig.Defaults(), repo)
	fmt.Println(cfg.SeverityThreshold, cfg.Rules.Disable, *cfg.Limits.MaxFiles)

	_, err = repoconfig.Parse([]byte("severity_threshold: high\n"))
	fmt.Println(err)
	// Output:
	// warning [debug/console-log] 1000
	// .azreviewer.yaml line 1, column 21: severity_threshold: "high" is not one of info, warning, error
}
