//! Every word the page shows, in English and Simplified Chinese.
//!
//! The strings live in `locales/en.json` and `locales/zh-CN.json` (nested by component;
//! `{{ name }}` marks a value filled in at run time). `build.rs` compiles them into one
//! `Strings` struct and a constant per language, so a string is a field access checked by the
//! compiler; a key missing in either file, or a placeholder that differs, fails the build with
//! the key's name (`src/i18n/catalog.rs`, tested there).
//!
//! To add a string:
//! 1. add `"my_key": "Text"` to the component's group in BOTH `locales/en.json` and
//!    `locales/zh-CN.json` (keep the study note's terms: 梯度消失, 梯度爆炸, 链式法则, 批量归一化,
//!    残差连接, 梯度裁剪, 激活函数, 初始化, 学习率, 优化器, 反向传播; PyTorch names such as
//!    `kaiming_normal` stay as they are);
//! 2. in a component: `let i18n = use_i18n();` then `{move || i18n.t().group.my_key}` (reactive:
//!    re-renders when the language changes);
//! 3. with placeholders (`"Layer {{ layer }} of {{ depth }}"`):
//!    `tr!(i18n.t(), group.my_key, layer = l, depth = d)` returns a `String`; every placeholder
//!    must be given (any `Display` value), in any order;
//! 4. outside components (plots, sentences built from numbers), take a `&Strings` parameter
//!    (`Lang::strings()`), so native tests can check both languages.
//!
//! Two groups have a use of their own:
//! - `tips`: the "i" explanation of a control or chart, keyed by the control's link key (or the
//!   chart's name). The form's `Slider`, `NumberField`, `Choice` and `Switch` show the tip of
//!   their `key`; elsewhere put `<InfoFor key="my_chart" label=…/>` beside the chart.
//! - `panels`: the explanation panels' passages, in `panels::prose`'s markup (`**bold**`,
//!   `` `code` ``, lists, `$NAME$` / `$$NAME$$` a formula of `src/math/formulas.txt`: each
//!   language must name the same formulas, and they must exist). Show one with
//!   `let text = panel_text();` … `<Prose text=Signal::derive(move || text().my_passage)/>`.

use std::fmt;
use std::str::FromStr;

use leptos::prelude::*;

use crate::components::panel::{tip_id, InfoFor};

#[cfg(test)]
mod catalog;
mod core_words;

pub use core_words::{
    activation, advice, architecture, clip_method, dataset, diagnosis, gate, inapplicable, init, link_note, model, optimizer, phase, recurrent_init, task,
};

#[allow(clippy::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/strings.rs"));
}
pub use generated::{args, Strings, Strings_panels};

/// A word read from the current language's strings (`|t| t.controls.depth`): labels and titles
/// given to a component, which re-reads it when the language changes.
pub type Label = fn(&Strings) -> &'static str;

/// A string with placeholders filled in: `tr!(strings, group.key, name = value, ...)`.
#[macro_export]
macro_rules! tr {
    ($strings:expr, $($key:ident).+ $(, $name:ident = $value:expr)+ $(,)?) => {
        ($strings $(.$key)+)($crate::i18n::args $(::$key)+ { $($name: &$value),+ })
    };
}

/// The page's languages. The link key `lang` carries `code()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    ZhCn,
}

impl Lang {
    pub const ALL: &'static [Lang] = &[Lang::En, Lang::ZhCn];

    /// The BCP 47 tag: `<html lang>`, the link, the catalog's file name.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::En => &generated::EN,
            Lang::ZhCn => &generated::ZH_CN,
        }
    }

    /// The first of the reader's preferred languages (`navigator.languages`) that the page has,
    /// else English.
    pub fn negotiate<'a>(preferred: impl IntoIterator<Item = &'a str>) -> Lang {
        preferred.into_iter().find_map(|tag| tag.parse().ok()).unwrap_or_default()
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A tag the page has no language for.
#[derive(Debug, PartialEq, Eq)]
pub struct UnknownLang;

/// Matches by primary language, case-insensitively: `zh`, `zh-CN`, `zh-Hans-SG`, `zh-TW` read as
/// Simplified Chinese (the only Chinese the page has), `en-GB` as English.
impl FromStr for Lang {
    type Err = UnknownLang;

    fn from_str(tag: &str) -> Result<Lang, UnknownLang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        Lang::ALL.iter().copied().find(|lang| lang.code()[..2].eq_ignore_ascii_case(primary)).ok_or(UnknownLang)
    }
}

/// The language on screen, shared by every component through Leptos' context.
#[derive(Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
    /// Whether the reader chose the language (the selector, or a link's `lang`), rather than
    /// the browser: only a chosen language goes into the link, so a link shared without a
    /// choice opens in each reader's own language.
    chosen: RwSignal<bool>,
}

impl I18n {
    /// Makes the language available to every component below, and keeps `<html lang>` (screen
    /// readers, fonts and line breaking follow it) and the title in step. Call once, at the top
    /// of the app.
    pub fn provide(lang: Lang, chosen: bool) -> I18n {
        let i18n = I18n { lang: RwSignal::new(lang), chosen: RwSignal::new(chosen) };
        provide_context(i18n);
        Effect::new(move || {
            let document = document();
            if let Some(root) = document.document_element() {
                let _ = root.set_attribute("lang", i18n.lang().code());
            }
            document.set_title(i18n.t().masthead.page_title);
        });
        i18n
    }

    /// The current language (reactive).
    pub fn lang(self) -> Lang {
        self.lang.get()
    }

    /// The current language's strings (reactive).
    pub fn t(self) -> &'static Strings {
        self.lang().strings()
    }

    /// The current language's strings, without subscribing to changes.
    pub fn t_untracked(self) -> &'static Strings {
        self.lang.get_untracked().strings()
    }

    /// The reader picked `lang`.
    pub fn choose(self, lang: Lang) {
        self.chosen.set(true);
        self.lang.set(lang);
    }

    /// The `lang` link value: the language if the reader chose it (reactive).
    pub fn in_link(self) -> Option<Lang> {
        self.chosen.get().then(|| self.lang())
    }
}

/// The `I18n` provided at the top of the app.
pub fn use_i18n() -> I18n {
    expect_context()
}

/// The browser's preferred languages, most preferred first (`navigator.language` is the first of
/// `navigator.languages`, or the only one where the list is missing).
pub fn browser_languages() -> Vec<String> {
    let navigator = window().navigator();
    let list = navigator.languages().into_iter().filter_map(|tag| tag.as_string());
    navigator.language().into_iter().chain(list).collect()
}

/// The language selector (`#lang`), each language named in itself.
#[component]
pub fn LangSelect() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <span class="lang-select"><label>
            <span class="visually-hidden">{move || i18n.t().language.label}</span>
            <select id="lang" name="lang" aria-describedby=tip_id("lang")
                on:change=move |ev| {
                    if let Ok(lang) = event_target_value(&ev).parse() {
                        i18n.choose(lang);
                    }
                }>
                {Lang::ALL.iter().map(|&lang| view! {
                    <option value=lang.code() prop:selected=move || i18n.lang() == lang>{lang.strings().language.name}</option>
                }).collect_view()}
            </select>
        </label><InfoFor key="lang" label=|t| t.language.label/></span>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_match_by_primary_language() {
        assert_eq!("zh-CN".parse(), Ok(Lang::ZhCn));
        assert_eq!("zh-cn".parse(), Ok(Lang::ZhCn));
        assert_eq!("zh-Hans-SG".parse(), Ok(Lang::ZhCn));
        assert_eq!("zh".parse(), Ok(Lang::ZhCn));
        assert_eq!("en-GB".parse(), Ok(Lang::En));
        assert_eq!(" EN ".parse(), Ok(Lang::En));
        assert_eq!("fr".parse::<Lang>(), Err(UnknownLang));
        assert_eq!("".parse::<Lang>(), Err(UnknownLang));
        assert_eq!("z".parse::<Lang>(), Err(UnknownLang));
        for &lang in Lang::ALL {
            assert_eq!(lang.code().parse(), Ok(lang), "a code reads back as itself");
        }
    }

    #[test]
    fn the_first_preferred_language_the_page_has_wins() {
        assert_eq!(Lang::negotiate(["fr-FR", "zh-TW", "en"]), Lang::ZhCn);
        assert_eq!(Lang::negotiate(["de", "en-US", "zh-CN"]), Lang::En);
        assert_eq!(Lang::negotiate(["de", "fr"]), Lang::En);
        assert_eq!(Lang::negotiate([]), Lang::En);
    }

    #[test]
    fn strings_with_placeholders_are_filled_in_each_language() {
        let crashed = |lang: Lang| tr!(lang.strings(), notices.worker_crashed, what = "out of memory");
        assert!(crashed(Lang::En).starts_with("The computation crashed (out of memory)."));
        assert!(crashed(Lang::ZhCn).contains("out of memory"));
        assert_ne!(crashed(Lang::En), crashed(Lang::ZhCn));
    }
}
