package servicehooks

import (
	"net/url"
	"strings"
)

// OrgURL is the organisation the event came from, as best the payload says:
// resourceContainers.collection.baseUrl or account.baseUrl, else derived
// from the repository URL. The collection comes first: on Azure DevOps
// Services both name the organisation, but on Azure DevOps Server the
// account is the server (https://host/tfs/) and the collection
// (https://host/tfs/DefaultCollection/) is what a worker is configured
// with. It only ever selects among configured organisations; credentials
// are never sent to it.
func (e *Envelope) OrgURL(pr *PullRequestResource) string {
	for _, name := range []string{"collection", "account"} {
		if c, ok := e.ResourceContainers[name]; ok && c.BaseURL != "" {
			return NormalizeOrgURL(c.BaseURL)
		}
	}
	if pr == nil || pr.Repository == nil || pr.Repository.URL == "" {
		return ""
	}
	return orgFromResourceURL(pr.Repository.URL, pr.Repository.Project)
}

func orgFromResourceURL(raw string, project *Project) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	path := u.EscapedPath()
	if i := strings.Index(path, "/_apis/"); i >= 0 {
		path = path[:i]
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	host := strings.ToLower(u.Host)
	switch {
	case host == "dev.azure.com" && len(segs) > 0 && segs[0] != "":
		segs = segs[:1]
	case strings.HasSuffix(host, ".visualstudio.com"):
		segs = nil
	case len(segs) > 0 && project != nil:
		last, _ := url.PathUnescape(segs[len(segs)-1])
		if strings.EqualFold(last, project.ID) || strings.EqualFold(last, project.Name) {
			segs = segs[:len(segs)-1]
		}
	}
	u.RawPath, u.Path = "", ""
	out := u.Scheme + "://" + u.Host
	if len(segs) > 0 && segs[0] != "" {
		out += "/" + strings.Join(segs, "/")
	}
	return NormalizeOrgURL(out)
}

// NormalizeOrgURL returns the canonical form of an organisation URL, so that
// the URL configured by an operator and the one in a payload compare equal:
// lower case, no trailing slash, and https://{org}.visualstudio.com written as
// https://dev.azure.com/{org}.
func NormalizeOrgURL(raw string) string {
	s := strings.ToLower(strings.TrimRight(strings.TrimSpace(raw), "/"))
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	if org, ok := strings.CutSuffix(u.Host, ".visualstudio.com"); ok {
		return u.Scheme + "://dev.azure.com/" + org
	}
	if unescaped, err := url.PathUnescape(u.EscapedPath()); err == nil {
		return u.Scheme + "://" + u.Host + strings.TrimRight(unescaped, "/")
	}
	return s
}
