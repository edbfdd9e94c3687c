package ingest

import (
	"sync/atomic"

	"github.com/azreviewer/azreviewer/internal/servicehooks"
)

// Organisations is the set of organisations whose events ingest
// publishes, by normalised URL ([servicehooks.NormalizeOrgURL]); an event
// naming another is answered 200 and ignored. [Organisations.Set]
// replaces the set at once (the organisations file re-read). It is safe
// for concurrent use.
type Organisations struct {
	set atomic.Pointer[map[string]bool]
}

// NewOrganisations returns the set of urls.
func NewOrganisations(urls ...string) *Organisations {
	o := &Organisations{}
	o.Set(urls)
	return o
}

// Set makes urls the set.
func (o *Organisations) Set(urls []string) {
	m := make(map[string]bool, len(urls))
	for _, u := range urls {
		m[servicehooks.NormalizeOrgURL(u)] = true
	}
	o.set.Store(&m)
}

// Configured reports whether url is one of the set. A nil set configures
// every organisation.
func (o *Organisations) Configured(url string) bool {
	if o == nil {
		return true
	}
	return (*o.set.Load())[servicehooks.NormalizeOrgURL(url)]
}
