//! The JSON tree that subgraph data lives in while a plan runs. Strings, numbers and keys are
//! spans into the answer bodies they came from (kept in [`Sources`]), left as the subgraph
//! wrote them: validated, escapes undecoded. Objects are their members in order. Data thus
//! goes from a subgraph's answer to the client's response without a copy, an allocation per
//! leaf, or being decoded and encoded again.

use bytes::Bytes;
use std::borrow::Cow;

/// Where a string, number or key is: a range of one source text. The top bit of `source`
/// says the text holds escapes (`\n`, `\u00e9`), so it must be decoded to be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    source: u32,
    start: u32,
    end: u32,
}

const ESCAPED: u32 = 1 << 31;

impl Span {
    fn has_escapes(self) -> bool {
        self.source & ESCAPED != 0
    }

    fn len(self) -> usize {
        (self.end - self.start) as usize
    }
}

/// Identifies one source text among an execution's [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceId(u32);

impl SourceId {
    pub fn new(id: u32) -> Self {
        Self(id & !ESCAPED)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Span),
    String(Span),
    Array(Vec<Value>),
    Object(Object),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }
}

/// An object's members, in the order they came.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object {
    members: Vec<(Span, Value)>,
}

/// The texts the spans of a tree point into.
#[derive(Debug, Default)]
pub struct Sources {
    texts: Vec<Bytes>,
}

impl Sources {
    /// Keeps `text` as source `id` (ids may be put in any order).
    pub fn put(&mut self, id: SourceId, text: Bytes) {
        let index = id.0 as usize;
        if self.texts.len() <= index {
            self.texts.resize(index + 1, Bytes::new());
        }
        self.texts[index] = text;
    }

    /// The raw text of `span`, escapes undecoded.
    pub fn raw(&self, span: Span) -> &[u8] {
        self.texts
            .get((span.source & !ESCAPED) as usize)
            .and_then(|text| text.get(span.start as usize..span.end as usize))
            .unwrap_or_default()
    }

    /// The text of a string or key, decoded.
    pub fn text(&self, span: Span) -> Cow<'_, str> {
        let raw = self.raw(span);
        if span.has_escapes() {
            Cow::Owned(unescape(raw))
        } else {
            String::from_utf8_lossy(raw)
        }
    }

    /// Whether the string or key at `span` is `text`.
    pub fn is(&self, span: Span, text: &str) -> bool {
        if span.has_escapes() {
            self.text(span) == text
        } else {
            span.len() == text.len() && self.raw(span) == text.as_bytes()
        }
    }

    fn same(&self, a: Span, b: Span) -> bool {
        if a.has_escapes() || b.has_escapes() {
            self.text(a) == self.text(b)
        } else {
            a.len() == b.len() && self.raw(a) == self.raw(b)
        }
    }

    /// The string value's text, when `value` is a string.
    pub fn str<'s>(&'s self, value: &Value) -> Option<Cow<'s, str>> {
        match value {
            Value::String(span) => Some(self.text(*span)),
            _ => None,
        }
    }

    /// Writes `value` as JSON text.
    pub fn write(&self, value: &Value, out: &mut Vec<u8>) {
        match value {
            Value::Null => out.extend_from_slice(b"null"),
            Value::Bool(true) => out.extend_from_slice(b"true"),
            Value::Bool(false) => out.extend_from_slice(b"false"),
            Value::Number(span) => out.extend_from_slice(self.raw(*span)),
            Value::String(span) => self.write_string(*span, out),
            Value::Array(items) => {
                out.push(b'[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    self.write(item, out);
                }
                out.push(b']');
            }
            Value::Object(object) => {
                out.push(b'{');
                for (index, (key, value)) in object.members.iter().enumerate() {
                    if index > 0 {
                        out.push(b',');
                    }
                    self.write_string(*key, out);
                    out.push(b':');
                    self.write(value, out);
                }
                out.push(b'}');
            }
        }
    }

    fn write_string(&self, span: Span, out: &mut Vec<u8>) {
        out.push(b'"');
        out.extend_from_slice(self.raw(span));
        out.push(b'"');
    }
}

impl Object {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &(Span, Value)> {
        self.members.iter()
    }

    pub fn get(&self, sources: &Sources, key: &str) -> Option<&Value> {
        self.members
            .iter()
            .find(|(name, _)| sources.is(*name, key))
            .map(|(_, value)| value)
    }

    pub fn get_mut(&mut self, sources: &Sources, key: &str) -> Option<&mut Value> {
        self.members
            .iter_mut()
            .find(|(name, _)| sources.is(*name, key))
            .map(|(_, value)| value)
    }

    pub fn remove(&mut self, sources: &Sources, key: &str) -> Option<Value> {
        let index = self
            .members
            .iter()
            .position(|(name, _)| sources.is(*name, key))?;
        Some(self.members.remove(index).1)
    }

    /// Deep-merges `source` into `self`: objects member by member, lists of the same length
    /// item by item; anything else replaces what was there.
    pub fn merge(&mut self, sources: &Sources, source: Object) {
        for (key, value) in source.members {
            let existing = self
                .members
                .iter_mut()
                .find(|(name, _)| sources.same(*name, key))
                .map(|(_, value)| value);
            match existing {
                Some(existing) => merge_value(sources, existing, value),
                None => self.members.push((key, value)),
            }
        }
    }
}

fn merge_value(sources: &Sources, existing: &mut Value, incoming: Value) {
    match (existing, incoming) {
        (Value::Object(existing), Value::Object(incoming)) => existing.merge(sources, incoming),
        (Value::Array(existing), Value::Array(incoming)) if existing.len() == incoming.len() => {
            for (existing, incoming) in existing.iter_mut().zip(incoming) {
                merge_value(sources, existing, incoming);
            }
        }
        (existing, incoming) => *existing = incoming,
    }
}

/// Why a text is not the JSON it should be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    #[error("invalid JSON at byte {0}")]
    Syntax(usize),
    #[error("JSON nested more than {MAX_DEPTH} levels deep")]
    TooDeep,
    #[error("JSON text larger than 4 GiB")]
    TooLarge,
}

const MAX_DEPTH: usize = 512;

/// A GraphQL response read from JSON: `data` into the tree, `errors` as plain JSON values
/// (they are few and go through the router's error handling).
#[derive(Debug, Default)]
pub struct Response {
    pub data: Option<Object>,
    pub errors: Vec<serde_json::Value>,
    /// Whether the text had a `data` or an `errors` member at all.
    pub is_graphql: bool,
}

/// Reads a GraphQL response from `text`, which becomes source `id`: spans in the result point
/// into it.
pub fn parse_response(id: SourceId, text: &[u8]) -> Result<Response, JsonError> {
    let mut parser = Parser::new(id, text)?;
    let mut response = Response::default();
    parser.ws();
    parser.expect(b'{')?;
    parser.ws();
    if parser.peek() == Some(b'}') {
        parser.pos += 1;
    } else {
        loop {
            parser.ws();
            let key = parser.string()?;
            parser.ws();
            parser.expect(b':')?;
            parser.ws();
            let start = parser.pos;
            let value = parser.value(0)?;
            match parser.raw(key) {
                b"data" => {
                    response.is_graphql = true;
                    if let Value::Object(data) = value {
                        response.data = Some(data);
                    }
                }
                b"errors" => {
                    response.is_graphql = true;
                    if let Ok(serde_json::Value::Array(errors)) =
                        serde_json::from_slice(&text[start..parser.pos])
                    {
                        response.errors = errors;
                    }
                }
                _ => {}
            }
            parser.ws();
            match parser.next()? {
                b',' => {}
                b'}' => break,
                _ => return Err(parser.error()),
            }
        }
    }
    parser.end()?;
    Ok(response)
}

/// Reads any JSON value from `text`, which becomes source `id`.
pub fn parse(id: SourceId, text: &[u8]) -> Result<Value, JsonError> {
    let mut parser = Parser::new(id, text)?;
    let value = parser.value(0)?;
    parser.end()?;
    Ok(value)
}

struct Parser<'t> {
    text: &'t [u8],
    pos: usize,
    source: u32,
    /// Members of the objects being read, innermost last.
    members: Vec<(Span, Value)>,
    /// Items of the arrays being read, innermost last.
    items: Vec<Value>,
}

/// Bytes that end a run of plain string content: the quote, the backslash, control bytes.
static STRING_STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

impl<'t> Parser<'t> {
    fn new(id: SourceId, text: &'t [u8]) -> Result<Self, JsonError> {
        if u32::try_from(text.len()).is_err() {
            return Err(JsonError::TooLarge);
        }
        // Checked once here, so every span taken between ASCII delimiters is valid UTF-8.
        if let Err(err) = std::str::from_utf8(text) {
            return Err(JsonError::Syntax(err.valid_up_to()));
        }
        Ok(Self {
            text,
            pos: 0,
            source: id.0,
            members: Vec::with_capacity(64),
            items: Vec::with_capacity(64),
        })
    }

    fn error(&self) -> JsonError {
        JsonError::Syntax(self.pos)
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn next(&mut self) -> Result<u8, JsonError> {
        let byte = self.peek().ok_or_else(|| self.error())?;
        self.pos += 1;
        Ok(byte)
    }

    fn expect(&mut self, byte: u8) -> Result<(), JsonError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.pos += 1;
        }
    }

    fn end(&mut self) -> Result<(), JsonError> {
        self.ws();
        if self.pos == self.text.len() {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn raw(&self, span: Span) -> &'t [u8] {
        &self.text[span.start as usize..span.end as usize]
    }

    fn span(&self, start: usize, escaped: bool) -> Span {
        // Both fit: the text's length was checked to fit in a u32.
        Span {
            source: if escaped {
                self.source | ESCAPED
            } else {
                self.source
            },
            start: start as u32,
            end: self.pos as u32,
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.ws();
        match self.peek() {
            Some(b'{') => self.object(depth + 1).map(Value::Object),
            Some(b'[') => self.array(depth + 1).map(Value::Array),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.literal(b"true", Value::Bool(true)),
            Some(b'f') => self.literal(b"false", Value::Bool(false)),
            Some(b'n') => self.literal(b"null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            _ => Err(self.error()),
        }
    }

    fn literal(&mut self, word: &[u8], value: Value) -> Result<Value, JsonError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error())
        }
    }

    fn object(&mut self, depth: usize) -> Result<Object, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.pos += 1;
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Object::new());
        }
        // Members gather on a stack shared by all objects, then move to a vector of the
        // exact size: one allocation per object, none grown.
        let base = self.members.len();
        loop {
            self.ws();
            let key = self.string()?;
            self.ws();
            self.expect(b':')?;
            let value = self.value(depth)?;
            self.members.push((key, value));
            self.ws();
            match self.next()? {
                b',' => {}
                b'}' => {
                    return Ok(Object {
                        members: self.members.drain(base..).collect(),
                    });
                }
                _ => return Err(JsonError::Syntax(self.pos - 1)),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Vec<Value>, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.pos += 1;
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Vec::new());
        }
        let base = self.items.len();
        loop {
            let item = self.value(depth)?;
            self.items.push(item);
            self.ws();
            match self.next()? {
                b',' => {}
                b']' => return Ok(self.items.drain(base..).collect()),
                _ => return Err(JsonError::Syntax(self.pos - 1)),
            }
        }
    }

    /// A string's content, the quotes left out.
    fn string(&mut self) -> Result<Span, JsonError> {
        self.expect(b'"')?;
        let start = self.pos;
        let mut escaped = false;
        loop {
            self.skip_plain();
            match self.peek() {
                Some(b'"') => {
                    let span = self.span(start, escaped);
                    self.pos += 1;
                    return Ok(span);
                }
                Some(b'\\') => {
                    escaped = true;
                    self.pos += 1;
                    match self.next()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            for _ in 0..4 {
                                if !self.next()?.is_ascii_hexdigit() {
                                    return Err(JsonError::Syntax(self.pos - 1));
                                }
                            }
                        }
                        _ => return Err(JsonError::Syntax(self.pos - 1)),
                    }
                }
                _ => return Err(self.error()),
            }
        }
    }

    /// Moves past plain string content, eight bytes at a time while no byte in them is a
    /// quote, a backslash or a control byte.
    fn skip_plain(&mut self) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGHS: u64 = 0x8080_8080_8080_8080;
        while let Some(chunk) = self.text.get(self.pos..self.pos + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            let word = u64::from_le_bytes(word);
            // A byte is zero in `x ^ (c * ONES)` where it equals c; `has_zero` finds one.
            let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
            let control = word.wrapping_sub(0x20 * ONES) & !word & HIGHS;
            if has_zero(word ^ (b'"' as u64 * ONES))
                | has_zero(word ^ (b'\\' as u64 * ONES))
                | control
                != 0
            {
                break;
            }
            self.pos += 8;
        }
        while let Some(&byte) = self.text.get(self.pos) {
            if STRING_STOP[byte as usize] {
                break;
            }
            self.pos += 1;
        }
    }

    fn number(&mut self) -> Result<Span, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return Err(JsonError::Syntax(self.pos - 1)),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.digit()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.digit()?;
        }
        Ok(self.span(start, false))
    }

    /// One digit or more.
    fn digit(&mut self) -> Result<(), JsonError> {
        match self.next()? {
            b'0'..=b'9' => {
                self.digits();
                Ok(())
            }
            _ => Err(JsonError::Syntax(self.pos - 1)),
        }
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }
}

/// Decodes the escapes of string content that the parser validated. A lone surrogate
/// becomes U+FFFD.
fn unescape(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    let text = String::from_utf8_lossy(raw);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let high = hex4(&mut chars);
                let code = if (0xD800..0xDC00).contains(&high) {
                    let rest = chars.as_str();
                    match rest.strip_prefix("\\u") {
                        Some(after) => {
                            let mut low_chars = after.chars();
                            let low = hex4(&mut low_chars);
                            if (0xDC00..0xE000).contains(&low) {
                                chars = low_chars;
                                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                0xFFFD
                            }
                        }
                        None => 0xFFFD,
                    }
                } else {
                    high
                };
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn hex4(chars: &mut std::str::Chars<'_>) -> u32 {
    (0..4).fold(0, |code, _| {
        code * 16 + chars.next().and_then(|c| c.to_digit(16)).unwrap_or(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<(Sources, Value), JsonError> {
        let id = SourceId::new(0);
        let value = parse(id, text.as_bytes())?;
        let mut sources = Sources::default();
        sources.put(id, Bytes::copy_from_slice(text.as_bytes()));
        Ok((sources, value))
    }

    fn round_trip(text: &str) -> String {
        let (sources, value) = read(text).expect("valid JSON");
        let mut out = Vec::new();
        sources.write(&value, &mut out);
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn values_are_written_back_as_they_came_without_layout() {
        let text = r#" { "a" : [1, -2.5e+3, 0.25, true, false, null],
            "b\n": "caf\u00e9 \ud83d\ude00 \"q\" \\ /", "c": {}, "d": [], "e": "é" } "#;
        let written = round_trip(text);
        assert_eq!(
            written,
            r#"{"a":[1,-2.5e+3,0.25,true,false,null],"b\n":"caf\u00e9 \ud83d\ude00 \"q\" \\ /","c":{},"d":[],"e":"é"}"#
        );
        let ours: serde_json::Value = serde_json::from_str(&written).expect("valid");
        let theirs: serde_json::Value = serde_json::from_str(text).expect("valid");
        assert_eq!(ours, theirs);
    }

    #[test]
    fn keys_and_strings_with_escapes_compare_decoded() {
        let (sources, value) =
            read(r#"{"na\u006de": "caf\u00e9 \ud83d\ude00\n", "id": 1}"#).expect("valid JSON");
        let Value::Object(object) = value else {
            panic!("an object")
        };
        let name = object
            .get(&sources, "name")
            .expect("the escaped key is found");
        assert_eq!(sources.str(name).as_deref(), Some("café 😀\n"));
        assert!(object.get(&sources, "id").is_some());
        assert!(object.get(&sources, "nam").is_none());
    }

    #[test]
    fn invalid_texts_are_refused_like_serde_json_refuses_them() {
        for text in [
            "",
            "{",
            "}",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "01",
            "1.",
            "-",
            "1e",
            ".5",
            "+1",
            "\"a",
            "\"\\x\"",
            "\"\\u12g4\"",
            "\"a\u{1}b\"",
            "tru",
            "nul",
            "[1 2]",
            "{} {}",
            "[",
            "\"\t\"",
            "NaN",
            "{\"a\":1}x",
        ] {
            assert!(read(text).is_err(), "{text:?} should be refused");
            assert!(
                serde_json::from_str::<serde_json::Value>(text).is_err(),
                "{text:?} is refused by serde_json too"
            );
        }
        assert_eq!(
            parse(SourceId::new(0), b"\"\xff\"").unwrap_err(),
            JsonError::Syntax(1)
        );
    }

    #[test]
    fn special_bytes_are_found_wherever_they_fall_in_a_long_string() {
        for special in ["\\\"", "\\n", "\\u00e9", "é", "😀"] {
            for at in 0..40 {
                let content = format!("{}{special}{}", "a".repeat(at), "b".repeat(40 - at));
                let text = format!("[\"{content}\",\"{content}\"]");
                assert_eq!(round_trip(&text), text);
                let ours: serde_json::Value =
                    serde_json::from_str(&round_trip(&text)).expect("valid");
                assert_eq!(
                    ours,
                    serde_json::from_str::<serde_json::Value>(&text).expect("valid")
                );
            }
        }
        for at in 0..20 {
            let text = format!("\"{}\u{1f}{}\"", "a".repeat(at), "b".repeat(20 - at));
            assert!(read(&text).is_err(), "a control byte at {at} is refused");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(read(&deep).unwrap_err(), JsonError::TooDeep);
        let fine = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(read(&fine).is_ok());
    }

    #[test]
    fn responses_keep_data_and_errors() {
        let text = br#"{"errors":[{"message":"boom","path":["_entities",0]}],"data":{"x":1},"extensions":{"y":[2]}}"#;
        let response = parse_response(SourceId::new(3), text).expect("valid");
        assert!(response.is_graphql);
        assert_eq!(response.data.expect("data").len(), 1);
        assert_eq!(response.errors[0]["message"], "boom");
        let other = parse_response(SourceId::new(0), br#"{"hello":"world"}"#).expect("valid");
        assert!(!other.is_graphql);
        assert!(parse_response(SourceId::new(0), b"[1]").is_err());
    }

    #[test]
    fn merging_joins_objects_and_lists_item_by_item() {
        let text =
            r#"[{"a":{"x":1},"l":[{"p":1},{"p":2}]},{"a":{"y":2},"l":[{"q":3},{"q":4}],"b":true}]"#;
        let (sources, value) = read(text).expect("valid");
        let Value::Array(mut items) = value else {
            panic!("an array")
        };
        let Some(Value::Object(second)) = items.pop() else {
            panic!("an object")
        };
        let Some(Value::Object(mut first)) = items.pop() else {
            panic!("an object")
        };
        first.merge(&sources, second);
        let mut out = Vec::new();
        sources.write(&Value::Object(first), &mut out);
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            r#"{"a":{"x":1,"y":2},"l":[{"p":1,"q":3},{"p":2,"q":4}],"b":true}"#
        );
    }
}
