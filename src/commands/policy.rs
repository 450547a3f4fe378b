//! `depgate policy …`: the input schema, the builtin rule catalogue, the policy test
//! runner, evaluation of input documents, bundles for `opa`, and a benchmark.

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::Path;

use serde_json::{Value, json};

use crate::cli::{
    Format, PolicyArgs, PolicyBenchArgs, PolicyBundleArgs, PolicyCommand, PolicyConfigArgs, PolicyEvalArgs,
    PolicyTestArgs,
};
use crate::config::Config;
use crate::exit::{CommandError, ExitStatus};
use crate::policy::testing::{self, TestOutcome};
use crate::policy::{self, Outcome, Policy, PolicyError};

pub(super) fn run(args: PolicyArgs) -> Result<ExitStatus, CommandError> {
    match args.command {
        PolicyCommand::Schema => print(policy::INPUT_SCHEMA),
        PolicyCommand::Rules => rules(),
        PolicyCommand::Test(a) => test(&a),
        PolicyCommand::Eval(a) => eval(&a),
        PolicyCommand::Bundle(a) => bundle(&a),
        PolicyCommand::Bench(a) => bench(&a),
    }
}

fn print(text: &str) -> Result<ExitStatus, CommandError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CommandError::failure(format!("error: cannot write to stdout: {e}")))
        }
        _ => Ok(ExitStatus::Allowed),
    }
}

fn config(args: &PolicyConfigArgs) -> Result<Config, CommandError> {
    super::load_config(args.config.as_deref(), Path::new("."))
}

fn policy_error(e: &PolicyError) -> CommandError {
    match e {
        PolicyError::Eval(_) | PolicyError::Shape { .. } => CommandError::failure(format!("error: {e}")),
        _ => CommandError::usage(format!("error: {e}")),
    }
}

fn load(args: &PolicyConfigArgs) -> Result<Policy, CommandError> {
    let cfg = config(args)?;
    crate::load::policy(&cfg.policy, &cfg.base_dir).map_err(|e| policy_error(&e))
}

fn rules() -> Result<ExitStatus, CommandError> {
    let mut text = String::from("builtin rules (disable one with [policy] disable = [\"<code>\"]):\n\n");
    for r in policy::BUILTIN_RULES.iter().chain(policy::ENGINE_RULES) {
        let _ = writeln!(text, "{:<26} {:<11} {}", r.code, r.level, r.summary);
    }
    print(&text)
}

fn test(args: &PolicyTestArgs) -> Result<ExitStatus, CommandError> {
    let cfg = config(&args.config)?;
    let builtin = if args.no_builtin { Vec::new() } else { policy::builtin_modules() };
    let (mut rego, mut data_files) = crate::load::policy_tests(&args.paths).map_err(|e| policy_error(&e))?;
    // The configuration's own policy and data files are part of the policy under test.
    if cfg.source.is_some() {
        rego.extend(crate::load::expand(&cfg.policy.files, &cfg.base_dir).map_err(|e| policy_error(&e))?);
        data_files.extend(crate::load::expand(&cfg.policy.data, &cfg.base_dir).map_err(|e| policy_error(&e))?);
    }
    let rego = dedup(rego);
    let data_files = dedup(data_files);
    let user = crate::load::read_modules(&rego, &builtin).map_err(|e| policy_error(&e))?;
    let mut data = serde_json::Map::new();
    data.insert("config".into(), policy::settings::config_data(&cfg.policy));
    for p in &data_files {
        let Value::Object(o) = crate::load::data_file(p).map_err(|e| policy_error(&e))? else {
            unreachable!("read_data_file returns objects")
        };
        policy::settings::merge(&mut data, o, "")
            .map_err(|m| CommandError::usage(format!("error: {}: {m}", p.display())))?;
    }
    let modules: Vec<policy::Module> = builtin.into_iter().chain(user).collect();
    let results = testing::run(&modules, &Value::Object(data)).map_err(|e| policy_error(&e))?;
    if results.is_empty() {
        return Err(CommandError::usage(format!(
            "error: no test_ rules in the .rego files under {}\n  help: write tests as `test_<name> if {{ ... }}` in *_test.rego files",
            args.paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        )));
    }
    let mut out = String::new();
    let (mut passed, mut failed) = (0, 0);
    for r in &results {
        let at = format!("{}:{}", r.case.file, r.case.line);
        match &r.outcome {
            TestOutcome::Pass => {
                passed += 1;
                if args.verbose_tests {
                    let _ = writeln!(out, "PASS  {} ({at})", r.case.rule);
                }
            }
            TestOutcome::Fail(why) => {
                failed += 1;
                let _ = writeln!(out, "FAIL  {} ({at}): {why}", r.case.rule);
            }
            TestOutcome::Error(why) => {
                failed += 1;
                let _ = writeln!(out, "ERROR {} ({at}): {}", r.case.rule, why.replace('\n', "\n      "));
            }
        }
    }
    let total = results.len();
    if failed == 0 {
        let _ = writeln!(out, "PASS: {passed}/{total}");
    } else {
        let _ = writeln!(out, "FAIL: {failed}/{total}");
    }
    let _ = writeln!(out, "{passed} passed, {failed} failed");
    print(&out)?;
    Ok(if failed == 0 { ExitStatus::Allowed } else { ExitStatus::Denied })
}

/// The same files named twice (a folder and a glob) are loaded once.
fn dedup(paths: Vec<std::path::PathBuf>) -> Vec<std::path::PathBuf> {
    let mut seen = std::collections::BTreeSet::new();
    paths.into_iter().filter(|p| seen.insert(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()))).collect()
}

/// Read a JSON document from a file or stdin (`-`), naming line and column on error.
fn read_json(path: &Path) -> Result<Value, CommandError> {
    let text = if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CommandError::usage(format!("error: cannot read stdin: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| CommandError::usage(format!("error: cannot read {}: {e}", path.display())))?
    };
    serde_json::from_str(&text).map_err(|e| {
        CommandError::usage(format!(
            "error: {}:{}:{}: not JSON: {e}\n  help: the input is one depgate.input/v1 object or an array of them (`depgate policy schema`)",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

fn inputs_of(doc: Value, path: &Path) -> Result<Vec<Value>, CommandError> {
    let inputs = match doc {
        Value::Array(a) => a,
        v @ Value::Object(_) => vec![v],
        _ => Vec::new(),
    };
    if inputs.is_empty() || inputs.iter().any(|i| !i.is_object()) {
        return Err(CommandError::usage(format!(
            "error: {} holds no input documents\n  help: the input is one depgate.input/v1 object or an array of them (`depgate policy schema`)",
            path.display()
        )));
    }
    Ok(inputs)
}

fn label(input: &Value, i: usize) -> String {
    input["package"]["purl"].as_str().map_or_else(|| format!("input #{}", i + 1), str::to_string)
}

fn eval(args: &PolicyEvalArgs) -> Result<ExitStatus, CommandError> {
    let policy = load(&args.config)?;
    let doc = read_json(&args.input)?;
    let single = doc.is_object();
    let inputs = inputs_of(doc, &args.input)?;
    let mut evaluator = policy.evaluator();
    #[cfg(feature = "opa-wasm")]
    let mut wasm = match &args.bundle {
        Some(path) => Some(crate::load::wasm_policy(path, policy.data()).map_err(|e| policy_error(&e))?),
        None => None,
    };
    let mut outcomes: Vec<(String, Outcome)> = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        #[cfg(feature = "opa-wasm")]
        let o = match wasm.as_mut() {
            Some(w) => w.evaluate(input),
            None => evaluator.evaluate(input),
        };
        #[cfg(not(feature = "opa-wasm"))]
        let o = evaluator.evaluate(input);
        let o = o.map_err(|e| CommandError::failure(format!("error: {}: {e}", label(input, i))))?;
        outcomes.push((label(input, i), o));
    }
    let blocked = outcomes.iter().any(|(_, o)| matches!(o.decision(), "deny" | "quarantine"));
    let text = match args.format {
        Format::Json => {
            let docs: Vec<Value> = outcomes
                .iter()
                .map(|(l, o)| {
                    json!({"input": l, "decision": o.decision(), "deny": o.deny, "quarantine": o.quarantine, "warn": o.warn})
                })
                .collect();
            let v = if single { docs.into_iter().next().unwrap_or_default() } else { Value::Array(docs) };
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        Format::Table => {
            let mut s = String::new();
            for (l, o) in &outcomes {
                let _ = writeln!(s, "{l}: {}", o.decision());
                for (level, list) in [("deny", &o.deny), ("quarantine", &o.quarantine), ("warn", &o.warn)] {
                    for f in list {
                        let _ = writeln!(s, "  {level:<10} {}", f.rule);
                        let _ = writeln!(s, "             {}", f.msg);
                        if let Some(u) = &f.until {
                            let _ = writeln!(s, "             until {u}");
                        }
                        if let Some(r) = &f.remedy {
                            let _ = writeln!(s, "             → {r}");
                        }
                    }
                }
            }
            s
        }
    };
    print(&text)?;
    Ok(if blocked { ExitStatus::Denied } else { ExitStatus::Allowed })
}

fn bundle(args: &PolicyBundleArgs) -> Result<ExitStatus, CommandError> {
    let policy = load(&args.config)?;
    let write = |rel: &str, bytes: &[u8]| {
        let p = args.out.join(rel);
        crate::atomic::write_atomic(&p, bytes)
            .map_err(|e| CommandError::failure(format!("error: cannot write {}: {e}", p.display())))
    };
    for (i, m) in policy.modules().iter().enumerate() {
        let rel = if let Some(name) = m.name.strip_prefix("builtin/") {
            format!("builtin/{name}")
        } else {
            let file = Path::new(&m.name).file_name().and_then(|n| n.to_str()).unwrap_or("policy.rego");
            format!("user/{i:02}-{file}")
        };
        write(&rel, m.text.as_bytes())?;
    }
    let data = serde_json::to_vec_pretty(policy.data()).unwrap_or_default();
    write("data.json", &data)?;
    eprintln!(
        "wrote {} module(s) and data.json to {}; e.g. opa eval -d {} -i input.json data.depgate",
        policy.modules().len(),
        args.out.display(),
        args.out.display()
    );
    Ok(ExitStatus::Allowed)
}

fn bench(args: &PolicyBenchArgs) -> Result<ExitStatus, CommandError> {
    let policy = load(&args.config)?;
    let inputs = inputs_of(read_json(&args.input)?, &args.input)?;
    let mut evaluator = if args.interpreter { policy.interpreter() } else { policy.evaluator() };
    let engine = if args.interpreter || !policy.uses_vm() { "interpreter" } else { "vm" };
    // Warm up, and count decisions so the work cannot be skipped.
    for input in inputs.iter().take(100) {
        evaluator.evaluate(input).map_err(|e| policy_error(&e))?;
    }
    let n = args.count.max(1);
    let mut blocked = 0usize;
    let start = std::time::Instant::now();
    let cpu_start = thread_cpu_ns();
    for input in inputs.iter().cycle().take(n) {
        let o = evaluator.evaluate(input).map_err(|e| policy_error(&e))?;
        blocked += usize::from(matches!(o.decision(), "deny" | "quarantine"));
    }
    let wall = start.elapsed().as_secs_f64();
    // CPU time of this thread where the OS tells it (other processes on a busy machine
    // then do not count against depgate), else wall time.
    #[allow(clippy::cast_precision_loss)]
    let secs = match (cpu_start, thread_cpu_ns()) {
        (Some(a), Some(b)) if b > a => (b - a) as f64 / 1e9,
        _ => wall,
    };
    eprintln!("wall {wall:.3} s, on CPU {secs:.3} s");
    #[allow(clippy::cast_precision_loss)]
    let rate = n as f64 / secs;
    eprintln!("{n} decisions in {secs:.3} s on one thread ({engine}); {blocked} blocked");
    print(&format!("decisions_per_second={rate:.0}\n"))
}

/// Nanoseconds this thread has run on a CPU (Linux: /proc/thread-self/schedstat).
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}
