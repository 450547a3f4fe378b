//! Rego evaluation (regorus): the embedded builtin policy, user policy files and data
//! files, the settings from `depgate.toml` handed to policy as `data.config`, the input
//! schema, baselines, the `policy test` runner and the grouping of findings by rule.
//!
//! Must not: read files or the environment ([`crate::load`] reads the user's policy and
//! data files and hands them over), fetch, print, or decide anything itself. One policy serves the gate, the
//! proxy and the PR check alike; it sees only the `depgate.input/v1` document.

pub mod baseline;
pub mod explain;
pub mod license;
mod rules;
pub mod settings;
pub mod testing;
#[cfg(feature = "opa-wasm")]
pub mod wasm;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use baseline::{Baseline, BaselineEntry, baseline_input};
pub use rules::{BUILTIN_MODULES, BUILTIN_POLICY, BUILTIN_RULES, ENGINE_RULES, RuleInfo};

pub use settings::{PolicyConfig, Require, TierPolicy};

/// The JSON Schema of the policy input (`depgate.input/v1`).
pub const INPUT_SCHEMA: &str = include_str!("../../schema/depgate.input.v1.schema.json");

/// The input schema's identifier.
pub const INPUT_SCHEMA_ID: &str = "depgate.input/v1";

/// One rule that fired.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub msg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// The advisory the finding is about (`GHSA-…`, `MAL-…`), for the advisory rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisory: Option<String>,
}

/// What policy said about one input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub deny: Vec<Finding>,
    pub quarantine: Vec<Finding>,
    pub warn: Vec<Finding>,
}

impl Outcome {
    /// The decision these findings mean: the most severe level that has one.
    pub fn decision(&self) -> &'static str {
        if !self.deny.is_empty() {
            "deny"
        } else if !self.quarantine.is_empty() {
            "quarantine"
        } else if !self.warn.is_empty() {
            "warn"
        } else {
            "allow"
        }
    }
}

/// A policy that could not be loaded or evaluated.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read policy file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("policy file pattern `{pattern}` is invalid: {message}")]
    Pattern { pattern: String, message: String },
    #[error(
        "policy file pattern `{pattern}` (relative to {base}) matches no file\n  help: fix [policy] files or data in depgate.toml, or create the file"
    )]
    NoMatch { pattern: String, base: PathBuf },
    #[error(
        "policy data file {path}: {message}\n  help: a data file is one JSON object or YAML mapping; its keys become data.<key>"
    )]
    Data { path: PathBuf, message: String },
    #[error("{0}")]
    Compile(String),
    #[error("policy evaluation failed: {0}")]
    Eval(String),
    #[error(
        "policy rule {rule} produced a malformed finding: {message}\n  help: each finding must be an object with string fields rule and msg"
    )]
    Shape { rule: String, message: String },
}

/// The rules depgate reads out of a policy.
pub const ENTRY_POINTS: [&str; 3] = ["data.depgate.deny", "data.depgate.quarantine", "data.depgate.warn"];

/// One Rego module of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Where it came from: `builtin/<file>` or the path of a user file.
    pub name: String,
    pub text: String,
}

/// A loaded policy, ready to evaluate inputs.
#[derive(Clone)]
pub struct Policy {
    engine: regorus::Engine,
    /// The policy compiled for regorus' bytecode VM (about three times faster than the
    /// tree-walking interpreter), when every construct it uses compiles.
    compiled: Option<(regorus::CompiledPolicy, std::sync::Arc<regorus::rvm::program::Program>)>,
    data: regorus::Value,
    data_json: serde_json::Value,
    modules: Vec<Module>,
    /// The builtin entry module (with `outcome`) is loaded.
    single: bool,
    /// Which of [`ENTRY_POINTS`] the policy defines.
    present: Vec<bool>,
    /// Files the policy was built from, for the report.
    pub sources: Vec<String>,
}

/// Evaluates inputs one after another; one per thread.
pub struct Evaluator {
    vm: Option<regorus::rvm::vm::RegoVM>,
    engine: regorus::Engine,
    /// Evaluate the builtin `outcome` entry point instead of the three sets one by one.
    single: bool,
    /// Which of [`ENTRY_POINTS`] the policy defines (the others are empty).
    present: Vec<bool>,
    /// Strings seen in earlier inputs (keys, short values), shared instead of allocated.
    strings: Interner,
}

/// The strings every input repeats (object keys, and short values such as `owned` or
/// `public`) as regorus values made once: converting an input then clones a reference
/// instead of allocating each string again. Bounded: once full, new strings are made
/// per input as before.
#[derive(Default)]
struct Interner {
    map: rustc_hash::FxHashMap<Box<str>, regorus::Value>,
}

/// Most strings an [`Interner`] keeps.
const INTERNED_MAX: usize = 4096;
/// Longest value string interned (keys are interned whatever their length).
const INTERNED_VALUE_LEN: usize = 16;

impl Interner {
    fn get(&mut self, s: &str, key: bool) -> regorus::Value {
        if let Some(v) = self.map.get(s) {
            return v.clone();
        }
        let v = regorus::Value::String(s.into());
        if (key || s.len() <= INTERNED_VALUE_LEN) && self.map.len() < INTERNED_MAX {
            self.map.insert(s.into(), v.clone());
        }
        v
    }
}

/// Turn a regorus parse/compile error into `file:line:col: message` plus its snippet.
pub fn describe_rego_error(e: &anyhow::Error) -> String {
    let text = e.to_string();
    let Some(at) = text.find("--> ") else { return text };
    let rest = &text[at + 4..];
    let location = rest.lines().next().unwrap_or("").trim();
    let message = rest.lines().last().unwrap_or("").trim();
    let message = message.strip_prefix("error: ").unwrap_or(message);
    let snippet: Vec<&str> = rest.lines().skip(1).filter(|l| l.contains('|')).collect();
    format!("{location}: {message}\n{}", snippet.join("\n"))
}

impl Policy {
    /// Builtin policy (unless disabled) plus the user's modules and parsed data files
    /// (read from disk by [`crate::load::policy`], which leaves out `*_test.rego` test
    /// modules), with the settings as `data.config`.
    pub fn new(
        cfg: &PolicyConfig,
        user_modules: Vec<Module>,
        data_files: Vec<(PathBuf, serde_json::Value)>,
    ) -> Result<Policy, PolicyError> {
        let mut modules = Vec::new();
        if cfg.builtin {
            modules.extend(builtin_modules());
        }
        modules.extend(user_modules);
        let mut data = serde_json::Map::new();
        data.insert("config".into(), settings::config_data(cfg));
        for (path, value) in data_files {
            let serde_json::Value::Object(o) = value else {
                return Err(PolicyError::Data { path, message: "the top level must be an object".into() });
            };
            settings::merge(&mut data, o, "").map_err(|message| PolicyError::Data { path: path.clone(), message })?;
        }
        Policy::from_parts(modules, serde_json::Value::Object(data))
    }

    /// A policy from modules and a `data` document.
    pub fn from_parts(modules: Vec<Module>, data_json: serde_json::Value) -> Result<Policy, PolicyError> {
        let mut engine = regorus::Engine::new();
        engine.set_strict_builtin_errors(true);
        let mut sources = Vec::new();
        for m in &modules {
            engine.add_policy(m.name.clone(), m.text.clone()).map_err(|e| {
                PolicyError::Compile(format!(
                    "policy syntax error at {}\n  help: fix the Rego at that position (Rego v1: `deny contains f if {{ ... }}`)",
                    describe_rego_error(&e)
                ))
            })?;
            let source = if m.name.starts_with("builtin/") { "builtin" } else { m.name.as_str() };
            if !sources.iter().any(|s| s == source) {
                sources.push(source.to_string());
            }
        }
        let data = to_rego(&data_json)?;
        engine.add_data(data.clone()).map_err(|e| PolicyError::Eval(format!("policy data: {e}")))?;
        let single = modules.iter().any(|m| m.name == "builtin/depgate.rego");
        // Without the builtin entry module, the sets the user's modules define (a policy
        // with only deny rules has no data.depgate.warn to ask for).
        let present: Vec<bool> = ENTRY_POINTS
            .iter()
            .map(|e| {
                let rule = e.rsplit('.').next().unwrap_or_default();
                single || modules.iter().any(|m| defines(m, "depgate", rule))
            })
            .collect();
        let entries: Vec<&str> = if single {
            vec![OUTCOME]
        } else {
            ENTRY_POINTS.iter().zip(&present).filter(|(_, p)| **p).map(|(e, _)| *e).collect()
        };
        if entries.is_empty() {
            return Err(PolicyError::Compile(
                "the policy defines none of deny, quarantine and warn in package depgate\n  help: turn the builtin policy back on ([policy] builtin = true) or add `deny contains {...} if {...}` rules".into(),
            ));
        }
        let compiled = compile_rvm(&mut engine, &entries)?;
        Ok(Policy { engine, compiled, data, data_json, modules, single, present, sources })
    }

    /// The Rego modules, in load order (for `policy bundle` and `opa`).
    pub fn modules(&self) -> &[Module] {
        &self.modules
    }

    /// The `data` document (settings and data files).
    pub fn data(&self) -> &serde_json::Value {
        &self.data_json
    }

    /// Whether evaluation runs on the bytecode VM.
    pub fn uses_vm(&self) -> bool {
        self.compiled.is_some()
    }

    /// A fresh evaluator (cheap: shares the compiled program).
    pub fn evaluator(&self) -> Evaluator {
        let vm = self.compiled.as_ref().and_then(|(policy, program)| {
            let mut vm = regorus::rvm::vm::RegoVM::new_with_policy(policy.clone());
            vm.load_program(program.clone());
            vm.set_max_instructions(MAX_DECISION_STEPS);
            vm.set_data(self.data.clone()).ok().map(|()| vm)
        });
        Evaluator {
            vm,
            engine: self.engine.clone(),
            single: self.single,
            present: self.present.clone(),
            strings: Interner::default(),
        }
    }

    /// The same evaluator on the tree-walking interpreter (the reference for the VM).
    pub fn interpreter(&self) -> Evaluator {
        Evaluator {
            vm: None,
            engine: self.engine.clone(),
            single: self.single,
            present: self.present.clone(),
            strings: Interner::default(),
        }
    }

    /// Evaluate one input document.
    pub fn evaluate(&self, input: &serde_json::Value) -> Result<Outcome, PolicyError> {
        self.evaluator().evaluate(input)
    }
}

/// The builtin modules as [`Module`]s.
pub fn builtin_modules() -> Vec<Module> {
    BUILTIN_MODULES.iter().map(|(n, t)| Module { name: format!("builtin/{n}"), text: (*t).to_string() }).collect()
}

/// Whether `module` is in `package` and defines a rule named `rule` (at the start of a
/// line, as Rego is written).
fn defines(module: &Module, package: &str, rule: &str) -> bool {
    testing::package_of(&module.text).as_deref() == Some(package)
        && module.text.lines().any(|l| {
            l.strip_prefix(rule)
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_whitespace() || c == '[' || c == '='))
        })
}

/// Fields depgate derives from the input before policy sees it: `license_choices`, the
/// declared SPDX expression in disjunctive normal form (Rego cannot parse it).
pub fn prepare_input(input: &serde_json::Value) -> serde_json::Value {
    let mut out = input.clone();
    if let Some(o) = out.as_object_mut()
        && !o.contains_key("license_choices")
        && let Some(l) = o.get("license").and_then(serde_json::Value::as_str)
    {
        let choices = license::choices(l);
        o.insert("license_choices".into(), serde_json::json!(choices));
    }
    out
}

/// The most VM instructions one decision may take. regorus stops at 25,000 unless told
/// otherwise, and the builtin policy takes about 1,000 per advisory that names the package
/// (with the conformance settings): a package with 25 advisories would have been an
/// error, and real ones carry hundreds (old tensorflow or electron releases). This bound
/// only stops a user rule that runs away (a cross product over a large data file): at
/// ~0.1 µs a step it is a few seconds of one core.
pub const MAX_DECISION_STEPS: usize = 50_000_000;

type Compiled = (regorus::CompiledPolicy, std::sync::Arc<regorus::rvm::program::Program>);

/// The builtin entry module's `outcome` (all three sets in one document).
const OUTCOME: &str = "data.depgate.outcome";

/// Check the policy (semantic errors are load errors) and compile it for the VM; a
/// construct the VM lacks leaves the policy on the interpreter.
fn compile_rvm(engine: &mut regorus::Engine, entries: &[&str]) -> Result<Option<Compiled>, PolicyError> {
    let entry: regorus::Rc<str> = entries[0].into();
    let compiled = engine.compile_with_entrypoint(&entry).map_err(|e| {
        PolicyError::Compile(format!(
            "policy error at {}\n  help: every policy needs `package depgate` with deny, quarantine or warn rules",
            describe_rego_error(&e)
        ))
    })?;
    match regorus::languages::rego::compiler::Compiler::compile_from_policy(&compiled, entries) {
        Ok(program) => Ok(Some((compiled, program))),
        Err(e) => {
            tracing::debug!("policy runs on the interpreter (bytecode compilation: {e})");
            Ok(None)
        }
    }
}

impl Evaluator {
    /// A smaller step bound than [`MAX_DECISION_STEPS`] (tests of the bound).
    #[cfg(test)]
    fn limit_steps(&mut self, steps: usize) {
        if let Some(vm) = &mut self.vm {
            vm.set_max_instructions(steps);
        }
    }

    /// Evaluate one input document.
    pub fn evaluate(&mut self, input: &serde_json::Value) -> Result<Outcome, PolicyError> {
        let input = rego_input(input, &mut self.strings)?;
        let values: Vec<regorus::Value> = match (&mut self.vm, self.single) {
            (Some(vm), true) => {
                vm.set_input(input);
                let o = vm.execute_entry_point_by_name(OUTCOME).map_err(vm_err)?;
                ["deny", "quarantine", "warn"].iter().map(|k| o[*k].clone()).collect()
            }
            (Some(vm), false) => {
                vm.set_input(input);
                let present = &self.present;
                ENTRY_POINTS
                    .iter()
                    .zip(present)
                    .map(|(e, p)| if *p { vm.execute_entry_point_by_name(e) } else { Ok(regorus::Value::Undefined) })
                    .collect::<Result<_, _>>()
                    .map_err(vm_err)?
            }
            (None, single) => {
                let mut engine = self.engine.clone();
                engine.set_input(input);
                if single {
                    let o = engine.eval_rule(OUTCOME.to_string()).map_err(eval_err)?;
                    ["deny", "quarantine", "warn"].iter().map(|k| o[*k].clone()).collect()
                } else {
                    ENTRY_POINTS
                        .iter()
                        .zip(&self.present)
                        .map(
                            |(e, p)| {
                                if *p { engine.eval_rule((*e).to_string()) } else { Ok(regorus::Value::Undefined) }
                            },
                        )
                        .collect::<Result<_, _>>()
                        .map_err(eval_err)?
                }
            }
        };
        let mut out = Outcome::default();
        let slots = [("deny", &mut out.deny), ("quarantine", &mut out.quarantine), ("warn", &mut out.warn)];
        for ((rule, dst), value) in slots.into_iter().zip(&values) {
            *dst = findings(rule, value)?;
        }
        Ok(out)
    }
}

fn eval_err(e: impl std::fmt::Display) -> PolicyError {
    PolicyError::Eval(e.to_string())
}

fn vm_err(e: regorus::rvm::vm::VmError) -> PolicyError {
    match e {
        regorus::rvm::vm::VmError::InstructionLimitExceeded { limit, .. } => PolicyError::Eval(format!(
            "the policy was stopped after {limit} steps on this package\n  help: a rule loops over too much \
             (a comprehension or `some` across a large data file, or a cross product): narrow it, or look the \
             value up by key"
        )),
        other => eval_err(other),
    }
}

/// The input as regorus sees it: [`prepare_input`] without copying the document.
fn rego_input(input: &serde_json::Value, strings: &mut Interner) -> Result<regorus::Value, PolicyError> {
    let mut value = to_rego_with(input, strings)?;
    if input.get("license_choices").is_none()
        && let Some(l) = input.get("license").and_then(serde_json::Value::as_str)
        && let Ok(o) = value.as_object_mut()
    {
        let choices = license::choices(l);
        o.insert(strings.get("license_choices", true), to_rego_with(&serde_json::json!(choices), strings)?);
    }
    Ok(value)
}

/// A JSON document as a regorus value (the policy's data, once).
fn to_rego(v: &serde_json::Value) -> Result<regorus::Value, PolicyError> {
    to_rego_with(v, &mut Interner::default())
}

/// A JSON document as a regorus value, converted directly (what regorus' `Deserialize`
/// makes of it, without a serde visitor per node: this runs for every input), its
/// repeated strings taken from `strings`.
fn to_rego_with(v: &serde_json::Value, strings: &mut Interner) -> Result<regorus::Value, PolicyError> {
    use serde_json::Value as J;
    Ok(match v {
        J::Null => regorus::Value::Null,
        J::Bool(b) => regorus::Value::Bool(*b),
        J::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => regorus::Value::from(u),
            (None, Some(i), _) => regorus::Value::from(i),
            (None, None, Some(f)) if f.is_finite() => regorus::Value::from(f),
            _ => return Err(PolicyError::Eval(format!("number {n} cannot be represented"))),
        },
        J::String(s) => strings.get(s, false),
        J::Array(a) => regorus::Value::from(a.iter().map(|x| to_rego_with(x, strings)).collect::<Result<Vec<_>, _>>()?),
        J::Object(o) => regorus::Value::from(
            o.iter()
                .map(|(k, v)| Ok((strings.get(k, true), to_rego_with(v, strings)?)))
                .collect::<Result<std::collections::BTreeMap<_, _>, PolicyError>>()?,
        ),
    })
}

/// A finding read straight from an object whose fields are all strings (or null, for the
/// optional ones) — what every rule makes; `None` for anything else.
fn finding_of(item: &regorus::Value) -> Option<Finding> {
    let regorus::Value::Object(o) = item else { return None };
    let text = |key: &str| -> Option<Option<String>> {
        match o.get(&regorus::Value::from(key)) {
            None | Some(regorus::Value::Null) => Some(None),
            Some(regorus::Value::String(s)) => Some(Some(s.to_string())),
            Some(_) => None,
        }
    };
    Some(Finding {
        rule: text("rule")??,
        msg: text("msg")??,
        remedy: text("remedy")?,
        until: text("until")?,
        advisory: text("advisory")?,
    })
}

fn findings(rule: &str, value: &regorus::Value) -> Result<Vec<Finding>, PolicyError> {
    let shape = |message: String| PolicyError::Shape { rule: format!("data.depgate.{rule}"), message };
    let items: Vec<&regorus::Value> = match value {
        regorus::Value::Undefined | regorus::Value::Null => return Ok(Vec::new()),
        regorus::Value::Set(s) => s.iter().collect(),
        regorus::Value::Array(a) => a.iter().collect(),
        other => return Err(shape(format!("expected a set, found {other}"))),
    };
    let mut out: Vec<Finding> = items
        .into_iter()
        .map(|i| {
            if let Some(f) = finding_of(i) {
                return Ok(f);
            }
            // Anything unusual goes the long way, for serde's account of what is wrong.
            let json = serde_json::to_value(i).map_err(|e| shape(e.to_string()))?;
            serde_json::from_value(json).map_err(|e| shape(e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests;
