//! `slo.defined` and `slo.budget_remaining`.
//!
//! `slo.defined`: an OpenSLO v1 document at `evidence/<component>/slo.yaml` (multi-document or a YAML list, as
//! `oslo` accepts) with a `kind: SLO` whose `spec.service` names the component and which has an objective. An
//! annotation such as `slo: "true"` on the catalog entry is never read.
//!
//! `slo.budget_remaining`: the SLI export at `evidence/<component>/sli.json` (`{"slo", "windowEnd", "good",
//! "total"}` for the current window, as the metrics pipeline writes it) against that SLO's target: the share of
//! the error budget left. Passes while some budget is left.

use super::error::Error;
use super::fact::{Fact, parse_time};
use super::inputs::Inputs;
use serde::Deserialize;
use serde_yaml::Value;

pub const FILES: [&str; 2] = ["slo.yaml", "slo.yml"];
pub const SLI: &str = "sli.json";

/// An SLO that names the component: its name and target.
pub(crate) struct Slo {
    pub(crate) name: String,
    pub(crate) target: Option<f64>,
}

/// The fields of an OpenSLO document paved reads. The indicator (most of a real file: metric queries) is skipped
/// without being built, which makes this a third cheaper than building the whole document.
#[derive(Deserialize)]
struct Skimmed {
    #[serde(rename = "apiVersion")]
    api_version: Option<Value>,
    kind: Option<Value>,
    metadata: Option<Value>,
    spec: Option<SkimmedSpec>,
}

#[derive(Deserialize)]
struct SkimmedSpec {
    service: Option<Value>,
    objectives: Option<Value>,
}

/// The SLOs of an OpenSLO file that name `component` and have an objective, and how many SLOs it holds in all.
pub(crate) fn read_slos(text: &str, component: &str) -> Result<(Vec<Slo>, usize), Error> {
    crate::yaml::check_bounded(text).map_err(Error::YamlBounds)?;
    // The skim reads the usual shape (every document a mapping, `spec` a mapping); anything else is read whole,
    // so both give the same answer on every file the skim accepts.
    match skim(text) {
        Some(docs) => Ok(select(docs, component)),
        None => read_whole(text).map(|docs| {
            let docs = docs.iter().map(|d| {
                let spec = d.get("spec");
                let get = |v: Option<&Value>, k: &str| v.and_then(|v| v.get(k)).cloned();
                Skimmed {
                    api_version: get(Some(d), "apiVersion"),
                    kind: get(Some(d), "kind"),
                    metadata: get(Some(d), "metadata"),
                    spec: Some(SkimmedSpec { service: get(spec, "service"), objectives: get(spec, "objectives") }),
                }
            });
            select(docs, component)
        }),
    }
}

fn skim(text: &str) -> Option<Vec<Skimmed>> {
    serde_yaml::Deserializer::from_str(text)
        .map(|d| Option::<Skimmed>::deserialize(d).ok())
        .collect::<Option<Vec<_>>>()
        .map(|docs| docs.into_iter().flatten().collect())
}

fn read_whole(text: &str) -> Result<Vec<Value>, Error> {
    let mut docs = Vec::new();
    for d in serde_yaml::Deserializer::from_str(text) {
        let v = Value::deserialize(d).map_err(|e| Error::Yaml(e.to_string()))?;
        match v {
            Value::Sequence(items) => docs.extend(items),
            Value::Null => {}
            other => docs.push(other),
        }
    }
    Ok(docs)
}

/// The SLOs that name `component` and have an objective, and how many OpenSLO SLOs there are in all.
fn select(docs: impl IntoIterator<Item = Skimmed>, component: &str) -> (Vec<Slo>, usize) {
    let mut slos = Vec::new();
    let mut total = 0;
    for d in docs {
        let api = d.api_version.as_ref().and_then(Value::as_str).unwrap_or_default();
        if !api.starts_with("openslo/") || d.kind.as_ref().and_then(Value::as_str) != Some("SLO") {
            continue;
        }
        total += 1;
        let service = d.spec.as_ref().and_then(|s| s.service.as_ref()).and_then(Value::as_str);
        let objectives = d.spec.as_ref().and_then(|s| s.objectives.as_ref()).and_then(Value::as_sequence);
        if service.is_some_and(|s| s.eq_ignore_ascii_case(component)) && objectives.is_some_and(|o| !o.is_empty()) {
            let target = objectives.and_then(|o| o.first()).and_then(|o| {
                o.get("target")
                    .and_then(Value::as_f64)
                    .or_else(|| o.get("targetPercent").and_then(Value::as_f64).map(|p| p / 100.0))
            });
            let name = d.metadata.as_ref().and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("unnamed");
            slos.push(Slo { name: name.to_owned(), target });
        }
    }
    (slos, total)
}

/// (`slo.defined`, `slo.budget_remaining`).
pub fn collect(inputs: &Inputs<'_>, component: &str) -> (Fact, Fact) {
    let file = match inputs.component_file(component, &FILES) {
        None => {
            let why = format!("no OpenSLO definition at evidence/{component}/slo.yaml");
            return (Fact::fail(&why), Fact::unknown(why, no_slo_fix(component)));
        }
        Some(Err(reason)) => return (Fact::unreadable(reason.to_string()), Fact::unreadable(reason.to_string())),
        Some(Ok(f)) => f,
    };
    let (slos, total) = match read_slos(&file.text, component) {
        Ok(x) => x,
        Err(e) => {
            let why = Error::in_file(file.path, e).to_string();
            return (Fact::unreadable(&why).cite(file.citation.clone()), Fact::unreadable(why).cite(file.citation));
        }
    };
    if slos.is_empty() {
        let why =
            format!("{}: {total} OpenSLO SLO(s), none with spec.service `{component}` and an objective", file.path);
        return (
            Fact::fail(&why).cite(file.citation.clone()),
            Fact::unknown(why, no_slo_fix(component)).cite(file.citation),
        );
    }
    let names: Vec<&str> = slos.iter().map(|s| s.name.as_str()).collect();
    let defined = Fact::pass(format!("{} SLO(s)", slos.len()), format!("OpenSLO: {}", names.join(", ")))
        .at(file.delivered)
        .cite(file.citation.clone());
    let budget = budget(inputs, component, &slos).cite(file.citation);
    (defined, budget)
}

/// Without an SLO there is no budget: the fix is to define one.
fn no_slo_fix(component: &str) -> String {
    format!(
        "Define an SLO first: add evidence/{component}/slo.yaml (OpenSLO v1) with spec.service `{component}` and a target."
    )
}

fn budget(inputs: &Inputs<'_>, component: &str, slos: &[Slo]) -> Fact {
    let sli = match inputs.component_file(component, &[SLI]) {
        None => {
            return Fact::unknown(
                format!("no SLI export at evidence/{component}/{SLI}: the error budget is unknown"),
                format!(
                    "Have the metrics pipeline export the current window's good and total events to evidence/{component}/{SLI} ({{\"slo\", \"windowEnd\", \"good\", \"total\"}})."
                ),
            );
        }
        Some(Err(reason)) => return Fact::unreadable(reason.to_string()),
        Some(Ok(f)) => f,
    };
    type Sli = (String, f64, f64, Option<chrono::DateTime<chrono::Utc>>);
    let read = || -> Result<Sli, Error> {
        let v: serde_json::Value = serde_json::from_str(&sli.text)
            .map_err(|e| Error::Parse { what: "not valid JSON", message: e.to_string() })?;
        let slo = v.get("slo").and_then(|s| s.as_str()).ok_or(Error::Invalid("no `slo` name"))?.to_owned();
        let good = v.get("good").and_then(|s| s.as_f64()).ok_or(Error::Invalid("`good` is not a number"))?;
        let total = v.get("total").and_then(|s| s.as_f64()).ok_or(Error::Invalid("`total` is not a number"))?;
        if !(0.0..=total).contains(&good) || total <= 0.0 {
            return Err(Error::BadCount { good, total });
        }
        let end = v.get("windowEnd").and_then(|s| s.as_str()).and_then(parse_time);
        Ok((slo, good, total, end))
    };
    let (name, good, total, end) = match read() {
        Ok(x) => x,
        Err(e) => return Fact::unreadable(Error::in_file(sli.path, e).to_string()).cite(sli.citation),
    };
    let Some(slo) = slos.iter().find(|s| s.name == name) else {
        return Fact::unknown(
            format!("{}: names SLO `{name}`, which slo.yaml does not define for {component}", sli.path),
            format!("Export the SLI of an SLO that evidence/{component}/slo.yaml defines, or add SLO `{name}` there."),
        )
        .cite(sli.citation);
    };
    let Some(target) = slo.target.filter(|t| *t > 0.0 && *t < 1.0) else {
        return Fact::unknown(
            format!("SLO `{name}` has no target between 0 and 1"),
            format!("Give SLO `{name}` in evidence/{component}/slo.yaml an objective with a target between 0 and 1."),
        )
        .cite(sli.citation);
    };
    let spent = ((total - good) / total) / (1.0 - target);
    let left = 1.0 - spent;
    let value = format!("{:.0}% left", (left * 100.0).max(0.0));
    let reason = format!("{name}: {good} good of {total} against a target of {target}");
    let fact = if left > 0.0 { Fact::pass(value, reason) } else { Fact { value, ..Fact::fail(reason) } };
    fact.at(end.or(sli.delivered)).cite(sli.citation)
}

#[cfg(test)]
mod tests {
    /// Found by the property tests: nested aliases made serde_norway build a value of over 100 MiB from a file of
    /// a few hundred bytes. The file is refused where it becomes too big, before serde builds anything.
    #[test]
    fn an_alias_bomb_is_refused_at_its_place() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let Err(err) = super::read_slos(&text, "checkout") else { panic!("an alias bomb was read") };
        let err = err.to_string();
        assert!(err.starts_with(|c: char| c.is_ascii_digit()) && err.contains(':'), "located: {err}");
    }
}
