//! Formulas: written in LaTeX in `formulas.txt`, rendered to MathML at build time (math-core, in
//! build.rs), shown by the `Math` component. MathML is native in current browsers: no images,
//! no web fonts, and the page's text colour applies (dark mode included).
//!
//! A formula may hold live numbers: `{{name}}` in its LaTeX is a slot, filled with the current
//! network's value when it is shown (`Formula::fill`).

use leptos::prelude::*;

/// A rendered formula: MathML pieces around its slots (`pieces.len() == slots.len() + 1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Formula {
    pub name: &'static str,
    pieces: &'static [&'static str],
    slots: &'static [&'static str],
}

include!(concat!(env!("OUT_DIR"), "/formulas.rs"));

/// A slot's value: the slot's name and the number's text as shown.
pub type SlotValue = (&'static str, String);

impl Formula {
    /// The slots' names, in order of appearance.
    pub fn slots(&self) -> &'static [&'static str] {
        self.slots
    }

    /// The MathML with every slot filled from `values`. A slot without a value shows "?",
    /// never stale or invented numbers (tests check that each panel fills all of its slots).
    pub fn fill(&self, values: &[SlotValue]) -> String {
        let mut mathml = String::from(self.pieces[0]);
        for (slot, piece) in self.slots.iter().zip(&self.pieces[1..]) {
            let value = values.iter().find(|(name, _)| name == slot).map_or("?", |(_, text)| text.as_str());
            mathml.push_str("<mn>");
            mathml.push_str(&escape(value));
            mathml.push_str("</mn>");
            mathml.push_str(piece);
        }
        mathml
    }
}

/// Values are our own number text, but MathML is parsed as markup: never let text become tags.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A formula on the page. `values` fills its slots and is tracked: the numbers follow the
/// current network.
#[component]
pub fn Math(
    formula: Formula,
    #[prop(into, optional)] values: Option<Signal<Vec<SlotValue>>>,
) -> impl IntoView {
    let mathml = move || values.map_or_else(|| formula.fill(&[]), |values| values.with(|v| formula.fill(v)));
    view! { <span class="formula" data-formula=formula.name inner_html=mathml></span> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_formula_is_mathml_with_one_piece_more_than_slots() {
        assert!(!ALL.is_empty());
        for formula in ALL {
            assert_eq!(formula.pieces.len(), formula.slots.len() + 1, "{}", formula.name);
            let mathml = formula.fill(&[]);
            assert!(mathml.starts_with("<math") && mathml.ends_with("</math>"), "{}: {mathml}", formula.name);
        }
    }

    #[test]
    fn slots_are_filled_in_place_and_escaped() {
        let formula = Formula { name: "T", pieces: &["<math><mi>σ</mi><mo>=</mo>", "<mo>+</mo>", "</math>"], slots: &["a", "b"] };
        assert_eq!(formula.fill(&[("b", "2".into()), ("a", "0.125".into())]), "<math><mi>σ</mi><mo>=</mo><mn>0.125</mn><mo>+</mo><mn>2</mn></math>");
        assert_eq!(formula.fill(&[("a", "<x>&".into())]), "<math><mi>σ</mi><mo>=</mo><mn>&lt;x&gt;&amp;</mn><mo>+</mo><mn>?</mn></math>");
    }
}
