//! Policy-as-code: organisation policies (`policies/*.rego`) and each module's `policy.rego`, evaluated with
//! regorus. Every package contributes three rule sets: `deny` (blocks), `warn`, and `approvers` (groups that must
//! approve). Policies are always taken from the snapshot the caller passes — for a PR, the base branch's — so a PR
//! cannot relax the rules that judge it (design rule 3).

pub mod input;
pub mod judge;

use crate::model::Model;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::time::Duration;

/// A policy evaluation may take at most this long; a runaway policy is an error, not a hang.
const EVAL_LIMIT: Duration = Duration::from_secs(5);

/// The error returned by [`PolicySet::compile`] and [`PolicySet::evaluate`]. Clone: a verdict that failed is
/// remembered in the parse cache like one that did not, and the compile error is every request's verdict.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("{path}: policy does not compile: {message}")]
    Compile { path: String, message: String },
    #[error("policy evaluation failed: {0}")]
    Eval(String),
    /// A Terraform plan to judge for a request the judge was not given the input of.
    #[error("no request {0}")]
    NoRequest(String),
}

/// One message from one policy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Message {
    /// The Rego package that said it, e.g. `paved.org.production`.
    pub policy: String,
    pub message: String,
}

/// What the policies say about one subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub deny: Vec<Message>,
    pub warn: Vec<Message>,
    /// Group references whose approval is required.
    pub approvers: BTreeSet<String>,
}

impl Verdict {
    pub fn allowed(&self) -> bool {
        self.deny.is_empty()
    }
    /// A one-word summary: `denied`, `warned` or `allowed`.
    pub fn outcome(&self) -> &'static str {
        if !self.deny.is_empty() {
            "denied"
        } else if !self.warn.is_empty() {
            "warned"
        } else {
            "allowed"
        }
    }
}

/// The rules every package contributes to a verdict.
const RULES: [&str; 3] = ["deny", "warn", "approvers"];

/// Compiled policies of one snapshot: the organisation's and every module's.
#[derive(Clone)]
pub struct PolicySet {
    engine: regorus::Engine,
    /// The same policies compiled to regorus' bytecode VM, when they compile (about 5x faster per subject than
    /// the tree-walking interpreter, which is the fallback). `None` when some construct is not supported there.
    vm: Option<VmProgram>,
    /// Packages of organisation policies, evaluated for every subject.
    org_packages: Vec<String>,
    /// Module name to the package of its policy.
    module_packages: std::collections::BTreeMap<String, String>,
}

impl std::fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicySet").field("org", &self.org_packages).field("modules", &self.module_packages).finish()
    }
}

/// The `package` a Rego source declares.
fn package_of(source: &str) -> Option<String> {
    source.lines().map(str::trim).find_map(|l| l.strip_prefix("package ")).map(|p| p.trim().to_owned())
}

impl PolicySet {
    /// Compile the organisation policies and module policies of `model`. `module_sources` are the module
    /// `policy.rego` files as (module name, path, source).
    ///
    /// # Errors
    /// The first policy that does not compile.
    pub fn compile(model: &Model, module_sources: &[(String, String, String)]) -> Result<Self, Error> {
        let mut engine = regorus::Engine::new();
        engine.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit: EVAL_LIMIT,
            check_interval: std::num::NonZeroU32::new(1000).expect("1000 is not zero"),
        });
        let mut org_packages = Vec::new();
        for p in model.policies.values() {
            let pkg = engine
                .add_policy(p.path.clone(), p.source.clone())
                .map_err(|e| Error::Compile { path: p.path.clone(), message: e.to_string() })?;
            org_packages.push(pkg);
        }
        let mut module_packages = std::collections::BTreeMap::new();
        for (module, path, source) in module_sources {
            let pkg = engine
                .add_policy(path.clone(), source.clone())
                .map_err(|e| Error::Compile { path: path.clone(), message: e.to_string() })?;
            module_packages.insert(module.clone(), pkg);
        }
        org_packages.sort();
        org_packages.dedup();
        // Analyse and schedule the policies once, here: a prepared engine's clones share the compiled policies,
        // whereas an unprepared one would redo the analysis in every `evaluate` (most of a plan's time at scale).
        engine
            .eval_query("true".to_owned(), false)
            .map_err(|e| Error::Compile { path: "(policies)".into(), message: e.to_string() })?;
        let mut set = PolicySet { engine, org_packages, module_packages, vm: None };
        set.vm = VmProgram::compile(&mut set);
        Ok(set)
    }

    /// Evaluate the organisation policies and `module`'s policy on `input`.
    ///
    /// # Errors
    /// A runtime error in a policy (including the time limit).
    pub fn evaluate(&self, module: Option<&str>, input: &serde_json::Value) -> Result<Verdict, Error> {
        self.evaluator().evaluate(module, input)
    }

    /// An evaluator that reuses one engine for many subjects: judging thousands of requests clones the engine
    /// once per thread instead of once per request.
    pub fn evaluator(&self) -> Evaluator<'_> {
        let backend = match &self.vm {
            Some(program) => Backend::Vm(Box::new(program.machine())),
            None => Backend::Interpreter(Box::new(self.engine.clone())),
        };
        Evaluator { set: self, backend }
    }

    /// The same policies on the interpreter alone: the reference the VM's verdicts are tested against.
    pub fn interpreted(&self) -> Self {
        PolicySet { vm: None, ..self.clone() }
    }

    /// Whether evaluation runs on regorus' VM (else the interpreter).
    pub fn compiled_to_vm(&self) -> bool {
        self.vm.is_some()
    }

    /// The packages that judge a subject of `module`, in the order their verdicts are read.
    fn packages(&self, module: Option<&str>) -> Vec<&String> {
        let module_pkg = module.and_then(|m| self.module_packages.get(m));
        self.org_packages.iter().chain(module_pkg).collect()
    }
}

/// The policies as one RVM program with an entry point per package rule (`data.<pkg>.deny`, …), and one per
/// module that reads every rule a subject of that module is judged by at once (see [`VERDICTS_PACKAGE`]).
#[derive(Clone)]
struct VmProgram {
    compiled: regorus::CompiledPolicy,
    program: std::sync::Arc<regorus::rvm::program::Program>,
    /// The rule entry points the program has: a package need not define all three rules.
    entries: BTreeSet<String>,
    /// Module name to its all-rules entry point (`data.paved_verdicts.m3`); `None` for the organisation's alone.
    verdict_entries: std::collections::BTreeMap<Option<String>, String>,
}

/// A package paved adds to the VM program (never to the interpreter): one rule per module whose value is every
/// judging rule of the organisation's packages and the module's, as `{package: {rule: value}}`. One execution
/// per subject instead of one per rule: the rules a package's rules share (`params := …`) are evaluated once,
/// and the VM's execution state is set up once. Repo policies cannot use the name (it is refused then).
const VERDICTS_PACKAGE: &str = "paved_verdicts";

impl VmProgram {
    fn compile(set: &mut PolicySet) -> Option<Self> {
        let candidates: Vec<String> = set
            .org_packages
            .iter()
            .chain(set.module_packages.values())
            .flat_map(|pkg| RULES.map(|rule| format!("{pkg}.{rule}")))
            .collect();
        // Any defined rule serves as the entry point that compiles the whole policy set.
        let compiled = candidates.iter().find_map(|c| set.engine.compile_with_entrypoint(&c.as_str().into()).ok())?;
        let entries: BTreeSet<String> =
            candidates.into_iter().filter(|c| compiled.get_rules().contains_key(c.as_str())).collect();
        let (compiled, verdict_entries) = match Self::with_verdict_rules(set, &entries) {
            Some(with) => with,
            None => (compiled, std::collections::BTreeMap::new()),
        };
        let refs: Vec<&str> = entries.iter().chain(verdict_entries.values()).map(String::as_str).collect();
        match regorus::languages::rego::compiler::Compiler::compile_from_policy(&compiled, &refs) {
            Ok(program) => Some(VmProgram { compiled, program, entries, verdict_entries }),
            Err(e) => {
                tracing::debug!(error = %e, "policies do not compile to the regorus VM; interpreting them");
                None
            }
        }
    }

    /// The policies compiled with [`VERDICTS_PACKAGE`] added, and its entry point per module; `None` when a
    /// repo policy already uses that package name or the addition does not compile.
    fn with_verdict_rules(
        set: &PolicySet,
        entries: &BTreeSet<String>,
    ) -> Option<(regorus::CompiledPolicy, std::collections::BTreeMap<Option<String>, String>)> {
        let ours = format!("data.{VERDICTS_PACKAGE}");
        if set.org_packages.iter().chain(set.module_packages.values()).any(|p| p.starts_with(&ours)) {
            return None;
        }
        // `{"<pkg>": {"deny": data.<pkg>.deny, …}, …}` over the rules each package defines.
        let packages = |pkgs: &[&String]| -> String {
            let fields: Vec<String> = pkgs
                .iter()
                .map(|pkg| {
                    let rules: Vec<String> = RULES
                        .iter()
                        .filter(|rule| entries.contains(&format!("{pkg}.{rule}")))
                        .map(|rule| format!("\"{rule}\": {pkg}.{rule}"))
                        .collect();
                    format!("\"{pkg}\": {{{}}}", rules.join(", "))
                })
                .collect();
            format!("{{{}}}", fields.join(", "))
        };
        let org: Vec<&String> = set.org_packages.iter().collect();
        let mut source = format!("package {VERDICTS_PACKAGE}\n\norg := {}\n", packages(&org));
        let mut verdict_entries = std::collections::BTreeMap::from([(None, format!("{ours}.org"))]);
        for (i, (module, pkg)) in set.module_packages.iter().enumerate() {
            let mut pkgs = org.clone();
            pkgs.push(pkg);
            source.push_str(&format!("m{i} := {}\n", packages(&pkgs)));
            verdict_entries.insert(Some(module.clone()), format!("{ours}.m{i}"));
        }
        let mut engine = set.engine.clone();
        engine.add_policy(format!("({VERDICTS_PACKAGE})"), source).ok()?;
        let compiled = engine.compile_with_entrypoint(&format!("{ours}.org").as_str().into()).ok()?;
        Some((compiled, verdict_entries))
    }

    fn machine(&self) -> regorus::rvm::RegoVM {
        let mut vm = regorus::rvm::RegoVM::new_with_policy(self.compiled.clone());
        vm.load_program(self.program.clone());
        vm.set_execution_timer_config(Some(timer()));
        vm.set_data(regorus::Value::new_object()).expect("empty data is always accepted");
        vm
    }
}

fn timer() -> regorus::utils::limits::ExecutionTimerConfig {
    regorus::utils::limits::ExecutionTimerConfig {
        limit: EVAL_LIMIT,
        check_interval: std::num::NonZeroU32::new(1000).expect("1000 is not zero"),
    }
}

enum Backend {
    Vm(Box<regorus::rvm::RegoVM>),
    Interpreter(Box<regorus::Engine>),
}

/// Evaluates subjects one after another on one engine (see [`PolicySet::evaluator`]).
pub struct Evaluator<'a> {
    set: &'a PolicySet,
    backend: Backend,
}

impl Evaluator<'_> {
    /// Evaluate the organisation policies and `module`'s policy on `input`.
    ///
    /// # Errors
    /// A runtime error in a policy (including the time limit).
    pub fn evaluate(&mut self, module: Option<&str>, input: &serde_json::Value) -> Result<Verdict, Error> {
        self.evaluate_value(module, regorus::Value::from(input.clone()))
    }

    /// [`Evaluator::evaluate`] of an input already converted to regorus' value (no JSON text in between).
    ///
    /// # Errors
    /// A runtime error in a policy (including the time limit).
    pub fn evaluate_value(&mut self, module: Option<&str>, input: regorus::Value) -> Result<Verdict, Error> {
        // regorus' `From<serde_json::Value>` gives `Undefined` when it cannot convert; judging no input at all
        // could pass a request that the policies would deny.
        if input == regorus::Value::Undefined {
            return Err(Error::Eval("the policy input could not be converted for the policy engine".into()));
        }
        match &mut self.backend {
            Backend::Vm(vm) => vm.set_input(input),
            Backend::Interpreter(engine) => engine.set_input(input),
        }
        let mut verdict = Verdict::default();
        let packages = self.set.packages(module);
        let values = match self.all_package_values(module, &packages)? {
            Some(values) => values,
            None => packages.iter().map(|pkg| self.package_value(pkg)).collect::<Result<Vec<_>, _>>()?,
        };
        for (pkg, value) in packages.into_iter().zip(values) {
            let name = pkg.trim_start_matches("data.").to_owned();
            for (rule, out) in [("deny", &mut verdict.deny), ("warn", &mut verdict.warn)] {
                out.extend(strings(&value[rule]).into_iter().map(|message| Message { policy: name.clone(), message }));
            }
            verdict.approvers.extend(strings(&value["approvers"]));
        }
        verdict.deny.sort();
        verdict.deny.dedup();
        verdict.warn.sort();
        verdict.warn.dedup();
        Ok(verdict)
    }

    /// Every package's verdict rules on the current input from one execution of the module's entry point in
    /// [`VERDICTS_PACKAGE`], in `packages`' order; `None` (and the caller asks rule by rule) on the interpreter,
    /// or when the entry point gives anything but an object per package (a complete rule left undefined makes
    /// the whole object undefined: the rule-by-rule path then reports it as before).
    ///
    /// # Errors
    /// A runtime error in a policy (including the time limit), as the rule-by-rule path would meet it.
    fn all_package_values(
        &mut self,
        module: Option<&str>,
        packages: &[&String],
    ) -> Result<Option<Vec<serde_json::Value>>, Error> {
        let Backend::Vm(vm) = &mut self.backend else { return Ok(None) };
        let key = module.filter(|m| self.set.module_packages.contains_key(*m)).map(str::to_owned);
        let Some(entry) = self.set.vm.as_ref().and_then(|p| p.verdict_entries.get(&key)) else { return Ok(None) };
        let value = vm.execute_entry_point_by_name(entry).map_err(|e| Error::Eval(e.to_string()))?;
        let Ok(serde_json::Value::Object(mut all)) = serde_json::to_value(&value) else { return Ok(None) };
        Ok(packages.iter().map(|pkg| all.remove(pkg.as_str()).filter(serde_json::Value::is_object)).collect())
    }

    /// The package's verdict rules on the current input, as a JSON object (rules it does not define are absent).
    fn package_value(&mut self, pkg: &str) -> Result<serde_json::Value, Error> {
        let value = match &mut self.backend {
            Backend::Vm(vm) => {
                let entries = self.set.vm.as_ref().map(|p| &p.entries);
                let mut object = serde_json::Map::new();
                for rule in RULES {
                    let path = format!("{pkg}.{rule}");
                    if entries.is_some_and(|e| e.contains(&path)) {
                        let value =
                            vm.execute_entry_point_by_name(&path).map_err(|e| Error::Eval(format!("{path}: {e}")))?;
                        // A complete rule whose body fails is undefined: absent, as the interpreter gives it (the
                        // VM's value would serialize as the string `<undefined>`, read as a message).
                        if value == regorus::Value::Undefined {
                            continue;
                        }
                        // A value that does not convert is an error: a dropped `deny` would let a request through.
                        let value = serde_json::to_value(&value).map_err(|e| Error::Eval(format!("{path}: {e}")))?;
                        object.insert(rule.to_owned(), value);
                    }
                }
                return Ok(serde_json::Value::Object(object));
            }
            Backend::Interpreter(engine) => {
                let results =
                    engine.eval_query(pkg.to_owned(), false).map_err(|e| Error::Eval(format!("{pkg}: {e}")))?;
                results.result.into_iter().next().and_then(|r| r.expressions.into_iter().next()).map(|e| e.value)
            }
        };
        value.map_or(Ok(serde_json::Value::Null), |v| serde_json::to_value(&v).map_err(|e| Error::Eval(e.to_string())))
    }
}

/// The strings of a Rego set or array (as regorus serializes it), ignoring anything else.
fn strings(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
        serde_json::Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Every policy file (the organisation's and each module's) that does not compile, as an error at its
/// `path:line:col`: what `paved validate` reports, so a broken policy is caught before it stalls the requests it
/// judges. Each file is compiled on its own, so every broken one is named.
pub fn check(snapshot: &crate::source::Snapshot, model: &Model) -> Vec<crate::diag::Diagnostic> {
    let org = model.policies.values().map(|p| (p.path.clone(), p.source.clone()));
    let modules = module_sources(snapshot, model).into_iter().map(|(_, path, source)| (path, source));
    org.chain(modules)
        .filter_map(|(path, source)| {
            let e = regorus::Engine::new().add_policy(path.clone(), source).err()?.to_string();
            let (pos, message) = compile_error_at(&path, &e);
            Some(
                crate::diag::Diagnostic::error(path, pos, format!("policy does not compile: {message}"))
                    .hint("fix the Rego; until it compiles, every request it judges is Stalled (PolicyError)"),
            )
        })
        .collect()
}

/// Where regorus says a compile error in `path` is (`--> path:line:col`), and its message without the source
/// excerpt it quotes.
fn compile_error_at(path: &str, error: &str) -> (crate::diag::Pos, String) {
    let marker = format!("--> {path}:");
    let pos = error
        .lines()
        .find_map(|l| l.trim().strip_prefix(&marker))
        .and_then(|at| at.split_once(':'))
        .and_then(|(line, col)| Some(crate::diag::Pos::new(line.trim().parse().ok()?, col.trim().parse().ok()?)))
        .unwrap_or(crate::diag::Pos::FILE);
    let message = error.lines().rev().find(|l| l.starts_with("error:")).unwrap_or(error).trim();
    (pos, message.strip_prefix("error: ").unwrap_or(message).to_owned())
}

/// Module policy sources from a snapshot: `modules/<name>/policy.rego` for every loaded module.
pub fn module_sources(snapshot: &crate::source::Snapshot, model: &Model) -> Vec<(String, String, String)> {
    model
        .modules
        .values()
        .filter_map(|m| {
            let path = format!("{}/policy.rego", m.dir);
            let entry = snapshot.get(&path)?;
            let source = snapshot.read_text(entry).ok()?;
            package_of(&source)?;
            Some((m.name.clone(), path, source))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model whose only organisation policy is `source`, at `path`.
    fn with_policy(path: &str, source: &str) -> Model {
        let mut model = Model::default();
        let policy = crate::model::Policy { path: path.into(), source: source.into() };
        model.policies.insert(path.into(), policy);
        model
    }

    #[test]
    fn deny_warn_and_approvers_are_collected_per_package() {
        let model = with_policy(
            "policies/p.rego",
            "package paved.org.p\nimport rego.v1\ndeny contains \"no\" if input.x == 1\nwarn contains \"hm\" if true\napprovers contains \"group:sre\" if input.x > 0\n",
        );
        let set = PolicySet::compile(&model, &[]).expect("compiles");
        let v = set.evaluate(None, &serde_json::json!({"x": 1})).expect("evaluates");
        assert_eq!(v.deny, vec![Message { policy: "paved.org.p".into(), message: "no".into() }]);
        assert_eq!(v.warn.len(), 1);
        assert_eq!(v.approvers, BTreeSet::from(["group:sre".to_owned()]));
        assert_eq!(v.outcome(), "denied");
        let v = set.evaluate(None, &serde_json::json!({"x": 0})).expect("evaluates");
        assert!(v.allowed() && v.approvers.is_empty());
    }

    #[test]
    fn one_execution_per_subject_gives_the_interpreters_verdicts() {
        let model = with_policy(
            "policies/p.rego",
            "package paved.org.p\nimport rego.v1\nlimit := 1\ndeny contains sprintf(\"x is %d\", [input.x]) if input.x > limit\napprovers contains \"group:sre\" if input.x > 0\n",
        );
        // A module policy with a complete rule that is undefined unless x is 3: the whole-verdict object is
        // then undefined, and evaluation falls back to rule by rule.
        let module = (
            "db".to_owned(),
            "modules/db/policy.rego".to_owned(),
            "package paved.modules.db\nimport rego.v1\nwarn := [\"three\"] if input.x == 3\ndeny contains \"even\" if input.x % 2 == 0\n"
                .to_owned(),
        );
        let set = PolicySet::compile(&model, &[module]).expect("compiles");
        let vm = set.vm.as_ref().expect("compiles to the VM");
        assert_eq!(vm.verdict_entries.len(), 2, "{:?}", vm.verdict_entries);
        let reference = set.interpreted();
        for x in 0..5 {
            for module in [None, Some("db"), Some("other")] {
                let input = serde_json::json!({ "x": x });
                let fast = set.evaluate(module, &input).expect("evaluates");
                assert_eq!(fast, reference.evaluate(module, &input).expect("evaluates"), "x = {x}, module {module:?}");
            }
        }
        // One execution answers when every rule is defined; an undefined complete rule sends it rule by rule.
        let whole = |x: u32| {
            let mut ev = set.evaluator();
            if let Backend::Vm(vm) = &mut ev.backend {
                vm.set_input(regorus::Value::from_json_str(&format!("{{\"x\": {x}}}")).expect("json"));
            }
            ev.all_package_values(Some("db"), &set.packages(Some("db"))).expect("runs").is_some()
        };
        assert!(whole(3));
        assert!(!whole(1));
        let v = set.evaluate(Some("db"), &serde_json::json!({ "x": 3 })).expect("evaluates");
        assert_eq!(v.warn, vec![Message { policy: "paved.modules.db".into(), message: "three".into() }]);
        assert_eq!(v.deny, vec![Message { policy: "paved.org.p".into(), message: "x is 3".into() }]);
    }

    #[test]
    fn an_input_converted_in_memory_is_judged_as_its_json_text() {
        let model = with_policy(
            "policies/p.rego",
            "package paved.org.p\nimport rego.v1\ndeny contains sprintf(\"%v over\", [input.n]) if input.n > 200\nwarn contains \"ratio\" if input.f < 0.5\nwarn contains x if some x in input.tags\napprovers contains input.who if count(input.tags) > 1\n",
        );
        let set = PolicySet::compile(&model, &[]).expect("compiles");
        let inputs = [
            serde_json::json!({"n": 250, "f": 0.25, "tags": ["a", "b"], "who": "group:sre"}),
            serde_json::json!({"n": 18_446_744_073_709_551_615u64, "f": 1e-9, "tags": [], "who": null}),
            serde_json::json!({"n": -3, "f": 2.5, "tags": ["é \"q\""], "who": "x"}),
            serde_json::json!({"n": 200.5, "tags": ["a", "a"], "who": "y"}),
        ];
        let mut verdicts = Vec::new();
        for input in inputs {
            let text = serde_json::to_string(&input).expect("json");
            let mut ev = set.evaluator();
            let parsed = regorus::Value::from_json_str(&text).expect("regorus reads the JSON text");
            let by_text = ev.evaluate_value(None, parsed).expect("evaluates");
            let by_value = ev.evaluate_value(None, regorus::Value::from(input.clone())).expect("evaluates");
            assert_eq!(by_value, by_text, "{input}");
            verdicts.push(by_value);
        }
        assert_eq!(verdicts[0].deny, vec![Message { policy: "paved.org.p".into(), message: "250 over".into() }]);
        assert!(verdicts[0].approvers.contains("group:sre") && verdicts[0].warn.len() == 3);
        assert_eq!(verdicts[1].deny.len(), 1, "the largest u64 is over 200");
        assert!(verdicts[2].allowed() && verdicts[2].warn[0].message == "é \"q\"");
        let e = set.evaluator().evaluate_value(None, regorus::Value::Undefined).expect_err("no input");
        assert!(e.to_string().contains("could not be converted"), "{e}");
    }

    #[test]
    fn a_policy_that_does_not_compile_names_its_file() {
        let model = with_policy("policies/bad.rego", "package x\nimport rego.v1\ndeny contains if {");
        let err = PolicySet::compile(&model, &[]).expect_err("syntax error");
        assert!(err.to_string().starts_with("policies/bad.rego: policy does not compile"), "{err}");
    }
}
