//! The page in English and Simplified Chinese (issue 7, "Languages"): the selector, the `lang`
//! link key, the browser's language as the default, and numbers that do not change with words.
//! Run with `cargo xtask test`.

use gradscope_e2e::Page;
use serde_json::{json, Value as Json};

/// Whether `text` has a CJK ideograph: Chinese is on screen.
fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// What a person reads in the table: each cell's text, row by row.
async fn table_text(page: &Page) -> Json {
    page.js(
        "return Array.from(document.querySelectorAll('table#probe-table tbody tr'),
             tr => Array.from(tr.querySelectorAll('td[data-field]'), td => td.innerText));",
        vec![],
    )
    .await
}

async fn wait_lang(page: &Page, code: &str) {
    page.wait_for(
        &format!("<html lang> to be {code}"),
        &format!("return document.documentElement.lang === {};", json!(code)),
    )
    .await;
}

/// Picks `code` in the #lang selector as a person would (the change event included).
async fn choose(page: &Page, code: &str) {
    page.js(
        "const select = document.getElementById('lang');
         select.value = arguments[0];
         select.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![json!(code)],
    )
    .await;
    wait_lang(page, code).await;
}

#[tokio::test]
async fn switching_to_chinese_changes_the_words_and_the_link_but_not_the_numbers() {
    let page = Page::open("?depth=7&act=tanh").await;
    page.wait_ready().await;
    page.wait_plot_drawn().await;
    choose(&page, "en").await;
    let tagline = page.text(".tagline").await;
    let button = page.text("#try-relu-he").await;
    let (values, cells) = (page.probe_table().await, table_text(&page).await);
    assert!(!has_chinese(&tagline) && !has_chinese(&button), "English first: {tagline:?} {button:?}");

    choose(&page, "zh-CN").await;
    let tagline_zh = page.text(".tagline").await;
    let button_zh = page.text("#try-relu-he").await;
    assert!(has_chinese(&tagline_zh), "the tagline should be Chinese now: {tagline_zh:?}");
    assert!(has_chinese(&button_zh), "the button should be Chinese now: {button_zh:?}");
    assert!(button_zh.contains("ReLU"), "PyTorch/ML names stay as they are: {button_zh:?}");
    page.wait_for("the link to carry lang=zh-CN", "return new URLSearchParams(location.search).get('lang') === 'zh-CN';")
        .await;
    assert_eq!(page.url_param("depth").await.as_deref(), Some("7"), "the experiment stays in the link");
    assert_eq!(page.probe_table().await, values, "the same numbers, bit for bit");
    assert_eq!(table_text(&page).await, cells, "the numbers read the same in both languages");
    page.screenshot("lang-zh-CN").await;

    choose(&page, "en").await;
    assert_eq!(page.text(".tagline").await, tagline, "back to the same English");
    assert_eq!(page.url_param("lang").await.as_deref(), Some("en"), "an explicit choice is kept in the link");
}

#[tokio::test]
async fn a_link_with_lang_zh_cn_opens_in_chinese() {
    let page = Page::open("?lang=zh-CN&depth=5").await;
    page.wait_ready().await;
    wait_lang(&page, "zh-CN").await;
    assert_eq!(page.control("lang").await, "zh-CN", "the selector shows the link's language");
    assert!(has_chinese(&page.text(".tagline").await));
    assert_eq!(page.url_param("lang").await.as_deref(), Some("zh-CN"), "the link keeps its language");
    assert!(!page.is_visible("#clamp-notice").await, "lang is a valid key, nothing to report");
}

#[tokio::test]
async fn an_unknown_lang_is_reported_and_the_browser_language_is_used() {
    let page = Page::open("?lang=tlh&depth=5").await;
    page.wait_ready().await;
    page.wait_visible("#clamp-notice").await;
    let notice = page.text("#clamp-notice").await;
    assert!(notice.contains("lang=tlh"), "the notice should quote the bad value: {notice:?}");
    assert_eq!(page.url_param("lang").await, None, "no choice was made, so none is written");
    assert_eq!(page.url_param("depth").await.as_deref(), Some("5"));
}

#[tokio::test]
async fn without_lang_the_page_follows_the_browser_language() {
    let page = Page::start().await;
    // A reader whose browser prefers Chinese: navigator.language(s) as Chromium reports them
    // with `--lang=zh-CN`, set before the page's script runs (CDP's locale override leaves
    // them alone).
    let prefers_chinese = "Object.defineProperty(navigator, 'language', { get: () => 'zh-CN' });
         Object.defineProperty(navigator, 'languages', { get: () => ['zh-CN', 'zh', 'en'] });";
    page.cdp("Page.addScriptToEvaluateOnNewDocument", json!({ "source": prefers_chinese })).await;
    page.goto("?depth=4").await;
    page.wait_ready().await;
    let browser = page.js("return navigator.language;", vec![]).await;
    assert_eq!(browser, "zh-CN", "the emulated browser language");
    wait_lang(&page, "zh-CN").await;
    assert!(has_chinese(&page.text(".tagline").await));
    assert_eq!(page.url_param("lang").await, None, "the browser's language is not a choice: not in the link");
}

/// Runs of three or more English words in the page's visible text: in Chinese, such a run is a
/// sentence someone forgot to translate (names such as `kaiming_normal` or "Glorot & Bengio"
/// are shorter runs).
async fn english_sentences(page: &Page) -> Vec<String> {
    let runs = page.js("return document.body.innerText.match(/[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}/g) || [];", vec![]).await;
    runs.as_array().expect("a list").iter().map(|run| run.as_str().unwrap_or_default().to_owned()).collect()
}

async fn expect_chinese(page: &Page, selectors: &[&str]) {
    for selector in selectors {
        let text = page.text(selector).await;
        assert!(has_chinese(&text), "{selector} should be Chinese: {text:?}");
    }
}

#[tokio::test]
async fn the_training_pretraining_and_recurrent_parts_switch_language_too() {
    let page = Page::open("?lang=zh-CN").await;
    page.wait_ready().await;
    expect_chinese(&page, &["#training-title", "#play", "#pretraining-title", "#try-pretraining", "#try-recurrent", "label[for=opt]"]).await;
    assert_eq!(english_sentences(&page).await, Vec::<String>::new(), "English left on the Chinese page");

    let page = Page::open("?model=lstm&lang=zh-CN").await;
    page.wait_ready().await;
    page.wait_for("three series", "return document.getElementById('time-plot')?.dataset.seriesCount === '3';").await;
    expect_chinese(&page, &["#time-reading", "#time-table-caption", "#back-to-mlp", "label[for=hidden]", "label[for=fbias]"]).await;
    assert_eq!(english_sentences(&page).await, Vec::<String>::new(), "English left on the Chinese page");
    page.screenshot("lang-zh-CN-recurrent").await;
}

/// Per panel: its id, its text, and how many formulas (`<math>`) it shows.
const PANELS_OPENED: &str = "
    return Array.from(document.querySelectorAll('details.panel'), panel => {
        panel.open = true;
        const body = panel.querySelector('.panel-body');
        return [panel.id, body.innerText, body.querySelectorAll('math').length];
    });";

#[tokio::test]
async fn every_panel_reads_in_chinese_with_the_same_formulas_as_in_english() {
    // Every remedy switched on, so each panel shows its live part too.
    let query = "depth=10&act=tanh&init=orthogonal&res=1&bn=1&opt=adam&clip=norm";
    let page = Page::open(&format!("?{query}&lang=en")).await;
    page.wait_ready().await;
    let english = page.js(PANELS_OPENED, vec![]).await;
    page.goto(&format!("?{query}&lang=zh-CN")).await;
    page.wait_ready().await;
    wait_lang(&page, "zh-CN").await;
    let chinese = page.js(PANELS_OPENED, vec![]).await;
    let (english, chinese) = (english.as_array().expect("a list"), chinese.as_array().expect("a list"));
    assert!(english.len() >= 10, "every explanation panel: {english:?}");
    assert_eq!(english.len(), chinese.len());
    for (en, zh) in english.iter().zip(chinese) {
        let (id, text) = (&zh[0], zh[1].as_str().unwrap_or_default());
        assert_eq!(en[0], *id);
        assert!(has_chinese(text), "{id} should read in Chinese: {text:?}");
        assert_eq!(en[2], zh[2], "{id} shows the same formulas in both languages");
    }
    assert_eq!(english_sentences(&page).await, Vec::<String>::new(), "English left in the Chinese panels");
    page.screenshot("panels-zh-CN").await;
}
