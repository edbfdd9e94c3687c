package ingest

import (
	"crypto/subtle"
	"net/http"
)

// authenticate checks every configured method and returns which one failed
// ("" when all passed). It never echoes what the client sent.
func (h *Handler) authenticate(r *http.Request) (failed string) {
	if h.cfg.BasicUser != "" {
		user, pass, ok := r.BasicAuth()
		// Compare both fields even when the first differs, to keep timing flat.
		u := subtle.ConstantTimeCompare([]byte(user), []byte(h.cfg.BasicUser))
		p := subtle.ConstantTimeCompare([]byte(pass), []byte(h.cfg.BasicPassword))
		if !ok || u&p != 1 {
			return "basic"
		}
	}
	if h.cfg.Token != "" {
		if subtle.ConstantTimeCompare([]byte(r.URL.Query().Get("token")), []byte(h.cfg.Token)) != 1 {
			return "token"
		}
	}
	return ""
}
