//! SPDX licence expressions (`MIT`, `(MIT OR Apache-2.0)`, `GPL-2.0-only WITH
//! Classpath-exception-2.0 AND BSD-3-Clause`) turned into the choices a consumer has.
//!
//! Policy cannot parse a nested expression (Rego has no recursion), so depgate hands it
//! the expression in disjunctive normal form: `license_choices` is a list of choices,
//! each the licence terms that must all be accepted together. `MIT OR (Apache-2.0 AND
//! BSD-3-Clause)` → `[["Apache-2.0", "BSD-3-Clause"], ["MIT"]]`. Pure: text in, lists out.

/// More choices than this means the expression is unreasonable (or hostile).
const MAX_CHOICES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    And,
    Or,
    With,
    Id(String),
}

fn tokenize(expr: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut Vec<Token>| {
        if word.is_empty() {
            return;
        }
        let t = match word.to_ascii_uppercase().as_str() {
            "AND" => Token::And,
            "OR" => Token::Or,
            "WITH" => Token::With,
            _ => Token::Id(word.clone()),
        };
        out.push(t);
        word.clear();
    };
    for c in expr.chars() {
        match c {
            '(' | ')' => {
                flush(&mut word, &mut out);
                out.push(if c == '(' { Token::Open } else { Token::Close });
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | ':' | '_') => word.push(c),
            c => return Err(format!("unexpected character `{c}`")),
        }
    }
    flush(&mut word, &mut out);
    Ok(out)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

type Choices = Vec<Vec<String>>;

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Choices, String> {
        let mut out = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.pos += 1;
            out.extend(self.and()?);
            if out.len() > MAX_CHOICES {
                return Err(format!("more than {MAX_CHOICES} alternatives"));
            }
        }
        Ok(out)
    }

    fn and(&mut self) -> Result<Choices, String> {
        let mut out = self.atom()?;
        while self.peek() == Some(&Token::And) {
            self.pos += 1;
            let right = self.atom()?;
            let mut product = Vec::with_capacity(out.len() * right.len());
            for l in &out {
                for r in &right {
                    product.push(l.iter().chain(r).cloned().collect());
                }
            }
            if product.len() > MAX_CHOICES {
                return Err(format!("more than {MAX_CHOICES} alternatives"));
            }
            out = product;
        }
        Ok(out)
    }

    fn atom(&mut self) -> Result<Choices, String> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err("a `(` is not closed".into()),
                }
            }
            Some(Token::Id(id)) => {
                if self.peek() == Some(&Token::With) {
                    self.pos += 1;
                    match self.next() {
                        Some(Token::Id(exception)) => Ok(vec![vec![format!("{id} WITH {exception}")]]),
                        _ => Err(format!("`{id} WITH` must name an exception")),
                    }
                } else {
                    Ok(vec![vec![id]])
                }
            }
            Some(t) => Err(format!("expected a licence id, found {}", describe(&t))),
            None => Err("the expression ends too early".into()),
        }
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Open => "`(`".into(),
        Token::Close => "`)`".into(),
        Token::And => "AND".into(),
        Token::Or => "OR".into(),
        Token::With => "WITH".into(),
        Token::Id(s) => format!("`{s}`"),
    }
}

/// Parse an SPDX expression into its canonical choices (each sorted and deduplicated,
/// the list sorted and deduplicated), or say why it is not one.
pub fn parse(expr: &str) -> Result<Choices, String> {
    let tokens = tokenize(expr)?;
    if tokens.is_empty() {
        return Err("the expression is empty".into());
    }
    let mut p = Parser { tokens, pos: 0 };
    let mut choices = p.or()?;
    if let Some(t) = p.peek() {
        return Err(format!("unexpected {} after a complete expression", describe(t)));
    }
    for c in &mut choices {
        c.sort();
        c.dedup();
    }
    choices.sort();
    choices.dedup();
    Ok(choices)
}

/// The choices for a package's declared licence. Text that is not an SPDX expression
/// (`SEE LICENSE IN LICENSE.md`, `Custom`) is one opaque term, so an allow list rejects it
/// and a pin can still accept it.
pub fn choices(declared: &str) -> Choices {
    parse(declared).unwrap_or_else(|_| vec![vec![declared.trim().to_string()]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(v: &[&[&str]]) -> Choices {
        v.iter().map(|x| x.iter().map(|s| (*s).to_string()).collect()).collect()
    }

    #[test]
    fn expressions_become_choices() {
        assert_eq!(parse("MIT").unwrap(), c(&[&["MIT"]]));
        assert_eq!(parse("(MIT OR Apache-2.0)").unwrap(), c(&[&["Apache-2.0"], &["MIT"]]));
        assert_eq!(
            parse("MIT OR (Apache-2.0 AND BSD-3-Clause)").unwrap(),
            c(&[&["Apache-2.0", "BSD-3-Clause"], &["MIT"]])
        );
        assert_eq!(parse("(A OR B) AND (C OR D)").unwrap(), c(&[&["A", "C"], &["A", "D"], &["B", "C"], &["B", "D"]]));
        assert_eq!(
            parse("GPL-2.0-only WITH Classpath-exception-2.0 and MIT").unwrap(),
            c(&[&["GPL-2.0-only WITH Classpath-exception-2.0", "MIT"]])
        );
        assert_eq!(parse("GPL-2.0+ OR MIT OR MIT").unwrap(), c(&[&["GPL-2.0+"], &["MIT"]]));
        assert_eq!(parse("LicenseRef-acme").unwrap(), c(&[&["LicenseRef-acme"]]));
    }

    #[test]
    fn bad_expressions_are_errors_not_panics() {
        for bad in ["", "(MIT", "MIT)", "MIT OR", "AND MIT", "MIT WITH", "MIT / Apache", "MIT MIT", "()"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert_eq!(choices("SEE LICENSE IN LICENSE.md"), c(&[&["SEE LICENSE IN LICENSE.md"]]));
        let huge = (0..10).map(|i| format!("(A{i} OR B{i})")).collect::<Vec<_>>().join(" AND ");
        assert!(parse(&huge).unwrap_err().contains("alternatives"));
    }
}
