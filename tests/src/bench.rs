//! What the benchmarks in `tests/benches/` share: their settings, read from
//! the environment.

/// The number in environment variable `name`, or `default` when it is unset
/// or not a number.
pub fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
