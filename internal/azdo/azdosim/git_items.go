package azdosim

import (
	"crypto/sha1"
	"encoding/hex"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/microsoft/azure-devops-go-api/azuredevops/v7/git"
)

// Representations of an item the client can ask for.
const (
	itemJSON   = "json"
	itemOctets = "octetStream"
	itemText   = "text"
)

// getItem serves GET …/repositories/{repositoryId}/items?path=…
// &versionDescriptor.version=…&versionDescriptor.versionType=commit|branch.
// The representation follows $format if given, else the Accept header:
// application/octet-stream (GetItemContent) and text/plain (GetItemText)
// get the raw file, anything else the GitItem JSON (GetItem), which carries
// the content only with includeContent=true. A missing version means the
// default branch.
func (c *call) getItem() (*response, error) {
	q := c.r.URL.Query()
	itemPath := q.Get("path")
	if itemPath == "" && q.Get("scopePath") != "" {
		return c.listItems(cleanItemPath(q.Get("scopePath")), q.Get("recursionLevel"))
	}
	if itemPath == "" {
		return nil, errBadRequest("The path parameter is required.")
	}
	itemPath = cleanItemPath(itemPath)
	format, err := itemFormat(q.Get("$format"), c.r.Header.Get("Accept"))
	if err != nil {
		return nil, err
	}
	includeContent, _ := strconv.ParseBool(q.Get("includeContent"))

	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	repo, commitID, descriptor, err := c.itemsVersion(q)
	if err != nil {
		return nil, err
	}
	files := repo.commits[commitID].files
	itemURL := repo.apiURL() + "/items?path=" + url.QueryEscape(itemPath) + "&versionType=Commit&version=" + commitID

	b, ok := files[itemPath]
	if !ok {
		children := folderChildren(files, itemPath)
		if len(children) == 0 {
			return nil, errItemNotFound(itemPath, repo.name, descriptor, commitID)
		}
		if format != itemJSON {
			return nil, errBadRequest("The simulator cannot download folder '%s'; request it as JSON.", itemPath)
		}
		return jsonResponse(http.StatusOK, git.GitItem{
			ObjectId:      ptr(folderID(files, children)),
			GitObjectType: ptr(git.GitObjectTypeValues.Tree),
			CommitId:      ptr(commitID),
			Path:          ptr(itemPath),
			IsFolder:      ptr(true),
			Url:           ptr(itemURL),
		})
	}
	switch format {
	case itemOctets:
		return &response{status: http.StatusOK, contentType: contentTypeOctets, body: []byte(b.content)}, nil
	case itemText:
		return &response{status: http.StatusOK, contentType: contentTypeText, body: []byte(b.content)}, nil
	}
	item := git.GitItem{
		ObjectId:      ptr(b.objectID),
		GitObjectType: ptr(git.GitObjectTypeValues.Blob),
		CommitId:      ptr(commitID),
		Path:          ptr(itemPath),
		Url:           ptr(itemURL),
	}
	if includeContent {
		item.Content = ptr(b.content)
	}
	return jsonResponse(http.StatusOK, item)
}

// cleanItemPath gives a path a leading and no trailing slash ("/" stays).
func cleanItemPath(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return p
}

// listItems serves GET …/items?scopePath=…[&recursionLevel=None|OneLevel|Full]
// (GetItems): the item at scopePath, then, sorted by path, its children
// (OneLevel) or everything below it (Full), folders included, in the
// collection envelope. The version descriptor is read as for getItem.
func (c *call) listItems(scope, recursion string) (*response, error) {
	var depth int // levels below scope to list; -1: all
	switch strings.ToLower(recursion) {
	case "", "none":
	case "onelevel":
		depth = 1
	case "full":
		depth = -1
	default:
		return nil, errBadRequest("The value '%s' is not valid for recursionLevel.", recursion)
	}
	q := c.r.URL.Query()
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	repo, commitID, descriptor, err := c.itemsVersion(q)
	if err != nil {
		return nil, err
	}
	files := repo.commits[commitID].files
	item := func(p string) (git.GitItem, bool) {
		m := git.GitItem{
			CommitId: ptr(commitID),
			Path:     ptr(p),
			Url:      ptr(repo.apiURL() + "/items?path=" + url.QueryEscape(p) + "&versionType=Commit&version=" + commitID),
		}
		if b, ok := files[p]; ok {
			m.ObjectId, m.GitObjectType = ptr(b.objectID), ptr(git.GitObjectTypeValues.Blob)
			return m, true
		}
		children := folderChildren(files, p)
		if len(children) == 0 {
			return m, false
		}
		m.ObjectId, m.GitObjectType, m.IsFolder = ptr(folderID(files, children)), ptr(git.GitObjectTypeValues.Tree), ptr(true)
		return m, true
	}
	root, ok := item(scope)
	if !ok {
		return nil, errItemNotFound(scope, repo.name, descriptor, commitID)
	}
	out := []git.GitItem{root}
	if depth != 0 && root.IsFolder != nil {
		below := map[string]bool{}
		for _, f := range folderChildren(files, scope) {
			rel := strings.Split(strings.TrimPrefix(f, strings.TrimSuffix(scope, "/")+"/"), "/")
			for i := range rel {
				if depth > 0 && i >= depth {
					break
				}
				below[strings.TrimSuffix(scope, "/")+"/"+strings.Join(rel[:i+1], "/")] = true
			}
		}
		for _, p := range slices.Sorted(maps.Keys(below)) {
			m, _ := item(p)
			out = append(out, m)
		}
	}
	return collectionResponse(out)
}

// itemFormat picks the representation from $format or the Accept header.
func itemFormat(format, accept string) (string, error) {
	switch strings.ToLower(format) {
	case "":
	case "json":
		return itemJSON, nil
	case "octetstream":
		return itemOctets, nil
	case "text":
		return itemText, nil
	default:
		return "", errBadRequest("The value '%s' is not valid for $format.", format)
	}
	mediaType, _, _ := mime.ParseMediaType(accept)
	switch strings.ToLower(mediaType) {
	case "application/octet-stream":
		return itemOctets, nil
	case "text/plain":
		return itemText, nil
	}
	return itemJSON, nil
}

// resolveVersion resolves a version descriptor to a commit id and the
// descriptor's display form. Requires s.mu.
func (r *Repository) resolveVersion(versionType, version string) (string, string, error) {
	switch strings.ToLower(versionType) {
	case "commit":
		descriptor := "<Commit: " + version + ">"
		if _, ok := r.commits[strings.ToLower(version)]; !ok {
			return "", "", errUnresolvableVersion(descriptor, r.name)
		}
		return strings.ToLower(version), descriptor, nil
	case "", "branch":
		if version == "" {
			version = defaultBranch
		}
		descriptor := "<Branch: " + strings.TrimPrefix(version, "refs/heads/") + ">"
		id, ok := r.branches[refName(version)]
		if !ok {
			return "", "", errUnresolvableVersion(descriptor, r.name)
		}
		return id, descriptor, nil
	case "tag":
		return "", "", errUnresolvableVersion("<Tag: "+version+">", r.name)
	default:
		return "", "", errBadRequest("The value '%s' is not valid for versionDescriptor.versionType.", versionType)
	}
}

// folderChildren returns the sorted paths below folder ("/" is the root).
func folderChildren(files map[string]blob, folder string) []string {
	prefix := strings.TrimSuffix(folder, "/") + "/"
	var out []string
	for p := range files {
		if strings.HasPrefix(p, prefix) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// folderID is a stable stand-in for a tree's object id.
func folderID(files map[string]blob, children []string) string {
	h := sha1.New()
	for _, p := range children {
		h.Write([]byte(p + "\x00" + files[p].objectID + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// itemsVersion is the repository of an items request and the commit its
// versionDescriptor names. Requires s.mu.
func (c *call) itemsVersion(q url.Values) (*Repository, string, string, error) {
	repo, err := c.repository()
	if err != nil {
		return nil, "", "", err
	}
	commitID, descriptor, err := repo.resolveVersion(q.Get("versionDescriptor.versionType"), q.Get("versionDescriptor.version"))
	if err != nil {
		return nil, "", "", err
	}
	return repo, commitID, descriptor, nil
}
