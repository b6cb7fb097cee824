//! The field app at `/field/`: the files `field/scripts/build.mjs` built
//! into `field/dist`, compiled into the binary (no Node at run time), on
//! the same origin as `/sync` and `/api/v1`. Every answer carries a strict
//! Content-Security-Policy: scripts, styles, connections and the manifest
//! from this origin only, no inline script, and `wasm-unsafe-eval` so that
//! Automerge's wasm may be compiled. The app's version (a digest of the
//! build) is `/field/version.txt`; `/field/sw.js` is the service worker
//! that keeps these files for offline starts (scope `/field/`).

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

/// The built files: name, content type, bytes.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_bytes!("../../../field/dist/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../field/dist/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../../field/dist/app.css"),
    ),
    (
        "automerge.wasm",
        "application/wasm",
        include_bytes!("../../../field/dist/automerge.wasm"),
    ),
    (
        "manifest.webmanifest",
        "application/manifest+json",
        include_bytes!("../../../field/dist/manifest.webmanifest"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("../../../field/dist/icon.svg"),
    ),
    (
        "sw.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../../field/dist/sw.js"),
    ),
    (
        "version.txt",
        "text/plain; charset=utf-8",
        include_bytes!("../../../field/dist/version.txt"),
    ),
];

/// The policy every answer under `/field/` carries.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The routes of the field app.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/field", get(|| async { Redirect::permanent("/field/") }))
        .route("/field/", get(|| async { file("index.html") }))
        .route(
            "/field/{name}",
            get(|Path(name): Path<String>| async move { file(&name) }),
        )
}

fn file(name: &str) -> Response {
    let Some((_, content_type, bytes)) = FILES.iter().find(|(n, _, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mut response = (*bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Always asked again (cheaply): a new server's app is picked up at the
    // next online start.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_file_is_served_and_nothing_else() {
        let built: Vec<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../field/dist"))
                .map(|dir| {
                    dir.filter_map(Result::ok)
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
        let mut built = built;
        built.sort();
        let mut served: Vec<String> = FILES.iter().map(|(n, _, _)| (*n).to_owned()).collect();
        served.sort();
        assert_eq!(built, served, "field/dist and FILES list the same files");
        assert_eq!(file("nope.js").status(), StatusCode::NOT_FOUND);
        assert_eq!(file("../Cargo.toml").status(), StatusCode::NOT_FOUND);
    }
}
