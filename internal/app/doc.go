// Package app wires azreviewer's processes: it reads configuration from
// flags and the environment (each flag mirrors an upper-case variable:
// --nats-url is NATS_URL), connects to NATS, and runs the ingest HTTP
// server and the worker's consume loop with graceful shutdown. The cmd/*
// mains only call into it.
//
// A worker is built by [NewWorkerLoop], the one wiring of cmd/worker, the
// all-in-one and the tests (apptest fills [WorkerDeps]' hooks). Only app
// knows the environment variables: the libraries report a configuration
// mistake by its Config field (llmreview, worker and ingest SettingError)
// and app names the flag and the variable the operator sets.
package app
