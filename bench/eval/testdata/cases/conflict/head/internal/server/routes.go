package server

import "net/http"

func routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", healthz)
<<<<<<< HEAD
	mux.HandleFunc("GET /v1/invoices", listInvoices)
=======
	mux.HandleFunc("GET /v2/invoices", listInvoicesV2)
>>>>>>> feature/invoices-v2
	mux.HandleFunc("POST /v1/payments", createPayment)
}
