#!/usr/bin/env bash
# Regenerates the committed Kotlin and Swift bindings of the mobile bridge
# from the built library (UniFFI library mode):
#
#     mobile-bridge/bindings/generate.sh
#
# It builds the library and the feature-gated `uniffi-bindgen` binary
# (debug profile, honouring CARGO_TARGET_DIR), then rewrites kotlin/ and
# swift/ beside this script. Commit the result: the test
# `committed_bindings_match_the_library` (tests/tests/device_bindings.rs)
# fails while they differ from what the library exports. Formatting is
# off (--no-format) so that the output does not depend on whether ktlint
# or swiftformat happen to be installed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$(uname -s)" in
    Darwin) library="libalongside_mobile_bridge.dylib" ;;
    *) library="libalongside_mobile_bridge.so" ;;
esac

cd "$root"
cargo build -p alongside-mobile-bridge --features bindgen --lib --bin uniffi-bindgen

for language in kotlin swift; do
    rm -rf "${here:?}/$language"
    "$target/debug/uniffi-bindgen" generate \
        --library "$target/debug/$library" \
        --language "$language" \
        --config "$here/uniffi.toml" \
        --no-format \
        --out-dir "$here/$language"
done
echo "bindings written to $here/kotlin and $here/swift"
