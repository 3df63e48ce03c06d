//! What a Terraform module declares: its input variables (and which have no default, so must be passed) and its
//! outputs (and which are sensitive), read from every `.tf` file of its directory, as Terraform reads a module.
//!
//! A small scanner of HCL's native syntax, enough to find top-level blocks and the attributes directly in them:
//! it knows comments (`#`, `//`, `/* */`), quoted templates with `${ }` / `%{ }` sequences (nested to any depth),
//! heredocs and brackets, so a brace or a `variable "x" {` inside a string, a comment or a heredoc is not taken
//! for a block. A file it cannot read, or a declaration Terraform would refuse (a variable without a name, one
//! declared twice), is an error at `path:line`. `*.tf.json` files are not read.

use std::collections::BTreeMap;
use std::path::Path;

/// A declared input variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    /// Where it is declared, `path:line`.
    pub at: String,
    /// It has no `default`: a caller must pass it.
    pub required: bool,
}

/// What a module declares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Declared {
    pub variables: BTreeMap<String, Variable>,
    /// Output name to whether it is sensitive.
    pub outputs: BTreeMap<String, bool>,
}

/// A module file paved cannot read, or a declaration Terraform would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct Error {
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// Read the `.tf` files directly in `dir` (Terraform reads no subdirectory), in name order. Paths in errors and
/// in [`Variable::at`] are `shown_as/<file>`.
///
/// # Errors
/// An unreadable directory or file, or one of [`read`]'s errors.
pub fn read_dir(dir: &Path, shown_as: &str) -> Result<Declared, Error> {
    let io = |path: String, e: std::io::Error| Error { path, line: 0, message: format!("cannot read it: {e}") };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(shown_as.to_owned(), e))? {
        let entry = entry.map_err(|e| io(shown_as.to_owned(), e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".tf") && entry.file_type().is_ok_and(|t| t.is_file()) {
            let shown = format!("{shown_as}/{name}");
            let text = std::fs::read_to_string(entry.path()).map_err(|e| io(shown.clone(), e))?;
            files.push((shown, text));
        }
    }
    files.sort();
    read(files)
}

/// Read the declarations of a module's files (path, text).
///
/// # Errors
/// The first file that does not scan (an unterminated string, comment or heredoc, an unmatched bracket), a
/// `variable` or `output` block without exactly one name, or a variable or output declared twice.
pub fn read(files: impl IntoIterator<Item = (String, String)>) -> Result<Declared, Error> {
    let mut declared = Declared::default();
    let mut outputs_at: BTreeMap<String, String> = BTreeMap::new();
    for (path, text) in files {
        // Override files change declarations made elsewhere instead of adding new ones.
        let name = path.rsplit('/').next().unwrap_or(&path);
        let overrides = name == "override.tf" || name.ends_with("_override.tf");
        let error = |line: usize, message: String| Error { path: path.clone(), line, message };
        let tokens = scan(&text).map_err(|(line, message)| error(line, message))?;
        for block in blocks(&tokens).map_err(|(line, message)| error(line, message))? {
            if block.kind != "variable" && block.kind != "output" {
                continue;
            }
            let [name] = block.labels.as_slice() else {
                return Err(error(
                    block.line,
                    format!("a `{}` block takes exactly one name, as in {} \"name\" {{", block.kind, block.kind),
                ));
            };
            let at = format!("{path}:{}", block.line);
            let first = match block.kind {
                "variable" => declared.variables.get(name).map(|v| v.at.clone()),
                _ => outputs_at.get(name).cloned(),
            };
            if let Some(first) = first.filter(|_| !overrides) {
                return Err(error(
                    block.line,
                    format!(
                        "{} `{name}` is declared twice (first at {first}); Terraform refuses that: keep one",
                        block.kind
                    ),
                ));
            }
            if block.kind == "variable" {
                let required = !block.attributes.contains_key("default");
                match declared.variables.get_mut(name) {
                    Some(v) if overrides => v.required &= required,
                    _ => {
                        declared.variables.insert(name.clone(), Variable { at, required });
                    }
                }
            } else {
                let sensitive = block.attributes.get("sensitive").is_some_and(|v| v == "true");
                match declared.outputs.get_mut(name) {
                    Some(s) if overrides && block.attributes.contains_key("sensitive") => *s = sensitive,
                    Some(_) if overrides => {}
                    _ => {
                        declared.outputs.insert(name.clone(), sensitive);
                        outputs_at.insert(name.clone(), at);
                    }
                }
            }
        }
    }
    Ok(declared)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    /// An identifier or keyword.
    Ident(String),
    /// A quoted string without template sequences (a block label), unescaped only as far as labels need.
    Str(String),
    /// A quoted string with template sequences, or a heredoc.
    Template,
    Open(char),
    Close(char),
    /// `=` as in an attribute (never `==`, `<=`, `>=`, `!=` or `=>`).
    Assign,
    Newline,
    Other,
}

type Scanned = Vec<(Token, usize)>;
type Failure = (usize, String);

/// The tokens of `text`, each with its line.
fn scan(text: &str) -> Result<Scanned, Failure> {
    let chars: Vec<char> = text.chars().collect();
    let mut s = Scanner { chars: &chars, at: 0, line: 1 };
    let mut out = Vec::new();
    while let Some(t) = s.token()? {
        out.push(t);
    }
    Ok(out)
}

struct Scanner<'a> {
    chars: &'a [char],
    at: usize,
    line: usize,
}

impl Scanner<'_> {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    /// The next token, or `None` at the end.
    fn token(&mut self) -> Result<Option<(Token, usize)>, Failure> {
        loop {
            let line = self.line;
            let Some(c) = self.peek(0) else { return Ok(None) };
            let token = match c {
                '\n' => {
                    self.bump();
                    Token::Newline
                }
                c if c.is_whitespace() => {
                    self.bump();
                    continue;
                }
                '#' => {
                    self.skip_line();
                    continue;
                }
                '/' if self.peek(1) == Some('/') => {
                    self.skip_line();
                    continue;
                }
                '/' if self.peek(1) == Some('*') => {
                    self.skip_block_comment()?;
                    continue;
                }
                '"' => self.quoted()?,
                '<' if self.peek(1) == Some('<') => self.heredoc()?,
                '{' | '[' | '(' => {
                    self.bump();
                    Token::Open(c)
                }
                '}' | ']' | ')' => {
                    self.bump();
                    Token::Close(c)
                }
                '=' if matches!(self.peek(1), Some('=' | '>')) => {
                    self.at += 2;
                    Token::Other
                }
                '=' => {
                    self.bump();
                    Token::Assign
                }
                '!' | '<' | '>' if self.peek(1) == Some('=') => {
                    self.at += 2;
                    Token::Other
                }
                c if c.is_alphabetic() || c == '_' => {
                    let start = self.at;
                    while self.peek(0).is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-') {
                        self.bump();
                    }
                    Token::Ident(self.chars[start..self.at].iter().collect())
                }
                _ => {
                    self.bump();
                    Token::Other
                }
            };
            return Ok(Some((token, line)));
        }
    }

    fn skip_line(&mut self) {
        while self.peek(0).is_some_and(|c| c != '\n') {
            self.bump();
        }
    }

    fn skip_block_comment(&mut self) -> Result<(), Failure> {
        let line = self.line;
        self.at += 2;
        while self.peek(0).is_some() {
            if self.peek(0) == Some('*') && self.peek(1) == Some('/') {
                self.at += 2;
                return Ok(());
            }
            self.bump();
        }
        Err((line, "a `/*` comment is never closed with `*/`".into()))
    }

    /// A quoted template, from its opening quote to its closing one.
    fn quoted(&mut self) -> Result<Token, Failure> {
        let line = self.line;
        self.bump();
        let mut text = String::new();
        let mut template = false;
        loop {
            match self.bump() {
                None | Some('\n') => {
                    return Err((line, "a quoted string is not closed on its line; close it with `\"`".into()));
                }
                Some('"') => return Ok(if template { Token::Template } else { Token::Str(text) }),
                Some('\\') => match self.bump() {
                    None | Some('\n') => {
                        return Err((line, "a quoted string is not closed on its line; close it with `\"`".into()));
                    }
                    Some(c) => text.push(c),
                },
                // `$${` and `%%{` are a literal `${` and `%{`.
                Some(c @ ('$' | '%')) if self.peek(0) == Some(c) && self.peek(1) == Some('{') => {
                    self.at += 2;
                    text.push(c);
                    text.push('{');
                }
                Some('$' | '%') if self.peek(0) == Some('{') => {
                    self.bump();
                    template = true;
                    self.template_sequence(line)?;
                }
                Some(c) => text.push(c),
            }
        }
    }

    /// The rest of a `${ … }` or `%{ … }` sequence, whose expression may hold brackets and strings of its own.
    fn template_sequence(&mut self, line: usize) -> Result<(), Failure> {
        let mut depth = 0usize;
        loop {
            match self.token()? {
                None => return Err((line, "a `${` or `%{` in a string is never closed with `}`".into())),
                Some((Token::Open(_), _)) => depth += 1,
                Some((Token::Close(_), _)) if depth == 0 => return Ok(()),
                Some((Token::Close(_), _)) => depth -= 1,
                Some(_) => {}
            }
        }
    }

    /// A heredoc (`<<EOT` or `<<-EOT`, up to a line that is its delimiter alone).
    fn heredoc(&mut self) -> Result<Token, Failure> {
        let line = self.line;
        self.at += 2;
        if self.peek(0) == Some('-') {
            self.at += 1;
        }
        let start = self.at;
        while self.peek(0).is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-') {
            self.at += 1;
        }
        let delimiter: String = self.chars[start..self.at].iter().collect();
        if delimiter.is_empty() || self.peek(0) != Some('\n') {
            return Err((line, "`<<` starts a heredoc: a delimiter and a line end must follow, as in <<EOT".into()));
        }
        self.bump();
        loop {
            let from = self.at;
            self.skip_line();
            let text: String = self.chars[from..self.at].iter().collect();
            if text.trim() == delimiter {
                return Ok(Token::Template);
            }
            if self.bump().is_none() {
                return Err((line, format!("the heredoc is never closed by a line `{delimiter}`")));
            }
        }
    }
}

/// A top-level block: its type, labels, line and the attributes directly in it (name to the first token of the
/// value, as written when it is an identifier such as `true`).
struct Block<'a> {
    kind: &'a str,
    labels: Vec<String>,
    line: usize,
    attributes: BTreeMap<String, String>,
}

/// The top-level blocks of a file's tokens.
fn blocks(tokens: &Scanned) -> Result<Vec<Block<'_>>, Failure> {
    let mut out = Vec::new();
    let mut opened: Vec<(char, usize)> = Vec::new();
    let mut header: Vec<&(Token, usize)> = Vec::new();
    let mut current: Option<Block> = None;
    let mut statement_start = true;
    for (i, entry) in tokens.iter().enumerate() {
        let (token, line) = entry;
        let was_start = std::mem::replace(&mut statement_start, false);
        match token {
            Token::Newline => {
                statement_start = true;
                if opened.is_empty() {
                    header.clear();
                }
            }
            Token::Open(c) => {
                if opened.is_empty() {
                    if *c != '{' {
                        return Err((*line, format!("unexpected `{c}` outside any block")));
                    }
                    current = Some(block_of(&header, *line)?);
                    header.clear();
                }
                opened.push((*c, *line));
                statement_start = *c == '{';
            }
            Token::Close(c) => {
                let want = match c {
                    '}' => '{',
                    ']' => '[',
                    _ => '(',
                };
                match opened.pop() {
                    Some((open, _)) if open == want => {}
                    Some((open, at)) => {
                        return Err((*line, format!("`{c}` closes the `{open}` opened on line {at}")));
                    }
                    None => return Err((*line, format!("`{c}` closes nothing"))),
                }
                if opened.is_empty() {
                    out.extend(current.take());
                }
            }
            _ if opened.is_empty() => header.push(entry),
            Token::Ident(name) if opened.len() == 1 && was_start => {
                if let (Some(block), Some((Token::Assign, _))) = (current.as_mut(), tokens.get(i + 1)) {
                    let value = match tokens.get(i + 2) {
                        Some((Token::Ident(v), _)) => v.clone(),
                        _ => String::new(),
                    };
                    block.attributes.insert(name.clone(), value);
                }
            }
            _ => {}
        }
    }
    match opened.first() {
        Some((c, line)) => Err((*line, format!("the `{c}` opened here is never closed"))),
        None => Ok(out),
    }
}

/// The block that `header` (the tokens before its `{`) opens.
fn block_of<'a>(header: &[&'a (Token, usize)], line: usize) -> Result<Block<'a>, Failure> {
    let Some((Token::Ident(kind), _)) = header.first() else {
        return Err((line, "a `{` with no block type before it".into()));
    };
    let mut labels = Vec::new();
    for (token, _) in &header[1..] {
        match token {
            Token::Str(s) | Token::Ident(s) => labels.push(s.clone()),
            _ => return Err((line, format!("a `{kind}` block's labels must be plain names in quotes"))),
        }
    }
    Ok(Block { kind, labels, line, attributes: BTreeMap::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Result<Declared, Error> {
        read([("modules/m/main.tf".to_owned(), text.to_owned())])
    }

    #[test]
    fn variables_and_outputs_from_every_file() {
        let declared = read([
            ("modules/m/main.tf".to_owned(), "variable \"size\" {\n  type = number\n}\n".to_owned()),
            (
                "modules/m/variables.tf".to_owned(),
                "variable \"name\" {\n  type    = string\n  default = \"x\"\n}\n".to_owned(),
            ),
            (
                "modules/m/outputs.tf".to_owned(),
                "output \"id\" {\n  value = 1\n}\noutput \"token\" {\n  value     = 2\n  sensitive = true\n}\n"
                    .to_owned(),
            ),
        ])
        .expect("declared");
        let size = &declared.variables["size"];
        assert_eq!((size.at.as_str(), size.required), ("modules/m/main.tf:1", true));
        assert!(!declared.variables["name"].required, "it has a default");
        assert_eq!(declared.outputs, BTreeMap::from([("id".into(), false), ("token".into(), true)]));
    }

    #[test]
    fn braces_and_blocks_inside_strings_comments_and_heredocs_are_text() {
        let text = r#"
# variable "in_a_comment" {
/* variable "in_a_block_comment" { } */
resource "terraform_data" "x" {
  input = "${jsonencode({ a = "}" })} variable \"fake\" {"
  other = <<-EOT
    variable "in_a_heredoc" {
    EOT
  nested {
    default = 1
  }
}
variable "real" {
  validation {
    condition     = var.real != "{"
    error_message = "no brace"
  }
}
output "o" { value = 1 }
"#;
        let declared = one(text).expect("declared");
        assert_eq!(declared.variables.keys().collect::<Vec<_>>(), ["real"]);
        assert!(declared.variables["real"].required, "a `default` nested deeper is not the variable's");
        assert_eq!(declared.variables["real"].at, "modules/m/main.tf:13");
        assert_eq!(declared.outputs.keys().collect::<Vec<_>>(), ["o"]);
    }

    #[test]
    fn what_does_not_read_is_located() {
        let err = one("variable \"a\" {\n  default = \"open\n}\n").expect_err("unterminated");
        assert_eq!((err.line, err.path.as_str()), (2, "modules/m/main.tf"), "{err}");
        let err = one("variable \"a\" {\n  default = 1\n").expect_err("unclosed");
        assert_eq!(err.line, 1, "{err}");
        assert!(err.message.contains("never closed"), "{err}");
        let err = one("variable {\n}\n").expect_err("no name");
        assert!(err.message.contains("exactly one name"), "{err}");
        let err = one("variable \"a\" {\n}\n\nvariable \"a\" {\n}\n").expect_err("twice");
        assert_eq!(err.line, 4, "{err}");
        assert!(err.message.contains("first at modules/m/main.tf:1"), "{err}");
        let err = one("x = <<EOT\nnever closed\n").expect_err("heredoc");
        assert!(err.message.contains("heredoc"), "{err}");
    }

    #[test]
    fn an_override_file_changes_a_declaration() {
        let declared = read([
            ("modules/m/main.tf".to_owned(), "variable \"a\" {}\n".to_owned()),
            ("modules/m/main_override.tf".to_owned(), "variable \"a\" {\n  default = 2\n}\n".to_owned()),
        ])
        .expect("declared");
        assert!(!declared.variables["a"].required);
    }
}
