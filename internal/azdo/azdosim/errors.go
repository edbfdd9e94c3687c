package azdosim

import (
	"fmt"
	"net/http"
)

// apiError is an error answered with Azure DevOps' JSON error body:
//
//	{"$id":"1","innerException":null,"message":"…","typeName":"…","typeKey":"…","errorCode":0,"eventId":3000}
//
// The SDK turns such a body into an azuredevops.WrappedError value.
type apiError struct {
	status   int
	typeKey  string
	typeName string
	message  string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.typeKey, e.message) }

// errorBody is the wire form of an apiError.
type errorBody struct {
	ID             string  `json:"$id"`
	InnerException *string `json:"innerException"`
	Message        string  `json:"message"`
	TypeName       string  `json:"typeName"`
	TypeKey        string  `json:"typeKey"`
	ErrorCode      int     `json:"errorCode"`
	EventID        int     `json:"eventId"`
}

func (e *apiError) body() errorBody {
	return errorBody{ID: "1", Message: e.message, TypeName: e.typeName, TypeKey: e.typeKey, EventID: 3000}
}

const (
	frameworkAssembly = "Microsoft.TeamFoundation.Framework.Server"
	gitAssembly       = "Microsoft.TeamFoundation.Git.Server"
	webAPIAssembly    = "Microsoft.VisualStudio.Services.WebApi"
	coreAssembly      = "Microsoft.TeamFoundation.Core.WebApi"
)

func newAPIError(status int, assembly, typeKey, message string) *apiError {
	return &apiError{
		status:   status,
		typeKey:  typeKey,
		typeName: assembly + "." + typeKey + ", " + assembly,
		message:  message,
	}
}

// zeroUser is the user id reported for credentials that match no identity.
const zeroUser = "00000000-0000-0000-0000-000000000000"

func errUnauthorized() *apiError {
	return newAPIError(http.StatusUnauthorized, frameworkAssembly, "UnauthorizedRequestException",
		"TF400813: The user '"+zeroUser+"' is not authorized to access this resource.")
}

// errPATExpired is the service's answer to an expired PAT (reference §5.3).
func errPATExpired() *apiError {
	return newAPIError(http.StatusUnauthorized, frameworkAssembly, "AccessCheckException",
		"Access Denied: The Personal Access Token used has expired.")
}

// errMissingScope answers a request the PAT's scopes do not cover. The
// service's body for this case is not documented (reference §5.3); the
// simulator guesses the TF400813 "not authorized" body of an invalid PAT,
// naming the caller.
func errMissingScope(who Identity) *apiError {
	return newAPIError(http.StatusUnauthorized, frameworkAssembly, "UnauthorizedRequestException",
		"TF400813: The user '"+who.ID+"' is not authorized to access this resource.")
}

// errRequestBlocked is the service's 429 for a request over the rate limit
// (reference §6).
func errRequestBlocked(resource string) *apiError {
	return newAPIError(http.StatusTooManyRequests, frameworkAssembly, "RequestBlockedException",
		"TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource '"+resource+"' in namespace 'User'.")
}

func errAnonymous() *apiError {
	return newAPIError(http.StatusUnauthorized, frameworkAssembly, "UnauthorizedRequestException",
		"TF400813: Resource not available for anonymous access. Client authentication required.")
}

func errOrgNotFound(name string) *apiError {
	return newAPIError(http.StatusNotFound, frameworkAssembly, "HostNotFoundException",
		fmt.Sprintf("The organization '%s' could not be found.", name))
}

func errRouteNotFound(path string) *apiError {
	return newAPIError(http.StatusNotFound, webAPIAssembly, "VssResourceNotFoundException",
		fmt.Sprintf("The requested resource '%s' was not found.", path))
}

func errMethodNotAllowed(method string) *apiError {
	return newAPIError(http.StatusMethodNotAllowed, webAPIAssembly, "VssMethodNotAllowedException",
		fmt.Sprintf("The requested resource does not support http method '%s'.", method))
}

func errVersionNotSpecified(method string) *apiError {
	return newAPIError(http.StatusBadRequest, webAPIAssembly, "VssVersionNotSpecifiedException",
		fmt.Sprintf(`No api-version was supplied for the %q request. The version must be supplied either as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter (e.g. '?api-version=1.0').`, method))
}

func errBadRequest(format string, args ...any) *apiError {
	return newAPIError(http.StatusBadRequest, webAPIAssembly, "InvalidArgumentValueException", fmt.Sprintf(format, args...))
}

func errProjectNotFound(name string) *apiError {
	return newAPIError(http.StatusNotFound, coreAssembly, "ProjectDoesNotExistWithNameException",
		fmt.Sprintf("VS800075: The project with id 'vstfs:///Classification/TeamProject/%s' does not exist, or you do not have permission to access it.", name))
}

func errRepoNotFound(nameOrID string) *apiError {
	return newAPIError(http.StatusNotFound, gitAssembly, "GitRepositoryNotFoundException",
		fmt.Sprintf("TF401019: The Git repository with name or identifier %s does not exist or you do not have permissions for the operation you are attempting.", nameOrID))
}

func errPRNotFound() *apiError {
	return newAPIError(http.StatusNotFound, gitAssembly, "GitPullRequestNotFoundException",
		"TF401180: The requested pull request was not found.")
}

func errIterationNotFound(id int) *apiError {
	return newAPIError(http.StatusNotFound, gitAssembly, "GitPullRequestIterationNotFoundException",
		fmt.Sprintf("The requested pull request iteration '%d' was not found.", id))
}

func errThreadNotFound(id int) *apiError {
	return newAPIError(http.StatusNotFound, gitAssembly, "GitPullRequestCommentThreadNotFoundException",
		fmt.Sprintf("TF401181: The pull request comment thread with id %d was not found.", id))
}

func errCommentNotFound(id int) *apiError {
	return newAPIError(http.StatusNotFound, gitAssembly, "GitPullRequestCommentNotFoundException",
		fmt.Sprintf("The pull request comment with id %d was not found.", id))
}

func errStatusNotFound(id int) *apiError {
	return newAPIError(http.StatusNotFound, gitAssembly, "GitPullRequestStatusNotFoundException",
		fmt.Sprintf("The pull request status with id %d was not found.", id))
}

func errUnresolvableVersion(descriptor, repo string) *apiError {
	return newAPIError(http.StatusNotFound, gitAssembly, "GitUnresolvableToCommitException",
		fmt.Sprintf("TF401175: The version descriptor %s could not be resolved to a version in the repository %s", descriptor, repo))
}

func errItemNotFound(path, repo, descriptor, commit string) *apiError {
	return newAPIError(http.StatusNotFound, gitAssembly, "GitItemNotFoundException",
		fmt.Sprintf("TF401174: The item '%s' could not be found in the repository '%s' at the version specified by '%s' (resolved to commit '%s').", path, repo, descriptor, commit))
}

// errServerFailure is the body of an injected server error (FailRequests,
// FailAfterApplying); activityID is the ActivityId the message names. The
// 500 message is the service's usual one for an internal failure and the
// 503 message the one it sends while unavailable (seen there with typeKey
// CircuitBreakerShortCircuitException); the typeKeys, and the 502 and 504
// bodies, which usually come from Azure's front end, are guesses. status
// must be 500, 502, 503 or 504.
func errServerFailure(status int, activityID string) *apiError {
	internal := "TF400898: An Internal Error Occurred. Activity Id: " + activityID + "."
	switch status {
	case http.StatusInternalServerError:
		return newAPIError(status, webAPIAssembly, "VssServiceException", internal)
	case http.StatusBadGateway:
		return newAPIError(status, webAPIAssembly, "VssServiceResponseException", internal)
	case http.StatusServiceUnavailable:
		return newAPIError(status, webAPIAssembly, "VssServiceUnavailableException",
			"TF10216: Azure DevOps services are currently unavailable. Try again later. Activity Id: "+activityID+".")
	case http.StatusGatewayTimeout:
		return newAPIError(status, frameworkAssembly, "RequestCanceledException",
			"TF400733: The request has been canceled: The request timed out. Activity Id: "+activityID+".")
	}
	panic(fmt.Sprintf("azdosim: no server failure for status %d", status))
}

// errBlobNotFound answers a blobs request naming a blob the repository does
// not have; the service's typeKey and message are guesses.
func errBlobNotFound(id, repo string) *apiError {
	return newAPIError(http.StatusNotFound, gitAssembly, "GitObjectNotFoundException",
		fmt.Sprintf("The object '%s' was not found in the repository '%s'.", id, repo))
}
