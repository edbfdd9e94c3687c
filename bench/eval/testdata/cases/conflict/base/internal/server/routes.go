package server

import "net/http"

func routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("POST /v1/payments", createPayment)
}
