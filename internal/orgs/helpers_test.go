package orgs_test

import (
	"context"

	"github.com/azreviewer/azreviewer/internal/azdo"
)

// orgsPAT is the Authorization header of a PAT.
func orgsPAT(token string) (string, error) {
	return azdo.PAT(token).Authorization(context.Background())
}
