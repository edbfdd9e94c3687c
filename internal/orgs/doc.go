// Package orgs reads the organisations file (AZDO_ORGS_FILE): the Azure
// DevOps organisations one fleet reviews for, each with its URL, its
// credential, its defaults for .azreviewer.yaml and per-project
// overrides of them.
//
//	organizations:
//	  - url: https://dev.azure.com/fabrikam
//	    credential: {pat_file: /run/secrets/fabrikam-pat}   # or {pat: …}
//	  - url: https://dev.azure.com/contoso
//	    name: contoso            # optional: the URL's last segment
//	    azure_budget: 6000       # optional: units per 5 min for the identity, fleet-wide (AZDO_BUDGET); off: none
//	    credential:
//	      service_principal: {tenant_id: …, client_id: …, client_secret_file: …}
//	    defaults: {severity_threshold: warning}
//	    projects:
//	      "Web Platform": {defaults: {ignore: ["vendor/**"]}}
//
// [Parse] is strict like [repoconfig.Parse]: an unknown key, a URL that is
// not an absolute http(s) URL, an organisation listed twice (URLs compare
// normalised, [servicehooks.NormalizeOrgURL]), a credential that is not
// exactly one kind, and any mistake in defaults are problems, every one
// reported with its line and column ([*Error]).
//
// [Check] is the operator's check before a deploy (azreviewer config
// check --orgs): Parse's problems, and besides every file a credential
// names read as the processes will read it, each unusable one a problem
// at its key; it reads no environment and makes no network call.
//
// An organisation's review configuration is, lowest first: the built-in
// [repoconfig.Defaults], its defaults, its project's defaults, the
// repository's .azreviewer.yaml ([Organization.RepoDefaults] gives the
// first three merged).
//
// The URL of an organisation is the only place its credential is sent:
// a review request names an organisation, and a worker uses only the
// credential configured for that URL.
package orgs
