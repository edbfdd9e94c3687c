package azdosim

import (
	"crypto/subtle"
	"net/http"
	"strconv"

	"github.com/google/uuid"
)

// managedIdentityToken answers App Service's managed identity protocol.
// Its refusals' shape is unverified.
func (e *Entra) managedIdentityToken(r *http.Request, rec *EntraRequest) (int, any) {
	rec.Grant = "managed_identity"
	clientID := r.URL.Query().Get("client_id")
	rec.ClientID = clientID
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("X-IDENTITY-HEADER")), []byte(e.header)) != 1 {
		return http.StatusUnauthorized, map[string]any{"statusCode": http.StatusUnauthorized, "message": "Unauthorized: the X-IDENTITY-HEADER is missing or wrong."}
	}
	e.s.mu.Lock()
	p := e.s.entra.principals[principalKey(managedTenant, clientID)]
	e.s.mu.Unlock()
	if p == nil {
		return http.StatusBadRequest, map[string]any{"statusCode": http.StatusBadRequest,
			"message": "No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.", "correlationId": uuid.NewString()}
	}
	tok, lifetime := e.issue(p)
	return http.StatusOK, map[string]any{
		"access_token": tok, "expires_on": strconv.FormatInt(e.s.now().Add(lifetime).Unix(), 10),
		"resource": r.URL.Query().Get("resource"), "token_type": "Bearer", "client_id": clientID,
	}
}
