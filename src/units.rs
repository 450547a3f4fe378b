//! Quantities as people read them in messages. A leaf: depends on nothing in depgate.

/// A byte count for messages: `64 MiB`, `1.5 KiB`, `12 bytes`.
pub fn human_bytes(n: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let f = n as f64;
    for (unit, shift) in [("GiB", 30), ("MiB", 20), ("KiB", 10)] {
        let scale = f64::from(1u32 << shift);
        if f >= scale {
            let v = f / scale;
            return if v.fract() == 0.0 { format!("{v} {unit}") } else { format!("{v:.1} {unit}") };
        }
    }
    format!("{n} bytes")
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn byte_counts_read_naturally() {
        assert_eq!(human_bytes(64 << 20), "64 MiB");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(12), "12 bytes");
    }
}
