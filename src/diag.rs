//! Located diagnostics: `path:line:col: error|warning: message` plus a hint.
//!
//! Loading never stops at the first problem: every stage pushes into one [`Diagnostics`] and the caller decides
//! what the set means (exit code 1 when any error remains).

use serde::Serialize;
use std::fmt;

/// How bad a diagnostic is. `--strict` promotes warnings to errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A position in a file, both 1-based. `line == 0` means "the file as a whole".
///
/// 32 bits each: files are refused long before 4 billion lines (`source::MAX_FILE_BYTES`), and an entity keeps
/// several positions (8 bytes less each was 4 MiB at 50,000 services).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub const FILE: Pos = Pos { line: 0, col: 0 };
    /// Saturating: a position past `u32::MAX` cannot come from a file paved reads.
    pub fn new(line: usize, col: usize) -> Self {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Pos { line: clamp(line), col: clamp(col) }
    }
    /// The same column, `lines` further down.
    pub fn down(self, lines: usize) -> Self {
        Pos::new(self.line as usize + lines, self.col as usize)
    }
}

/// One problem found in the platform repo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(path: impl Into<String>, pos: Pos, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, path, pos, message)
    }
    pub fn warning(path: impl Into<String>, pos: Pos, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, path, pos, message)
    }
    fn new(severity: Severity, path: impl Into<String>, pos: Pos, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            line: pos.line.max(1) as usize,
            col: pos.col.max(1) as usize,
            severity,
            message: message.into(),
            hint: None,
        }
    }
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}:{}:{}: {}: {}", self.path, self.line, self.col, sev, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Diagnostics produced while reading one file are kept without the file's path, so a parse result depends on
/// the content alone and can be cached by blob id; the path is attached when they are emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub pos: Pos,
    pub severity: Severity,
    pub message: String,
    pub hint: Option<String>,
}

impl Finding {
    pub fn error(pos: Pos, message: impl Into<String>) -> Self {
        Finding { pos, severity: Severity::Error, message: message.into(), hint: None }
    }
    pub fn warning(pos: Pos, message: impl Into<String>) -> Self {
        Finding { pos, severity: Severity::Warning, message: message.into(), hint: None }
    }
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn at(&self, path: &str) -> Diagnostic {
        let d = match self.severity {
            Severity::Error => Diagnostic::error(path, self.pos, &self.message),
            Severity::Warning => Diagnostic::warning(path, self.pos, &self.message),
        };
        match &self.hint {
            Some(h) => d.hint(h),
            None => d,
        }
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Every diagnostic of one load, in a stable order once [`Diagnostics::sort`] ran.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diagnostics(Vec<Diagnostic>);

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(ds);
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn errors(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }
    pub fn warnings(&self) -> usize {
        self.0.len() - self.errors()
    }
    /// `--strict`: a warning fails validation like an error does.
    pub fn promote_warnings(&mut self) {
        for d in &mut self.0 {
            d.severity = Severity::Error;
        }
    }
    /// Sort by file, then position, and drop exact duplicates (a file cached and reported twice).
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| (&a.path, a.line, a.col, &a.message).cmp(&(&b.path, b.line, b.col, &b.message)));
        self.0.dedup();
    }
    /// Keep only the diagnostics `keep` accepts (the incremental planner drops those of files it reloads).
    pub fn retain(&mut self, keep: impl FnMut(&Diagnostic) -> bool) {
        self.0.retain(keep);
    }
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }
}

/// The closest candidate to `word`, if it is close enough to be a plausible typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(1) + usize::from(c.len() > 6))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        let kinds = ["Component", "System", "Group", "User"];
        assert_eq!(did_you_mean("Componnt", kinds), Some("Component"));
        assert_eq!(did_you_mean("component", kinds), Some("Component"));
        assert_eq!(did_you_mean("Grup", kinds), Some("Group"));
        assert_eq!(did_you_mean("Database", kinds), None);
    }

    #[test]
    fn display_is_path_line_col() {
        let d = Diagnostic::error("catalog/a.yaml", Pos::new(3, 5), "bad").hint("fix it");
        assert_eq!(d.to_string(), "catalog/a.yaml:3:5: error: bad\n  hint: fix it");
    }
}
