//! YAML documents with source positions.
//!
//! One event-driven parse (yaml-rust2, which reports line and column for every node) builds the document's
//! data as a `serde_yaml::Value` — the model types then deserialize from it with serde — together with a map from
//! each node's path (`spec.owner`, `spec.providesApis[1]`) to where it stands. That map is what lets a semantic
//! error, such as a dangling reference found long after parsing, point at `path:line:col`.
//!
//! Scalars resolve by the YAML 1.2 core schema, as serde_yaml does: `yes` is a string, `0x1f` an integer.

pub mod emit;

use crate::diag::Pos;
use serde_yaml::{Mapping, Number, Value};
use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Alias expansion beyond this many nodes in one document is refused (a "billion laughs" file).
const MAX_NODES_PER_DOCUMENT: usize = 200_000;

/// Where a node and, for a mapping entry, its key stand.
#[derive(Debug, Clone, Copy, Default)]
pub struct Span {
    pub key: Pos,
    pub value: Pos,
}

/// [`Span`] as stored: line and column fit 32 bits (files are at most a few megabytes).
#[derive(Debug, Clone, Copy, Default)]
struct PackedSpan([u32; 4]);

impl From<Span> for PackedSpan {
    fn from(s: Span) -> Self {
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        PackedSpan([n(s.key.line), n(s.key.col), n(s.value.line), n(s.value.col)])
    }
}

impl From<PackedSpan> for Span {
    fn from(p: PackedSpan) -> Self {
        let [kl, kc, vl, vc] = p.0.map(|v| v as usize);
        Span { key: Pos::new(kl, kc), value: Pos::new(vl, vc) }
    }
}

/// A node path (`spec.providesApis[1]`) as a 64-bit FNV-1a hash of its text, extended one segment at a time
/// while parsing, so no path string is built per node. Lookups hash the asked path the same way. Two paths of
/// one document sharing a hash (odds about n^2 / 2^65 for n nodes) would only misplace an error's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct PathHash(u64);

impl PathHash {
    const ROOT: PathHash = PathHash(0xcbf2_9ce4_8422_2325);

    fn extend(self, bytes: &[u8]) -> PathHash {
        PathHash(bytes.iter().fold(self.0, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)))
    }

    fn of(path: &str) -> PathHash {
        PathHash::ROOT.extend(path.as_bytes())
    }

    /// The path of entry `key` of the mapping at `self` (`is_root`: `self` is the empty path).
    fn key(self, is_root: bool, key: &str) -> PathHash {
        if is_root { self.extend(key.as_bytes()) } else { self.extend(b".").extend(key.as_bytes()) }
    }

    /// The path of item `index` of the sequence at `self`.
    fn index(self, mut index: usize) -> PathHash {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (index % 10) as u8;
            index /= 10;
            if index == 0 {
                break;
            }
        }
        self.extend(b"[").extend(&digits[start..]).extend(b"]")
    }
}

/// Where a node stands in its document: its path's hash, and whether that path is the root (empty).
#[derive(Debug, Clone, Copy)]
struct NodePath {
    hash: PathHash,
    root: bool,
}

impl NodePath {
    const ROOT: NodePath = NodePath { hash: PathHash::ROOT, root: true };

    fn key(self, key: &str) -> NodePath {
        NodePath { hash: self.hash.key(self.root, key), root: false }
    }

    fn index(self, index: usize) -> NodePath {
        NodePath { hash: self.hash.index(index), root: false }
    }
}

/// A path hash is already uniformly spread: hashing it again would only cost time.
#[derive(Default, Clone, Copy)]
struct IdentityHasher(u64);

impl std::hash::Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = bytes.iter().fold(self.0, |h, b| (h << 8) | u64::from(*b));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type PathMap = HashMap<PathHash, PackedSpan, std::hash::BuildHasherDefault<IdentityHasher>>;

/// Node path to position, for one document.
#[derive(Debug, Clone, Default)]
pub struct Positions(PathMap);

impl Positions {
    /// Where the value at `path` stands; the nearest enclosing node when that path has no node (a missing field
    /// is reported at its parent mapping).
    pub fn value(&self, path: &str) -> Pos {
        self.lookup(path).value
    }
    /// Where the key of the entry at `path` stands (for "unknown field" style messages).
    pub fn key(&self, path: &str) -> Pos {
        self.lookup(path).key
    }
    fn lookup(&self, mut path: &str) -> Span {
        loop {
            if let Some(span) = self.0.get(&PathHash::of(path)) {
                return (*span).into();
            }
            match path.rfind(['.', '[']) {
                Some(i) => path = &path[..i],
                None => return self.0.get(&PathHash::ROOT).copied().map(Span::from).unwrap_or_default(),
            }
        }
    }
}

/// One document of a (possibly multi-document) YAML file.
#[derive(Debug, Clone)]
pub struct Document {
    pub value: Value,
    pub positions: Positions,
    /// Where the document starts (its first node).
    pub start: Pos,
}

/// A YAML file that could not be read as YAML at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: Pos,
    pub message: String,
}

/// Child path of a mapping entry.
pub fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() { key.to_owned() } else { format!("{parent}.{key}") }
}

/// Child path of a sequence item.
pub fn join_index(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// Parse every document of `text`.
///
/// # Errors
/// The first syntax error, duplicate mapping key, unknown alias or alias bomb, with its position.
pub fn parse(text: &str) -> Result<Vec<Document>, SyntaxError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, true) {
        let m = e.marker();
        return Err(SyntaxError { pos: pos_of(m), message: e.info().to_owned() });
    }
    if let Some(err) = builder.error {
        return Err(err);
    }
    Ok(builder.docs)
}

/// Parse every document of `text`, recovering from a syntax error in one document of a multi-document file: the
/// file is split at its `---` lines and each part is parsed alone, so one broken entity does not hide the others.
pub fn parse_recovering(text: &str) -> (Vec<Document>, Vec<SyntaxError>) {
    let err = match parse(text) {
        Ok(docs) => return (docs, Vec::new()),
        Err(e) => e,
    };
    let mut starts = vec![0usize];
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        if offset > 0
            && (line.starts_with("---\n") || line.starts_with("--- ") || line == "---" || line.starts_with("---\r"))
        {
            starts.push(offset);
        }
        offset += line.len();
    }
    if starts.len() == 1 {
        return (Vec::new(), vec![err]);
    }
    starts.push(text.len());
    let (mut docs, mut errors) = (Vec::new(), Vec::new());
    for pair in starts.windows(2) {
        let line_offset = text[..pair[0]].matches('\n').count();
        match parse(&text[pair[0]..pair[1]]) {
            Ok(part) => docs.extend(part.into_iter().map(|d| d.shifted(line_offset))),
            Err(mut e) => {
                e.pos.line += line_offset;
                errors.push(e);
            }
        }
    }
    (docs, errors)
}

impl Document {
    fn shifted(mut self, lines: usize) -> Self {
        let shift = |p: &mut Pos| {
            if p.line > 0 {
                p.line += lines;
            }
        };
        shift(&mut self.start);
        for packed in self.positions.0.values_mut() {
            let mut span = Span::from(*packed);
            shift(&mut span.key);
            shift(&mut span.value);
            *packed = span.into();
        }
        self
    }
}

fn pos_of(m: &Marker) -> Pos {
    Pos::new(m.line(), m.col() + 1)
}

enum Frame {
    Seq { path: NodePath, items: Vec<Value>, anchor: usize },
    Map { path: NodePath, map: Mapping, pending_key: Option<(String, Pos)>, anchor: usize },
}

#[derive(Default)]
struct Builder {
    docs: Vec<Document>,
    stack: Vec<Frame>,
    positions: PathMap,
    anchors: HashMap<usize, Value>,
    doc_start: Option<Pos>,
    nodes: usize,
    error: Option<SyntaxError>,
}

impl Builder {
    fn fail(&mut self, pos: Pos, message: String) {
        if self.error.is_none() {
            self.error = Some(SyntaxError { pos, message });
        }
    }

    /// The path and key position the next node will take, given the innermost open collection.
    fn next_path(&self) -> (NodePath, Pos) {
        match self.stack.last() {
            None => (NodePath::ROOT, Pos::default()),
            Some(Frame::Seq { path, items, .. }) => (path.index(items.len()), Pos::default()),
            Some(Frame::Map { path, pending_key: Some((k, kpos)), .. }) => (path.key(k), *kpos),
            Some(Frame::Map { path, .. }) => (*path, Pos::default()),
        }
    }

    /// A finished node: either a key awaiting its value, a value for the pending key, a sequence item, or the
    /// document root.
    fn finish(&mut self, value: Value, pos: Pos, anchor: usize) {
        self.nodes += 1;
        if self.nodes > MAX_NODES_PER_DOCUMENT {
            self.fail(pos, format!("document has more than {MAX_NODES_PER_DOCUMENT} nodes (alias expansion?)"));
            return;
        }
        if anchor != 0 {
            self.anchors.insert(anchor, value.clone());
        }
        match self.stack.last_mut() {
            None => {
                let start = self.doc_start.take().unwrap_or(pos);
                let positions = Positions(std::mem::take(&mut self.positions));
                self.docs.push(Document { value, positions, start });
            }
            Some(Frame::Seq { items, .. }) => items.push(value),
            Some(Frame::Map { map, pending_key, .. }) => match pending_key.take() {
                None => {
                    let key = match &value {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Null => "null".to_owned(),
                        _ => {
                            self.fail(pos, "mapping keys must be scalars".to_owned());
                            return;
                        }
                    };
                    *pending_key = Some((key, pos));
                }
                // Duplicates are found on insertion (one hash of the key, not two), reported at the second key.
                Some((key, key_pos)) => match map.entry(Value::String(key)) {
                    serde_yaml::mapping::Entry::Vacant(slot) => {
                        slot.insert(value);
                    }
                    serde_yaml::mapping::Entry::Occupied(first) => {
                        let key = first.key().as_str().unwrap_or_default().to_owned();
                        self.fail(key_pos, format!("duplicate key `{key}` in the same mapping"));
                    }
                },
            },
        }
    }

    fn record(&mut self, path: NodePath, key: Pos, value: Pos) {
        self.positions.insert(path.hash, Span { key, value }.into());
    }

    fn is_key_position(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { pending_key: None, .. }))
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let pos = pos_of(&mark);
        match ev {
            Event::DocumentStart => {
                self.doc_start = None;
                self.nodes = 0;
                self.anchors.clear();
            }
            Event::Scalar(text, style, anchor, tag) => {
                if self.doc_start.is_none() && self.stack.is_empty() {
                    self.doc_start = Some(pos);
                }
                let value = resolve_scalar(text, style, tag.as_ref());
                if !self.is_key_position() {
                    let (path, key_pos) = self.next_path();
                    self.record(path, key_pos, pos);
                }
                self.finish(value, pos, anchor);
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(value) => {
                    if !self.is_key_position() {
                        let (path, key_pos) = self.next_path();
                        self.record(path, key_pos, pos);
                    }
                    self.nodes += count_nodes(&value);
                    self.finish(value, pos, 0);
                }
                None => self.fail(pos, "alias refers to an unknown anchor".to_owned()),
            },
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.is_key_position() {
                    self.fail(pos, "mapping keys must be scalars".to_owned());
                    return;
                }
                if self.doc_start.is_none() && self.stack.is_empty() {
                    self.doc_start = Some(pos);
                }
                let (path, key_pos) = self.next_path();
                // A block collection's start marker sits on its first entry (a later line); its key is where
                // people look. A flow collection (`[a, b]`) starts on its key's line, at its bracket.
                let at = if key_pos == Pos::default() || key_pos.line == pos.line { pos } else { key_pos };
                self.record(path, key_pos, at);
                self.stack.push(if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq { path, items: Vec::new(), anchor }
                } else {
                    Frame::Map { path, map: Mapping::new(), pending_key: None, anchor }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else { return };
                let path = match &frame {
                    Frame::Seq { path, .. } | Frame::Map { path, .. } => *path,
                };
                let start = self.positions.get(&path.hash).map(|s| Span::from(*s).value).unwrap_or(pos);
                let (value, anchor) = match frame {
                    Frame::Seq { items, anchor, .. } => (Value::Sequence(items), anchor),
                    Frame::Map { map, anchor, .. } => (Value::Mapping(map), anchor),
                };
                self.finish(value, start, anchor);
            }
            _ => {}
        }
    }
}

fn count_nodes(v: &Value) -> usize {
    match v {
        Value::Sequence(s) => 1 + s.iter().map(count_nodes).sum::<usize>(),
        Value::Mapping(m) => 1 + m.iter().map(|(k, v)| count_nodes(k) + count_nodes(v)).sum::<usize>(),
        _ => 1,
    }
}

/// YAML 1.2 core schema resolution of a scalar (what serde_yaml does for untagged plain scalars).
fn resolve_scalar(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag {
        if tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:" {
            match tag.suffix.as_str() {
                "str" => return Value::String(text),
                "int" | "float" | "bool" | "null" => {}
                _ => return Value::String(text),
            }
        } else {
            return Value::String(text);
        }
    }
    if style != TScalarStyle::Plain {
        return Value::String(text);
    }
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Number(f64::INFINITY.into()),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Number(f64::NEG_INFINITY.into()),
        ".nan" | ".NaN" | ".NAN" => return Value::Number(f64::NAN.into()),
        _ => {}
    }
    if let Some(n) = parse_int(&text) {
        return Value::Number(n);
    }
    if looks_like_float(&text)
        && let Ok(f) = text.parse::<f64>()
    {
        return Value::Number(f.into());
    }
    Value::String(text)
}

fn parse_int(s: &str) -> Option<Number> {
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, body) = if let Some(h) = digits.strip_prefix("0x") {
        (16, h)
    } else if let Some(o) = digits.strip_prefix("0o") {
        (8, o)
    } else {
        (10, digits)
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    if neg {
        i64::from_str_radix(&format!("-{body}"), radix).ok().map(Number::from)
    } else {
        u64::from_str_radix(body, radix).ok().map(Number::from)
    }
}

fn looks_like_float(s: &str) -> bool {
    let body = s.trim_start_matches(['-', '+']);
    !body.is_empty()
        && body.chars().next().is_some_and(|c| c.is_ascii_digit() || c == '.')
        && body.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        && body.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_point_at_values_and_keys() {
        let docs = parse("a: 1\nspec:\n  owner: team-a\n  list:\n    - x\n    - y\n").expect("valid yaml");
        let p = &docs[0].positions;
        assert_eq!(p.value("spec.owner"), Pos::new(3, 10));
        assert_eq!(p.key("spec.owner"), Pos::new(3, 3));
        assert_eq!(p.value("spec.list[1]"), Pos::new(6, 7));
        // a missing field is reported where its parent stands
        assert_eq!(p.value("spec.nothing"), Pos::new(2, 1));
    }

    #[test]
    fn positions_of_items_past_nine_and_of_a_root_sequence() {
        let items: String = (0..13).map(|i| format!("  - item{i}\n")).collect();
        let docs = parse(&format!("a:\n{items}")).expect("valid yaml");
        assert_eq!(docs[0].positions.value("a[12]"), Pos::new(14, 5));
        assert_eq!(docs[0].positions.value("a[1]"), Pos::new(3, 5));
        let docs = parse("- x\n- {k: v}\n").expect("valid yaml");
        assert_eq!(docs[0].positions.value("[1].k"), Pos::new(2, 7));
        assert_eq!(docs[0].positions.key("[1].k"), Pos::new(2, 4));
    }

    #[test]
    fn multi_document_and_scalar_resolution() {
        let docs = parse("a: yes\nb: 0x10\nc: '1'\nd: 1.5\ne: ~\n---\nf: [1, two]\n").expect("valid");
        assert_eq!(docs.len(), 2);
        let v = &docs[0].value;
        assert_eq!(v["a"], Value::String("yes".into()));
        assert_eq!(v["b"], Value::Number(16u64.into()));
        assert_eq!(v["c"], Value::String("1".into()));
        assert_eq!(v["d"], Value::Number(1.5f64.into()));
        assert_eq!(v["e"], Value::Null);
        assert_eq!(docs[1].start.line, 7);
    }

    #[test]
    fn duplicate_keys_and_syntax_errors_are_located() {
        let err = parse("a: 1\nb: 2\na: 3\n").expect_err("duplicate key");
        assert_eq!(err.pos.line, 3);
        assert!(err.message.contains("duplicate key `a`"));
        let err = parse("a:\n  b: 'unclosed\n").expect_err("unclosed quote");
        assert!(err.pos.line >= 2, "{err:?}");
    }

    #[test]
    fn a_broken_document_does_not_hide_its_neighbours() {
        let text = "a: 1\n---\nb: 'unclosed\nc: 2\n---\nd: 4\n";
        let (docs, errors) = parse_recovering(text);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].value["d"], Value::Number(4u64.into()));
        assert_eq!(docs[1].positions.value("d"), Pos::new(6, 4));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].pos.line >= 3, "{errors:?}");
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse(&text).expect_err("bomb");
        assert!(err.message.contains("nodes"), "{err:?}");
    }
}
