//! Byte counts as people read them.

/// `950 B`, `12.3 KB`, `4.5 MB`, `1.2 GB` (powers of 1000, as a file manager says them).
pub fn decimal_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_round_to_one_decimal() {
        assert_eq!(super::decimal_size(950), "950 B");
        assert_eq!(super::decimal_size(12_345), "12.3 KB");
        assert_eq!(super::decimal_size(999_960), "1.0 MB");
        assert_eq!(super::decimal_size(1_234_567), "1.2 MB");
    }
}
