//! Explanation panels (issue 7): each opens, shows MathML and the current network's numbers
//! (the expectations are computed here, independently of the app), and `#panel-…` links open
//! their panel. Screenshots: light, dark and phone. Run with `cargo xtask test`.

use gradscope_e2e::{cli_probe, Page, Settings};
use serde_json::{json, Value as Json};

/// Opens the panel `id` by clicking its summary, and waits until it is open.
async fn open_panel(page: &Page, id: &str) {
    page.click(&format!("#panel-{id} > summary")).await;
    page.wait_for(&format!("#panel-{id} to open"), &format!("return document.getElementById('panel-{id}').open;")).await;
}

/// Number of `<math>` elements inside `selector`.
async fn math_count(page: &Page, selector: &str) -> u64 {
    let count = page.js("return document.querySelectorAll(arguments[0] + ' math').length;", vec![json!(selector)]).await;
    count.as_u64().unwrap_or(0)
}

/// `data-value` of every element matching `selector`, parsed as f64.
async fn values(page: &Page, selector: &str) -> Vec<f64> {
    let values = page
        .js("return Array.from(document.querySelectorAll(arguments[0]), el => el.getAttribute('data-value'));", vec![json!(selector)])
        .await;
    values
        .as_array()
        .unwrap_or_else(|| panic!("no {selector}"))
        .iter()
        .map(|v| v.as_str().and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("{selector}: data-value {v} is not a number")))
        .collect()
}

fn delta_rms(report: &Json) -> Vec<f64> {
    report["layers"].as_array().expect("layers").iter().map(|l| l["delta_rms"].as_f64().expect("delta_rms")).collect()
}

#[tokio::test]
async fn chain_rule_panel_multiplies_the_measured_factors_into_the_plotted_ratio() {
    let query = "?depth=8&width=32&act=tanh&init=xavier_normal";
    let page = Page::open(query).await;
    page.wait_ready().await;
    assert!(!page.js("return document.getElementById('panel-chain-rule').open;", vec![]).await.as_bool().unwrap(), "panels start closed");
    open_panel(&page, "chain-rule").await;
    assert!(math_count(&page, "#panel-chain-rule").await >= 4, "the chain rule's formulas are MathML");

    // Independently: the CLI's δ RMS per layer; factor_l = δ_l / δ_{l+1} for l = 7 … 1.
    let deltas = delta_rms(&cli_probe(&Settings::from_env(), query));
    let expected: Vec<f64> = (1..8).rev().map(|l| deltas[l - 1] / deltas[l]).collect();
    assert_eq!(values(&page, "#chain-table td[data-field=factor]").await, expected);
    let products = values(&page, "#chain-table td[data-field=product]").await;
    let ratio = deltas[0] / deltas[7];
    let last = *products.last().expect("a running product per layer");
    assert!(((last - ratio) / ratio).abs() < 1e-12, "running product {last} vs plotted ratio {ratio}");
    let formula = page.text("#panel-chain-rule [data-formula=CHAIN_RATIO]").await;
    assert!(!formula.contains('?'), "the ratio formula has its number filled in: {formula:?}");
    page.screenshot("panel-chain-rule").await;
}

#[tokio::test]
async fn an_anchor_link_opens_its_panel_and_survives_the_url_update() {
    let page = Page::open("?depth=6#panel-chain-rule").await;
    page.wait_ready().await;
    page.wait_for("the linked panel to open", "return document.getElementById('panel-chain-rule').open;").await;
    let hash = page.js("return location.hash;", vec![]).await;
    assert_eq!(hash, json!("#panel-chain-rule"), "the app's URL update keeps the fragment");
    // Within the page: closing it and following a link to it opens it again.
    page.js("const p = document.getElementById('panel-chain-rule'); p.open = false; location.hash = ''; location.hash = '#panel-chain-rule';", vec![]).await;
    page.wait_for("an in-page link to open the panel", "return document.getElementById('panel-chain-rule').open;").await;
}

#[tokio::test]
async fn xavier_panel_shows_torch_sigma_for_the_chosen_widths() {
    let page = Page::open("?depth=4&width=48&act=tanh&init=xavier_normal&gain=1.5").await;
    page.wait_ready().await;
    open_panel(&page, "init").await;
    // Layers 1 (2 → 48), 2–4 (48 → 48), readout (48 → 2); torch: std = gain·√(2/(fan_in+fan_out)).
    let sigma = |fan_in: f64, fan_out: f64| 1.5 * (2.0 / (fan_in + fan_out)).sqrt();
    let expected = [sigma(2.0, 48.0), sigma(48.0, 48.0), sigma(48.0, 2.0)];
    let shown = values(&page, "#init-table td[data-field=std]").await;
    assert_eq!(shown.len(), 3, "one row per layer shape: {shown:?}");
    for (shown, expected) in shown.iter().zip(expected) {
        assert!(((shown - expected) / expected).abs() < 1e-12, "σ {shown} vs {expected}");
    }
    let live = page.text("#panel-init [data-formula=LIVE_XAVIER_NORMAL]").await;
    assert!(live.contains("48") && live.contains("0.217") && !live.contains('?'), "the hidden layers' formula, filled in: {live:?}");
    // The gain table marks the chosen activation, with PyTorch's 5/3 for tanh.
    let current = page.text("#gain-table tr.current").await;
    assert!(current.contains("tanh") && current.contains("1.67"), "{current:?}");
}

const PANELS: &[&str] = &["activation", "chain-rule", "theory", "init", "orthogonal", "small-init", "batch-norm", "residual", "clipping", "adaptive"];

#[tokio::test]
async fn every_panel_opens_with_its_formulas_in_light_dark_and_on_a_phone() {
    let query = "?depth=10&width=64&act=relu&init=orthogonal&res=1";
    let page = Page::open(query).await;
    page.wait_ready().await;
    for id in PANELS {
        open_panel(&page, id).await;
        assert!(math_count(&page, &format!("#panel-{id}")).await >= 1, "#panel-{id} has MathML");
        let unfilled = page.js("return document.querySelector('#panel-' + arguments[0]).innerText.includes('?');", vec![json!(id)]).await;
        assert_eq!(unfilled, json!(false), "#panel-{id} shows every live number");
    }
    page.screenshot("panels-light").await;
    page.cdp("Emulation.setEmulatedMedia", json!({ "features": [{ "name": "prefers-color-scheme", "value": "dark" }] })).await;
    page.screenshot("panels-dark").await;
    let errors = page.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");

    let phone = Page::start().await;
    phone.emulate_phone().await;
    phone.goto(&format!("{query}#panel-init")).await;
    phone.wait_ready().await;
    phone.wait_for("the linked panel to open", "return document.getElementById('panel-init').open;").await;
    open_panel(&phone, "chain-rule").await;
    // Wide formulas and tables scroll inside their panel; the page itself never scrolls sideways.
    let overflow = phone.js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;", vec![]).await;
    assert_eq!(overflow, json!(0), "the page is wider than the phone");
    phone.screenshot("panels-phone").await;
}

#[tokio::test]
async fn every_control_and_chart_explains_itself_on_tap_and_to_screen_readers() {
    let page = Page::open("").await;
    page.wait_ready().await;
    for key in ["depth", "width", "act", "bn", "res", "init", "data", "batch", "seed", "plot", "table"] {
        let button = format!("#info-{key}-button");
        let described = page
            .js(
                "const b = document.querySelector('button[aria-describedby=\"info-' + arguments[0] + '\"]');
                 if (!b) return null;
                 b.id = 'info-' + arguments[0] + '-button';
                 return document.getElementById(b.getAttribute('aria-describedby')).textContent;",
                vec![json!(key)],
            )
            .await;
        let described = described.as_str().unwrap_or_else(|| panic!("no info button for {key}"));
        assert!(described.len() > 20, "{key}'s explanation: {described:?}");
        assert!(!page.is_visible(&format!("#info-{key}")).await, "{key}'s tip is hidden until asked for");
        page.js("document.getElementById(arguments[0]).scrollIntoView({block: 'center'});", vec![json!(button.trim_start_matches('#'))]).await;
        page.click(&button).await;
        assert!(page.is_visible(&format!("#info-{key}")).await, "a tap on {key}'s i shows its explanation");
        let expanded = page.js("return document.getElementById(arguments[0]).getAttribute('aria-expanded');", vec![json!(button.trim_start_matches('#'))]).await;
        assert_eq!(expanded, json!("true"), "a tap pins {key}'s explanation (touch screens have no hover)");
        page.click(&button).await;
        // Move the pointer off the button, so its tip (shown on hover) no longer covers the next.
        page.click(".masthead h1").await;
    }
}
