package azdo

import (
	"archive/zip"
	"bytes"
	"testing"
)

// fuzzZip is a zip of entries (name, content, …) for the seeds.
func fuzzZip(t testing.TB, method uint16, entries ...string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(entries); i += 2 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: entries[i], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(entries[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzBlobsZip: whatever a bulk read's answer holds — no zip, a truncated
// or lying one, entries named anyhow, a bomb — reading it never panics,
// never holds more than the bound of the answer nor more than limit bytes
// of an entry, and an entry matched to a blob id by its content holds that
// blob.
func FuzzBlobsZip(f *testing.F) {
	a, b := "package a\n", "package b\n"
	f.Add(fuzzZip(f, zip.Deflate, blobID([]byte(a)), a, blobID([]byte(b)), b), blobID([]byte(a)))
	f.Add(fuzzZip(f, zip.Store, "x/"+blobID([]byte(a))+".txt", a), blobID([]byte(a)))
	f.Add(fuzzZip(f, zip.Deflate, "whatever", b), blobID([]byte(b)))
	f.Add(fuzzZip(f, zip.Deflate, blobID([]byte(a)), string(make([]byte, 1<<16))), blobID([]byte(a)))
	f.Add([]byte("PK\x03\x04 not a zip"), blobID([]byte(a)))
	f.Add(fuzzZip(f, zip.Deflate, blobID([]byte(a)), a)[:40], blobID([]byte(a)))
	const maxBytes, maxZip = 64, 1 << 20
	f.Fuzz(func(t *testing.T, body []byte, id string) {
		s, err := readSpool(bytes.NewReader(body), maxZip)
		if err != nil {
			if len(body) <= maxZip {
				t.Fatalf("a %d-byte answer under the bound is refused: %v", len(body), err)
			}
			return
		}
		zr, err := zip.NewReader(s, s.Size())
		if err != nil {
			return
		}
		entries := matchEntries(zr, []string{id, blobID([]byte(a))}, maxBytes)
		for want, e := range entries {
			content, err := readEntry(e, maxBytes+1)
			if err != nil {
				continue
			}
			if len(content) > maxBytes+1 {
				t.Fatalf("entry %q: %d bytes read, more than the limit", e.Name, len(content))
			}
			if len(content) <= maxBytes && blobID(content) != want && entryBlobName(e.Name) != want {
				t.Fatalf("entry %q matched to %s holds another blob", e.Name, want)
			}
		}
	})
}
