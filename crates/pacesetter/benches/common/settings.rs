//! A bench's settings from the environment: `PACESETTER_BENCH_*` variables, each with a default.

/// The variable `name` read as a `T`, or `default` when it is not set; what cannot be read is
/// said by name.
pub fn var<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match std::env::var(name) {
        Ok(text) => text.trim().parse().map_err(|_| format!("{name}: cannot read {text:?}")),
        Err(_) => Ok(default),
    }
}
