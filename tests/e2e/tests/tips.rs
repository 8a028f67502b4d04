//! Every control and chart explains itself (issue 7: "Every chart and control has a short
//! explanation"): the test walks the whole page in both languages and finds, for every visible
//! input, select, button group and canvas, an "i" tip that describes it (`aria-describedby`
//! naming a non-empty `.info-tip`). A control added later without a tip fails here.
//! Run with `cargo xtask test`.

use gradscope_e2e::Page;
use serde_json::{json, Value as Json};

/// Each link shows a part of the page (with the inputs that only some settings show), and the
/// ids that part must have shown the walk, so that a walk that found nothing cannot pass.
const PAGES: &[(&str, &[&str])] = &[
    (
        // The first screen's training and the pretraining section, as its button sets it up.
        "data=digits&act=sigmoid&init=normal&std=0.1&bn=0&res=0&depth=6&opt=momentum&pretrain=rbm&clip=norm",
        &[
            "lang", "model", "depth", "width", "act", "bn", "res", "init", "std", "data", "batch", "seed", "opt", "lr", "mom",
            "wd", "clip", "clipv", "plot", "speed", "loss-chart", "heatmap-chart", "ratio-chart", "histogram-layer",
            "histogram-chart", "cdk", "pt_epochs", "pt_lr", "pt_mom", "pt_wd", "pcd", "pretrain-curve", "pretrain-overlay", "pretrain-filters",
            "fine-tune",
        ],
    ),
    ("act=leaky_relu&init=uniform&clip=value", &["slope", "bound", "clipv", "boundary-chart"]),
    ("init=kaiming_normal", &["gain"]),
    ("model=lstm", &["model", "hidden", "seq", "tbptt", "rinit", "fbias", "task", "batch", "seed", "time-plot"]),
    ("model=rnn&rinit=kaiming_normal", &["act", "gain"]),
];

/// Opens every explanation panel (charts and controls live in them too), then lists every
/// visible input, select, button group and canvas: `explained` (id → its tips' text) and
/// `unexplained` (what has no tip, named by id or markup).
const WALK: &str = "
    for (const panel of document.querySelectorAll('details')) panel.open = true;
    const visible = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const explained = {}, unexplained = [];
    for (const el of document.querySelectorAll('input, select, textarea, canvas, [role=group]')) {
        if (!visible(el)) continue;
        const tips = (el.getAttribute('aria-describedby') || '').split(/\\s+/)
            .map(id => id && document.getElementById(id))
            .filter(tip => tip && tip.classList.contains('info-tip') && tip.textContent.trim() !== '')
            .map(tip => tip.textContent.trim());
        const name = el.id || el.getAttribute('aria-label') || el.outerHTML.slice(0, 120);
        if (tips.length > 0) explained[name] = tips.join(' '); else unexplained.push(name);
    }
    return { explained, unexplained };";

/// Whether `text` has a CJK ideograph.
fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[tokio::test]
async fn every_visible_control_and_chart_has_a_tip_in_both_languages() {
    let page = Page::start().await;
    for (query, expected) in PAGES {
        for lang in ["en", "zh-CN"] {
            page.goto(&format!("?{query}&lang={lang}")).await;
            page.wait_ready().await;
            page.wait_for(
                &format!("<html lang> to be {lang}"),
                &format!("return document.documentElement.lang === {};", json!(lang)),
            )
            .await;
            if expected.contains(&"boundary-chart") {
                // Shown once the trainer has drawn its first decision boundary.
                page.wait_visible("#boundary-chart").await;
            }
            let walk = page.js(WALK, vec![]).await;
            let unexplained = &walk["unexplained"];
            assert_eq!(unexplained, &json!([]), "?{query}&lang={lang}: these have no \"i\" tip");
            let explained = walk["explained"].as_object().expect("the walk returns an object");
            for id in *expected {
                let tip = explained.get(*id).and_then(Json::as_str).unwrap_or_else(|| {
                    panic!("?{query}&lang={lang}: #{id} should be on screen with its tip; found {:?}", explained.keys())
                });
                assert!(tip.chars().count() > 15, "#{id}'s tip is too short to explain anything: {tip:?}");
                assert_eq!(has_chinese(tip), lang == "zh-CN", "#{id}'s tip should be in {lang}: {tip:?}");
            }
        }
    }
    // To look at: tips pinned open in Chinese, at the top, in the sidebar, over a chart and
    // over a pretraining chart (whose caption is below it).
    page.goto(&format!("?{}&lang=zh-CN", PAGES[0].0)).await;
    page.wait_ready().await;
    for key in ["lang", "lr", "heatmap-chart", "pretrain-filters"] {
        page.js("document.querySelector(`button[aria-describedby=\"info-${arguments[0]}\"]`).click();", vec![json!(key)]).await;
    }
    page.screenshot("tips-zh-CN").await;
}
