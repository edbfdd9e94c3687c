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
	if org, ok := devAzureOrg(raw); ok {
		return NormalizeOrgURL(devAzurePrefix + org)
	}
	if org, ok := visualStudioOrg(raw); ok {
		return devAzurePrefix + org
	}
	return orgFromParsedResourceURL(raw, project)
}

// visualStudioOrg is the organisation of a resource URL in the older form,
// https://{org}.visualstudio.com, when the host is lower-case letters,
// digits, '-' and '.' and the rest only unreserved characters and
// slashes: url.Parse keeps both as they are, so orgFromParsedResourceURL
// would return https://dev.azure.com/{org}. It spares the two parses.
func visualStudioOrg(raw string) (string, bool) {
	rest, ok := strings.CutPrefix(raw, "https://")
	if !ok {
		return "", false
	}
	host, path, _ := strings.Cut(rest, "/")
	org, ok := strings.CutSuffix(host, ".visualstudio.com")
	if !ok || org == "" {
		return "", false
	}
	for i := range len(org) {
		if c := org[i]; ('a' > c || c > 'z') && ('0' > c || c > '9') && c != '-' && c != '.' {
			return "", false
		}
	}
	for i := range len(path) {
		if c := path[i]; c != '/' && !unreservedByte(c) {
			return "", false
		}
	}
	return org, true
}

// devAzureOrg is the organisation of a resource URL of Azure DevOps
// Services in the form it sends: https://dev.azure.com/ followed only by
// unreserved characters and slashes, the first segment neither empty nor
// _apis. url.Parse keeps such a path as it is, so orgFromParsedResourceURL
// would return https://dev.azure.com/ and that segment, normalised. It
// spares the parse.
func devAzureOrg(raw string) (string, bool) {
	rest, ok := strings.CutPrefix(raw, devAzurePrefix)
	if !ok {
		return "", false
	}
	for i := range len(rest) {
		if c := rest[i]; c != '/' && !unreservedByte(c) {
			return "", false
		}
	}
	org, _, _ := strings.Cut(rest, "/")
	if org == "" || org == "_apis" {
		return "", false
	}
	return org, true
}

// unreservedByte reports whether c is an unreserved character of a URL
// (RFC 3986): one that url.Parse and escaping leave as it is.
func unreservedByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
		return true
	}
	return false
}

// orgFromParsedResourceURL is orgFromResourceURL by parsing raw.
func orgFromParsedResourceURL(raw string, project *Project) string {
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
	if isCanonicalOrgURL(s) {
		return s
	}
	return normalizeParsedOrgURL(s)
}

// devAzurePrefix is how a canonical organisation URL of Azure DevOps
// Services begins.
const devAzurePrefix = "https://dev.azure.com/"

// isCanonicalOrgURL reports whether s, lower case and without a trailing
// slash, is https://dev.azure.com/ and one path segment of unreserved
// characters (a-z, 0-9, '-', '.', '_', '~'): url.Parse keeps such a path
// as it is, unescaping does not change it, so normalizeParsedOrgURL would
// return s itself. It spares the parse on the form Azure DevOps sends.
func isCanonicalOrgURL(s string) bool {
	org, ok := strings.CutPrefix(s, devAzurePrefix)
	if !ok || org == "" {
		return false
	}
	for i := range len(org) {
		if c := org[i]; ('A' <= c && c <= 'Z') || !unreservedByte(c) {
			return false
		}
	}
	return true
}

// normalizeParsedOrgURL is NormalizeOrgURL for s, lower case and without
// a trailing slash, by parsing it.
func normalizeParsedOrgURL(s string) string {
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
