//! Inputs made from real files: the fixtures and the example platform repo, mutated the ways files break in
//! the wild and the ways attackers break them on purpose.
//!
//! A [`Mutation`] is plain data (so proptest shrinks a failing list to the one edit that matters) applied to the
//! bytes of a real file: bit flips, truncation, a duplicated or deleted span, a line of hostile text inserted at a
//! line's own indentation (anchors and aliases, tags, merge keys, placeholders, huge numbers, control
//! characters), deep nesting, an alias bomb ("billion laughs"), invalid UTF-8, a byte-order mark, CRLF or lone
//! CR line ends. What is inserted depends on the file's [`Format`].

use proptest::prelude::*;
use proptest::sample::Index;
use std::path::{Path, PathBuf};

/// What kind of text a file is: it picks the hostile snippets worth inserting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
    /// One JSON document a line.
    Jsonl,
    Csv,
}

/// One edit of a file's bytes. Positions are [`Index`]es, resolved against the file as it is when applied.
#[derive(Debug, Clone)]
pub enum Mutation {
    FlipBit {
        at: Index,
        bit: u8,
    },
    SetByte {
        at: Index,
        byte: u8,
    },
    Truncate {
        at: Index,
    },
    Delete {
        at: Index,
        len: u16,
    },
    Duplicate {
        from: Index,
        len: u16,
        to: Index,
    },
    /// A snippet as a new line before line `line`, indented as that line is.
    InsertLine {
        line: Index,
        snippet: Index,
    },
    /// A snippet at any byte.
    Insert {
        at: Index,
        snippet: Index,
    },
    /// `depth` levels of nesting as a new line: flow collections or block sequences (`- - - x`) for YAML,
    /// arrays for JSON.
    Nest {
        line: Index,
        depth: u16,
        block: bool,
    },
    /// An alias bomb of `levels` levels of `width` aliases each, appended as top-level keys, in `docs`
    /// documents; its leaves are a plain scalar or a placeholder that pulls in a file (YAML only; JSON gets a
    /// wide array).
    Laughs {
        levels: u8,
        width: u8,
        docs: u8,
        placeholder: bool,
    },
    /// Bytes that are not UTF-8.
    InvalidUtf8 {
        at: Index,
        which: u8,
    },
    Bom,
    Crlf,
    LoneCr,
}

const YAML_SNIPPETS: &[&str] = &[
    "x: &anchor [a, b, c]",
    "y: *anchor",
    "z: *missing",
    "<<: {merged: true}",
    "<<: *anchor",
    "b: !!binary aGVsbG8gd29ybGQ=",
    "t: !custom/tag value",
    "i: !!int not-a-number",
    "f: !!float 1e400",
    "? [complex, key]\n: value",
    "? {a: b}\n: c",
    "flow: {a: [b, {c: d}], e: 'f'}",
    "q: \"\\u0000\\x07\\uD800\"",
    "s: 'it''s'",
    "block: |\n  line one\n\tline two",
    "folded: >-\n  one\n  two",
    "---",
    "...",
    "%YAML 1.2",
    "%TAG ! tag:example.com,2000:",
    "\tkey: tab-indented",
    "- item",
    ": no key",
    "key without value:",
    "# comment",
    "[",
    "{",
    "\"",
    "'",
    "@reserved",
    "`reserved",
    "n: 1e999999",
    "n: -0x8000000000000001",
    "n: 99999999999999999999999999999999999999999",
    "n: .nan",
    "n: ~",
    "n: yes",
    "n: 0o777777777777777777777777",
    "u: ünïcödé \u{202e}reversed \u{1F600}",
    "k: ${{ github.token }}",
    "data: {$text: ../../platform.yaml}",
    "data: {$text: ../platform.yaml}",
    "data: {$yaml: ./org/groups.yaml}",
    "data: {$json: ../modules/database/module.yaml}",
    "data: {$json: /etc/passwd}",
    "data: {$yaml: https://example.com/x.yaml}",
    "data: {$text: ./missing.txt}",
    "name: \"\"",
    "name: ../../etc",
    "owner: group:default/",
    "owner: ':::'",
    "owner: user:a/b/c",
    "dependsOn: [component:, resource:x/, ':/']",
    "spec: null",
    "metadata: []",
    "apiVersion: 3",
    "kind: [Component]",
    "annotations: {paved.dev/path: microservice, paved.dev/path-version: '>>1.0'}",
    "annotations: {paved.dev/path-version: '^99999999999999999999.0'}",
    "parameters: {size: [[[[]]]]}",
    "moduleVersion: -1",
    "moduleVersion: 18446744073709551616",
    "environment: Production",
    "deletionProtection: 'true'",
];

const JSON_SNIPPETS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    "null",
    "1e999999",
    "-1e-999999",
    "18446744073709551616",
    "-9223372036854775809",
    "0.0000000000000000000000000000000000000000000001",
    "\"\\ud800\"",
    "\"\\u0000\"",
    "\"\\",
    "{\"a\":1,\"a\":2}",
    "\"hash\":\"\"",
    "\"seq\":-1",
    "\"seq\":1.5",
    "\"prev\":null",
    "NaN",
    "Infinity",
    "true",
    "/* comment */",
    "\"bomFormat\":\"CycloneDX\"",
    "\"specVersion\":\"1.6\"",
    "\"spdxVersion\":\"SPDX-2.3\"",
    "\"components\":{}",
    "\"Results\":[{\"Vulnerabilities\":[{}]}]",
    "\"matches\":[{\"vulnerability\":{}}]",
    "\"vulnerabilities\":[{\"cveID\":7}]",
    "\"payloadType\":\"application/vnd.in-toto+json\"",
    "\"payload\":\"!!!not base64\"",
    "\"signatures\":[{\"sig\":\"\",\"keyid\":\"\"}]",
    "\"timestamp\":\"+275760-09-13T00:00:00Z\"",
    "\"created\":\"9999-12-31T23:59:59+14:00\"",
    "\"deployedAt\":\"2099-01-01T00:00:00Z\"",
    "\"component\":\"::\"",
    "\"repository\":{\"full_name\":null}",
    "\"ref\":\"refs/heads/\\u0000\"",
    "\"number\":-1",
    "\"number\":1e3",
    "\"users\":[{\"login\":\"\",\"factors\":[{}]}]",
    "\"good\":-1,\"total\":0",
    "\"ünïcödé \u{202e}\"",
];

const CSV_SNIPPETS: &[&str] = &[
    "\"",
    "\"\"",
    ",",
    ",,,,,,,,,,,,,,,,,,,,",
    "\"a,\nb\"",
    "BilledCost,ChargePeriodStart,Tags",
    "1e999,2026-09-01,{\"service\":\"x\"}",
    "-0,2026-13-45,{}",
    "NaN,2026-09-01T00:00:00Z,{\"service\":\"payments-api\"}",
    "inf,+275760-09-13T00:00:00Z,{\"service\":\"payments-api\"}",
    "1,-262144-01-01,\"{\"\"service\"\":[]}\"",
    "99999999999999999999999999999999999999,2026-09-01 00:00:00,\"{\"\"service\"\":\"\"payments-api\"\"}\"",
    "team,score",
    "platform,11",
    "platform,-1",
    "platform,255",
    "platform,256",
    "ünïcödé,\u{202e}",
];

/// The hostile snippets for `format`.
pub fn snippets(format: Format) -> &'static [&'static str] {
    match format {
        Format::Yaml => YAML_SNIPPETS,
        Format::Json | Format::Jsonl => JSON_SNIPPETS,
        Format::Csv => CSV_SNIPPETS,
    }
}

/// Up to `max` mutations, none most rarely (the unmutated file must load too).
pub fn mutations(max: usize) -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 0..=max)
}

pub fn mutation() -> impl Strategy<Value = Mutation> {
    let index = any::<Index>;
    prop_oneof![
        3 => (index(), 0..8u8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        2 => (index(), any::<u8>()).prop_map(|(at, byte)| Mutation::SetByte { at, byte }),
        2 => index().prop_map(|at| Mutation::Truncate { at }),
        2 => (index(), 1..512u16).prop_map(|(at, len)| Mutation::Delete { at, len }),
        2 => (index(), 1..2048u16, index()).prop_map(|(from, len, to)| Mutation::Duplicate { from, len, to }),
        6 => (index(), index()).prop_map(|(line, snippet)| Mutation::InsertLine { line, snippet }),
        3 => (index(), index()).prop_map(|(at, snippet)| Mutation::Insert { at, snippet }),
        1 => (index(), prop_oneof![1..64u16, 64..20_000u16], any::<bool>())
            .prop_map(|(line, depth, block)| Mutation::Nest { line, depth, block }),
        1 => (2..10u8, prop_oneof![Just(9u8), 2..80u8], 1..5u8, prop::bool::weighted(0.3))
            .prop_map(|(levels, width, docs, placeholder)| Mutation::Laughs { levels, width, docs, placeholder }),
        1 => (index(), any::<u8>()).prop_map(|(at, which)| Mutation::InvalidUtf8 { at, which }),
        1 => Just(Mutation::Bom),
        1 => Just(Mutation::Crlf),
        1 => Just(Mutation::LoneCr),
    ]
}

/// `mutations` applied in order to `bytes` of a file of `format`.
pub fn apply(bytes: &[u8], format: Format, mutations: &[Mutation]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for m in mutations {
        apply_one(&mut out, format, m);
    }
    out
}

fn at(index: &Index, len: usize) -> usize {
    // An index into `len + 1` places: any byte, or the end.
    index.index(len + 1)
}

fn apply_one(b: &mut Vec<u8>, format: Format, m: &Mutation) {
    match m {
        Mutation::FlipBit { at: i, bit } => {
            if !b.is_empty() {
                let i = i.index(b.len());
                b[i] ^= 1 << bit;
            }
        }
        Mutation::SetByte { at: i, byte } => {
            if !b.is_empty() {
                let i = i.index(b.len());
                b[i] = *byte;
            }
        }
        Mutation::Truncate { at: i } => b.truncate(at(i, b.len())),
        Mutation::Delete { at: i, len } => {
            let start = at(i, b.len());
            let end = (start + usize::from(*len)).min(b.len());
            b.drain(start..end);
        }
        Mutation::Duplicate { from, len, to } => {
            let start = at(from, b.len());
            let end = (start + usize::from(*len)).min(b.len());
            let span = b[start..end].to_vec();
            let to = at(to, b.len());
            b.splice(to..to, span);
        }
        Mutation::InsertLine { line, snippet } => {
            let text = snippets(format)[snippet.index(snippets(format).len())];
            insert_line(b, line, text);
        }
        Mutation::Insert { at: i, snippet } => {
            let text = snippets(format)[snippet.index(snippets(format).len())];
            let i = at(i, b.len());
            b.splice(i..i, text.bytes());
        }
        Mutation::Nest { line, depth, block } => {
            let depth = usize::from(*depth);
            let text = match format {
                Format::Yaml if *block => format!("deep:\n{}x", "- ".repeat(depth)),
                Format::Yaml => format!("deep: {}x{}", "[".repeat(depth), "]".repeat(depth)),
                Format::Json | Format::Jsonl => format!("{}1{}", "[".repeat(depth), "]".repeat(depth)),
                Format::Csv => format!("\"{}\",1", "\"\"".repeat(depth)),
            };
            insert_line(b, line, &text);
        }
        Mutation::Laughs { levels, width, docs, placeholder } => {
            if !b.ends_with(b"\n") {
                b.push(b'\n');
            }
            for doc in 0..*docs {
                if doc > 0 && format == Format::Yaml {
                    b.extend_from_slice(b"---\n");
                }
                b.extend_from_slice(laughs(format, *levels, usize::from(*width), *placeholder).as_bytes());
            }
        }
        Mutation::InvalidUtf8 { at: i, which } => {
            const BAD: [&[u8]; 6] = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x80\x80"];
            let i = at(i, b.len());
            b.splice(i..i, BAD[usize::from(*which) % BAD.len()].iter().copied());
        }
        Mutation::Bom => b.splice(0..0, "\u{feff}".bytes()).for_each(drop),
        Mutation::Crlf => *b = replace_newlines(b, b"\r\n"),
        Mutation::LoneCr => *b = replace_newlines(b, b"\r"),
    }
}

fn insert_line(b: &mut Vec<u8>, line: &Index, text: &str) {
    let starts: Vec<usize> =
        std::iter::once(0).chain(b.iter().enumerate().filter(|(_, c)| **c == b'\n').map(|(i, _)| i + 1)).collect();
    let start = starts[line.index(starts.len())];
    let indent: Vec<u8> = b[start..].iter().take_while(|c| **c == b' ').copied().collect();
    let mut ins = Vec::new();
    for (n, l) in text.split('\n').enumerate() {
        if n > 0 {
            ins.push(b'\n');
        }
        ins.extend_from_slice(&indent);
        ins.extend_from_slice(l.as_bytes());
    }
    ins.push(b'\n');
    if start == b.len() && !b.is_empty() && !b.ends_with(b"\n") {
        ins.insert(0, b'\n');
    }
    b.splice(start..start, ins);
}

/// `levels` of `width` references each to the level below: width^levels nodes once expanded. The leaves are
/// `lol`, or with `placeholder` a `$text` placeholder that pulls in the repo's `platform.yaml` (from a file in
/// `catalog/`).
pub fn laughs(format: Format, levels: u8, width: usize, placeholder: bool) -> String {
    match format {
        Format::Yaml => {
            let leaf = if placeholder { "{$text: ../platform.yaml}" } else { "lol" };
            let mut s = format!("lol0: &lol0 [{}]\n", vec![leaf; width].join(", "));
            for l in 1..levels {
                let refs = vec![format!("*lol{}", l - 1); width].join(", ");
                s.push_str(&format!("lol{l}: &lol{l} [{refs}]\n"));
            }
            s
        }
        // JSON has no aliases: the nearest thing is a wide document.
        Format::Json | Format::Jsonl => format!("[{}]\n", vec!["\"lol\""; width * usize::from(levels)].join(",")),
        Format::Csv => format!("{}\n", vec!["lol"; width * usize::from(levels)].join(",")),
    }
}

fn replace_newlines(b: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len() + b.len() / 16);
    for &c in b {
        if c == b'\n' {
            out.extend_from_slice(with);
        } else {
            out.push(c);
        }
    }
    out
}

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A real file of the repository, by path from its root.
pub fn read(rel: &str) -> Vec<u8> {
    let path = root().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file below `dir` (from the repository root) whose name ends with one of `suffixes`, as paths from the
/// root, sorted.
pub fn files_under(dir: &str, suffixes: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root().join(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if suffixes.iter().any(|s| path.to_string_lossy().ends_with(s)) {
                out.push(rel(&path));
            }
        }
    }
    out.sort();
    out
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root()).expect("below the root").to_string_lossy().into_owned()
}

/// The lines of `text` as YAML counts them (LF, CRLF or a lone CR ends one): for checking that an error's line is
/// inside the file.
pub fn line_count(text: &[u8]) -> usize {
    let mut n = 1;
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'\n' => n += 1,
            b'\r' if text.get(i + 1) != Some(&b'\n') => n += 1,
            _ => {}
        }
        i += 1;
    }
    n
}
