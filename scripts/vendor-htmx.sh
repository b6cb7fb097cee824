#!/usr/bin/env bash
# Re-vendors htmx for the supervisor console from the npm registry: the
# pinned version's minified build goes to server/assets/vendor/, where the
# server embeds it (no CDN, no build step to run the server). Bump
# HTMX_VERSION, run this, and commit the result.
set -euo pipefail
HTMX_VERSION="2.0.4"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "htmx.org@${HTMX_VERSION}" >/dev/null)
tar -xzf "$work"/htmx.org-"${HTMX_VERSION}".tgz -C "$work"
dest="$here/server/assets/vendor"
mkdir -p "$dest"
cp "$work/package/dist/htmx.min.js" "$dest/htmx.min.js"
cp "$work/package/LICENSE" "$dest/htmx.LICENSE"
echo "$HTMX_VERSION" > "$dest/htmx.VERSION"
echo "vendored htmx ${HTMX_VERSION} into ${dest}"
