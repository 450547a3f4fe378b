//! ASCII armor (RFC 9580 §6): every `-----BEGIN PGP …-----` block of a text, decoded to
//! its packets. A Gradle `verification-keyring.keys` is many armored blocks, each after a
//! `pub`/`sub` summary line of its own; an Apache `KEYS` file puts `gpg --list-keys`
//! output between its blocks. Text outside the blocks is ignored, the CRC-24 line is
//! checked when present (RFC 9580 makes it optional).

use base64::Engine;

/// Is `bytes` armored text (rather than binary packets)?
pub fn is_armored(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    // Binary packets start with a tag byte whose top bit is set; armor is text.
    bytes.first().is_some_and(|b| b & 0x80 == 0) && head.windows(15).any(|w| w == b"-----BEGIN PGP ")
}

/// One decoded armored block.
#[derive(Debug)]
pub struct Block {
    /// `PUBLIC KEY BLOCK`, `SIGNATURE`, …
    pub label: String,
    pub data: Vec<u8>,
    /// 1-based line of the `BEGIN` line, for messages.
    pub line: usize,
}

/// Decode every armored block of `text`. An error names the block's line.
pub fn decode_all(text: &str) -> Result<Vec<Block>, String> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((at, line)) = lines.next() {
        let line = line.trim_end();
        let Some(label) = line.strip_prefix("-----BEGIN PGP ").and_then(|l| l.strip_suffix("-----")) else {
            continue;
        };
        let end = format!("-----END PGP {label}-----");
        // Armor headers (`Version: …`, `Comment: …`) run until the first blank line; a
        // block without headers may start its base64 at once.
        let mut body = String::new();
        let mut crc: Option<String> = None;
        let mut in_headers = true;
        let mut closed = false;
        for (_, l) in lines.by_ref() {
            let l = l.trim();
            if l == end {
                closed = true;
                break;
            }
            if in_headers {
                if l.is_empty() {
                    in_headers = false;
                    continue;
                }
                if l.contains(": ") {
                    continue;
                }
                in_headers = false;
            }
            if let Some(c) = l.strip_prefix('=')
                && c.len() == 4
            {
                crc = Some(c.to_string());
            } else {
                body.push_str(l);
            }
        }
        if !closed {
            return Err(format!("line {}: the armored {label} is not closed by `{end}`", at + 1));
        }
        let data = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|e| format!("line {}: the armored {label} is not valid base64: {e}", at + 1))?;
        if let Some(c) = crc {
            let want = base64::engine::general_purpose::STANDARD
                .decode(c.as_bytes())
                .map_err(|e| format!("line {}: the armor checksum of the {label} is not base64: {e}", at + 1))?;
            if want != crc24(&data).to_be_bytes()[1..] {
                return Err(format!("line {}: the armor checksum of the {label} does not match its content", at + 1));
            }
        }
        out.push(Block { label: label.to_string(), data, line: at + 1 });
    }
    Ok(out)
}

/// CRC-24 of RFC 9580 §6.1.1.
fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0x00B7_04CE;
    for &b in data {
        crc ^= u32::from(b) << 16;
        for _ in 0..8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= 0x0186_4CFB;
            }
        }
    }
    crc & 0x00FF_FFFF
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc24_of_the_rfc_example_input() {
        // The CRC of no data is the initial value.
        assert_eq!(crc24(b""), 0x00B7_04CE);
    }

    #[test]
    fn decodes_many_blocks_and_ignores_text_between() {
        let data = b"\x99\x00\x01\x02";
        let b64 = base64::engine::general_purpose::STANDARD.encode(data);
        let c = base64::engine::general_purpose::STANDARD.encode(&crc24(data).to_be_bytes()[1..]);
        let text = format!(
            "pub    ABCD\n-----BEGIN PGP PUBLIC KEY BLOCK-----\nVersion: x\n\n{b64}\n={c}\n-----END PGP PUBLIC KEY BLOCK-----\nnoise\n-----BEGIN PGP SIGNATURE-----\n\n{b64}\n-----END PGP SIGNATURE-----\n"
        );
        let blocks = decode_all(&text).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].data, data);
        assert_eq!(blocks[0].line, 2);
        assert_eq!(blocks[1].label, "SIGNATURE");
        assert!(is_armored(text.as_bytes()));
    }

    #[test]
    fn a_wrong_checksum_or_an_open_block_is_an_error() {
        let text = "-----BEGIN PGP SIGNATURE-----\n\nmQ==\n=AAAA\n-----END PGP SIGNATURE-----\n";
        assert!(decode_all(text).unwrap_err().contains("checksum"));
        let open = "-----BEGIN PGP SIGNATURE-----\n\nmQ==\n";
        assert!(decode_all(open).unwrap_err().contains("not closed"));
    }
}
