package app

import "runtime/debug"

// workerGCPercent is the worker's garbage-collection target (GOGC) unless
// the operator sets GOGC: a collection when the heap has grown by half
// since the last one, rather than doubled. A review's memory is mostly
// what it holds until it posts — the diffs of every changed file, both
// sides' text — so Go's default lets the heap reach twice that; at 50 a
// 1,000-file, 100,000-line review peaks a third lower for a few more
// collections (see bench/fullreview).
const workerGCPercent = 50

// gcPercent is the GOGC the worker sets, or false when GOGC is set (Go
// has applied it).
func gcPercent(lookupEnv func(string) (string, bool)) (int, bool) {
	if _, set := lookupEnv("GOGC"); set {
		return 0, false
	}
	return workerGCPercent, true
}

// tuneWorkerGC applies gcPercent to the process.
func tuneWorkerGC(lookupEnv func(string) (string, bool)) {
	if p, ok := gcPercent(lookupEnv); ok {
		debug.SetGCPercent(p)
	}
}
