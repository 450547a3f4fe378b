//! Rego evaluation (regorus): the embedded builtin policy, user policy files, and the
//! settings from `depgate.toml` handed to policy as `data.config`.
//!
//! Must not: fetch, print, or decide anything itself. One policy serves the gate, the
//! proxy and the PR check alike; it sees only the `depgate.input/v1` document.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::PolicyConfig;

/// The builtin policy, embedded at build time.
pub const BUILTIN_POLICY: &str = include_str!("../../policy/builtin.rego");

/// One rule that fired.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub msg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
}

/// What policy said about one input.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub deny: Vec<Finding>,
    pub quarantine: Vec<Finding>,
    pub warn: Vec<Finding>,
}

/// A policy that could not be loaded or evaluated.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read policy file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("policy file pattern `{pattern}` is invalid: {message}")]
    Pattern { pattern: String, message: String },
    #[error(
        "policy file pattern `{pattern}` (relative to {base}) matches no file\n  help: fix [policy] files in depgate.toml or create the file"
    )]
    NoMatch { pattern: String, base: PathBuf },
    #[error("policy error in {0}")]
    Compile(String),
    #[error("policy evaluation failed: {0}")]
    Eval(String),
    #[error(
        "policy rule {rule} produced a malformed finding: {message}\n  help: each finding must be an object with string fields rule and msg"
    )]
    Shape { rule: String, message: String },
}

/// The rules depgate reads out of a policy.
const ENTRY_POINTS: [&str; 3] = ["data.depgate.deny", "data.depgate.quarantine", "data.depgate.warn"];

/// A loaded policy, ready to evaluate inputs.
#[derive(Clone)]
pub struct Policy {
    engine: regorus::Engine,
    /// The policy compiled for regorus' bytecode VM (about three times faster than the
    /// tree-walking interpreter), when every construct it uses compiles.
    compiled: Option<(regorus::CompiledPolicy, std::sync::Arc<regorus::rvm::program::Program>)>,
    data: regorus::Value,
    /// Files the policy was built from, for the report.
    pub sources: Vec<String>,
}

/// Evaluates inputs one after another; one per thread.
pub struct Evaluator {
    vm: Option<regorus::rvm::vm::RegoVM>,
    engine: regorus::Engine,
}

impl Policy {
    /// Builtin policy (unless disabled) plus the user's files, with settings as `data.config`.
    pub fn load(cfg: &PolicyConfig, base_dir: &Path) -> Result<Policy, PolicyError> {
        let mut engine = regorus::Engine::new();
        engine.set_strict_builtin_errors(true);
        let mut sources = Vec::new();
        if cfg.builtin {
            engine
                .add_policy("builtin.rego".into(), BUILTIN_POLICY.into())
                .map_err(|e| PolicyError::Compile(format!("the builtin policy: {e}")))?;
            sources.push("builtin".to_string());
        }
        for pattern in &cfg.files {
            let full = base_dir.join(pattern);
            let full_str = full.to_string_lossy().to_string();
            let paths = glob::glob(&full_str)
                .map_err(|e| PolicyError::Pattern { pattern: pattern.clone(), message: e.to_string() })?;
            let mut matched = 0;
            for p in paths.flatten() {
                matched += 1;
                let text =
                    std::fs::read_to_string(&p).map_err(|source| PolicyError::Read { path: p.clone(), source })?;
                engine.add_policy(p.display().to_string(), text).map_err(|e| PolicyError::Compile(e.to_string()))?;
                sources.push(p.display().to_string());
            }
            if matched == 0 {
                return Err(PolicyError::NoMatch { pattern: pattern.clone(), base: base_dir.to_path_buf() });
            }
        }
        let settings = serde_json::json!({
            "config": {
                "quarantine_days": cfg.quarantine_days,
                "cooldown_tiers": cfg.cooldown_tiers,
                "cooldown_exempt": cfg.cooldown_exempt,
                "require": cfg.require,
            }
        });
        let data = to_rego(&settings)?;
        engine.add_data(data.clone()).map_err(|e| PolicyError::Eval(format!("settings: {e}")))?;
        let compiled = match compile_rvm(&mut engine) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::debug!("policy runs on the interpreter (bytecode compilation: {e})");
                None
            }
        };
        Ok(Policy { engine, compiled, data, sources })
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
            vm.set_data(self.data.clone()).ok().map(|()| vm)
        });
        Evaluator { vm, engine: self.engine.clone() }
    }

    /// The same evaluator on the tree-walking interpreter (the reference for the VM).
    pub fn interpreter(&self) -> Evaluator {
        Evaluator { vm: None, engine: self.engine.clone() }
    }

    /// Evaluate one input document.
    pub fn evaluate(&self, input: &serde_json::Value) -> Result<Outcome, PolicyError> {
        self.evaluator().evaluate(input)
    }
}

type Compiled = (regorus::CompiledPolicy, std::sync::Arc<regorus::rvm::program::Program>);

fn compile_rvm(engine: &mut regorus::Engine) -> anyhow::Result<Compiled> {
    let entry: regorus::Rc<str> = ENTRY_POINTS[0].into();
    let compiled = engine.compile_with_entrypoint(&entry)?;
    let program = regorus::languages::rego::compiler::Compiler::compile_from_policy(&compiled, &ENTRY_POINTS)?;
    Ok((compiled, program))
}

impl Evaluator {
    /// Evaluate one input document.
    pub fn evaluate(&mut self, input: &serde_json::Value) -> Result<Outcome, PolicyError> {
        let input = to_rego(input)?;
        let mut values = Vec::with_capacity(ENTRY_POINTS.len());
        if let Some(vm) = &mut self.vm {
            vm.set_input(input);
            for e in ENTRY_POINTS {
                values.push(vm.execute_entry_point_by_name(e).map_err(|e| PolicyError::Eval(e.to_string()))?);
            }
        } else {
            let mut engine = self.engine.clone();
            engine.set_input(input);
            for e in ENTRY_POINTS {
                values.push(engine.eval_rule(e.to_string()).map_err(|e| PolicyError::Eval(e.to_string()))?);
            }
        }
        let mut out = Outcome::default();
        let slots = [("deny", &mut out.deny), ("quarantine", &mut out.quarantine), ("warn", &mut out.warn)];
        for ((rule, dst), value) in slots.into_iter().zip(&values) {
            *dst = findings(rule, value)?;
        }
        Ok(out)
    }
}

fn to_rego(v: &serde_json::Value) -> Result<regorus::Value, PolicyError> {
    regorus::Value::from_json_str(&v.to_string()).map_err(|e| PolicyError::Eval(e.to_string()))
}

fn findings(rule: &str, value: &regorus::Value) -> Result<Vec<Finding>, PolicyError> {
    if *value == regorus::Value::Undefined {
        return Ok(Vec::new());
    }
    let json = value.to_json_str().map_err(|e| PolicyError::Eval(e.to_string()))?;
    let parsed: serde_json::Value = serde_json::from_str(&json).map_err(|e| PolicyError::Eval(e.to_string()))?;
    let items = match parsed {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Null => Vec::new(),
        other => {
            return Err(PolicyError::Shape {
                rule: format!("data.depgate.{rule}"),
                message: format!("expected a set, found {other}"),
            });
        }
    };
    let mut out: Vec<Finding> = items
        .into_iter()
        .map(|i| {
            serde_json::from_value(i)
                .map_err(|e| PolicyError::Shape { rule: format!("data.depgate.{rule}"), message: e.to_string() })
        })
        .collect::<Result<_, _>>()?;
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests;
