//! Panel text as one light markup, so a panel's words are one string per language (no view
//! tree per sentence: each Leptos view costs wasm bytes, the page has a size budget) and
//! formulas are named, not written out:
//!
//! - paragraphs are separated by blank lines; a paragraph starting with "- " is a list, one item
//!   per line;
//! - `**bold**`, `` `code` ``, `$NAME$` an inline formula, a paragraph `$$NAME$$` a display
//!   formula (NAME as in `src/math/formulas.txt`).
//!
//! Everything else is text, escaped: a string can never become markup.

use leptos::prelude::*;

use crate::i18n::{use_i18n, Strings_panels};
use crate::math;

/// The panels' passages (the catalogs' `panels` group) in the page's current language,
/// reactive: read it inside a closure.
pub fn panel_text() -> impl Fn() -> &'static Strings_panels + Copy + Send + Sync + 'static {
    let i18n = use_i18n();
    move || &i18n.t().panels
}

/// The HTML for `text` (see the module's rules). An unknown formula name is shown as text.
pub fn prose_html(text: &str) -> String {
    let mut html = String::new();
    for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(name) = paragraph.strip_prefix("$$").and_then(|p| p.strip_suffix("$$")) {
            html.push_str(&formula_or_text(name));
        } else if paragraph.starts_with("- ") {
            html.push_str("<ul>");
            for item in paragraph.lines().map(|line| line.trim().trim_start_matches("- ")) {
                html.push_str("<li>");
                inline(item, &mut html);
                html.push_str("</li>");
            }
            html.push_str("</ul>");
        } else {
            html.push_str("<p>");
            inline(paragraph, &mut html);
            html.push_str("</p>");
        }
    }
    html
}

/// Appends `text` with its inline markup: `**bold**`, `` `code` ``, `$NAME$`.
fn inline(text: &str, html: &mut String) {
    let mut rest = text;
    while let Some(start) = rest.find(['*', '`', '$']) {
        let (marker, open, close) = match &rest[start..] {
            r if r.starts_with("**") => ("**", "<strong>", "</strong>"),
            r if r.starts_with('`') => ("`", "<code>", "</code>"),
            r if r.starts_with('$') => ("$", "", ""),
            _ => ("*", "", ""),
        };
        let after = &rest[start + marker.len()..];
        match (marker, after.find(marker)) {
            ("*", _) | (_, None) => {
                // A lone marker character is text.
                escape_into(&rest[..start + marker.len()], html);
                rest = after;
            }
            (_, Some(end)) => {
                escape_into(&rest[..start], html);
                let inner = &after[..end];
                if marker == "$" {
                    html.push_str(&formula_or_text(inner));
                } else {
                    html.push_str(open);
                    escape_into(inner, html);
                    html.push_str(close);
                }
                rest = &after[end + marker.len()..];
            }
        }
    }
    escape_into(rest, html);
}

fn formula_or_text(name: &str) -> String {
    match math::ALL.iter().find(|f| f.name == name) {
        Some(formula) => formula.fill(&[]),
        None => {
            let mut text = String::new();
            escape_into(name, &mut text);
            text
        }
    }
}

fn escape_into(text: &str, html: &mut String) {
    for c in text.chars() {
        match c {
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            c => html.push(c),
        }
    }
}

/// `text` rendered; re-rendered when the signal changes (the language).
#[component]
pub fn Prose(#[prop(into)] text: Signal<&'static str>) -> impl IntoView {
    view! { <div class="prose" inner_html=move || prose_html(text.get())></div> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_html_and_text_stays_text() {
        assert_eq!(prose_html("a **b** `c`\n\n- x\n- <y>"), "<p>a <strong>b</strong> <code>c</code></p><ul><li>x</li><li>&lt;y&gt;</li></ul>");
        assert_eq!(prose_html("2 * 3 costs $5"), "<p>2 * 3 costs $5</p>");
        assert_eq!(prose_html("$NO_SUCH$"), "<p>NO_SUCH</p>");
    }

    #[test]
    fn formulas_are_spliced_in_by_name() {
        let step = math::CHAIN_STEP.fill(&[]);
        assert_eq!(prose_html("$$CHAIN_STEP$$"), step);
        let factor = math::CHAIN_FACTOR.fill(&[]);
        assert_eq!(prose_html("the factor $CHAIN_FACTOR$."), format!("<p>the factor {factor}.</p>"));
        assert!(step.starts_with("<math display=\"block\"") && !factor.contains("display=\"block\""));
    }
}
