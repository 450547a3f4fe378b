//! Variable substitution as Dockerfiles (`ARG`/`ENV`) and compose files write it:
//! `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:+alt}`, `${NAME+alt}`,
//! `${NAME:?msg}`. A variable with no known value is an error naming it: depgate cannot
//! tell which image a build with that argument pulls.

use std::collections::BTreeMap;

/// Values by name; `None` is declared without a value (an `ARG` with no default).
pub(crate) type Scope = BTreeMap<String, Option<String>>;

/// Why a text could not be substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum VarError {
    /// The variable has no value depgate can know.
    Unset(String),
    /// `${` with no closing `}` or an empty name.
    Malformed,
}

/// Substitute `text` with `scope`. `escape` is the character that makes the next `$`
/// literal (`\` in a Dockerfile unless `# escape=` says otherwise; `$` in compose, where
/// `$$` is a literal `$`).
pub(crate) fn substitute(text: &str, scope: &Scope, escape: char) -> Result<String, VarError> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == escape && escape != '$' && chars.peek() == Some(&'$') {
            out.push('$');
            chars.next();
            continue;
        }
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('$') if escape == '$' => {
                out.push('$');
                chars.next();
            }
            Some('{') => {
                chars.next();
                let mut inner = String::new();
                let mut depth = 1;
                for c in chars.by_ref() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    inner.push(c);
                }
                if depth != 0 {
                    return Err(VarError::Malformed);
                }
                out.push_str(&braced(&inner, scope, escape)?);
            }
            Some(n) if n == '_' || n.is_ascii_alphabetic() => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n == '_' || n.is_ascii_alphanumeric() {
                        name.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push_str(&value(&name, scope)?);
            }
            _ => out.push('$'),
        }
    }
    Ok(out)
}

fn value(name: &str, scope: &Scope) -> Result<String, VarError> {
    scope.get(name).cloned().flatten().ok_or_else(|| VarError::Unset(name.to_string()))
}

fn braced(inner: &str, scope: &Scope, escape: char) -> Result<String, VarError> {
    let end = inner.find(|c: char| !(c == '_' || c.is_ascii_alphanumeric())).unwrap_or(inner.len());
    let (name, op) = inner.split_at(end);
    if name.is_empty() {
        return Err(VarError::Malformed);
    }
    let set = scope.get(name).cloned().flatten();
    let word = |w: &str| substitute(w, scope, escape);
    match op {
        "" => set.ok_or_else(|| VarError::Unset(name.to_string())),
        _ if op.starts_with(":-") => match set.filter(|v| !v.is_empty()) {
            Some(v) => Ok(v),
            None => word(&op[2..]),
        },
        _ if op.starts_with('-') => match set {
            Some(v) => Ok(v),
            None => word(&op[1..]),
        },
        _ if op.starts_with(":+") => match set {
            Some(v) if !v.is_empty() => word(&op[2..]),
            Some(_) => Ok(String::new()),
            None => Err(VarError::Unset(name.to_string())),
        },
        _ if op.starts_with('+') => match set {
            Some(_) => word(&op[1..]),
            None => Err(VarError::Unset(name.to_string())),
        },
        _ if op.starts_with(":?") || op.starts_with('?') => set.ok_or_else(|| VarError::Unset(name.to_string())),
        _ => Err(VarError::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(pairs: &[(&str, Option<&str>)]) -> Scope {
        pairs.iter().map(|(k, v)| ((*k).to_string(), v.map(str::to_string))).collect()
    }

    #[test]
    fn forms() {
        let s = scope(&[("A", Some("1")), ("E", Some("")), ("U", None)]);
        assert_eq!(substitute("x$A-${A}", &s, '\\').unwrap(), "x1-1");
        assert_eq!(substitute("${U:-d}${E:-e}${E-f}", &s, '\\').unwrap(), "de");
        assert_eq!(substitute("${A:+yes}${E:+no}", &s, '\\').unwrap(), "yes");
        assert_eq!(substitute("${MISSING:-${A}}", &s, '\\').unwrap(), "1");
        assert_eq!(substitute("\\$A", &s, '\\').unwrap(), "$A");
        assert_eq!(substitute("$$A", &s, '$').unwrap(), "$A");
        assert_eq!(substitute("${U}", &s, '\\'), Err(VarError::Unset("U".into())));
        assert_eq!(substitute("$NOPE", &s, '\\'), Err(VarError::Unset("NOPE".into())));
        assert_eq!(substitute("${A", &s, '\\'), Err(VarError::Malformed));
        assert_eq!(substitute("a$", &s, '\\').unwrap(), "a$");
    }
}
