//! Developer survey answers for the platform's NPS: `evidence/survey/*.csv` with at least the columns `team` and
//! `score` (0 to 10), as the quarterly survey tool exports them (anonymous: team and role only). A row whose score
//! is not a whole number from 0 to 10 is skipped and reported with its line.

use super::fact::Citation;
use super::inputs::Inputs;
use serde::Serialize;

pub const DIR: &str = "evidence/survey";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Survey {
    /// The file name without `.csv`, e.g. `nps-2026-q3`.
    pub name: String,
    pub citation: Option<Citation>,
    /// (team, score).
    pub responses: Vec<(String, u8)>,
    /// `path:line: reason`.
    pub skipped: Vec<String>,
}

pub fn collect(inputs: &Inputs<'_>) -> Vec<Survey> {
    let paths: Vec<String> =
        inputs.snapshot.under(DIR).filter(|e| e.path.ends_with(".csv")).map(|e| e.path.clone()).collect();
    let mut out = Vec::new();
    for path in paths {
        let name = path.rsplit('/').next().unwrap_or(&path).trim_end_matches(".csv").to_owned();
        let mut survey = Survey { name, citation: None, responses: Vec::new(), skipped: Vec::new() };
        match inputs.file(&path) {
            Some(Ok(f)) => {
                survey.citation = Some(f.citation.clone());
                read(&f.text, &path, &mut survey);
            }
            Some(Err(e)) => survey.skipped.push(e.to_string()),
            None => continue,
        }
        out.push(survey);
    }
    out
}

fn read(text: &str, path: &str, survey: &mut Survey) {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            survey.skipped.push(format!("{path}:1: unreadable header ({e})"));
            return;
        }
    };
    let col = |n: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(n));
    let (Some(team), Some(score)) = (col("team"), col("score")) else {
        survey.skipped.push(format!("{path}:1: needs the columns `team` and `score`"));
        return;
    };
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                survey.skipped.push(format!("{path}:{line}: broken row ({e})"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let raw = record.get(score).unwrap_or_default().trim();
        match raw.parse::<u8>() {
            Ok(s) if s <= 10 => survey.responses.push((record.get(team).unwrap_or_default().trim().to_owned(), s)),
            _ => survey.skipped.push(format!("{path}:{line}: score `{raw}` is not a whole number from 0 to 10")),
        }
    }
}
