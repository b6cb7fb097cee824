//! Static assets, embedded in the binary: the console's stylesheet and the
//! vendored htmx (`server/assets/vendor`, re-vendored by
//! `scripts/vendor-htmx.sh`). Nothing is loaded from anywhere else.

use axum::http::header;
use axum::response::IntoResponse;

const STYLESHEET: &str = include_str!("../../assets/console.css");
const HTMX: &str = include_str!("../../assets/vendor/htmx.min.js");

/// `GET /assets/console.css`.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
}

/// `GET /assets/htmx.min.js`.
pub async fn htmx() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        HTMX,
    )
}
