package azdosim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// route is one REST operation: a method and a path pattern below the
// organization (and the optional project segment).
type route struct {
	method string
	// op names the operation in the request log.
	op string
	// pattern is matched segment by segment, literals case-insensitively;
	// "{name}" captures a segment.
	pattern []string
	// projectScoped routes may be prefixed with a {project} segment.
	projectScoped bool
	// anonymous routes (endpoint discovery) are served without credentials,
	// though invalid credentials are still rejected.
	anonymous bool
	// access decides which PAT scopes the route needs (see LimitScopes).
	access access
	handle func(*call) (*response, error)
}

// Path prefixes shared by the git routes.
const (
	repoPrefix = "_apis/git/repositories/{repositoryId}"
	prPrefix   = repoPrefix + "/pullRequests/{pullRequestId}"
)

// routeTable lists every operation the simulator serves. Its paths are the
// ones the SDK builds from the location table in locations.go.
func routeTable() []route {
	git := func(method, op, pattern string, a access, h func(*call) (*response, error)) route {
		return route{method: method, op: op, pattern: strings.Split(pattern, "/"), projectScoped: true, access: a, handle: h}
	}
	org := func(method, op, pattern string, anonymous bool, h func(*call) (*response, error)) route {
		return route{method: method, op: op, pattern: strings.Split(pattern, "/"), anonymous: anonymous, handle: h}
	}
	hooks := func(method, op, pattern string, h func(*call) (*response, error)) route {
		return route{method: method, op: op, pattern: strings.Split(pattern, "/"), access: accessHooksRead, handle: h}
	}
	security := func(method, op, pattern string, h func(*call) (*response, error)) route {
		return route{method: method, op: op, pattern: strings.Split(pattern, "/"), access: accessSecurityRead, handle: h}
	}
	return []route{
		org(http.MethodOptions, "location.options", "_apis", true, (*call).options),
		org(http.MethodGet, "location.resourceAreas.list", "_apis/ResourceAreas", true, (*call).listResourceAreas),
		org(http.MethodGet, "location.resourceAreas.get", "_apis/ResourceAreas/{areaId}", true, (*call).getResourceArea),
		org(http.MethodGet, "location.connectionData", "_apis/connectionData", false, (*call).connectionData),
		org(http.MethodGet, "core.projects.list", "_apis/projects", false, (*call).listProjects),

		security(http.MethodGet, "security.permissions.has", "_apis/permissions/{securityNamespaceId}/{permissions}", (*call).hasPermissions),
		security(http.MethodPost, "security.permissionEvaluationBatch", "_apis/security/permissionevaluationbatch", (*call).evaluatePermissionBatch),

		hooks(http.MethodGet, "hooks.subscriptions.list", "_apis/hooks/subscriptions", (*call).listSubscriptions),
		hooks(http.MethodGet, "hooks.subscriptions.get", "_apis/hooks/subscriptions/{subscriptionId}", (*call).getSubscription),
		{method: http.MethodPost, op: "hooks.subscriptions.create", pattern: strings.Split("_apis/hooks/subscriptions", "/"), access: accessHooksWrite, handle: (*call).createSubscription},
		{method: http.MethodPut, op: "hooks.subscriptions.replace", pattern: strings.Split("_apis/hooks/subscriptions/{subscriptionId}", "/"), access: accessHooksWrite, handle: (*call).replaceSubscription},

		git(http.MethodGet, "git.repositories.get", repoPrefix, accessCodeRead, (*call).getRepository),
		git(http.MethodGet, "git.pullRequests.list", repoPrefix+"/pullRequests", accessCodeRead, (*call).listPullRequests),
		git(http.MethodGet, "git.pullRequests.get", prPrefix, accessCodeRead, (*call).getPullRequest),
		git(http.MethodGet, "git.pullRequests.getById", "_apis/git/pullRequests/{pullRequestId}", accessCodeRead, (*call).getPullRequestByID),
		git(http.MethodGet, "git.pullRequests.listByProject", "_apis/git/pullRequests", accessCodeRead, (*call).listProjectPullRequests),
		git(http.MethodGet, "git.iterations.list", prPrefix+"/iterations", accessCodeRead, (*call).listIterations),
		git(http.MethodGet, "git.iterations.get", prPrefix+"/iterations/{iterationId}", accessCodeRead, (*call).getIteration),
		git(http.MethodGet, "git.iterationChanges.list", prPrefix+"/iterations/{iterationId}/changes", accessCodeRead, (*call).listIterationChanges),
		git(http.MethodGet, "git.items.get", repoPrefix+"/items", accessCodeRead, (*call).getItem),
		git(http.MethodPost, "git.blobs.zip", repoPrefix+"/blobs", accessCodeRead, (*call).blobsZip),
		git(http.MethodGet, "git.threads.list", prPrefix+"/threads", accessThreadRead, (*call).listThreads),
		git(http.MethodPost, "git.threads.create", prPrefix+"/threads", accessThreadWrite, (*call).createThread),
		git(http.MethodGet, "git.threads.get", prPrefix+"/threads/{threadId}", accessThreadRead, (*call).getThread),
		git(http.MethodPatch, "git.threads.update", prPrefix+"/threads/{threadId}", accessThreadWrite, (*call).updateThread),
		git(http.MethodGet, "git.comments.list", prPrefix+"/threads/{threadId}/comments", accessThreadRead, (*call).listComments),
		git(http.MethodPost, "git.comments.create", prPrefix+"/threads/{threadId}/comments", accessThreadWrite, (*call).createComment),
		git(http.MethodGet, "git.comments.get", prPrefix+"/threads/{threadId}/comments/{commentId}", accessThreadRead, (*call).getComment),
		git(http.MethodPatch, "git.comments.update", prPrefix+"/threads/{threadId}/comments/{commentId}", accessThreadWrite, (*call).updateComment),
		git(http.MethodDelete, "git.comments.delete", prPrefix+"/threads/{threadId}/comments/{commentId}", accessThreadWrite, (*call).deleteComment),
		git(http.MethodGet, "git.statuses.list", prPrefix+"/statuses", accessStatusRead, (*call).listStatuses),
		git(http.MethodPost, "git.statuses.create", prPrefix+"/statuses", accessStatusWrite, (*call).createStatus),
		git(http.MethodGet, "git.statuses.get", prPrefix+"/statuses/{statusId}", accessStatusRead, (*call).getStatus),
	}
}

// matchRoute finds the route for method and the path segments below the
// organization. It returns the project segment ("" if absent) and the
// captured path parameters.
func matchRoute(routes []route, method string, segs []string) (*route, string, map[string]string, *apiError) {
	if n := len(segs); n > 0 && segs[n-1] == "" {
		segs = segs[:n-1] // tolerate a trailing slash
	}
	project, tail := "", segs
	if len(segs) > 0 && !strings.EqualFold(segs[0], "_apis") {
		project, tail = segs[0], segs[1:]
	}
	pathMatched := false
	for i := range routes {
		rt := &routes[i]
		if project != "" && !rt.projectScoped {
			continue
		}
		params, ok := matchPattern(rt.pattern, tail)
		if !ok {
			continue
		}
		if rt.method != method {
			pathMatched = true
			continue
		}
		return rt, project, params, nil
	}
	if pathMatched {
		return nil, "", nil, errMethodNotAllowed(method)
	}
	return nil, "", nil, errRouteNotFound("/" + strings.Join(segs, "/"))
}

func matchPattern(pattern, segs []string) (map[string]string, bool) {
	if len(pattern) != len(segs) {
		return nil, false
	}
	params := make(map[string]string)
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if segs[i] == "" {
				return nil, false
			}
			params[p[1:len(p)-1]] = segs[i]
			continue
		}
		if !strings.EqualFold(p, segs[i]) {
			return nil, false
		}
	}
	return params, true
}

// splitPath splits an escaped URL path into percent-decoded segments,
// dropping the leading slash. Splitting before decoding keeps "%2F" inside
// a segment.
func splitPath(escaped string) ([]string, bool) {
	escaped = strings.TrimPrefix(escaped, "/")
	if escaped == "" {
		return nil, true
	}
	parts := strings.Split(escaped, "/")
	for i, p := range parts {
		d, err := url.PathUnescape(p)
		if err != nil {
			return nil, false
		}
		parts[i] = d
	}
	return parts, true
}

// call is one authenticated request being served.
type call struct {
	s       *Server
	r       *http.Request
	org     *Org
	project string // project segment from the URL, "" if absent
	params  map[string]string
	who     Identity // the caller
}

// intParam parses a numeric path parameter.
func (c *call) intParam(name string) (int, error) {
	v, err := strconv.Atoi(c.params[name])
	if err != nil {
		return 0, errBadRequest("The value '%s' is not valid for %s.", c.params[name], name)
	}
	return v, nil
}

// intQuery parses an optional numeric query parameter, returning def when it
// is absent.
func (c *call) intQuery(name string, def int) (int, error) {
	v := c.r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errBadRequest("The value '%s' is not valid for %s.", v, name)
	}
	return n, nil
}
