//! The opa-wasm engine: a policy that OPA compiled to WebAssembly (`opa build -t wasm -e
//! depgate/deny -e depgate/quarantine -e depgate/warn`), evaluated into the same
//! [`Outcome`] as the Rego engine. Cargo feature `opa-wasm`, off by default.
//!
//! Owns: reading a bundle (`bundle.tar.gz` from `opa build`, or a bare `policy.wasm`), the
//! host side of OPA's WebAssembly ABI (the `env.memory` and `env.opa_*` imports, `opa_eval`)
//! on the wasmi interpreter, handing the policy the same `data` document the Rego engine
//! gets ([`super::Policy::data`], laid over the bundle's own `data.json`), deriving the input
//! fields with [`super::prepare_input`], and reading the three entry points into findings.
//!
//! Builtins: OPA compiles most builtins into the module (`glob.match`, `regex.*`, strings,
//! sets, `round`, …). Those it leaves to the host, such as `sprintf`, `time.format` and
//! `time.parse_rfc3339_ns` in the builtin policy, are evaluated by regorus, the
//! implementation the Rego engine uses and `tests/policy.rs` checks against `opa eval`.
//! `time.now_ns` is the input's `context.now` (the wall clock only when the input has none),
//! so a decision depends on its input alone.
//!
//! Not the `opa-wasm` crate: it resolves a module's host builtins from a fixed table that
//! lacks `time.format` and has no way to add one, so the builtin policy cannot load there.
//!
//! Must not: fetch, print, write files or decide anything itself; trust the bundle (the
//! module is validated before it runs, builtin names are checked, and values from the
//! module reach regorus only as plain literals, never as Rego to evaluate).

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use wasmi::{Caller, Engine, Linker, Memory, Module, Store, TypedFunc};

use super::{Finding, Outcome, PolicyError};

/// The entry points read, in the order of [`Outcome`]'s fields.
pub const WASM_ENTRY_POINTS: [&str; 3] = ["depgate/deny", "depgate/quarantine", "depgate/warn"];

/// How to build a bundle this engine reads (for error messages).
const BUILD_HELP: &str = "build it with `depgate policy bundle --out b/ && opa build -t wasm -e depgate/deny -e depgate/quarantine -e depgate/warn b/`";

/// A decompressed bundle larger than this is refused (a gzip bomb must not fill memory).
const MAX_BUNDLE_BYTES: u64 = 512 << 20;

const WASM_PAGE: usize = 65_536;

/// A loaded OPA WebAssembly policy, ready to evaluate inputs one after another.
pub struct WasmPolicy {
    source: PathBuf,
    store: Store<Host>,
    memory: Memory,
    opa_eval: OpaEval,
    /// Entry point ids of [`WASM_ENTRY_POINTS`]; a missing one reads as an empty set.
    entries: [Option<i32>; 3],
    data_addr: i32,
    /// Where the input is written before each evaluation (the heap after `data`).
    heap_ptr: i32,
}

/// `opa_eval(reserved, entrypoint, data, input, input length, heap, format) -> result`.
type OpaEval = TypedFunc<(i32, i32, i32, i32, i32, i32, i32), i32>;

/// State the host functions reach through the store.
struct Host {
    memory: Option<Memory>,
    exports: Option<Exports>,
    /// Builtin id → name, for the builtins the module calls on its host.
    builtins: HashMap<i32, String>,
    /// Evaluates host builtins (an engine without modules).
    rego: regorus::Engine,
    /// `time.now_ns` during this evaluation.
    now_ns: Option<i64>,
}

/// The module's exports that host builtins call back into.
#[derive(Clone, Copy)]
struct Exports {
    malloc: TypedFunc<i32, i32>,
    value_dump: TypedFunc<i32, i32>,
    value_parse: TypedFunc<(i32, i32), i32>,
}

impl WasmPolicy {
    /// Load a gzip'd OPA bundle or a `.wasm` module already read from `path` (named in
    /// errors; [`crate::load::wasm_policy`] reads it) and give it `data` (settings and data
    /// files, as [`super::Policy::data`] returns them).
    pub fn from_bytes(path: &Path, bytes: &[u8], data: &Value) -> Result<WasmPolicy, PolicyError> {
        let bad = |message: String| {
            PolicyError::Compile(format!("opa-wasm bundle {}: {message}\n  help: {BUILD_HELP}", path.display()))
        };
        let (wasm, bundle_data) = if bytes.starts_with(b"\0asm") {
            (bytes.to_vec(), Map::new())
        } else if bytes.starts_with(&[0x1f, 0x8b]) {
            let files = untar(&gunzip(bytes).map_err(&bad)?).map_err(&bad)?;
            let mut wasm = None;
            let mut bundle_data = Map::new();
            for (name, content) in files {
                if name == "policy.wasm" {
                    wasm = Some(content);
                } else if name == "data.json" || name.ends_with("/data.json") {
                    let value: Value = serde_json::from_slice(&content).map_err(|e| PolicyError::Data {
                        path: path.to_path_buf(),
                        message: format!("{name} in the bundle: {e}"),
                    })?;
                    let mut nested = value;
                    for key in
                        name.strip_suffix("data.json").unwrap_or_default().split('/').filter(|k| !k.is_empty()).rev()
                    {
                        nested = Value::Object(Map::from_iter([(key.to_string(), nested)]));
                    }
                    let Value::Object(o) = nested else {
                        return Err(PolicyError::Data {
                            path: path.to_path_buf(),
                            message: format!("{name} in the bundle is not a JSON object"),
                        });
                    };
                    super::settings::merge(&mut bundle_data, o, "")
                        .map_err(|message| PolicyError::Data { path: path.to_path_buf(), message })?;
                }
            }
            (
                wasm.ok_or_else(|| bad("the bundle holds no policy.wasm (was it built with -t wasm?)".into()))?,
                bundle_data,
            )
        } else {
            return Err(bad(
                "neither a gzip'd OPA bundle (bundle.tar.gz) nor a WebAssembly module (policy.wasm)".into()
            ));
        };
        let mut merged = bundle_data;
        if let Value::Object(ours) = data {
            overlay(&mut merged, ours.clone());
        }
        WasmPolicy::instantiate(path, &wasm, &Value::Object(merged)).map_err(|e| match e {
            LoadError::Policy(e) => e,
            LoadError::Wasm(m) => bad(m),
        })
    }

    fn instantiate(path: &Path, wasm: &[u8], data: &Value) -> Result<WasmPolicy, LoadError> {
        let engine = Engine::default();
        let module = Module::new(&engine, wasm).map_err(|e| LoadError::Wasm(format!("invalid WebAssembly: {e}")))?;
        let memory_type = module
            .imports()
            .find(|i| i.module() == "env" && i.name() == "memory")
            .and_then(|i| i.ty().memory().copied())
            .ok_or_else(|| LoadError::Wasm("not an OPA policy module: it imports no env.memory".into()))?;
        let mut rego = regorus::Engine::new();
        rego.set_strict_builtin_errors(true);
        let host = Host { memory: None, exports: None, builtins: HashMap::new(), rego, now_ns: None };
        let mut store = Store::new(&engine, host);
        // The module's static data may end past the minimum its memory import declares
        // (OPA declares 2 pages whatever the policy's size; the builtin policy's strings
        // outgrow them): start with enough pages to hold it, within the declared maximum.
        let wanted = data_end(wasm).div_ceil(WASM_PAGE as u64).max(memory_type.minimum());
        if memory_type.maximum().is_some_and(|max| wanted > max) {
            return Err(LoadError::Wasm(format!(
                "the module's data needs {wanted} memory pages, more than the {} its memory import allows",
                memory_type.maximum().unwrap_or_default()
            )));
        }
        let memory_type = wasmi::MemoryType::new(
            u32::try_from(wanted)
                .map_err(|_| LoadError::Wasm("the module's data does not fit a 32-bit memory".into()))?,
            memory_type.maximum().and_then(|m| u32::try_from(m).ok()),
        );
        let memory = Memory::new(&mut store, memory_type).map_err(wasm_err)?;
        store.data_mut().memory = Some(memory);
        let mut linker = <Linker<Host>>::new(&engine);
        define_imports(&mut linker, memory).map_err(wasm_err)?;
        let instance = linker.instantiate_and_start(&mut store, &module).map_err(wasm_err)?;

        let abi = |name: &str| instance.get_global(&store, name).and_then(|g| g.get(&store).i32());
        match (abi("opa_wasm_abi_version"), abi("opa_wasm_abi_minor_version")) {
            (Some(1), Some(minor)) if minor >= 2 => {}
            (major, minor) => {
                return Err(LoadError::Wasm(format!(
                    "OPA WebAssembly ABI {}.{} is not supported (1.2 or newer: build with OPA 0.30 or later)",
                    major.map_or_else(|| "?".into(), |v| v.to_string()),
                    minor.map_or_else(|| "?".into(), |v| v.to_string())
                )));
            }
        }
        let func = |name: &str| {
            instance
                .get_func(&store, name)
                .ok_or_else(|| LoadError::Wasm(format!("not an OPA policy module: it exports no {name}")))
        };
        let typed1 = |name: &str| func(name)?.typed::<i32, i32>(&store).map_err(wasm_err);
        let exports = Exports {
            malloc: typed1("opa_malloc")?,
            value_dump: typed1("opa_value_dump")?,
            value_parse: func("opa_value_parse")?.typed::<(i32, i32), i32>(&store).map_err(wasm_err)?,
        };
        let json_dump = typed1("opa_json_dump")?;
        let json_parse = func("opa_json_parse")?.typed::<(i32, i32), i32>(&store).map_err(wasm_err)?;
        let opa_eval: OpaEval = func("opa_eval")?.typed(&store).map_err(wasm_err)?;
        let heap_ptr_get = func("opa_heap_ptr_get")?.typed::<(), i32>(&store).map_err(wasm_err)?;
        let builtins = func("builtins")?.typed::<(), i32>(&store).map_err(wasm_err)?;
        let entrypoints = func("entrypoints")?.typed::<(), i32>(&store).map_err(wasm_err)?;
        store.data_mut().exports = Some(exports);

        // Which builtins the module calls on its host, and its entry points.
        let read_map = |store: &mut Store<Host>, f: TypedFunc<(), i32>| -> Result<HashMap<String, i32>, LoadError> {
            let value = f.call(&mut *store, ()).map_err(wasm_err)?;
            let text = json_dump.call(&mut *store, value).map_err(wasm_err)?;
            let text = c_string(memory.data(&*store), text).map_err(LoadError::Wasm)?;
            serde_json::from_slice(text).map_err(|e| LoadError::Wasm(format!("unreadable id map: {e}")))
        };
        let builtin_ids = read_map(&mut store, builtins)?;
        if let Some(name) = builtin_ids.keys().find(|n| !is_builtin_name(n)) {
            return Err(LoadError::Wasm(format!("the module names an invalid builtin `{name}`")));
        }
        store.data_mut().builtins = builtin_ids.into_iter().map(|(name, id)| (id, name)).collect();
        let entry_ids = read_map(&mut store, entrypoints)?;
        let entries = WASM_ENTRY_POINTS.map(|e| entry_ids.get(e).copied());
        if entries.iter().all(Option::is_none) {
            let mut found: Vec<&str> = entry_ids.keys().map(String::as_str).collect();
            found.sort_unstable();
            return Err(LoadError::Wasm(format!(
                "the module has none of the entry points {} (it has: {})",
                WASM_ENTRY_POINTS.join(", "),
                if found.is_empty() { "none".to_string() } else { found.join(", ") }
            )));
        }

        // `data` lives on the heap for good; each input goes right after it.
        let json = serde_json::to_vec(data).map_err(|e| LoadError::Wasm(e.to_string()))?;
        let len = i32::try_from(json.len()).map_err(|_| LoadError::Wasm("the data document is too large".into()))?;
        let addr = exports.malloc.call(&mut store, len).map_err(wasm_err)?;
        memory.write(&mut store, to_usize(addr), &json).map_err(wasm_err)?;
        let data_addr = json_parse.call(&mut store, (addr, len)).map_err(wasm_err)?;
        if data_addr == 0 {
            return Err(LoadError::Policy(PolicyError::Data {
                path: path.to_path_buf(),
                message: "the policy module could not parse the data document".into(),
            }));
        }
        let heap_ptr = heap_ptr_get.call(&mut store, ()).map_err(wasm_err)?;
        Ok(WasmPolicy { source: path.to_path_buf(), store, memory, opa_eval, entries, data_addr, heap_ptr })
    }

    /// The entry points of [`WASM_ENTRY_POINTS`] the module has.
    pub fn entry_points(&self) -> Vec<&'static str> {
        WASM_ENTRY_POINTS.iter().zip(&self.entries).filter(|(_, id)| id.is_some()).map(|(e, _)| *e).collect()
    }

    /// The builtins the module leaves to its host (evaluated by regorus), sorted.
    pub fn host_builtins(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.store.data().builtins.values().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Evaluate one input document (its derived fields are added first).
    pub fn evaluate(&mut self, input: &Value) -> Result<Outcome, PolicyError> {
        let input = super::prepare_input(input);
        self.store.data_mut().now_ns = context_now(&input);
        let json = serde_json::to_vec(&input).map_err(|e| self.eval_error(&e))?;
        let len = i32::try_from(json.len()).map_err(|_| self.eval_error(&"the input document is too large"))?;
        let addr = self.heap_ptr;
        let heap = addr.checked_add(len).ok_or_else(|| self.eval_error(&"the input document is too large"))?;
        let end = to_usize(addr) + json.len();
        let have = self.memory.data(&self.store).len();
        if end > have {
            let pages = (end - have).div_ceil(WASM_PAGE) as u64;
            self.memory.grow(&mut self.store, pages).map_err(|e| self.eval_error(&e))?;
        }
        self.memory.write(&mut self.store, to_usize(addr), &json).map_err(|e| self.eval_error(&e))?;
        let mut out = Outcome::default();
        let slots = [&mut out.deny, &mut out.quarantine, &mut out.warn];
        for ((slot, entry), name) in slots.into_iter().zip(self.entries).zip(WASM_ENTRY_POINTS) {
            let Some(entry) = entry else { continue };
            // opa_eval(reserved, entrypoint, data, input, input length, heap, format 0 = JSON)
            let result = self
                .opa_eval
                .call(&mut self.store, (0, entry, self.data_addr, addr, len, heap, 0))
                .map_err(|e| self.eval_error(&e))?;
            let text = c_string(self.memory.data(&self.store), result).map_err(|e| self.eval_error(&e))?;
            let results: Vec<Value> = serde_json::from_slice(text).map_err(|e| self.eval_error(&e))?;
            *slot = findings(name, results.first().and_then(|r| r.get("result")))?;
        }
        Ok(out)
    }

    fn eval_error(&self, e: &dyn std::fmt::Display) -> PolicyError {
        PolicyError::Eval(format!("opa-wasm bundle {}: {e}", self.source.display()))
    }
}

enum LoadError {
    Policy(PolicyError),
    Wasm(String),
}

fn wasm_err(e: impl std::fmt::Display) -> LoadError {
    LoadError::Wasm(e.to_string())
}

fn to_usize(addr: i32) -> usize {
    // Wasm addresses are unsigned 32-bit offsets carried in i32.
    usize::try_from(u32::from_ne_bytes(addr.to_ne_bytes())).unwrap_or(usize::MAX)
}

/// Lay `top` over `base`: objects merge key by key, anything else in `top` replaces what
/// `base` has (depgate's settings win over a bundle's stale `data.json`).
fn overlay(base: &mut Map<String, Value>, top: Map<String, Value>) {
    for (k, v) in top {
        match (base.get_mut(&k), v) {
            (Some(Value::Object(b)), Value::Object(t)) => overlay(b, t),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Where the module's active data segments end in memory (0 when it has none, or when
/// the data section cannot be read: instantiation then reports what is wrong).
fn data_end(wasm: &[u8]) -> u64 {
    // LEB128: the value's low 64 bits and whether its sign bit (signed reading) is set.
    fn leb(b: &[u8], i: &mut usize) -> Option<(u64, bool)> {
        let (mut value, mut shift) = (0u64, 0);
        loop {
            let byte = *b.get(*i)?;
            *i += 1;
            value |= u64::from(byte & 0x7f).checked_shl(shift)?;
            shift += 7;
            if byte & 0x80 == 0 {
                return Some((value, byte & 0x40 != 0));
            }
        }
    }
    let uleb = |b: &[u8], i: &mut usize| leb(b, i).map(|(v, _)| v);
    // A constant offset expression (`i32.const n end`); a negative offset is no offset.
    let offset = |b: &[u8], i: &mut usize| -> Option<u64> {
        (*b.get(*i)? == 0x41).then(|| *i += 1)?;
        let (value, negative) = leb(b, i)?;
        (*b.get(*i)? == 0x0b && !negative).then(|| *i += 1)?;
        Some(value)
    };
    let segments = |b: &[u8], mut i: usize| -> Option<u64> {
        let mut end = 0;
        for _ in 0..uleb(b, &mut i)? {
            let start = match uleb(b, &mut i)? {
                0 => Some(offset(b, &mut i)?),
                1 => None,
                2 => {
                    uleb(b, &mut i)?;
                    Some(offset(b, &mut i)?)
                }
                _ => return None,
            };
            let len = uleb(b, &mut i)?;
            i = i.checked_add(usize::try_from(len).ok()?)?;
            if let Some(start) = start {
                end = end.max(start + len);
            }
        }
        Some(end)
    };
    let mut i = 8;
    while i < wasm.len() {
        let id = wasm[i];
        i += 1;
        let Some(size) = uleb(wasm, &mut i).and_then(|n| usize::try_from(n).ok()) else { return 0 };
        if id == 11 {
            return segments(wasm, i).unwrap_or(0);
        }
        i = i.saturating_add(size);
    }
    0
}

/// The NUL-terminated string at `addr`.
fn c_string(memory: &[u8], addr: i32) -> Result<&[u8], String> {
    let rest = memory.get(to_usize(addr)..).ok_or_else(|| format!("string address {addr} is out of bounds"))?;
    let end = rest.iter().position(|b| *b == 0).ok_or_else(|| format!("the string at {addr} has no end"))?;
    Ok(&rest[..end])
}

/// `input.context.now` in nanoseconds since the epoch.
fn context_now(input: &Value) -> Option<i64> {
    let text = input.get("context")?.get("now")?.as_str()?;
    let t = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos()).ok()
}

/// A builtin name as Rego spells it (`sprintf`, `time.format`): it goes into a query.
fn is_builtin_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            part.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// Whether `text` (from `opa_value_dump`) is a plain Rego value: JSON strings, numbers,
/// `true`/`false`/`null`, brackets and `set()`; nothing regorus would look up or call.
fn is_literal(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                loop {
                    match b.get(i) {
                        None => return false,
                        Some(b'\\') => i += 2,
                        Some(b'"') => break,
                        Some(_) => i += 1,
                    }
                }
                i += 1;
            }
            b'['
            | b']'
            | b'{'
            | b'}'
            | b','
            | b':'
            | b' '
            | b'\t'
            | b'\n'
            | b'\r'
            | b'-'
            | b'+'
            | b'.'
            | b'0'..=b'9' => {
                i += 1;
            }
            b'e' | b'E' if i > 0 && b[i - 1].is_ascii_digit() => i += 1,
            _ => match ["true", "false", "null", "set()"].iter().find(|w| text[i..].starts_with(**w)) {
                Some(w) => i += w.len(),
                None => return false,
            },
        }
    }
    true
}

/// A regorus value as a Rego literal for `opa_value_parse` (sets stay sets).
fn rego_literal(v: &regorus::Value, out: &mut String) -> Result<(), String> {
    use regorus::Value as V;
    let list = |items: &mut dyn Iterator<Item = &V>, out: &mut String| -> Result<(), String> {
        for (i, item) in items.enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            rego_literal(item, out)?;
        }
        Ok(())
    };
    match v {
        V::Set(s) if s.is_empty() => out.push_str("set()"),
        V::Set(s) => {
            out.push('{');
            list(&mut s.iter(), out)?;
            out.push('}');
        }
        V::Array(a) => {
            out.push('[');
            list(&mut a.iter(), out)?;
            out.push(']');
        }
        V::Object(o) => {
            out.push('{');
            for (i, (k, v)) in o.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                rego_literal(k, out)?;
                out.push_str(": ");
                rego_literal(v, out)?;
            }
            out.push('}');
        }
        V::Undefined => return Err("undefined value".into()),
        scalar => out.push_str(&serde_json::to_string(scalar).map_err(|e| e.to_string())?),
    }
    Ok(())
}

fn define_imports(linker: &mut Linker<Host>, memory: Memory) -> Result<(), wasmi::Error> {
    linker.define("env", "memory", memory)?;
    linker.func_wrap("env", "opa_abort", |caller: Caller<'_, Host>, addr: i32| -> Result<(), wasmi::Error> {
        let message = read_c_string(&caller, addr);
        Err(wasmi::Error::new(format!("the policy aborted: {message}")))
    })?;
    linker.func_wrap("env", "opa_println", |caller: Caller<'_, Host>, addr: i32| {
        tracing::debug!("opa-wasm print: {}", read_c_string(&caller, addr));
    })?;
    linker.func_wrap("env", "opa_builtin0", |mut c: Caller<'_, Host>, id: i32, _ctx: i32| builtin(&mut c, id, &[]))?;
    linker.func_wrap("env", "opa_builtin1", |mut c: Caller<'_, Host>, id: i32, _ctx: i32, a: i32| {
        builtin(&mut c, id, &[a])
    })?;
    linker.func_wrap("env", "opa_builtin2", |mut c: Caller<'_, Host>, id: i32, _ctx: i32, a: i32, b: i32| {
        builtin(&mut c, id, &[a, b])
    })?;
    linker.func_wrap(
        "env",
        "opa_builtin3",
        |mut c: Caller<'_, Host>, id: i32, _ctx: i32, a: i32, b: i32, d: i32| builtin(&mut c, id, &[a, b, d]),
    )?;
    linker.func_wrap(
        "env",
        "opa_builtin4",
        |mut c: Caller<'_, Host>, id: i32, _ctx: i32, a: i32, b: i32, d: i32, e: i32| {
            builtin(&mut c, id, &[a, b, d, e])
        },
    )?;
    Ok(())
}

fn read_c_string(caller: &Caller<'_, Host>, addr: i32) -> String {
    let Some(memory) = caller.data().memory else { return String::new() };
    c_string(memory.data(caller), addr).map_or_else(|e| format!("({e})"), |s| String::from_utf8_lossy(s).into_owned())
}

/// A builtin the module calls on its host: its arguments as Rego literals, evaluated by
/// regorus; the result goes back onto the module's heap (0 when undefined).
fn builtin(caller: &mut Caller<'_, Host>, id: i32, args: &[i32]) -> Result<i32, wasmi::Error> {
    let (Some(memory), Some(ex)) = (caller.data().memory, caller.data().exports) else {
        return Err(wasmi::Error::new("host builtin called before the module was loaded"));
    };
    let name = caller
        .data()
        .builtins
        .get(&id)
        .cloned()
        .ok_or_else(|| wasmi::Error::new(format!("the module called unknown builtin id {id}")))?;
    let fail = |message: String| wasmi::Error::new(format!("builtin {name}: {message}"));
    let mut result = String::new();
    if name == "time.now_ns" {
        let now = caller.data().now_ns.unwrap_or_else(|| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            i64::try_from(now.as_nanos()).unwrap_or(i64::MAX)
        });
        result = now.to_string();
    } else {
        let mut literals = Vec::with_capacity(args.len());
        for &arg in args {
            let text = ex.value_dump.call(&mut *caller, arg)?;
            let text = c_string(memory.data(&*caller), text).map_err(&fail)?;
            let text = std::str::from_utf8(text).map_err(|e| fail(e.to_string()))?;
            if !is_literal(text) {
                return Err(fail(format!("the module passed a value that is not a plain literal: {text}")));
            }
            literals.push(text.to_string());
        }
        let query = format!("__depgate_result := {name}({})", literals.join(", "));
        let results = caller.data_mut().rego.eval_query(query, false).map_err(|e| fail(e.to_string()))?;
        let Some(value) = results.result.first().map(|r| &r.bindings["__depgate_result"]) else {
            return Ok(0);
        };
        if *value == regorus::Value::Undefined {
            return Ok(0);
        }
        rego_literal(value, &mut result).map_err(&fail)?;
    }
    let len = i32::try_from(result.len()).map_err(|_| fail("result too large".into()))?;
    let addr = ex.malloc.call(&mut *caller, len)?;
    memory.write(&mut *caller, to_usize(addr), result.as_bytes()).map_err(|e| fail(e.to_string()))?;
    let value = ex.value_parse.call(&mut *caller, (addr, len))?;
    if value == 0 {
        return Err(fail(format!("the module could not read the result {result}")));
    }
    Ok(value)
}

/// The findings of one entry point's result (a set, read as a JSON array).
fn findings(entry: &str, value: Option<&Value>) -> Result<Vec<Finding>, PolicyError> {
    let rule = format!("data.{}", entry.replace('/', "."));
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(other) => return Err(PolicyError::Shape { rule, message: format!("expected a set, found {other}") }),
    };
    let mut out: Vec<Finding> = items
        .iter()
        .map(|i| {
            serde_json::from_value(i.clone())
                .map_err(|e| PolicyError::Shape { rule: rule.clone(), message: e.to_string() })
        })
        .collect::<Result<_, _>>()?;
    out.sort();
    Ok(out)
}

/// Decompress a gzip'd bundle (bounded by [`MAX_BUNDLE_BYTES`]).
fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(MAX_BUNDLE_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("not a readable gzip file: {e}"))?;
    if out.len() as u64 > MAX_BUNDLE_BYTES {
        return Err(format!("decompresses to more than {} MiB", MAX_BUNDLE_BYTES >> 20));
    }
    Ok(out)
}

/// The regular files of a tar archive, by path without a leading `/` or `./`.
fn untar(tar: &[u8]) -> Result<Vec<(String, Vec<u8>)>, String> {
    const BLOCK: usize = 512;
    let mut files = Vec::new();
    let mut at = 0;
    while at + BLOCK <= tar.len() {
        let header = &tar[at..at + BLOCK];
        if header.iter().all(|b| *b == 0) {
            return Ok(files);
        }
        let field = |range: std::ops::Range<usize>| {
            let f = &header[range];
            String::from_utf8_lossy(&f[..f.iter().position(|b| *b == 0).unwrap_or(f.len())]).into_owned()
        };
        let size_text = field(124..136);
        let size = usize::from_str_radix(size_text.trim(), 8)
            .map_err(|_| format!("not a tar archive (entry size `{}` at byte {at})", size_text.trim()))?;
        let start = at + BLOCK;
        let end = start.checked_add(size).filter(|e| *e <= tar.len()).ok_or("the tar archive is truncated")?;
        let mut name = field(0..100);
        if &header[257..262] == b"ustar" {
            let prefix = field(345..500);
            if !prefix.is_empty() {
                name = format!("{prefix}/{name}");
            }
        }
        if matches!(header[156], b'0' | 0) {
            let name = name.trim_start_matches("./").trim_start_matches('/').to_string();
            files.push((name, tar[start..end].to_vec()));
        }
        at = start + size.div_ceil(BLOCK) * BLOCK;
    }
    // No end-of-archive block: complete only if nothing is left over.
    if at < tar.len() { Err("the tar archive is truncated".into()) } else { Ok(files) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_end_reads_active_segments_and_skips_passive_ones() {
        // Header, a custom section, then a data section: an active segment of 3 bytes at
        // 131_070 (i32.const as signed LEB128), a passive one, and one at offset 8 (flag 2).
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend([0, 3, 1, b'x', 0]);
        let body: Vec<u8> =
            [vec![3, 0, 0x41, 0xfe, 0xff, 0x07, 0x0b, 3, 1, 2, 3], vec![1, 2, 9, 9], vec![2, 0, 0x41, 8, 0x0b, 1, 7]]
                .concat();
        wasm.extend([11, u8::try_from(body.len()).unwrap()]);
        wasm.extend(body);
        assert_eq!(data_end(&wasm), 131_073);
        assert_eq!(data_end(b"\0asm\x01\0\0\0"), 0);
        assert_eq!(data_end(&wasm[..wasm.len() - 3]), 0, "a cut section reads as none");
    }

    #[test]
    fn only_plain_literals_reach_regorus() {
        for ok in [r#""a \"b\" c""#, "1", "-2.5e10", "[1, {\"a\": set()}]", "{\"x\", \"y\"}", "true", "null", "{}"] {
            assert!(is_literal(ok), "{ok}");
        }
        for bad in ["input", "data.x", "1) + f(2", "[x | x := 1]", "\"open", "e", "time.now_ns()"] {
            assert!(!is_literal(bad), "{bad}");
        }
        assert!(is_builtin_name("time.format") && is_builtin_name("sprintf"));
        assert!(!is_builtin_name("x(1); y") && !is_builtin_name("a..b") && !is_builtin_name(""));
    }

    #[test]
    fn results_become_rego_literals() {
        let v: regorus::Value = regorus::Value::from_json_str(r#"{"a": [1, "s", null], "b": true}"#).unwrap();
        let mut out = String::new();
        rego_literal(&v, &mut out).unwrap();
        assert_eq!(out, r#"{"a": [1, "s", null], "b": true}"#);
        let mut set = String::new();
        rego_literal(&regorus::Value::new_set(), &mut set).unwrap();
        assert_eq!(set, "set()");
    }

    #[test]
    fn bundle_data_is_overlaid_by_depgate_data() {
        let mut base = serde_json::json!({"config": {"quarantine_days": 3, "extra": 1}, "mine": {"a": 1}});
        let top = serde_json::json!({"config": {"quarantine_days": 7}});
        let (Value::Object(b), Value::Object(t)) = (&mut base, top) else { panic!() };
        overlay(b, t);
        assert_eq!(base, serde_json::json!({"config": {"quarantine_days": 7, "extra": 1}, "mine": {"a": 1}}));
    }

    /// One ustar entry, as `opa build` writes them.
    fn entry(name: &str, content: &[u8]) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[124..135].copy_from_slice(format!("{:011o}", content.len()).as_bytes());
        h[156] = b'0';
        h[257..262].copy_from_slice(b"ustar");
        let mut out = h;
        out.extend_from_slice(content);
        out.resize(out.len().div_ceil(512) * 512, 0);
        out
    }

    #[test]
    fn tar_entries_and_bad_bundles() {
        let mut tar = entry("/data.json", b"{}");
        tar.extend(entry("/policy.wasm", b"\0asm"));
        tar.extend([0u8; 1024]);
        let files = untar(&tar).unwrap();
        assert_eq!(files, vec![("data.json".into(), b"{}".to_vec()), ("policy.wasm".into(), b"\0asm".to_vec())]);
        assert!(untar(&tar[..1100]).unwrap_err().contains("truncated"), "inside a header");
        let big = entry("/policy.wasm", &[7u8; 1000]);
        assert!(untar(&big[..900]).unwrap_err().contains("truncated"), "inside a file");
        let path = Path::new("b/bundle.tar.gz");
        let Err(err) = WasmPolicy::from_bytes(path, b"hello", &serde_json::json!({})) else { panic!() };
        let err = err.to_string();
        assert!(err.contains("b/bundle.tar.gz") && err.contains("opa build -t wasm"), "{err}");
        let Err(err) = WasmPolicy::from_bytes(path, b"\0asm\x01\0\0\0junk", &serde_json::json!({})) else { panic!() };
        assert!(err.to_string().contains("invalid WebAssembly"), "{err}");
    }
}
