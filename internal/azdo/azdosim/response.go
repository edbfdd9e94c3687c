package azdosim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Content types the simulator answers with.
const (
	contentTypeJSON   = "application/json; charset=utf-8"
	contentTypeText   = "text/plain; charset=utf-8"
	contentTypeOctets = "application/octet-stream"
)

// response is a complete HTTP response, built while holding the server's
// lock and written after releasing it.
type response struct {
	status      int
	contentType string
	header      map[string]string
	body        []byte
}

func (resp *response) write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range resp.header {
		h.Set(k, v)
	}
	h.Set("Content-Type", resp.contentType)
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// jsonResponse answers v as a single JSON object.
func jsonResponse(status int, v any) (*response, error) {
	body, err := marshal(v)
	if err != nil {
		return nil, err
	}
	return &response{status: status, contentType: contentTypeJSON, body: body}, nil
}

// collectionResponse answers items as {"count":n,"value":[…]}.
func collectionResponse[T any](items []T) (*response, error) {
	if items == nil {
		items = []T{}
	}
	return jsonResponse(http.StatusOK, struct {
		Count int `json:"count"`
		Value []T `json:"value"`
	}{len(items), items})
}

// errorResponse answers e with Azure's JSON error body and headers.
func errorResponse(e *apiError) *response {
	body, err := marshal(e.body())
	if err != nil { // cannot happen: errorBody holds only strings and ints
		panic(fmt.Sprintf("azdosim: marshal error body: %v", err))
	}
	resp := &response{
		status:      e.status,
		contentType: contentTypeJSON,
		body:        body,
		header:      map[string]string{"X-TFS-ServiceError": escapeDataString(e.message)},
	}
	if e.status == http.StatusUnauthorized {
		resp.header["WWW-Authenticate"] = `Basic realm="azdosim"`
	}
	return resp
}

// escapeDataString percent-encodes everything but unreserved characters, as
// .NET's Uri.EscapeDataString does for the X-TFS-ServiceError header
// ("Access%20Denied%3A …").
func escapeDataString(text string) string {
	return strings.ReplaceAll(url.QueryEscape(text), "+", "%20")
}

// marshal encodes v as JSON without escaping <, > and &, as the service does.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// decodeBody decodes a JSON request body into v, keeping numbers as
// json.Number so that typed properties keep their integer type.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return errBadRequest("The request body could not be read as JSON: %v", err)
	}
	return nil
}

// roundTrip returns v as a client would see it after decoding the JSON the
// simulator sends, which also makes it a deep copy.
func roundTrip[T any](v T) T {
	body, err := marshal(v)
	if err != nil {
		panic(fmt.Sprintf("azdosim: marshal %T: %v", v, err))
	}
	var out T
	if err := json.Unmarshal(body, &out); err != nil {
		panic(fmt.Sprintf("azdosim: unmarshal %T: %v", v, err))
	}
	return out
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }
