package azdosim

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
)

// AccessLevel is an organisation member's access level (its license).
type AccessLevel string

// Access levels. Only Basic (and above) includes Repos in private
// projects; Stakeholder does not.
const (
	AccessNone        AccessLevel = "none"
	AccessStakeholder AccessLevel = "stakeholder"
	AccessBasic       AccessLevel = "basic"
)

// Principal is a Microsoft Entra identity — a service principal of a
// tenant, or a managed identity — that can get bearer tokens from the
// simulator's Entra endpoint (see StartEntra) and call the organisations it
// is a member of (Org.AddMember). Its methods are safe for concurrent use.
type Principal struct {
	s        *Server
	tenant   string // "" for a managed identity
	clientID string // "" for the system-assigned managed identity
	who      Identity

	// Guarded by s.mu.
	secrets   []clientSecret
	certs     []*x509.Certificate
	federated []federatedCredential
}

type clientSecret struct {
	value   string
	expires time.Time // zero: never
}

type federatedCredential struct {
	issuer, subject string
	key             crypto.PublicKey
}

// entraState is the simulator's Entra side. Guarded by Server.mu.
type entraState struct {
	tenants    map[string]bool           // lower-case tenant id
	principals map[string]*Principal     // principalKey
	bearers    map[string]*bearer        // issued access tokens
	members    map[memberKey]AccessLevel // organisation membership
	lifetime   time.Duration             // of issued tokens; 0: an hour
	log        []EntraRequest            // token requests
}

type memberKey struct {
	org *Org
	id  string // Identity.ID
}

type bearer struct {
	p       *Principal
	expires time.Time
	issuer  *Entra
}

func principalKey(tenant, clientID string) string {
	return strings.ToLower(tenant) + "/" + strings.ToLower(clientID)
}

// managedTenant keys managed identities among the principals.
const managedTenant = "\x00managed"

func (e *entraState) init() {
	if e.principals == nil {
		e.tenants = make(map[string]bool)
		e.principals = make(map[string]*Principal)
		e.bearers = make(map[string]*bearer)
		e.members = make(map[memberKey]AccessLevel)
	}
}

// AddServicePrincipal registers an application clientID (a GUID) in tenant
// (which then exists), shown in Azure DevOps as who (an empty ID is derived
// from the names). It has no credential until AddSecret, AddCertificate or
// AddFederatedCredential, and is a member of no organisation until
// Org.AddMember.
func (s *Server) AddServicePrincipal(tenant, clientID string, who Identity) *Principal {
	if tenant == "" || uuid.Validate(clientID) != nil {
		panic("azdosim: a service principal needs a tenant and a GUID client id")
	}
	return s.addPrincipal(tenant, clientID, who)
}

// AddTenant makes tenant exist without any principal.
func (s *Server) AddTenant(tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entra.init()
	s.entra.tenants[strings.ToLower(tenant)] = true
}

// AddManagedIdentity registers the managed identity the Entra endpoint's
// managed identity endpoint answers for: user-assigned with clientID, or
// the system-assigned one with "".
func (s *Server) AddManagedIdentity(clientID string, who Identity) *Principal {
	return s.addPrincipal(managedTenant, clientID, who)
}

func (s *Server) addPrincipal(tenant, clientID string, who Identity) *Principal {
	if who.UniqueName == "" && who.DisplayName == "" {
		who.UniqueName = clientID + "@" + tenant
	}
	who = who.normalized()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entra.init()
	p := &Principal{s: s, tenant: tenant, clientID: clientID, who: who}
	s.entra.principals[principalKey(tenant, clientID)] = p
	if tenant != managedTenant {
		s.entra.tenants[strings.ToLower(tenant)] = true
	}
	return p
}

// Identity is how Azure DevOps shows the principal.
func (p *Principal) Identity() Identity { return p.who }

// ClientID is the principal's application (client) id.
func (p *Principal) ClientID() string { return p.clientID }

// AddSecret adds a client secret; a zero expires never expires.
func (p *Principal) AddSecret(secret string, expires time.Time) {
	if secret == "" {
		panic("azdosim: empty client secret")
	}
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	p.secrets = append(p.secrets, clientSecret{value: secret, expires: expires})
}

// AddCertificate adds a certificate whose key may sign client assertions.
func (p *Principal) AddCertificate(cert *x509.Certificate) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	p.certs = append(p.certs, cert)
}

// AddFederatedCredential trusts tokens of issuer for subject, signed with
// key (the issuer's; the simulator does not fetch an issuer's keys).
func (p *Principal) AddFederatedCredential(issuer, subject string, key crypto.PublicKey) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	p.federated = append(p.federated, federatedCredential{issuer: issuer, subject: subject, key: key})
}

// AddMember makes p a member of the organisation with level (replacing an
// earlier one). A principal that is not a member is refused everywhere
// with 401; a member below Basic is refused Git (Repos) calls.
func (o *Org) AddMember(p *Principal, level AccessLevel) {
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	o.s.entra.init()
	o.s.entra.members[memberKey{org: o, id: p.who.ID}] = level
}

// RemoveMember removes p from the organisation.
func (o *Org) RemoveMember(p *Principal) {
	o.s.mu.Lock()
	defer o.s.mu.Unlock()
	delete(o.s.entra.members, memberKey{org: o, id: p.who.ID})
}

// bearerToken resolves an access token the Entra endpoint issued. Requires
// s.mu.
func (s *Server) bearerToken(raw string) (*token, *apiError) {
	b, ok := s.entra.bearers[raw]
	if !ok || !s.now().Before(b.expires) {
		return nil, errUnauthorized()
	}
	return &token{who: b.p.who, principal: b.p}, nil
}

// admit applies organisation membership and access level to an Entra
// principal's call of op in org. Which status and body Azure DevOps sends
// to a member without Basic access is unverified: the simulator answers
// 401 (access level none) and 403 (Stakeholder) with the TF400813 body,
// two plausible answers a client must both handle.
func (s *Server) admit(org *Org, tok *token, op string) *apiError {
	s.mu.Lock()
	level, member := s.entra.members[memberKey{org: org, id: tok.who.ID}]
	s.mu.Unlock()
	notAuthorized := fmt.Sprintf("TF400813: The user '%s' is not authorized to access this resource.", tok.who.ID)
	switch {
	case !member:
		return newAPIError(http.StatusUnauthorized, frameworkAssembly, "UnauthorizedRequestException", notAuthorized)
	case level == AccessBasic || !strings.HasPrefix(op, "git."):
		return nil
	case level == AccessStakeholder:
		return newAPIError(http.StatusForbidden, frameworkAssembly, "UnauthorizedRequestException", notAuthorized)
	default:
		return newAPIError(http.StatusUnauthorized, frameworkAssembly, "UnauthorizedRequestException", notAuthorized)
	}
}
