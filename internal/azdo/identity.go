package azdo

import (
	"context"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/location"
)

// Identity is who a PAT authenticates as.
type Identity struct {
	ID          string
	DisplayName string
}

// Name is how diagnoses name the identity: its display name, else its id.
func (i Identity) Name() string {
	if i.DisplayName != "" {
		return i.DisplayName
	}
	return i.ID
}

// WhoAmI returns the identity the PAT authenticates as (connection data).
// It is the cheapest authenticated call: a failure here means the PAT
// itself is refused.
func (c *Client) WhoAmI(ctx context.Context) (Identity, error) {
	cd, err := c.location.GetConnectionData(ctx, location.GetConnectionDataArgs{})
	if err != nil {
		return Identity{}, wrap("get connection data", err)
	}
	var id Identity
	if u := cd.AuthenticatedUser; u != nil {
		if u.Id != nil {
			id.ID = u.Id.String()
		}
		if u.ProviderDisplayName != nil {
			id.DisplayName = *u.ProviderDisplayName
		}
		if u.CustomDisplayName != nil && *u.CustomDisplayName != "" {
			id.DisplayName = *u.CustomDisplayName
		}
	}
	return id, nil
}
