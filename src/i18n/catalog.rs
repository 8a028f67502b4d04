//! The string catalog compiler, shared by `build.rs` (which turns `locales/*.json` into Rust)
//! and the app's unit tests (which check that it rejects broken catalogs).
//!
//! A catalog is a JSON object whose leaves are strings, nested to group them by component.
//! `{{ name }}` in a string is filled in at run time (the syntax of leptos_i18n's files, so the
//! catalogs could move to that crate unchanged). `$NAME$` and `$$NAME$$` name a formula of
//! `src/math/formulas.txt` (the panels' prose markup, `panels::prose`). Every language must have
//! exactly the default language's keys, with the same placeholders and formulas in each string,
//! and every formula must exist: anything else is a build error.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

/// One language's file: its code (`zh-CN`, becoming the constant `ZH_CN`) and its JSON text.
pub struct Locale<'a> {
    pub code: &'a str,
    pub json: &'a str,
}

/// A string cut at its placeholders: text, then (placeholder, text) pairs; and the formulas it
/// names, sorted.
#[derive(Debug, PartialEq)]
struct Template {
    head: String,
    rest: Vec<(String, String)>,
    formulas: Vec<String>,
}

impl Template {
    fn parse(text: &str, key: &str, known_formulas: &[&str]) -> Result<Template, String> {
        let pieces: Vec<&str> = text.split('$').collect();
        // A name counts only between two `$`: the first and last pieces are outside any.
        let between = pieces.get(1..pieces.len().saturating_sub(1)).unwrap_or_default();
        let mut formulas: Vec<String> = between.iter().filter(|piece| is_formula_name(piece)).map(|name| name.to_string()).collect();
        if let Some(unknown) = formulas.iter().find(|name| !known_formulas.contains(&name.as_str())) {
            return Err(format!("`{key}`: no formula named {unknown} in src/math/formulas.txt"));
        }
        formulas.sort_unstable();
        let mut pieces = text.split("{{");
        let head = pieces.next().unwrap_or_default().to_owned();
        let mut rest = Vec::new();
        for piece in pieces {
            let (name, after) = piece
                .split_once("}}")
                .ok_or_else(|| format!("`{key}`: '{{{{' without a closing '}}}}'"))?;
            let name = name.trim();
            if !is_identifier(name) {
                return Err(format!("`{key}`: placeholder '{name}' is not a snake_case name"));
            }
            rest.push((name.to_owned(), after.to_owned()));
        }
        Ok(Template { head, rest, formulas })
    }

    /// Placeholder names, sorted and deduplicated: the arguments a caller passes.
    fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.rest.iter().map(|(name, _)| name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// A `format!` string with the placeholders as named arguments.
    fn format_string(&self) -> String {
        let escape = |text: &str| text.replace('{', "{{").replace('}', "}}");
        let mut out = escape(&self.head);
        for (name, text) in &self.rest {
            let _ = write!(out, "{{{name}}}{}", escape(text));
        }
        out
    }
}

/// `NAME` as between the `$` of `$NAME$`: UPPER_SNAKE_CASE, like the formulas' names.
fn is_formula_name(piece: &str) -> bool {
    piece.starts_with(|c: char| c.is_ascii_uppercase())
        && piece.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !RUST_KEYWORDS.contains(&name)
}

/// Lower-case words that cannot name a struct field.
const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// The catalog's shape, taken from the default language.
enum Node {
    Text(Template),
    Group(BTreeMap<String, Node>),
}

fn parse_node(value: &Value, key: &str, known_formulas: &[&str]) -> Result<Node, String> {
    match value {
        Value::String(text) => Template::parse(text, key, known_formulas).map(Node::Text),
        Value::Object(entries) => {
            let mut group = BTreeMap::new();
            for (name, value) in entries {
                if !is_identifier(name) {
                    return Err(format!("`{key}.{name}`: keys are snake_case names (and not Rust keywords)"));
                }
                group.insert(name.clone(), parse_node(value, &join(key, name), known_formulas)?);
            }
            Ok(Node::Group(group))
        }
        _ => Err(format!("`{key}`: a value is a string or an object of them")),
    }
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// Every problem that makes `other` disagree with the default language's shape.
fn compare(shape: &Node, other: &Node, key: &str, code: &str, problems: &mut Vec<String>) {
    match (shape, other) {
        (Node::Text(expected), Node::Text(found)) => {
            if expected.names() != found.names() {
                problems.push(format!(
                    "{code}: `{key}` has placeholders {:?}, the default language has {:?}",
                    found.names(),
                    expected.names()
                ));
            }
            if expected.formulas != found.formulas {
                problems.push(format!(
                    "{code}: `{key}` shows formulas {:?}, the default language {:?}",
                    found.formulas, expected.formulas
                ));
            }
        }
        (Node::Group(expected), Node::Group(found)) => {
            for (name, node) in expected {
                match found.get(name) {
                    Some(other) => compare(node, other, &join(key, name), code, problems),
                    None => problems.push(format!("{code}: missing key `{}`", join(key, name))),
                }
            }
            for name in found.keys().filter(|name| !expected.contains_key(*name)) {
                problems.push(format!("{code}: key `{}` is not in the default language", join(key, name)));
            }
        }
        _ => problems.push(format!("{code}: `{key}` is a string in one language and a group in the other")),
    }
}

/// The Rust source for all `locales` (the first is the default and sets the shape), whose
/// strings may name `known_formulas`, or every problem found.
pub fn compile(locales: &[Locale], known_formulas: &[&str]) -> Result<String, Vec<String>> {
    let parsed: Vec<(&Locale, Node)> = locales
        .iter()
        .map(|locale| {
            let value: Value = serde_json::from_str(locale.json).map_err(|err| vec![format!("{}: {err}", locale.code)])?;
            let node = parse_node(&value, "", known_formulas).map_err(|err| vec![format!("{}: {err}", locale.code)])?;
            Ok((locale, node))
        })
        .collect::<Result<_, Vec<String>>>()?;
    let Some(((_, shape), others)) = parsed.split_first() else {
        return Err(vec!["no locales".to_owned()]);
    };
    if !matches!(shape, Node::Group(_)) {
        return Err(vec!["a catalog is a JSON object".to_owned()]);
    }
    let mut problems = Vec::new();
    for (locale, node) in others {
        compare(shape, node, "", locale.code, &mut problems);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out = String::from("// Generated by build.rs from locales/*.json: edit those, not this.\n\n");
    declare(shape, "", &mut out);
    declare_args(shape, "args", &mut out);
    for (locale, node) in &parsed {
        let _ = writeln!(out, "/// The `{}` catalog.", locale.code);
        let _ = writeln!(out, "pub const {}: Strings = {};", constant_name(locale.code), value(node, ""));
    }
    Ok(out)
}

/// `zh-CN` → `ZH_CN`.
pub fn constant_name(code: &str) -> String {
    code.replace('-', "_").to_ascii_uppercase()
}

/// The struct for a group at `path`: `Strings` at the root, `Strings_path` below (flat names:
/// nested modules would need `super::` paths). A string with placeholders is a function of its
/// arguments struct, declared by `declare_args`.
fn declare(node: &Node, path: &str, out: &mut String) {
    let Node::Group(entries) = node else { return };
    let _ = writeln!(out, "#[allow(non_camel_case_types)]\npub struct {} {{", type_name(path));
    for (name, child) in entries {
        let child_path = join(path, name);
        let ty = match child {
            Node::Group(_) => type_name(&child_path),
            Node::Text(template) if template.rest.is_empty() => "&'static str".to_owned(),
            Node::Text(_) => format!("fn(args::{}<'_>) -> String", child_path.replace('.', "::")),
        };
        let _ = writeln!(out, "    pub {name}: {ty},");
    }
    out.push_str("}\n\n");
    declare_lookup(entries, path, out);
    for (name, child) in entries {
        declare(child, &join(path, name), out);
    }
}

/// For a group of plain strings, `get(key)`: the string whose key is known only at run time
/// (the tips, keyed by the control's link key).
fn declare_lookup(entries: &BTreeMap<String, Node>, path: &str, out: &mut String) {
    let plain = |node: &Node| matches!(node, Node::Text(template) if template.rest.is_empty());
    if !entries.values().all(plain) {
        return;
    }
    let _ = writeln!(out, "impl {} {{", type_name(path));
    out.push_str("    pub fn get(&self, key: &str) -> Option<&'static str> {\n        match key {\n");
    for name in entries.keys() {
        let _ = writeln!(out, "            {name:?} => Some(self.{name}),");
    }
    out.push_str("            _ => None,\n        }\n    }\n}\n\n");
}

/// `args::group::key`, a struct with one `&dyn Display` per placeholder, for every string with
/// placeholders: the path mirrors the key, so `tr!` can name it.
fn declare_args(node: &Node, name: &str, out: &mut String) {
    match node {
        Node::Group(entries) => {
            let _ = writeln!(out, "pub mod {name} {{");
            for (name, child) in entries {
                declare_args(child, name, out);
            }
            out.push_str("}\n");
        }
        Node::Text(template) if !template.rest.is_empty() => {
            let _ = writeln!(out, "#[allow(non_camel_case_types)]\npub struct {name}<'a> {{");
            for name in template.names() {
                let _ = writeln!(out, "    pub {name}: &'a dyn ::std::fmt::Display,");
            }
            out.push_str("}\n");
        }
        Node::Text(_) => {}
    }
}

fn type_name(path: &str) -> String {
    if path.is_empty() {
        "Strings".to_owned()
    } else {
        format!("Strings_{}", path.replace('.', "_"))
    }
}

fn value(node: &Node, path: &str) -> String {
    match node {
        Node::Group(entries) => {
            let fields: Vec<String> =
                entries.iter().map(|(name, child)| format!("{name}: {}", value(child, &join(path, name)))).collect();
            format!("{} {{ {} }}", type_name(path), fields.join(", "))
        }
        Node::Text(template) if template.rest.is_empty() => format!("{:?}", template.head),
        Node::Text(template) => {
            let arguments: Vec<String> = template.names().iter().map(|name| format!("{name} = a.{name}")).collect();
            format!("|a| format!({:?}, {})", template.format_string(), arguments.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiles the two fixtures, with two formulas known.
    fn compile_pair(en: &str, zh: &str) -> Result<String, Vec<String>> {
        compile(&[Locale { code: "en", json: en }, Locale { code: "zh-CN", json: zh }], &["CHAIN_STEP", "ADAM"])
    }

    #[test]
    fn the_shipped_catalogs_agree() {
        let en = include_str!("../../locales/en.json");
        let zh = include_str!("../../locales/zh-CN.json");
        let formulas: Vec<&str> = crate::math::ALL.iter().map(|formula| formula.name).collect();
        let locales = [Locale { code: "en", json: en }, Locale { code: "zh-CN", json: zh }];
        if let Err(problems) = compile(&locales, &formulas) {
            panic!("{}", problems.join("\n"));
        }
    }

    #[test]
    fn every_string_must_show_the_same_known_formulas_in_each_language() {
        let en = r#"{"p": "Step:\n\n$$CHAIN_STEP$$\n\nand $ADAM$ (costs $5), NOT_A_FORMULA"}"#;
        assert!(compile_pair(en, r#"{"p": "$ADAM$ 与\n\n$$CHAIN_STEP$$"}"#).is_ok(), "any order");
        let problems = compile_pair(en, r#"{"p": "步骤：$$CHAIN_STEP$$"}"#).unwrap_err();
        assert_eq!(problems, [r#"zh-CN: `p` shows formulas ["CHAIN_STEP"], the default language ["ADAM", "CHAIN_STEP"]"#]);
        let problems = compile_pair(r#"{"p": "$$CHAIN_STPE$$"}"#, r#"{"p": "$$CHAIN_STPE$$"}"#).unwrap_err();
        assert_eq!(problems, ["en: `p`: no formula named CHAIN_STPE in src/math/formulas.txt"]);
    }

    #[test]
    fn a_group_of_plain_strings_can_be_read_by_key() {
        let source = compile_pair(r#"{"tips": {"lr": "Step size"}}"#, r#"{"tips": {"lr": "步长"}}"#).unwrap();
        assert!(source.contains("impl Strings_tips {"), "{source}");
        assert!(source.contains(r#""lr" => Some(self.lr),"#), "{source}");
        let source = compile_pair(r#"{"g": {"n": "{{ n }} steps"}}"#, r#"{"g": {"n": "{{ n }} 步"}}"#).unwrap();
        assert!(!source.contains("impl Strings_g"), "a string with placeholders is not a plain string: {source}");
    }

    #[test]
    fn a_key_missing_in_either_language_is_an_error() {
        let en = r#"{"a": "A", "group": {"b": "B", "c": "C"}}"#;
        let zh = r#"{"a": "甲", "group": {"b": "乙"}}"#;
        assert_eq!(compile_pair(en, zh).unwrap_err(), ["zh-CN: missing key `group.c`"]);
        assert_eq!(compile_pair(zh, en).unwrap_err(), ["zh-CN: key `group.c` is not in the default language"]);
    }

    #[test]
    fn placeholders_must_match() {
        let en = r#"{"n": "{{ count }} values, {{ count }} shown"}"#;
        assert!(compile_pair(en, r#"{"n": "{{count}} 个值"}"#).is_ok(), "same set of names, any order or spacing");
        let problems = compile_pair(en, r#"{"n": "{{ number }} 个值"}"#).unwrap_err();
        assert_eq!(problems, [r#"zh-CN: `n` has placeholders ["number"], the default language has ["count"]"#]);
        assert!(compile_pair(r#"{"n": "{{ count"}"#, r#"{"n": "x"}"#).is_err());
    }

    #[test]
    fn shapes_and_names_are_checked() {
        assert!(compile_pair(r#"{"a": {"b": "B"}}"#, r#"{"a": "A"}"#).is_err());
        assert!(compile_pair(r#"{"in": "In"}"#, r#"{"in": "入"}"#).is_err(), "keywords cannot be fields");
        assert!(compile_pair(r#"{"Big": "B"}"#, r#"{"Big": "B"}"#).is_err());
        assert!(compile_pair(r#"{"a": 1}"#, r#"{"a": 1}"#).is_err());
    }

    #[test]
    fn placeholders_become_named_format_arguments_and_braces_are_escaped() {
        let template = Template::parse("{x} is {{ value }}, {{ unit }}", "k", &[]).unwrap();
        assert_eq!(template.format_string(), "{{x}} is {value}, {unit}");
        assert_eq!(template.names(), ["unit", "value"]);
        let source = compile_pair(r#"{"g": {"s": "at {{ layer }}"}}"#, r#"{"g": {"s": "第 {{ layer }} 层"}}"#).unwrap();
        assert!(source.contains("pub s: fn(args::g::s<'_>) -> String,"), "{source}");
        assert!(source.contains(r#"|a| format!("第 {layer} 层", layer = a.layer)"#), "{source}");
    }
}
