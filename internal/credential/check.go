package credential

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"unicode"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// File is one file a credential names.
type File struct {
	// Key is the spec's key, e.g. "credential.pat_file".
	Key string
	// Path is the file as written.
	Path string
}

// The keys of the files a Spec can name, as [File.Key] and
// [FileError.Key] give them.
const (
	KeyPATFile          = "credential.pat_file"
	KeyClientSecretFile = "credential.service_principal.client_secret_file"
	KeyCertificateFile  = "credential.service_principal.certificate_file"
	KeyTokenFile        = "credential.workload_identity.token_file"
)

// Files lists the files s names: its pat_file, a service principal's
// client_secret_file and certificate_file, a workload identity's
// token_file; keys left empty are left out (call Resolve first for the
// environment's token file).
func (s Spec) Files() []File {
	var out []File
	add := func(key, path string) {
		if path != "" {
			out = append(out, File{Key: key, Path: path})
		}
	}
	add(KeyPATFile, s.PATFile)
	if sp := s.ServicePrincipal; sp != nil {
		add(KeyClientSecretFile, sp.ClientSecretFile)
		add(KeyCertificateFile, sp.CertificateFile)
	}
	if w := s.WorkloadIdentity; w != nil {
		add(KeyTokenFile, w.TokenFile)
	}
	return out
}

// MaxCheckedFileBytes bounds what [CheckFile] reads of a file: a PAT, a
// secret, a service account token or a certificate with its key is a few
// KiB at most.
const MaxCheckedFileBytes = 1 << 20

// CheckFile reads f as [New] and the token requests read it, without
// building the credential: it returns a *FileError when the file does not
// exist, is not a regular file (a FIFO or device is not opened: the check
// never blocks), cannot be read, is larger than [MaxCheckedFileBytes], is
// empty (but for white space), is a pat_file whose token has white space
// inside it, or is a certificate_file that is not a certificate with its
// private key. Its Problem says what is wrong and names no content; Err
// is set only for a certificate that does not parse. It makes no network
// call.
func CheckFile(f File) error {
	problem := func(p string) error { return &FileError{Key: f.Key, Path: f.Path, Problem: p} }
	info, err := os.Stat(f.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return problem("does not exist")
	case err != nil:
		return problem("cannot be read: " + cause(err))
	case info.IsDir():
		return problem("is a directory, not a file")
	case !info.Mode().IsRegular():
		return problem("is not a regular file")
	}
	fh, err := os.Open(f.Path)
	if err != nil {
		return problem("cannot be read: " + cause(err))
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, MaxCheckedFileBytes+1))
	switch {
	case err != nil:
		return problem("cannot be read: " + cause(err))
	case len(data) > MaxCheckedFileBytes:
		return problem(fmt.Sprintf("is larger than %d KiB, far more than a secret or a certificate", MaxCheckedFileBytes>>10))
	}
	if f.Key == KeyCertificateFile {
		if _, _, err := azidentity.ParseCertificates(data, nil); err != nil {
			// ParseCertificates' error names no content.
			return &FileError{Key: f.Key, Path: f.Path, Problem: "is not a certificate with its private key (PEM, or PKCS#12 without a password)", Err: err}
		}
		return nil
	}
	v := strings.TrimSpace(string(data))
	switch {
	case v == "":
		return problem("is empty")
	case f.Key == KeyPATFile && strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return problem("holds white space or a control character inside the token: a PAT is one word on one line")
	}
	return nil
}

// cause is the operating system's reason of a file error, without the
// path it repeats.
func cause(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
