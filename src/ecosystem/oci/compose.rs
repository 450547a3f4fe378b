//! Compose files (`compose.yaml`, `docker-compose.yml`): every service's `image:`, with
//! its `platform:`, after compose's `${VAR:-default}` interpolation (`$$` is a literal
//! `$`). Settings shared through YAML anchors and `<<` merge keys count. A service with
//! only `build:` pulls no image by name; one with `build:` and `image:` is pulled first
//! (compose's default `pull_policy`), so its image is gated.

use std::path::Path;

use super::vars::{Scope, VarError, substitute};
use super::{ImageKind, parse_reference, ref_error};
use crate::ecosystem::npm::common::{Entry, Map, Node};
use crate::ecosystem::{Coordinate, LockfileError};

/// `key` of a service mapping, directly or through its `<<` merge keys.
pub(crate) fn merged_entry<'a>(map: &'a Map, key: &str) -> Option<&'a Entry> {
    if let Some(e) = map.entry(key) {
        return Some(e);
    }
    let merged = map.entry("<<")?;
    match &merged.value {
        Node::Map(m) => merged_entry(m, key),
        Node::Array(items) => items.iter().filter_map(Node::as_map).find_map(|m| merged_entry(m, key)),
        _ => None,
    }
}

/// Interpolate a compose value; a variable with no default is an error naming it.
pub(crate) fn interpolate(text: &str, file: &Path, line: usize, what: &str) -> Result<String, LockfileError> {
    substitute(text, &Scope::new(), '$').map_err(|e| match e {
        VarError::Unset(name) => LockfileError::new(
            file,
            line,
            format!("{what} `{text}` uses ${name}, whose value depends on the environment"),
            format!("write a default (`${{{name}:-<image>}}`) or the image itself, so that the image can be gated"),
        ),
        VarError::Malformed => LockfileError::new(
            file,
            line,
            format!("{what} `{text}` has a malformed variable reference"),
            "close every `${` with `}`",
        ),
    })
}

/// Parse a compose file into the images its services pull.
pub fn parse_compose(text: &str, file: &Path) -> Result<Vec<Coordinate>, LockfileError> {
    let docs = crate::ecosystem::npm::yaml::parse(text).map_err(|e| {
        LockfileError::new(file, e.line, format!("not valid YAML: {}", e.message), "fix the YAML syntax")
    })?;
    let mut out = Vec::new();
    let Some(top) = docs.first().and_then(Node::as_map) else { return Ok(out) };
    let Some(services) = top.entry("services") else { return Ok(out) };
    let services = match &services.value {
        Node::Map(m) => m,
        Node::Null => return Ok(out),
        other => {
            return Err(LockfileError::new(
                file,
                services.line,
                format!("`services` is {}, not a mapping", other.display()),
                "write `services:` as a mapping of service names",
            ));
        }
    };
    for svc in &services.entries {
        let Some(m) = svc.value.as_map() else { continue };
        let Some(image) = merged_entry(m, "image") else { continue };
        let Some(written) = image.value.as_str() else {
            return Err(LockfileError::new(
                file,
                image.line,
                format!("service `{}`: `image` is {}, not a string", svc.key, image.value.display()),
                "write `image: <image>[:tag][@digest]`",
            ));
        };
        let value = interpolate(written, file, image.line, &format!("service `{}` image", svc.key))?;
        let platform = match merged_entry(m, "platform").and_then(|e| e.value.as_str().map(|p| (p, e.line))) {
            Some((p, line)) => Some(interpolate(p, file, line, &format!("service `{}` platform", svc.key))?),
            None => None,
        };
        let r = parse_reference(&value, ImageKind::Compose, platform).map_err(|e| ref_error(file, image.line, &e))?;
        out.push(r.written_at(written, text, image.line).into_coordinate(file, image.line));
    }
    Ok(out)
}
