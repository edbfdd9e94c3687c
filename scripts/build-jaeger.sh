#!/usr/bin/env bash
# Builds the Jaeger v2 all-in-one binary used by internal/jaegertest, from the
# pinned tool module in tools/jaeger, into a per-machine cache outside the repo:
#
#   ${AZREVIEWER_JAEGER_DIR:-$HOME/.cache/azreviewer}/jaeger-v1.76.0
#
# It builds only when that file is missing (or with --force), so repeated CI
# runs on one machine pay the ~3.5 min cold compile once. Needs only Go and the
# Go module proxy. The last line of output is the binary's path.
#
# Usage: scripts/build-jaeger.sh [--force]
set -euo pipefail

# Module version of github.com/jaegertracing/jaeger, and the Jaeger release it
# is. Keep in sync with tools/jaeger/go.mod and internal/jaegertest (Version).
JAEGER_VERSION=v1.76.0
JAEGER_RELEASE=v2.13.0

force=0
for arg in "$@"; do
	case "$arg" in
	--force | -f) force=1 ;;
	-h | --help)
		sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "build-jaeger.sh: unknown argument: $arg" >&2
		exit 2
		;;
	esac
done

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tool_dir="$repo_root/tools/jaeger"
if [[ -z "${AZREVIEWER_JAEGER_DIR:-}" ]]; then
	: "${HOME:?HOME is not set; set AZREVIEWER_JAEGER_DIR}"
	AZREVIEWER_JAEGER_DIR="$HOME/.cache/azreviewer"
fi
out="$AZREVIEWER_JAEGER_DIR/jaeger-$JAEGER_VERSION"

if [[ $force -eq 0 && -x "$out" ]]; then
	echo "jaeger $JAEGER_VERSION already built (use --force to rebuild)" >&2
	echo "$out"
	exit 0
fi

command -v go >/dev/null || {
	echo "build-jaeger.sh: go is not on PATH" >&2
	exit 1
}
mkdir -p "$AZREVIEWER_JAEGER_DIR"

# Build into a temporary file in the same directory and rename it into place,
# so an interrupted build or two concurrent builds never leave a half-written
# binary at $out.
tmp=$(mktemp "$AZREVIEWER_JAEGER_DIR/.jaeger-$JAEGER_VERSION.XXXXXX")
trap 'rm -f "$tmp"' EXIT

echo "building jaeger $JAEGER_VERSION ($JAEGER_RELEASE) into $out" \
	"(~3.5 min on 2 cores with a cold Go cache, seconds with a warm one) ..." >&2
start=$SECONDS
(
	cd "$tool_dir"
	# GOWORK=off: build tools/jaeger on its own even if a go.work is around.
	# -mod=mod: if this Go version wants a go.sum line that tools/jaeger
	# lacks, add it (then commit it) instead of failing with "missing go.sum
	# entry". With the committed go.sum nothing changes.
	export GOWORK=off GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
	# The version stamp is what Jaeger's own release build sets; it shows in
	# "jaeger version" and in Jaeger's startup log.
	go build -trimpath \
		-ldflags="-X github.com/jaegertracing/jaeger/internal/version.latestVersion=$JAEGER_RELEASE" \
		-o "$tmp" github.com/jaegertracing/jaeger/cmd/jaeger
)
chmod 0755 "$tmp"
ver=$("$tmp" version 2>/dev/null) || true
if [[ $ver != *"\"gitVersion\":\"$JAEGER_RELEASE\""* ]]; then
	echo "build-jaeger.sh: the built binary does not run or report $JAEGER_RELEASE: $tmp" >&2
	exit 1
fi
mv -f "$tmp" "$out"
trap - EXIT
echo "built in $((SECONDS - start))s" >&2
echo "$out"
