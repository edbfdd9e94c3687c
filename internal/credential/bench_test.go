package credential_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/azreviewer/azreviewer/internal/azdo/azdosim"
	"github.com/azreviewer/azreviewer/internal/azdo/azdotest"
	"github.com/azreviewer/azreviewer/internal/credential"
)

// BenchmarkAuthorization: the header of a cached token (credential.New's
// cache) against azidentity's own GetToken for a cached token (MSAL's
// cache), the baseline.
func BenchmarkAuthorization(b *testing.B) {
	sim := azdotest.New(b)
	e := azdotest.NewEntra(b, sim)
	p := e.ServicePrincipal("bot", azdosim.AccessBasic)
	path, secret := e.SecretFile(b, p, time.Time{})
	b.Run("credential", func(b *testing.B) {
		cred, err := credential.New(b.Context(), credential.Spec{ServicePrincipal: &credential.ServicePrincipal{TenantID: e.TenantID, ClientID: p.ClientID(), ClientSecretFile: path}}, e.Options())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cred.Authorization(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("azidentity", func(b *testing.B) {
		tc, err := azidentity.NewClientSecretCredential(e.TenantID, p.ClientID(), secret, &azidentity.ClientSecretCredentialOptions{
			ClientOptions:            azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: e.URL()}, Transport: &http.Client{Transport: e.Transport}},
			DisableInstanceDiscovery: true,
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tc.GetToken(b.Context(), policy.TokenRequestOptions{Scopes: []string{credential.Scope}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
