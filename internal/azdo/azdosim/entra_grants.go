package azdosim

import (
	"crypto"
	"crypto/subtle"
	"crypto/x509"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// checkSecret checks a client secret: one of p's, not expired.
func (p *Principal) checkSecret(secret string, now time.Time) *entraRefusal {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	for _, cs := range p.secrets {
		if subtle.ConstantTimeCompare([]byte(cs.value), []byte(secret)) == 1 {
			if !cs.expires.IsZero() && !now.Before(cs.expires) {
				return &entraRefusal{http.StatusUnauthorized, "invalid_client", 7000222,
					fmt.Sprintf("The provided client secret keys for app '%s' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.", p.clientID)}
			}
			return nil
		}
	}
	return &entraRefusal{http.StatusUnauthorized, "invalid_client", 7000215,
		"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + p.clientID + "'."}
}

// checkAssertion verifies a client assertion: one the application signed
// itself (iss = client id) against its certificates, or a federated token
// against its federated credentials.
func (p *Principal) checkAssertion(assertion string, now time.Time) (string, *entraRefusal) {
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(assertion, &claims); err != nil {
		return "", &entraRefusal{http.StatusBadRequest, "invalid_request", 50027, "JWT token is invalid or is malformed."}
	}
	p.s.mu.Lock()
	certs, federated := append([]*x509.Certificate(nil), p.certs...), append([]federatedCredential(nil), p.federated...)
	p.s.mu.Unlock()
	var keys []crypto.PublicKey
	grant := "certificate"
	if claims.Issuer == p.clientID {
		for _, c := range certs {
			keys = append(keys, c.PublicKey)
		}
	} else {
		grant = "federated"
		for _, f := range federated {
			if f.issuer == claims.Issuer && f.subject == claims.Subject {
				keys = append(keys, f.key)
			}
		}
		if len(keys) == 0 {
			return grant, &entraRefusal{http.StatusBadRequest, "invalid_request", 70021,
				fmt.Sprintf("No matching federated identity record found for presented assertion. Assertion Issuer: '%s'. Assertion Subject: '%s'. Assertion Audience: '%s'.", claims.Issuer, claims.Subject, strings.Join(claims.Audience, ","))}
		}
	}
	verified := false
	for _, k := range keys {
		_, err := jwt.NewParser(jwt.WithoutClaimsValidation(), jwt.WithValidMethods([]string{"RS256", "PS256", "ES256"})).
			Parse(assertion, func(*jwt.Token) (any, error) { return k, nil })
		if err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return grant, &entraRefusal{http.StatusUnauthorized, "invalid_client", 700027,
			"Client assertion failed signature validation."}
	}
	if claims.ExpiresAt == nil || !now.Before(claims.ExpiresAt.Time) || claims.NotBefore != nil && now.Add(5*time.Minute).Before(claims.NotBefore.Time) {
		return grant, &entraRefusal{http.StatusBadRequest, "invalid_client", 700024,
			fmt.Sprintf("Client assertion is not within its valid time range. Current time: %s, assertion valid from %s, expiry time of assertion %s.", now.Format(time.RFC3339), timeOf(claims.NotBefore), timeOf(claims.ExpiresAt))}
	}
	return grant, nil
}

func timeOf(t *jwt.NumericDate) string {
	if t == nil {
		return "(none)"
	}
	return t.UTC().Format(time.RFC3339)
}
