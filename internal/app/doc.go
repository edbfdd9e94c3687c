// Package app wires azreviewer's processes: it reads configuration from
// flags and the environment (each flag mirrors an upper-case variable:
// --nats-url is NATS_URL), connects to NATS, and runs the ingest HTTP
// server and the worker's consume loop with graceful shutdown. The cmd/*
// mains only call into it.
package app
