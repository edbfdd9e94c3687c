# Run `make` or `make help` for the list of targets.
.DEFAULT_GOAL := help
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go

.PHONY: help
help: ## list the targets
	@grep -E '^[a-zA-Z/_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-12s %s\n", $$1, $$2}'

.PHONY: demo
demo: ## the all-in-one demo: simulator, webhook, review, printed threads and trace
	$(GO) run ./cmd/azreviewer --demo

# deploy/ is a module of its own: its checks need Kubernetes, kustomize,
# Prometheus and Grafana libraries that the binaries must not pull in.
.PHONY: test
test: ## every test, with the race detector and a real Jaeger (built once per machine: ~4 min the first time)
	bin=$$(scripts/build-jaeger.sh | tail -n 1); test -x "$$bin"; \
	AZREVIEWER_JAEGER_BIN="$$bin" $(GO) test -race -count=1 -timeout 10m ./...
	cd deploy && $(GO) test -race -count=1 ./...

.PHONY: test/quick
test/quick: ## every test without building Jaeger (the Jaeger test is skipped)
	$(GO) test ./...
	cd deploy && $(GO) test ./...

.PHONY: test/deploy
test/deploy: ## the checks of deploy/: compose, Kubernetes manifests, KEDA, Prometheus rules, Grafana dashboard
	cd deploy && $(GO) test ./...

.PHONY: fuzz
fuzz: ## run every fuzz target for FUZZTIME each (default 30s); make test runs only their seed corpora
	FUZZTIME=$${FUZZTIME:-30s} GO=$(GO) scripts/fuzz.sh

.PHONY: lint
GOLANGCI_LINT ?= github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0

lint: ## gofmt, go vet and golangci-lint (staticcheck and the linters .golangci.yml enables)
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(GOLANGCI_LINT) run ./...
	cd deploy && $(GO) vet ./... && $(GO) run $(GOLANGCI_LINT) run ./...

.PHONY: bench
bench: ## review speed and allocations on a 1,000-file, 100,000-line pull request
	$(GO) test -run '^$$' -bench . -benchmem ./internal/reviewer

.PHONY: jaeger
jaeger: ## build the Jaeger binary the traces test runs (prints its path)
	scripts/build-jaeger.sh

.PHONY: tidy
tidy: ## go mod tidy (both modules)
	$(GO) mod tidy
	cd deploy && $(GO) mod tidy
