package azdosim

import (
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/identity"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/location"
	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/webapi"
)

// Location ids the SDK looks up (its generated clients hard-code them).
const (
	locResourceAreas     = "e81700f7-3be2-46de-8624-2eb35882fcaa"
	locConnectionData    = "00d9565f-ed9c-4a06-9a50-00e7896ccab4"
	locRepositories      = "225f7195-f9c7-4d14-ab28-a83f7ff77e1f"
	locPullRequests      = "9946fd70-0d40-406e-b686-b4744cbbcc37"
	locPullRequestByID   = "01a46dea-7d46-4d40-bc84-319e7c260d99"
	locIterations        = "d43911ee-6958-46b0-a42b-8445b8a0d004"
	locIterationChanges  = "4216bdcf-b6b1-4d59-8b82-c34cc183fc8b"
	locItems             = "fb93c0db-47ed-4a31-8c20-47552878fb44"
	locBlobs             = "7b28e929-2c99-405d-9c5c-6167a06e6816"
	locThreads           = "ab6e2e5d-a0b7-4153-b64a-a4efe0d49449"
	locComments          = "965a3ec7-5ed8-455a-bdcb-835a5ea7fe7b"
	locPullRequestStatus = "b5f6bb4f-8d1e-4d79-8d11-4c9172c99c35"
	locPermissions       = "dd3b8bd6-c7fc-4cbd-929a-933d9c011c9d"
	locPermissionBatch   = "cf1faa59-1b63-4448-bf04-13d981a46f5d"
	locSubscriptions     = "fc50d02a-849f-41fb-8af1-0a5216103269"
	locProjects          = "603fe2ac-9723-48b9-88ad-09305aa6c6e1"
	locProjectPRs        = "a5d28130-9cd2-40fa-9f08-902e7daa9efb"
)

// Version range advertised by every location. The SDK requests
// "7.1-preview.N" and, with these values, sends
// "7.1-preview.min(N, resourceVersion)" (versionnegotiation.go).
const (
	minAPIVersion      = "1.0"
	maxAPIVersion      = "7.1"
	releasedAPIVersion = "7.1"
)

// locationTable is the answer to OPTIONS {org}/_apis: every location the
// simulator serves, with the route templates the SDK expands into the paths
// of routeTable.
func locationTable() []azuredevops.ApiResourceLocation {
	const (
		repo = "{project}/_apis/{area}/repositories/{repositoryId}"
		pr   = repo + "/pullRequests/{pullRequestId}"
	)
	entry := func(id, area, resource, template string, resourceVersion int) azuredevops.ApiResourceLocation {
		return azuredevops.ApiResourceLocation{
			Id:              ptr(uuid.MustParse(id)),
			Area:            ptr(area),
			ResourceName:    ptr(resource),
			RouteTemplate:   ptr(template),
			ResourceVersion: ptr(resourceVersion),
			MinVersion:      ptr(minAPIVersion),
			MaxVersion:      ptr(maxAPIVersion),
			ReleasedVersion: ptr(releasedAPIVersion),
		}
	}
	return []azuredevops.ApiResourceLocation{
		entry(locResourceAreas, "Location", "ResourceAreas", "_apis/{resource}/{areaId}", 1),
		entry(locConnectionData, "Location", "connectionData", "_apis/{resource}", 1),
		entry(locRepositories, "git", "repositories", "{project}/_apis/{area}/{resource}/{repositoryId}", 1),
		entry(locPullRequests, "git", "pullRequests", repo+"/{resource}/{pullRequestId}", 1),
		entry(locPullRequestByID, "git", "pullRequests", "{project}/_apis/{area}/{resource}/{pullRequestId}", 1),
		entry(locIterations, "git", "iterations", pr+"/{resource}/{iterationId}", 2),
		entry(locIterationChanges, "git", "changes", pr+"/iterations/{iterationId}/{resource}", 1),
		entry(locItems, "git", "items", repo+"/{resource}/{*path}", 1),
		entry(locBlobs, "git", "blobs", repo+"/{resource}/{sha1}", 1),
		entry(locThreads, "git", "threads", pr+"/{resource}/{threadId}", 1),
		entry(locComments, "git", "comments", pr+"/threads/{threadId}/{resource}/{commentId}", 1),
		entry(locPullRequestStatus, "git", "statuses", pr+"/{resource}/{statusId}", 1),
		// HasPermissions asks for 7.1-preview.2, hence resourceVersion 2.
		entry(locPermissions, "Security", "Permissions", "_apis/{resource}/{securityNamespaceId}/{permissions}", 2),
		entry(locPermissionBatch, "Security", "permissionEvaluationBatch", "_apis/{area}/{resource}", 1),
		entry(locSubscriptions, "hooks", "subscriptions", "_apis/{area}/{resource}/{subscriptionId}", 1),
		entry(locProjects, "core", "projects", "_apis/{resource}/{*projectId}", 4),
		entry(locProjectPRs, "git", "pullRequests", "{project}/_apis/{area}/{resource}", 1),
	}
}

// options serves OPTIONS {org}/_apis, the SDK's location discovery.
func (c *call) options() (*response, error) {
	return collectionResponse(locationTable())
}

// listResourceAreas serves GET {org}/_apis/ResourceAreas with an empty list.
// The SDK then treats the server like an on-premises one and sends the
// requests of every area client (git, core, …) to the organization URL,
// which is where the simulator serves them. A list naming only the git area
// would make every other area client fail with
// ResourceAreaIdNotRegisteredError.
func (c *call) listResourceAreas() (*response, error) {
	return collectionResponse([]azuredevops.ResourceAreaInfo{})
}

// getResourceArea serves GET {org}/_apis/ResourceAreas/{areaId}: the git
// area, located at the organization URL; other areas are not found.
func (c *call) getResourceArea() (*response, error) {
	if !strings.EqualFold(c.params["areaId"], git.ResourceAreaId.String()) {
		return nil, newAPIError(http.StatusNotFound, webAPIAssembly, "ResourceAreaNotFoundException",
			"The resource area '"+c.params["areaId"]+"' was not found.")
	}
	return jsonResponse(http.StatusOK, azuredevops.ResourceAreaInfo{
		Id:          ptr(git.ResourceAreaId),
		Name:        ptr("git"),
		LocationUrl: ptr(c.org.URL() + "/"),
	})
}

// connectionData serves GET {org}/_apis/connectionData: who the PAT
// belongs to.
func (c *call) connectionData() (*response, error) {
	user := identityModel(c.who)
	return jsonResponse(http.StatusOK, location.ConnectionData{
		AuthenticatedUser: user,
		AuthorizedUser:    user,
		InstanceId:        ptr(c.org.id),
		DeploymentId:      ptr(c.s.deploymentID),
		DeploymentType:    ptr(webapi.DeploymentFlags("hosted")),
	})
}

// identityModel renders who as the identity service's Identity.
func identityModel(who Identity) *identity.Identity {
	id := uuid.MustParse(who.ID) // normalized by AddPAT
	return &identity.Identity{
		Id:                  ptr(id),
		Descriptor:          ptr("Microsoft.IdentityModel.Claims.ClaimsIdentity;azdosim\\" + who.UniqueName),
		SubjectDescriptor:   ptr("aad." + base64.RawStdEncoding.EncodeToString(id[:])),
		ProviderDisplayName: ptr(who.DisplayName),
		IsActive:            ptr(true),
		Properties: map[string]typedValue{
			"Account": {Type: "System.String", Value: who.UniqueName},
		},
		ResourceVersion: ptr(2),
		MetaTypeId:      ptr(0),
	}
}
