package azdosim

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Entra is the simulator's Microsoft Entra ID: a token endpoint on loopback
// TLS that azidentity can use as its authority host (with instance
// discovery off), issuing bearer tokens the simulator accepts for the
// principal, and a managed identity endpoint in App Service's shape. It
// answers refusals with Entra's error JSON:
//
//	{"error":"invalid_client","error_description":"AADSTS7000222: …","error_codes":[7000222],
//	 "timestamp":"…","trace_id":"…","correlation_id":"…","error_uri":"…"}
//
// Routes:
//   - GET /{tenant}/v2.0/.well-known/openid-configuration (MSAL's tenant
//     discovery): unknown tenant → 400 AADSTS90002.
//   - POST /{tenant}/oauth2/v2.0/token, grant client_credentials with
//     client_secret or client_assertion: unknown tenant → 400 AADSTS90002;
//     unknown client → 400 AADSTS700016; wrong secret → 401 AADSTS7000215;
//     expired secret → 401 AADSTS7000222; an assertion signed by no
//     registered certificate → 401 AADSTS700027; a federated token matching
//     no federated credential → 400 AADSTS70021; an assertion past its
//     expiry → 400 AADSTS700024.
//   - GET /msi/token (App Service: IDENTITY_ENDPOINT, with header
//     X-IDENTITY-HEADER = IDENTITY_HEADER): a managed identity's token.
//
// Statuses of the refusals and the error of each (invalid_client,
// invalid_request, unauthorized_client) follow Entra's documented shape;
// the exact pairing is unverified.
type Entra struct {
	s      *Server
	url    string
	srv    *http.Server
	done   chan struct{}
	cert   *x509.Certificate
	header string // the managed identity endpoint's IDENTITY_HEADER
}

// EntraRequest is one request the Entra endpoint answered. It holds no
// secret or assertion.
type EntraRequest struct {
	Method, Path string
	// Tenant and ClientID are the request's, Grant its kind: "secret",
	// "certificate", "federated", "managed_identity", or "" (discovery).
	Tenant, ClientID, Grant string
	Status                  int
	// Code is the AADSTS code of a refusal, e.g. "AADSTS7000222".
	Code string
}

// StartEntra serves the simulator's Entra endpoint on addr (e.g.
// "127.0.0.1:0") with a fresh self-signed certificate for 127.0.0.1 and
// localhost (Certificate; clients must trust it).
func (s *Server) StartEntra(addr string) (*Entra, error) {
	cert, tlsCert, err := selfSigned()
	if err != nil {
		return nil, fmt.Errorf("azdosim: entra certificate: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("azdosim: listen on %s: %w", addr, err)
	}
	e := &Entra{s: s, url: "https://" + ln.Addr().String() + "/", done: make(chan struct{}), cert: cert, header: randomHex(16)}
	e.srv = &http.Server{
		Handler:           http.HandlerFunc(e.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{tlsCert}, MinVersion: tls.VersionTLS12},
	}
	go func() {
		defer close(e.done)
		_ = e.srv.ServeTLS(ln, "", "")
	}()
	return e, nil
}

// URL is the authority host, "https://127.0.0.1:PORT/".
func (e *Entra) URL() string { return e.url }

// Certificate is the endpoint's TLS certificate.
func (e *Entra) Certificate() *x509.Certificate { return e.cert }

// ManagedIdentityEndpoint and ManagedIdentityHeader are the values of
// IDENTITY_ENDPOINT and IDENTITY_HEADER that point azidentity's managed
// identity credential at the simulator.
func (e *Entra) ManagedIdentityEndpoint() string { return e.url + "msi/token" }

// ManagedIdentityHeader is IDENTITY_HEADER's value.
func (e *Entra) ManagedIdentityHeader() string { return e.header }

// SetTokenLifetime sets the lifetime of the tokens issued from now on
// (default an hour).
func (e *Entra) SetTokenLifetime(d time.Duration) {
	e.s.mu.Lock()
	defer e.s.mu.Unlock()
	e.s.entra.lifetime = d
}

// Requests returns the token endpoint's log, oldest first.
func (e *Entra) Requests() []EntraRequest {
	e.s.mu.Lock()
	defer e.s.mu.Unlock()
	return append([]EntraRequest(nil), e.s.entra.log...)
}

// Tokens returns the access tokens issued so far, for tests that prove
// none reaches a log or a trace.
func (e *Entra) Tokens() []string {
	e.s.mu.Lock()
	defer e.s.mu.Unlock()
	out := make([]string, 0, len(e.s.entra.bearers))
	for tok, b := range e.s.entra.bearers {
		if b.issuer == e {
			out = append(out, tok)
		}
	}
	return out
}

// Close stops the endpoint.
func (e *Entra) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := e.srv.Shutdown(ctx)
	<-e.done
	if errors.Is(err, context.DeadlineExceeded) {
		err = e.srv.Close()
	}
	return err
}

// entraRefusal is one of Entra's error answers.
type entraRefusal struct {
	status int
	err    string // OAuth error
	code   int    // AADSTS number
	text   string // description after "AADSTSn: "
}

func (e *Entra) serveHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	rec := EntraRequest{Method: r.Method, Path: r.URL.Path}
	status, body := e.answer(r, &rec)
	rec.Status = status
	e.s.mu.Lock()
	if len(e.s.entra.log) < maxLoggedRequests {
		e.s.entra.log = append(e.s.entra.log, rec)
	}
	e.s.notifyLocked()
	e.s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (e *Entra) answer(r *http.Request, rec *EntraRequest) (int, any) {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/msi/token":
		return e.managedIdentityToken(r, rec)
	case r.Method == http.MethodGet && len(segs) == 4 && segs[1] == "v2.0" && segs[2] == ".well-known" && segs[3] == "openid-configuration":
		rec.Tenant = segs[0]
		if ref := e.tenantRefusal(segs[0]); ref != nil {
			return e.refuse(ref, rec)
		}
		base := e.url + segs[0]
		return http.StatusOK, map[string]any{
			"token_endpoint":                        base + "/oauth2/v2.0/token",
			"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
			"issuer":                                base + "/v2.0",
			"jwks_uri":                              base + "/discovery/v2.0/keys",
			"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
			"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
			"tenant_region_scope":                   "EU",
			"cloud_instance_name":                   "microsoftonline.com",
		}
	case r.Method == http.MethodPost && len(segs) == 4 && segs[1] == "oauth2" && segs[2] == "v2.0" && segs[3] == "token":
		return e.token(r, segs[0], rec)
	}
	return http.StatusNotFound, map[string]string{"error": "not_found", "error_description": "azdosim: no Entra route " + r.Method + " " + r.URL.Path}
}

func (e *Entra) tenantRefusal(tenant string) *entraRefusal {
	e.s.mu.Lock()
	known := e.s.entra.tenants[strings.ToLower(tenant)]
	e.s.mu.Unlock()
	if known {
		return nil
	}
	return &entraRefusal{http.StatusBadRequest, "invalid_request", 90002,
		fmt.Sprintf("Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", tenant)}
}

func (e *Entra) refuse(ref *entraRefusal, rec *EntraRequest) (int, any) {
	rec.Code = "AADSTS" + strconv.Itoa(ref.code)
	trace, corr := uuid.NewString(), uuid.NewString()
	ts := e.s.now().Format("2006-01-02 15:04:05Z")
	return ref.status, map[string]any{
		"error":             ref.err,
		"error_description": fmt.Sprintf("%s: %s Trace ID: %s Correlation ID: %s Timestamp: %s", rec.Code, ref.text, trace, corr, ts),
		"error_codes":       []int{ref.code},
		"timestamp":         ts,
		"trace_id":          trace,
		"correlation_id":    corr,
		"error_uri":         e.url + "error?code=" + strconv.Itoa(ref.code),
	}
}

const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// maxBearers is how many issued tokens are kept before expired ones are
// dropped.
const maxBearers = 10_000

func (e *Entra) token(r *http.Request, tenant string, rec *EntraRequest) (int, any) {
	rec.Tenant = tenant
	if err := r.ParseForm(); err != nil {
		return e.refuse(&entraRefusal{http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'."}, rec)
	}
	clientID := r.PostForm.Get("client_id")
	rec.ClientID = clientID
	if ref := e.tenantRefusal(tenant); ref != nil {
		return e.refuse(ref, rec)
	}
	e.s.mu.Lock()
	p := e.s.entra.principals[principalKey(tenant, clientID)]
	e.s.mu.Unlock()
	if p == nil {
		return e.refuse(&entraRefusal{http.StatusBadRequest, "unauthorized_client", 700016,
			fmt.Sprintf("Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, tenant)}, rec)
	}
	var ref *entraRefusal
	switch {
	case r.PostForm.Get("client_secret") != "":
		rec.Grant = "secret"
		ref = p.checkSecret(r.PostForm.Get("client_secret"), e.s.now())
	case r.PostForm.Get("client_assertion_type") == assertionType:
		rec.Grant, ref = p.checkAssertion(r.PostForm.Get("client_assertion"), e.s.now())
	default:
		ref = &entraRefusal{http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}
	}
	if ref != nil {
		return e.refuse(ref, rec)
	}
	tok, lifetime := e.issue(p)
	return http.StatusOK, map[string]any{
		"token_type": "Bearer", "expires_in": int(lifetime.Seconds()), "ext_expires_in": int(lifetime.Seconds()), "access_token": tok,
	}
}

// issue registers a new access token of p.
func (e *Entra) issue(p *Principal) (string, time.Duration) {
	tok := "simentra." + randomHex(24)
	e.s.mu.Lock()
	defer e.s.mu.Unlock()
	lifetime := e.s.entra.lifetime
	if lifetime <= 0 {
		lifetime = time.Hour
	}
	now := e.s.now()
	if len(e.s.entra.bearers) >= maxBearers {
		for t, b := range e.s.entra.bearers {
			if !now.Before(b.expires) {
				delete(e.s.entra.bearers, t)
			}
		}
	}
	e.s.entra.bearers[tok] = &bearer{p: p, expires: now.Add(lifetime), issuer: e}
	return tok, lifetime
}
