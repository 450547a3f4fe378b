//! `depgate policy test`: runs the `test_*` rules of Rego modules the way `opa test`
//! does (a test passes when its rule evaluates to `true`), on the same engine the gate
//! uses, with the builtin policy loaded beside them.
//!
//! Finding the files is [`crate::load::policy_tests`]'s; test discovery reads the module text: a rule whose name starts with `test_` at the
//! start of a line, in the module's `package`.

use super::{Module, PolicyError, describe_rego_error, to_rego};

/// One test rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCase {
    /// `data.<package>.<rule>`.
    pub rule: String,
    pub file: String,
    pub line: usize,
}

/// How one test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestOutcome {
    Pass,
    /// The rule was undefined or not `true`.
    Fail(String),
    /// Evaluation failed (a builtin error, a conflict).
    Error(String),
}

/// One test and how it ended.
#[derive(Debug, Clone)]
pub struct TestResult {
    pub case: TestCase,
    pub outcome: TestOutcome,
}

/// The `package` of a module's text.
pub fn package_of(text: &str) -> Option<String> {
    text.lines().map(str::trim).find_map(|l| l.strip_prefix("package ")).map(|p| p.trim().to_string())
}

/// The test rules of one module.
pub fn test_cases(module: &Module) -> Vec<TestCase> {
    let Some(pkg) = package_of(&module.text) else { return Vec::new() };
    let mut out: Vec<TestCase> = Vec::new();
    for (i, line) in module.text.lines().enumerate() {
        if !line.starts_with("test_") {
            continue;
        }
        let name: String = line.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        let rule = format!("data.{pkg}.{name}");
        if !out.iter().any(|t| t.rule == rule) {
            out.push(TestCase { rule, file: module.name.clone(), line: i + 1 });
        }
    }
    out
}

/// Load `modules` and `data` and run every test rule of the modules not named
/// `builtin/...`.
pub fn run(modules: &[Module], data: &serde_json::Value) -> Result<Vec<TestResult>, PolicyError> {
    let mut engine = regorus::Engine::new();
    engine.set_strict_builtin_errors(true);
    for m in modules {
        engine.add_policy(m.name.clone(), m.text.clone()).map_err(|e| {
            PolicyError::Compile(format!(
                "policy syntax error at {}\n  help: fix the Rego at that position (Rego v1: `test_name if {{ ... }}`)",
                describe_rego_error(&e)
            ))
        })?;
    }
    engine.add_data(to_rego(data)?).map_err(|e| PolicyError::Eval(format!("policy data: {e}")))?;
    let mut results = Vec::new();
    for m in modules.iter().filter(|m| !m.name.starts_with("builtin/")) {
        for case in test_cases(m) {
            let outcome = match engine.eval_rule(case.rule.clone()) {
                Ok(regorus::Value::Bool(true)) => TestOutcome::Pass,
                Ok(regorus::Value::Undefined) => TestOutcome::Fail("undefined".into()),
                Ok(v) => TestOutcome::Fail(format!("evaluated to {v}")),
                Err(e) => TestOutcome::Error(describe_rego_error(&e)),
            };
            results.push(TestResult { case, outcome });
        }
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_test_rules_and_runs_them() {
        let m = Module {
            name: "t_test.rego".into(),
            text: "package t_test\n\ntest_ok if { 1 == 1 }\n\ntest_bad if { 1 == 2 }\n\ntest_ok if { true }\nnot_a_test := 1\n"
                .into(),
        };
        let cases = test_cases(&m);
        assert_eq!(cases.len(), 2);
        assert_eq!((cases[0].rule.as_str(), cases[0].line), ("data.t_test.test_ok", 3));
        let results = run(&[m], &serde_json::json!({})).unwrap();
        assert_eq!(results[0].outcome, TestOutcome::Pass);
        assert_eq!(results[1].outcome, TestOutcome::Fail("undefined".into()));
    }
}
