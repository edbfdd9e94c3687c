package azdosim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
)

// TestEntraTokenEndpoint: the token endpoint issues a token for a valid
// client secret and answers each refusal with Entra's error JSON: error,
// error_description starting with the AADSTS code, error_codes, trace_id
// and correlation_id.
func TestEntraTokenEndpoint(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	e := azdotest.NewEntra(t, sim)
	p := e.ServicePrincipal("bot", azdosim.AccessBasic)
	p.AddSecret("good", time.Time{})
	p.AddSecret("old", time.Now().Add(-time.Minute))
	hc := &http.Client{Transport: e.Transport}
	tests := []struct {
		name       string
		tenant     string
		form       url.Values
		wantStatus int
		wantError  string
		wantCode   int
	}{
		{name: "issued", tenant: e.TenantID, form: url.Values{"client_id": {p.ClientID()}, "client_secret": {"good"}}, wantStatus: 200},
		{name: "wrong secret", tenant: e.TenantID, form: url.Values{"client_id": {p.ClientID()}, "client_secret": {"bad"}}, wantStatus: 401, wantError: "invalid_client", wantCode: 7000215},
		{name: "expired secret", tenant: e.TenantID, form: url.Values{"client_id": {p.ClientID()}, "client_secret": {"old"}}, wantStatus: 401, wantError: "invalid_client", wantCode: 7000222},
		{name: "unknown application", tenant: e.TenantID, form: url.Values{"client_id": {"5d1c0b7e-0000-4000-8000-000000000001"}, "client_secret": {"good"}}, wantStatus: 400, wantError: "unauthorized_client", wantCode: 700016},
		{name: "unknown tenant", tenant: "contoso.example", form: url.Values{"client_id": {p.ClientID()}, "client_secret": {"good"}}, wantStatus: 400, wantError: "invalid_request", wantCode: 90002},
		{name: "malformed assertion", tenant: e.TenantID, form: url.Values{"client_id": {p.ClientID()}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {"x.y.z"}}, wantStatus: 400, wantError: "invalid_request", wantCode: 50027},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.form.Set("grant_type", "client_credentials")
			tt.form.Set("scope", "499b84ac-1321-427f-aa17-267ca6975798/.default")
			resp, err := hc.PostForm(e.URL()+tt.tenant+"/oauth2/v2.0/token", tt.form)
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, tt.wantStatus, resp.StatusCode)
			var body map[string]any
			require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
			if tt.wantStatus == 200 {
				require.Equal(t, "Bearer", body["token_type"])
				require.NotEmpty(t, body["access_token"])
				require.InDelta(t, 3600, body["expires_in"], 0)
				return
			}
			require.Equal(t, tt.wantError, body["error"])
			require.True(t, strings.HasPrefix(body["error_description"].(string), fmt.Sprintf("AADSTS%d: ", tt.wantCode)), body["error_description"])
			require.Equal(t, []any{float64(tt.wantCode)}, body["error_codes"])
			require.NotEmpty(t, body["trace_id"])
			require.NotEmpty(t, body["correlation_id"])
			require.NotContains(t, body["error_description"], "good")
		})
	}
	for _, r := range e.Requests() {
		require.NotContains(t, fmt.Sprintf("%+v", r), "good", "the log holds no secret")
	}
}

// TestEntraPrincipalsInAnOrganisation: a token is accepted for the
// organisations its principal is a member of; elsewhere 401 TF400813;
// below Basic, Git calls are refused (401 for none, 403 for Stakeholder).
func TestEntraPrincipalsInAnOrganisation(t *testing.T) {
	t.Parallel()
	sim := azdotest.New(t)
	e := azdotest.NewEntra(t, sim)
	other := sim.Server.AddOrg("Contoso")
	hc := &http.Client{Transport: e.Transport}
	token := func(p *azdosim.Principal) string {
		p.AddSecret("s-"+p.ClientID(), time.Time{})
		resp, err := hc.PostForm(e.URL()+e.TenantID+"/oauth2/v2.0/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {p.ClientID()}, "client_secret": {"s-" + p.ClientID()}})
		require.NoError(t, err)
		defer resp.Body.Close()
		var body struct {
			AccessToken string `json:"access_token"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		return body.AccessToken
	}
	get := func(tok, u string) int {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json;api-version=7.1")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	repo := "/" + url.PathEscape(sim.Project.ID()) + "/_apis/git/repositories/" + sim.Repo.ID()
	tests := []struct {
		level               azdosim.AccessLevel
		wantConnection      int
		wantRepo, wantOther int
	}{
		{level: "", wantConnection: 401, wantRepo: 401, wantOther: 401},
		{level: azdosim.AccessNone, wantConnection: 200, wantRepo: 401, wantOther: 401},
		{level: azdosim.AccessStakeholder, wantConnection: 200, wantRepo: 403, wantOther: 401},
		{level: azdosim.AccessBasic, wantConnection: 200, wantRepo: 200, wantOther: 401},
	}
	for _, tt := range tests {
		t.Run("access "+string(tt.level), func(t *testing.T) {
			t.Parallel()
			p := e.ServicePrincipal("bot "+string(tt.level), tt.level)
			tok := token(p)
			require.Equal(t, tt.wantConnection, get(tok, sim.Org.URL()+"/_apis/connectionData"))
			require.Equal(t, tt.wantRepo, get(tok, sim.Org.URL()+repo))
			require.Equal(t, tt.wantOther, get(tok, other.URL()+"/_apis/connectionData"))
			require.Equal(t, 401, get("simentra.forged", sim.Org.URL()+"/_apis/connectionData"))
		})
	}
}
