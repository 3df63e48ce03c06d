//! A fast reader for the plain block YAML that platform repos are made of, falling back to the full parser for
//! everything else.
//!
//! Catalog files, requests and module manifests are block mappings and sequences of one-line scalars, with an
//! occasional flow list (`tags: [go]`) or literal block (`definition: |`). This reader handles exactly that
//! subset, line by line, and sends the same events, at the same positions, that yaml-rust2 would. On the first
//! thing outside the subset it gives up with [`Unsupported`] and the caller parses the whole text again with
//! yaml-rust2, which also gives every syntax error its message: this reader never reports one.
//!
//! Outside the subset (each sends the text to the full parser): tabs, carriage returns, a byte-order mark,
//! directives and `...`; anchors, aliases and tags; quoted or complex (`?`) keys; a key with no value; plain
//! scalars over several lines; quoted scalars with escapes other than `\\ \" \n \t \/`, or over several lines;
//! folded (`>`) blocks, indentation indicators and blocks that start with a blank line; nested or multi-line
//! flow collections; a document that is empty or is a lone scalar.
//!
//! The differential tests in [`super`] hold it to yaml-rust2's events on the repo's own files, on generated
//! platforms, and on random documents, including broken ones.

use super::sink::Sink;
use crate::diag::Pos;
use yaml_rust2::parser::Event;
use yaml_rust2::scanner::TScalarStyle;

/// The text uses YAML outside this reader's subset.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Unsupported;

type Result<T> = std::result::Result<T, Unsupported>;

/// Longest implicit key YAML allows (1024 characters), a little under.
const MAX_KEY: usize = 1000;

/// Send `text`'s events to `sink`, or give up (leaving `sink` part-way: the caller starts a new one).
pub(super) fn read<S: Sink>(text: &str, sink: &mut S) -> Result<()> {
    if text.bytes().any(|b| b == b'\t' || b == b'\r') || text.starts_with('\u{feff}') {
        return Err(Unsupported);
    }
    let mut lines: Vec<&str> = text.split('\n').collect();
    if text.ends_with('\n') {
        lines.pop();
    }
    if lines.iter().any(|l| l.starts_with("...") || l.starts_with('%')) {
        return Err(Unsupported);
    }
    Reader { lines, at: 0, sink, ends_without_newline: !text.is_empty() && !text.ends_with('\n'), depth: 0 }.stream()
}

struct Reader<'t, 's, S> {
    lines: Vec<&'t str>,
    /// The current line (0-based).
    at: usize,
    sink: &'s mut S,
    ends_without_newline: bool,
    /// Block collections open around the current line.
    depth: usize,
}

fn indent(line: &str) -> usize {
    line.bytes().take_while(|b| *b == b' ').count()
}

/// A line that starts a document: `---` alone, or followed by a comment.
fn is_document_start(line: &str) -> bool {
    line == "---" || (line.starts_with("--- ") && empty_or_comment(line[4..].trim_start()))
}

/// `- ` (or a lone `-`): a block sequence entry.
fn is_dash(rest: &str) -> bool {
    rest == "-" || rest.starts_with("- ")
}

/// Nothing left on the line but (maybe) a comment; `rest` starts after any spaces.
fn empty_or_comment(rest: &str) -> bool {
    rest.is_empty() || rest.starts_with('#')
}

/// Characters that cannot start a plain scalar (or that start something this reader leaves to yaml-rust2).
fn starts_plain(rest: &str) -> bool {
    match rest.as_bytes() {
        [] => false,
        [b'-', next, ..] => *next != b' ',
        [b'-'] => false,
        [first, ..] => !b"?:,[]{}#&*!|>'\"%@`".contains(first),
    }
}

/// The key of a `key: value` line, if `rest` is one: its text and style, and the offsets of its `:` and of
/// the value (after spaces). Plain keys stop at `: `; quoted ones close on the same line.
fn split_key(rest: &str) -> Option<(String, TScalarStyle, usize, usize)> {
    let b = rest.as_bytes();
    let colon = if matches!(b.first(), Some(b'"' | b'\'')) {
        let (text, style, len) = quoted(rest).ok()?;
        return (len <= MAX_KEY && b.get(len) == Some(&b':') && matches!(b.get(len + 1), None | Some(b' ')))
            .then(|| (text, style, len, len + 1 + indent(&rest[len + 1..])));
    } else if !starts_plain(rest) {
        return None;
    } else {
        let mut found = None;
        for (i, &c) in b.iter().enumerate() {
            match c {
                b'#' if b[i - 1] == b' ' => return None,
                b'[' | b']' | b'{' | b'}' | b',' | b'"' | b'\'' => return None,
                b':' if i + 1 == b.len() || b[i + 1] == b' ' => {
                    found = Some(i);
                    break;
                }
                _ => {}
            }
        }
        found?
    };
    let key = &rest[..colon];
    if key.ends_with(' ') || key.len() > MAX_KEY {
        return None;
    }
    Some((key.to_owned(), TScalarStyle::Plain, colon, colon + 1 + indent(&rest[colon + 1..])))
}

fn scalar(text: String, style: TScalarStyle) -> Event {
    Event::Scalar(text, style, 0, None)
}

impl<S: Sink> Reader<'_, '_, S> {
    /// The position of byte `offset` of line `line`, as yaml-rust2 reports it (columns count characters).
    fn pos(&self, line: usize, offset: usize) -> Pos {
        let before = &self.lines[line][..offset];
        let col = if before.is_ascii() { offset } else { before.chars().count() };
        Pos::new(line + 1, col + 1)
    }

    /// Move to the next line holding content and return its indentation; `None` at the end of the text or of
    /// the document (a `---` line).
    fn peek(&mut self) -> Option<usize> {
        while let Some(line) = self.lines.get(self.at) {
            let ind = indent(line);
            if !empty_or_comment(&line[ind..]) {
                return (!is_document_start(line)).then_some(ind);
            }
            self.at += 1;
        }
        None
    }

    fn stream(&mut self) -> Result<()> {
        loop {
            if self.peek().is_none() {
                let Some(line) = self.lines.get(self.at) else { return Ok(()) };
                debug_assert!(is_document_start(line));
                self.at += 1;
            }
            let Some(ind) = self.peek() else { return Err(Unsupported) };
            self.sink.on(Event::DocumentStart, Pos::default());
            self.block_node(ind)?;
            if let Some(_stray) = self.peek() {
                return Err(Unsupported);
            }
        }
    }

    /// The block collection whose first entry is on the current line at column `ind`.
    fn block_node(&mut self, ind: usize) -> Result<()> {
        // This reader recurses per level: past the builder's limit, yaml-rust2 reads the text and the builder
        // refuses it at the place it goes too deep.
        if self.depth >= super::sink::MAX_DEPTH {
            return Err(Unsupported);
        }
        self.depth += 1;
        let read = if is_dash(&self.lines[self.at][ind..]) {
            self.block_sequence(ind, false)
        } else {
            self.block_mapping(ind)
        };
        self.depth -= 1;
        read
    }

    fn block_mapping(&mut self, ind: usize) -> Result<()> {
        let mut first = true;
        loop {
            let line = self.lines[self.at];
            let (key, style, colon, value) = split_key(&line[ind..]).ok_or(Unsupported)?;
            if first {
                // yaml-rust2 places a block mapping where its first key's `:` stands.
                self.sink.on(Event::MappingStart(0, None), self.pos(self.at, ind + colon));
                first = false;
            }
            self.sink.on(scalar(key, style), self.pos(self.at, ind));
            self.value(ind, ind + value, true)?;
            match self.peek() {
                Some(next) if next == ind => {}
                Some(next) if next > ind => return Err(Unsupported),
                _ => break,
            }
        }
        self.sink.on(Event::MappingEnd, Pos::default());
        Ok(())
    }

    /// A block sequence at column `ind`; `indentless` when it is a mapping value at its key's own column.
    fn block_sequence(&mut self, ind: usize, indentless: bool) -> Result<()> {
        let mut first = true;
        loop {
            let line = self.lines[self.at];
            let item = ind + 1 + indent(&line[ind + 1..]);
            if first {
                // yaml-rust2 places an indentless sequence where its first item starts.
                if indentless && empty_or_comment(&line[item..]) {
                    return Err(Unsupported);
                }
                self.sink.on(Event::SequenceStart(0, None), self.pos(self.at, if indentless { item } else { ind }));
                first = false;
            }
            if split_key(&line[item..]).is_some() {
                self.block_mapping(item)?;
            } else {
                self.value(ind, item, false)?;
            }
            match self.peek() {
                Some(next) if next == ind && is_dash(&self.lines[self.at][ind..]) => {}
                Some(next) if next > ind => return Err(Unsupported),
                _ => break,
            }
        }
        self.sink.on(Event::SequenceEnd, Pos::default());
        Ok(())
    }

    /// The value starting at byte `offset` of the current line, after a key (`in_mapping`) or a `- ` of a
    /// collection at column `parent`; on the following lines when the line ends there.
    fn value(&mut self, parent: usize, offset: usize, in_mapping: bool) -> Result<()> {
        let line = self.lines[self.at];
        let rest = &line[offset..];
        if empty_or_comment(rest) {
            self.at += 1;
            return match self.peek() {
                Some(ind) if ind > parent => self.block_node(ind),
                Some(ind) if ind == parent && in_mapping && is_dash(&self.lines[self.at][ind..]) => {
                    self.block_sequence(ind, true)
                }
                _ => Err(Unsupported),
            };
        }
        let pos = self.pos(self.at, offset);
        let end = match rest.as_bytes()[0] {
            b'|' => return self.literal(parent, offset),
            b'[' | b'{' => self.flow(offset)?,
            b'"' | b'\'' => {
                let (text, style, len) = quoted(rest)?;
                self.sink.on(scalar(text, style), pos);
                offset + len
            }
            _ => {
                let text = plain_to_line_end(rest)?;
                self.sink.on(scalar(text.to_owned(), TScalarStyle::Plain), pos);
                line.len()
            }
        };
        if !empty_or_comment(line[end..].trim_start()) || (end < line.len() && !line[end..].starts_with(' ')) {
            return Err(Unsupported);
        }
        self.at += 1;
        // A more indented line next would continue a plain scalar, or be an error: yaml-rust2 decides.
        match self.peek() {
            Some(next) if next > parent => Err(Unsupported),
            _ => Ok(()),
        }
    }

    /// A literal block scalar (`|`, `|-`, `|+`) whose indicator is at byte `offset` of the current line.
    fn literal(&mut self, parent: usize, offset: usize) -> Result<()> {
        let header = &self.lines[self.at][offset..];
        let (keep, strip, len) = match header.as_bytes().get(1) {
            Some(b'+') => (true, false, 2),
            Some(b'-') => (false, true, 2),
            _ => (false, false, 1),
        };
        let after = &header[len..];
        if !(after.is_empty() || (after.starts_with(' ') && empty_or_comment(after.trim_start()))) {
            return Err(Unsupported);
        }
        self.at += 1;
        let first = self.lines.get(self.at).ok_or(Unsupported)?;
        let content = indent(first);
        if content <= parent || content == first.len() {
            return Err(Unsupported);
        }
        // yaml-rust2 places a block scalar where its content starts.
        let pos = self.pos(self.at, content);
        let mut text = String::new();
        let mut blank = 0;
        while let Some(line) = self.lines.get(self.at) {
            let ind = indent(line);
            if ind == line.len() && ind <= content {
                blank += 1;
            } else if ind < content {
                break;
            } else {
                text.extend(std::iter::repeat_n('\n', blank));
                blank = 0;
                text.push_str(&line[content..]);
                text.push('\n');
            }
            self.at += 1;
        }
        if self.at == self.lines.len() && self.ends_without_newline {
            return Err(Unsupported);
        }
        if strip {
            text.pop();
        } else if keep {
            text.extend(std::iter::repeat_n('\n', blank));
        }
        self.sink.on(scalar(text, TScalarStyle::Literal), pos);
        match self.peek() {
            Some(next) if next > parent => Err(Unsupported),
            _ => Ok(()),
        }
    }

    /// A flow sequence or mapping of scalars, on one line from byte `offset`; returns the offset after it.
    fn flow(&mut self, offset: usize) -> Result<usize> {
        let line = self.lines[self.at];
        let b = line.as_bytes();
        let mapping = b[offset] == b'{';
        let close = if mapping { b'}' } else { b']' };
        self.sink.on(
            if mapping { Event::MappingStart(0, None) } else { Event::SequenceStart(0, None) },
            self.pos(self.at, offset),
        );
        let skip = |mut i: usize| {
            while b.get(i) == Some(&b' ') {
                i += 1;
            }
            i
        };
        let mut i = skip(offset + 1);
        if b.get(i) == Some(&close) {
            i += 1;
        } else {
            loop {
                if mapping {
                    let len = flow_plain(&line[i..], true)?;
                    if b.get(i + len) != Some(&b':') || b.get(i + len + 1) != Some(&b' ') {
                        return Err(Unsupported);
                    }
                    self.sink.on(scalar(line[i..i + len].to_owned(), TScalarStyle::Plain), self.pos(self.at, i));
                    i = skip(i + len + 1);
                }
                let pos = self.pos(self.at, i);
                let (text, style, len) = match b.get(i) {
                    Some(b'"' | b'\'') => quoted(&line[i..])?,
                    _ => {
                        let len = flow_plain(&line[i..], false)?;
                        (line[i..i + len].to_owned(), TScalarStyle::Plain, len)
                    }
                };
                self.sink.on(scalar(text, style), pos);
                i = skip(i + len);
                match b.get(i) {
                    Some(b',') => i = skip(i + 1),
                    Some(c) if *c == close => {
                        i += 1;
                        break;
                    }
                    _ => return Err(Unsupported),
                }
            }
        }
        self.sink.on(if mapping { Event::MappingEnd } else { Event::SequenceEnd }, Pos::default());
        Ok(i)
    }
}

/// A block plain scalar running to the end of the line (or to a ` #` comment), without trailing spaces.
fn plain_to_line_end(rest: &str) -> Result<&str> {
    if !starts_plain(rest) {
        return Err(Unsupported);
    }
    let b = rest.as_bytes();
    let mut end = b.len();
    for i in 1..b.len() {
        if b[i] == b'#' && b[i - 1] == b' ' {
            end = i;
            break;
        }
        if b[i] == b':' && (i + 1 == b.len() || b[i + 1] == b' ') {
            return Err(Unsupported);
        }
    }
    Ok(rest[..end].trim_end_matches(' '))
}

/// The length of a plain scalar inside a flow collection (up to `,`, the closing bracket, or a key's `:`);
/// anything that would make it more than a simple word or phrase is left to yaml-rust2.
fn flow_plain(rest: &str, key: bool) -> Result<usize> {
    if !starts_plain(rest) {
        return Err(Unsupported);
    }
    let b = rest.as_bytes();
    let mut end = 0;
    while end < b.len() {
        match b[end] {
            b',' | b']' | b'}' => break,
            b':' if key => break,
            b':' | b'#' | b'[' | b'{' | b'"' | b'\'' => return Err(Unsupported),
            _ => end += 1,
        }
    }
    let len = rest[..end].trim_end_matches(' ').len();
    if len == 0 || end == b.len() { Err(Unsupported) } else { Ok(len) }
}

/// A single- or double-quoted scalar at the start of `rest`, closed on the same line: its text, style and
/// length in bytes (quotes included).
fn quoted(rest: &str) -> Result<(String, TScalarStyle, usize)> {
    let b = rest.as_bytes();
    let double = b[0] == b'"';
    let mut text = String::new();
    let mut from = 1;
    let mut i = 1;
    while i < b.len() {
        match (double, b[i]) {
            (false, b'\'') if b.get(i + 1) == Some(&b'\'') => {
                text.push_str(&rest[from..=i]);
                i += 2;
                from = i;
            }
            (false, b'\'') | (true, b'"') => {
                text.push_str(&rest[from..i]);
                let style = if double { TScalarStyle::DoubleQuoted } else { TScalarStyle::SingleQuoted };
                return Ok((text, style, i + 1));
            }
            (true, b'\\') => {
                text.push_str(&rest[from..i]);
                text.push(match b.get(i + 1) {
                    Some(b'\\') => '\\',
                    Some(b'"') => '"',
                    Some(b'n') => '\n',
                    Some(b't') => '\t',
                    Some(b'/') => '/',
                    _ => return Err(Unsupported),
                });
                i += 2;
                from = i;
            }
            _ => i += 1,
        }
    }
    Err(Unsupported)
}
