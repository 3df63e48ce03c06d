//! Writing YAML: byte for byte what `serde_yaml::to_string` (serde_norway, libyaml's emitter) writes, at a
//! fraction of the cost, for the plain data paved writes back (status files, answers).
//!
//! Rendering twenty thousand status files through libyaml's emitter was a fifth of a cold plan's CPU time
//! (docs/benchmarks.md). Status files are committed, so their bytes must not change: this writer builds the
//! document as a tree and lays it out as libyaml does (two-space indent, block sequences not indented under
//! their key, `[]` and `{}` for empty collections, no line wrapping). Scalars it can prove plain are written as
//! they are; any other single-line scalar is written by serde_norway itself, alone; anything else (multi-line
//! strings, enum variants with data, tags, long keys) makes the whole document go through serde_norway. So the
//! output is always serde_norway's; this module only decides when it can produce it faster.

use serde::Serialize;
use serde::ser::{self, Impossible};

/// `serde_yaml::to_string(value)`, faster for plain data.
///
/// # Errors
/// What serde_norway reports (maps with non-scalar keys, bytes).
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_yaml::Error> {
    match value.serialize(TreeSerializer) {
        Ok(node) => {
            let mut out = String::with_capacity(256);
            write_root(&mut out, &node);
            Ok(out)
        }
        Err(Unsupported) => serde_yaml::to_string(value),
    }
}

/// A document as libyaml would be asked to emit it; scalars are already in their final form.
enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

fn write_root(out: &mut String, node: &Node) {
    match node {
        Node::Map(entries) if !entries.is_empty() => write_map(out, entries, 0, false),
        Node::Seq(items) if !items.is_empty() => write_seq(out, items, 0, false),
        other => {
            write_inline(out, other);
            out.push('\n');
        }
    }
}

/// A scalar or an empty collection: what fits after `key: ` or `- `.
fn write_inline(out: &mut String, node: &Node) {
    match node {
        Node::Scalar(s) => out.push_str(s),
        Node::Seq(_) => out.push_str("[]"),
        Node::Map(_) => out.push_str("{}"),
    }
}

fn is_block(node: &Node) -> bool {
    match node {
        Node::Scalar(_) => false,
        Node::Seq(items) => !items.is_empty(),
        Node::Map(entries) => !entries.is_empty(),
    }
}

fn indent(out: &mut String, width: usize) {
    out.extend(std::iter::repeat_n(' ', width));
}

/// Block mapping entries at `width`; with `inline_first`, the first entry continues the line (after `- `).
fn write_map(out: &mut String, entries: &[(String, Node)], width: usize, inline_first: bool) {
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 || !inline_first {
            indent(out, width);
        }
        out.push_str(key);
        out.push(':');
        match value {
            Node::Map(inner) if is_block(value) => {
                out.push('\n');
                write_map(out, inner, width + 2, false);
            }
            // libyaml does not indent a block sequence under its mapping key.
            Node::Seq(items) if is_block(value) => {
                out.push('\n');
                write_seq(out, items, width, false);
            }
            _ => {
                out.push(' ');
                write_inline(out, value);
                out.push('\n');
            }
        }
    }
}

fn write_seq(out: &mut String, items: &[Node], width: usize, inline_first: bool) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 || !inline_first {
            indent(out, width);
        }
        out.push_str("- ");
        match item {
            Node::Map(entries) if is_block(item) => write_map(out, entries, width + 2, true),
            Node::Seq(inner) if is_block(item) => write_seq(out, inner, width + 2, true),
            _ => {
                write_inline(out, item);
                out.push('\n');
            }
        }
    }
}

/// This document (or part) needs serde_norway's own emitter.
#[derive(Debug)]
struct Unsupported;

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not plain data")
    }
}
impl std::error::Error for Unsupported {}
impl ser::Error for Unsupported {
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        Unsupported
    }
}

/// A string scalar as serde_norway writes it on one line, or `Unsupported` when that takes more than a line
/// (multi-line strings become literal blocks, whose indentation depends on where they stand) or a tag.
fn string_scalar(s: &str) -> Result<String, Unsupported> {
    if is_surely_plain(s) {
        return Ok(s.to_owned());
    }
    if s.starts_with('!') || s.contains(['\n', '\r']) {
        return Err(Unsupported);
    }
    alone(s)
}

/// What serde_norway writes for `value` as a whole document, when that is one line: libyaml chooses a scalar's
/// style from its characters, not from where it stands, so the line is the same inside a mapping.
fn alone<T: Serialize + ?Sized>(value: &T) -> Result<String, Unsupported> {
    let mut text = serde_yaml::to_string(value).map_err(|_| Unsupported)?;
    if text.pop() != Some('\n') || text.contains('\n') {
        return Err(Unsupported);
    }
    Ok(text)
}

/// Strings libyaml writes plain and serde_norway does not quote: a letter, `/` or `_` first (so no number,
/// indicator or document marker), then only characters that never start a comment, flow or key indicator in a
/// block context, no `: ` or trailing `:`, no leading or trailing space; and not a word YAML reads as a null or a
/// boolean. Everything else goes to serde_norway, which is always right.
fn is_surely_plain(s: &str) -> bool {
    let bytes = s.as_bytes();
    let Some(&first) = bytes.first() else { return false };
    if !(first.is_ascii_alphabetic() || first == b'/' || first == b'_') || bytes[bytes.len() - 1] == b' ' {
        return false;
    }
    for (i, &b) in bytes.iter().enumerate() {
        let ok = match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => true,
            b'_' | b'.' | b'/' | b'-' | b'@' | b'(' | b')' | b'+' | b'=' | b'^' | b'~' | b'<' | b'>' => true,
            b' ' => bytes.get(i + 1) != Some(&b' '),
            b':' => bytes.get(i + 1).is_some_and(|n| *n != b' '),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    !matches!(
        s,
        "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "inf" | "nan" | "infinity"
    ) && s.parse::<f64>().is_err()
}

struct TreeSerializer;

type Result<T, E = Unsupported> = std::result::Result<T, E>;

impl ser::Serializer for TreeSerializer {
    type Ok = Node;
    type Error = Unsupported;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = Impossible<Node, Unsupported>;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = Impossible<Node, Unsupported>;

    fn serialize_bool(self, v: bool) -> Result<Node> {
        Ok(Node::Scalar(if v { "true" } else { "false" }.to_owned()))
    }
    fn serialize_i8(self, v: i8) -> Result<Node> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Node> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<Node> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<Node> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn serialize_i128(self, v: i128) -> Result<Node> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn serialize_u8(self, v: u8) -> Result<Node> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Node> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Node> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<Node> {
        Ok(Node::Scalar(v.to_string()))
    }
    fn serialize_u128(self, v: u128) -> Result<Node> {
        Ok(Node::Scalar(v.to_string()))
    }
    // Floats and chars are rare in what paved writes; serde_norway formats them (ryu, quoting).
    fn serialize_f32(self, v: f32) -> Result<Node> {
        alone(&v).map(Node::Scalar)
    }
    fn serialize_f64(self, v: f64) -> Result<Node> {
        alone(&v).map(Node::Scalar)
    }
    fn serialize_char(self, v: char) -> Result<Node> {
        alone(&v).map(Node::Scalar)
    }
    fn serialize_str(self, v: &str) -> Result<Node> {
        string_scalar(v).map(Node::Scalar)
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<Node> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result<Node> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Node> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Node> {
        Ok(Node::Scalar("null".to_owned()))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Node> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<Node> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<Node> {
        value.serialize(self)
    }
    // serde_norway writes enum variants with data as YAML tags (`!Variant`).
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<Node> {
        Err(Unsupported)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SeqBuilder> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(Unsupported)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder> {
        Ok(MapBuilder { entries: Vec::with_capacity(len.unwrap_or(0)), key: None })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<MapBuilder> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(Unsupported)
    }
}

struct SeqBuilder(Vec<Node>);

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Node;
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.0.push(value.serialize(TreeSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Node> {
        Ok(Node::Seq(self.0))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Node;
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Node> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Node;
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Node> {
        ser::SerializeSeq::end(self)
    }
}

struct MapBuilder {
    entries: Vec<(String, Node)>,
    key: Option<String>,
}

/// libyaml writes a key longer than this as a complex key (`? key`).
const SIMPLE_KEY_MAX: usize = 128;

impl ser::SerializeMap for MapBuilder {
    type Ok = Node;
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        match key.serialize(TreeSerializer)? {
            Node::Scalar(k) if k.len() < SIMPLE_KEY_MAX => {
                self.key = Some(k);
                Ok(())
            }
            _ => Err(Unsupported),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let key = self.key.take().ok_or(Unsupported)?;
        self.entries.push((key, value.serialize(TreeSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Node> {
        Ok(Node::Map(self.entries))
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Node;
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        ser::SerializeMap::serialize_key(self, key)?;
        ser::SerializeMap::serialize_value(self, value)
    }
    fn end(self) -> Result<Node> {
        Ok(Node::Map(self.entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_yaml::{Mapping, Value};

    use crate::yaml::TestRng as Rng;

    /// Pieces that strings are made of: ordinary words, and every character that changes how YAML reads.
    #[rustfmt::skip]
    const PIECES: &[&str] = &[
        "a", "Z", "team-a", "group:default/x", "catalog/a.yaml", " ", ":", ": ", "#", " #", "-", "- ", "?", ",", "[",
        "]", "{", "}", "'", "\"", "!", "&", "*", "|", ">", "%", "@", "`", "0", "1", "007", "1.5", "1e3", "0x1f", ".",
        "...", "---", "true", "null", "~", "yes", "no", "inf", ".inf", "nan", "é", "\t", "\\", "=", "^2", "~1.4",
        ">=1.0.0, <2.0.0", "(x)", "+", "_", "/", "  ", "\n", "https://x.example/a?b=c", "ü ñ", "\u{7f}", "\u{feff}",
    ];

    fn string(rng: &mut Rng) -> String {
        (0..1 + rng.below(4)).map(|_| PIECES[rng.below(PIECES.len())]).collect()
    }

    fn value(rng: &mut Rng, depth: usize) -> Value {
        match rng.below(if depth > 3 { 5 } else { 8 }) {
            0 => Value::Null,
            1 => Value::Bool(rng.below(2) == 0),
            2 => Value::Number((rng.next() as i64 >> rng.below(60)).into()),
            3 => Value::Number(((rng.next() % 10_000) as f64 / 7.0).into()),
            4 => Value::String(string(rng)),
            5 | 6 => Value::Mapping(
                (0..rng.below(4)).map(|_| (Value::String(string(rng)), value(rng, depth + 1))).collect::<Mapping>(),
            ),
            _ => Value::Sequence((0..rng.below(4)).map(|_| value(rng, depth + 1)).collect()),
        }
    }

    #[test]
    fn writes_what_serde_norway_writes() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for i in 0..20_000 {
            let v = value(&mut rng, 0);
            let expected = serde_yaml::to_string(&v).expect("serde_norway writes it");
            assert_eq!(to_string(&v).expect("writes"), expected, "case {i}: {v:?}");
        }
    }

    #[test]
    fn surely_plain_strings_are_plain_for_serde_norway() {
        let mut rng = Rng(7);
        let mut plain = 0;
        for _ in 0..50_000 {
            let s = string(&mut rng);
            if is_surely_plain(&s) {
                plain += 1;
                assert_eq!(serde_yaml::to_string(&s).expect("writes"), format!("{s}\n"), "{s:?}");
            }
        }
        assert!(plain > 1_000, "the fast path must cover ordinary strings, covered {plain}");
    }

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Status {
        entity: String,
        title: Option<String>,
        relations: Vec<Relation>,
        empty: Vec<String>,
        nested: std::collections::BTreeMap<String, Vec<Vec<u32>>>,
        kind: Kind,
    }
    #[derive(Serialize)]
    struct Relation {
        #[serde(rename = "type")]
        kind: &'static str,
        target: String,
    }
    #[derive(Serialize)]
    enum Kind {
        Plain,
        #[allow(dead_code)]
        WithData(u32),
    }

    #[test]
    fn structs_lay_out_like_serde_norway_and_tagged_enums_fall_back() {
        let mut doc = Status {
            entity: "component:default/svc".to_owned(),
            title: None,
            relations: vec![Relation { kind: "ownedBy", target: "group:default/team-a".to_owned() }],
            empty: vec![],
            nested: [("k".to_owned(), vec![vec![1, 2], vec![]])].into(),
            kind: Kind::Plain,
        };
        let fast = to_string(&doc).expect("writes");
        assert_eq!(fast, serde_yaml::to_string(&doc).expect("writes"));
        assert!(fast.contains("relations:\n- type: ownedBy\n  target: group:default/team-a\n"), "{fast}");
        doc.kind = Kind::WithData(3);
        doc.title = Some("two\nlines".to_owned());
        assert_eq!(to_string(&doc).expect("writes"), serde_yaml::to_string(&doc).expect("writes"));
    }
}
