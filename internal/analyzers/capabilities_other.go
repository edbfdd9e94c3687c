//go:build !linux

package analyzers

// missingCapabilities cannot tell on this system and reports none.
func missingCapabilities() ([]string, error) { return nil, nil }
