package credential

import (
	"bytes"
	"context"
	"os"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// fileSource is an azidentity credential built from a file (a client
// secret, a certificate): the file is read before every token request and
// the credential rebuilt when its content changed. It is safe for
// concurrent use.
type fileSource struct {
	key, path string
	build     func([]byte) (azcore.TokenCredential, error)

	mu   sync.Mutex
	last []byte
	tc   azcore.TokenCredential
}

// load reads the file and, when it changed, rebuilds the credential.
func (f *fileSource) load() error {
	data, err := os.ReadFile(f.path)
	if err != nil {
		problem := "cannot be read"
		if os.IsNotExist(err) {
			problem = "does not exist"
		}
		return &FileError{Key: f.key, Path: f.path, Problem: problem, Err: err}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tc != nil && bytes.Equal(data, f.last) {
		return nil
	}
	tc, err := f.build(data)
	if err != nil {
		return err
	}
	f.tc, f.last = tc, data
	return nil
}

func (f *fileSource) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	if err := f.load(); err != nil {
		return azcore.AccessToken{}, err
	}
	f.mu.Lock()
	tc := f.tc
	f.mu.Unlock()
	return tc.GetToken(ctx, o)
}
