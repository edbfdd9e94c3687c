package azdosim

import (
	"fmt"
	"net/http"
	"strings"
)

// ServiceHooksNamespace is the id of the ServiceHooks security namespace
// (docs service-hooks/view-permission.md). Its tokens are
// PublisherSecurity and PublisherSecurity/{projectId}.
const ServiceHooksNamespace = "cb594ebe-87dd-4fc9-ac2c-6a10a4c92046"

// HooksPermission is a set of permission bits of the ServiceHooks security
// namespace.
type HooksPermission int

// The ServiceHooks namespace's permission bits. By default only project
// administrators hold them; the simulator, like for Git, grants every
// identity everything until Project.DenyHooks takes a bit away.
const (
	HooksViewSubscriptions   HooksPermission = 1
	HooksEditSubscriptions   HooksPermission = 2
	HooksDeleteSubscriptions HooksPermission = 4
	HooksPublishEvents       HooksPermission = 8
)

// HiddenSubscriptions is how the subscription list answers a caller
// without View Subscriptions on a project that has subscriptions. Which of
// the two the service does is not documented (unverified); products must
// handle both.
type HiddenSubscriptions int

const (
	// HiddenOmitted (the default) leaves the project's subscriptions out of
	// the list, which may then be empty; getting one by id answers 404.
	HiddenOmitted HiddenSubscriptions = iota
	// HiddenForbidden answers the whole list, and getting one by id, with
	// 403 AccessCheckException when any matching subscription is hidden.
	HiddenForbidden
)

// SetHiddenSubscriptions chooses how the organization answers a caller
// that may not view some of the subscriptions a request matches. Safe to
// call while serving.
func (o *Org) SetHiddenSubscriptions(h HiddenSubscriptions) {
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	o.hiddenHooks = h
}

// DenyHooks takes perm away from who on the project's
// PublisherSecurity/{projectId} token: without HooksViewSubscriptions the
// project's subscriptions are hidden from who (see SetHiddenSubscriptions),
// and permission evaluation in the ServiceHooks namespace answers false.
// Safe to call while serving.
func (p *Project) DenyHooks(who Identity, perm HooksPermission) {
	who = who.normalized()
	s := p.org.s
	s.mu.Lock()
	defer s.mu.Unlock()
	p.hooksACL[strings.ToLower(who.ID)] |= perm
}

// AllowHooks removes a DenyHooks of perm for who.
func (p *Project) AllowHooks(who Identity, perm HooksPermission) {
	who = who.normalized()
	s := p.org.s
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strings.ToLower(who.ID)
	if p.hooksACL[id] &^= perm; p.hooksACL[id] == 0 {
		delete(p.hooksACL, id)
	}
}

// hooksDenied returns the ServiceHooks bits who lacks on p. Requires s.mu.
func (p *Project) hooksDenied(who Identity) HooksPermission {
	return p.hooksACL[strings.ToLower(who.ID)]
}

// canViewHooks reports whether who may see p's subscriptions. Requires
// s.mu.
func (p *Project) canViewHooks(who Identity) bool {
	return p.hooksDenied(who)&HooksViewSubscriptions == 0
}

// evaluateHooksPermission answers a ServiceHooks namespace evaluation:
// PublisherSecurity/{projectId} (and deeper tokens) by the project's
// denies; the root token, unknown projects and other tokens grant
// everything. Requires s.mu.
func (o *Org) evaluateHooksPermission(token string, perms HooksPermission, who Identity) bool {
	parts := strings.Split(strings.Trim(token, "/"), "/")
	if len(parts) < 2 || !strings.EqualFold(parts[0], "PublisherSecurity") {
		return true
	}
	p := o.findProject(parts[1])
	if p == nil || !strings.EqualFold(p.id.String(), parts[1]) {
		return true
	}
	return p.hooksDenied(who)&perms == 0
}

// errViewSubscriptions guesses the service's 403 for a caller without View
// Subscriptions, in the "Access Denied: … needs the following
// permission(s) on the resource …" form of Azure DevOps' access checks.
func errViewSubscriptions(who Identity, projectID string) *apiError {
	return newAPIError(http.StatusForbidden, frameworkAssembly, "AccessCheckException",
		fmt.Sprintf("Access Denied: %s needs the following permission(s) on the resource PublisherSecurity/%s to perform this action: View Subscriptions",
			who.DisplayName, projectID))
}
