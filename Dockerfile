# Builds the ingest, worker and all-in-one binaries into one small image;
# deploy/compose.yaml and deploy/kubernetes pick the command per process.
#
#   docker build --build-arg VERSION=$(git describe --tags --always --dirty) \
#     --build-arg REVISION=$(git rev-parse HEAD) -t azreviewer .
#
# The build context has no .git (.dockerignore), so Go cannot stamp the
# commit itself: VERSION and REVISION are linked into internal/app.
#
# GO_VERSION: go.mod's Go line at its current patch release.
ARG GO_VERSION=1.26.8
FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=
ARG REVISION=
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags="-s -w -X github.com/azreviewer/azreviewer/internal/app.version=${VERSION} -X github.com/azreviewer/azreviewer/internal/app.revision=${REVISION}" \
      -o /out/ ./cmd/...

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ /usr/local/bin/
USER nonroot
ENTRYPOINT ["/usr/local/bin/azreviewer"]
