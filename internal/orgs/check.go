package orgs

import (
	"errors"
	"fmt"
	"os"
)

// CheckOptions say what [Check] does besides parsing; the zero value
// checks everything.
type CheckOptions struct {
	// SkipFiles leaves the files the credentials name unread: for a check
	// where the secrets are not there, as in CI.
	SkipFiles bool
}

// Check is what an operator runs on the file before deploying it: it
// parses data as [Parse] does, with the same problems, and reads every
// file a credential names — pat_file, client_secret_file,
// certificate_file, token_file — as the processes will
// ([credential.CheckFile]): one that does not exist, cannot be read, is
// empty or is not a certificate with its key is a problem located at its
// key, like any other. A relative path is read from the current
// directory, as the processes read it from theirs.
//
// It reads no environment: a workload identity's tenant_id, client_id or
// token_file left out of the file is not a problem, since the processes
// take it from theirs ([credential.Spec.Resolve]); [CredentialSpec.Describe]
// says which. It makes no network call, and no problem holds a token, a
// secret or a file's content.
func Check(data []byte, opts CheckOptions) ([]Organization, error) {
	return parse(data, options{check: true, readFiles: !opts.SkipFiles})
}

// CheckFile reads the organisations file at path and checks it ([Check]);
// an invalid file is an [*Error] naming path, one that cannot be read is
// not an [*Error].
func CheckFile(path string, opts CheckOptions) ([]Organization, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the organisations file: %w", err)
	}
	list, err := Check(data, opts)
	var pe *Error
	if errors.As(err, &pe) {
		pe.File = path
	}
	return list, err
}
