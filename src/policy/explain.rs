//! Findings grouped by rule, most severe first: what a reviewer reads ("3 packages are
//! in cooldown, 1 has a denied licence") before the per-package detail. Pure; `report/`
//! renders it.

use super::Finding;

/// One finding of one package.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub purl: &'a str,
    /// `deny`, `quarantine`, `warn`, `error`.
    pub level: &'a str,
    pub finding: &'a Finding,
}

/// Every finding of one rule code at one level.
#[derive(Debug, Clone)]
pub struct RuleGroup<'a> {
    pub rule: &'a str,
    pub level: &'a str,
    pub items: Vec<Item<'a>>,
}

fn severity(level: &str) -> u8 {
    match level {
        "error" => 0,
        "deny" => 1,
        "quarantine" => 2,
        "warn" => 3,
        _ => 4,
    }
}

/// Group findings by `(level, rule)`: most severe level first, then by rule code; items
/// keep their input order.
pub fn group_by_rule<'a>(items: impl IntoIterator<Item = Item<'a>>) -> Vec<RuleGroup<'a>> {
    let mut groups: Vec<RuleGroup<'a>> = Vec::new();
    for item in items {
        if let Some(g) = groups.iter_mut().find(|g| g.rule == item.finding.rule && g.level == item.level) {
            g.items.push(item);
        } else {
            groups.push(RuleGroup { rule: &item.finding.rule, level: item.level, items: vec![item] });
        }
    }
    groups.sort_by(|a, b| severity(a.level).cmp(&severity(b.level)).then(a.rule.cmp(b.rule)));
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(rule: &str) -> Finding {
        Finding { rule: rule.into(), msg: String::new(), remedy: None, until: None, advisory: None }
    }

    #[test]
    fn groups_by_level_then_rule() {
        let (a, b, c) = (f("fallback-cooldown"), f("license-denied"), f("deprecated-version"));
        let items = [
            Item { purl: "p1", level: "quarantine", finding: &a },
            Item { purl: "p2", level: "deny", finding: &b },
            Item { purl: "p3", level: "quarantine", finding: &a },
            Item { purl: "p4", level: "warn", finding: &c },
        ];
        let g = group_by_rule(items);
        let shape: Vec<(&str, usize)> = g.iter().map(|g| (g.rule, g.items.len())).collect();
        assert_eq!(shape, [("license-denied", 1), ("fallback-cooldown", 2), ("deprecated-version", 1)]);
        assert_eq!(g[1].items[1].purl, "p3");
    }
}
