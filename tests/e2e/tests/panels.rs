//! Explanation panels (issue 7): each opens, shows MathML and the current network's numbers
//! (the expectations are computed here, independently of the app), and `#panel-…` links open
//! their panel. Screenshots: light, dark and phone. Run with `cargo xtask test`.

use gradscope_e2e::{cli_probe, cli_train, Page, Settings};
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

/// The display formulas (by name) wider than their panel: they would be cut or scroll sideways.
async fn cut_formulas(page: &Page) -> Json {
    page.js(
        "return Array.from(document.querySelectorAll('details[open] math[display=block]'))
             .filter(m => m.scrollWidth > m.clientWidth + 1)
             .map(m => `${m.textContent.slice(0, 30)}: ${m.scrollWidth} > ${m.clientWidth}`);",
        vec![],
    )
    .await
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
    let cut_on_desktop = cut_formulas(&page).await;
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
    for id in PANELS.iter().filter(|&&id| id != "init") {
        open_panel(&phone, id).await;
    }
    assert_eq!((cut_on_desktop, cut_formulas(&phone).await), (json!([]), json!([])), "every formula fits its panel, on a desktop and on a phone");
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

/// The activation chart's `data-counts` (bins, then below, above, non-finite) once it has drawn
/// hidden layer `layer`.
async fn drawn_counts(page: &Page, layer: u64) -> Vec<u64> {
    page.wait_for(
        &format!("the activation chart to draw layer {layer}"),
        &format!("return (document.getElementById('activation-chart').dataset.drawn || '').startsWith('{layer}:');"),
    )
    .await;
    let counts = page.js("return document.getElementById('activation-chart').dataset.counts;", vec![]).await;
    counts.as_str().expect("data-counts").split(',').map(|c| c.parse().expect("a whole count")).collect()
}

/// The CLI's histogram of hidden layer `layer` in the chart's order.
fn cli_counts(report: &Json, layer: usize) -> Vec<u64> {
    let histogram = &report["pre_activations"][layer - 1];
    assert_eq!(histogram["layer"], json!(layer));
    let bins = histogram["counts"].as_array().expect("counts").iter();
    bins.chain([&histogram["below"], &histogram["above"], &histogram["nonfinite"]]).map(|c| c.as_u64().expect("a count")).collect()
}

/// Where `selector` is on the page, for cropping screenshots: "WxH+X+Y".
async fn crop_of(page: &Page, selector: &str) -> String {
    let rect = page
        .js(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect();
             return `${Math.ceil(r.width)}x${Math.ceil(r.height)}+${Math.floor(r.x + scrollX)}+${Math.floor(r.y + scrollY)}`;",
            vec![json!(selector)],
        )
        .await;
    rect.as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn activation_chart_shades_the_clis_histogram_of_the_chosen_layer_and_its_shares() {
    let (batch, width) = (64, 32);
    let query = format!("?depth=6&width={width}&batch={batch}&act=tanh&init=xavier_normal&gain=2.5");
    let page = Page::open(&query).await;
    page.wait_ready().await;
    open_panel(&page, "activation").await;
    let report = cli_probe(&Settings::from_env(), &query);
    let canvas_drawn = "const c = document.getElementById('activation-chart');
         const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
         const colours = new Set();
         for (let i = 0; i < pixels.length; i += 4 * 97) colours.add(pixels[i] << 16 | pixels[i + 1] << 8 | pixels[i + 2]);
         return c.width > 200 && c.height > 200 && colours.size > 5;";

    // The middle hidden layer first, then the last one, chosen on the slider.
    for (layer, choose) in [(3, false), (6, true)] {
        if choose {
            page.js(
                "const s = document.getElementById('activation-layer'); s.value = arguments[0]; s.dispatchEvent(new Event('input', { bubbles: true }));",
                vec![json!(layer.to_string())],
            )
            .await;
        }
        let counts = drawn_counts(&page, layer as u64).await;
        assert_eq!(counts, cli_counts(&report, layer), "layer {layer}: the page shades exactly the CLI's histogram");
        assert_eq!(counts.iter().sum::<u64>(), batch * width, "every value of the batch × width matrix, once");
        assert_eq!(page.js(canvas_drawn, vec![]).await, json!(true), "the chart is drawn");

        // The shares shown are the probe's for this layer, and agree with the histogram: tanh is
        // saturated beyond atanh(0.97) ≈ 2.092, inside the bin [2, 2.125) and its mirror.
        let probe_row = &report["layers"][layer - 1];
        let shown = values(&page, "#activation-shares dd[data-field]").await;
        assert_eq!(shown, [probe_row["saturated"].as_f64().unwrap(), probe_row["dead"].as_f64().unwrap()]);
        let total = (batch * width) as f64;
        let (bins, (below, above)) = (&counts[..96], (counts[96], counts[97]));
        let beyond = |from: usize, to: usize| (below + above + bins[..from].iter().sum::<u64>() + bins[to..].iter().sum::<u64>()) as f64 / total;
        // Bin i covers [−6 + i/8, −6 + (i+1)/8): bins 31 and 64 hold ±2.092.
        let (surely, perhaps) = (beyond(31, 65), beyond(32, 64));
        assert!(surely <= shown[0] && shown[0] <= perhaps, "layer {layer}: {surely} ≤ saturated {} ≤ {perhaps}", shown[0]);
    }
    // The panel's line of means: over the hidden layers, the CLI's rows (its last is the readout).
    let hidden = &report["layers"].as_array().unwrap()[..6];
    let mean = |field: &str| hidden.iter().map(|row| row[field].as_f64().unwrap()).sum::<f64>() / hidden.len() as f64;
    let shown_mean = page.js("const p = document.getElementById('activation-mean'); return [p.dataset.saturated, p.dataset.dead];", vec![]).await;
    assert_eq!(shown_mean, json!([mean("saturated").to_string(), mean("dead").to_string()]), "mean saturated and dead shares");
    let errors = page.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
    println!("activation panel at {}", crop_of(&page, "#panel-activation").await);
    page.screenshot("panel-activation").await;
    page.js("const s = document.getElementById('lang'); s.value = 'zh-CN'; s.dispatchEvent(new Event('change', { bubbles: true }));", vec![]).await;
    page.wait_for("Chinese words in the activation panel", "return /[\\u4e00-\\u9fff]/.test(document.querySelector('#activation-shares dt').textContent);").await;
    assert_eq!(drawn_counts(&page, 6).await, cli_counts(&report, 6), "the same numbers in Chinese");
    let mean_line = page.text("#activation-mean").await;
    assert!(mean_line.contains("饱和") && !mean_line.contains("saturated"), "the means in Chinese words: {mean_line}");
    page.cdp("Emulation.setEmulatedMedia", json!({ "features": [{ "name": "prefers-color-scheme", "value": "dark" }] })).await;
    println!("activation panel (zh-CN, dark) at {}", crop_of(&page, "#panel-activation").await);
    page.screenshot("panel-activation-zh-dark").await;
}

/// The numbers of a live table (`#id`), by `data-field`.
async fn live_numbers(page: &Page, id: &str) -> Json {
    page.js(
        "return Object.fromEntries(Array.from(document.querySelectorAll('#' + arguments[0] + ' td[data-field]'), td => [td.dataset.field, Number(td.dataset.value)]));",
        vec![json!(id)],
    )
    .await
}

#[tokio::test]
async fn clipping_and_adaptive_panels_show_the_training_snapshots_numbers_which_are_the_clis() {
    let query = "?data=spiral&depth=4&width=16&batch=32&act=relu&init=kaiming_normal&opt=adam&lr=0.01&clip=norm&clipv=0.05";
    let page = Page::open(query).await;
    page.wait_ready().await;
    open_panel(&page, "clipping").await;
    open_panel(&page, "adaptive").await;
    assert!(page.is_visible("#panel-clipping .panel-note").await, "before training: how to see the numbers");
    for step in 1..=3 {
        page.click("#step").await;
        page.wait_for(&format!("step {step}"), &format!("return document.getElementById('step-count')?.dataset.value === '{step}';")).await;
    }
    page.wait_for("the live panels at step 3", "return document.querySelectorAll('#panel-clipping .live-step[data-step=\"3\"], #panel-adaptive .live-step[data-step=\"3\"]').length === 2;").await;
    // The CLI's run of the same link: its snapshot at step 3 (one chunk of 3 steps; the page took
    // three chunks of one, which gives the same bits).
    let cli = cli_train(&Settings::from_env(), query, 3);
    let snapshot = &cli["snapshots"][0];
    let clipping = live_numbers(&page, "clipping-live").await;
    assert_eq!(clipping["grad_norm"].as_f64(), snapshot["grad_norm"].as_f64(), "before clipping");
    assert_eq!(clipping["grad_norm_clipped"].as_f64(), snapshot["grad_norm_clipped"].as_f64(), "after clipping");
    assert!(clipping["grad_norm"].as_f64().unwrap() > 0.05, "this run clips: {clipping}");
    assert!((clipping["grad_norm_clipped"].as_f64().unwrap() / 0.05 - 1.0).abs() < 1e-5, "clipped to τ: {clipping}");
    assert_eq!(clipping["clip_events"], json!(1), "the page's last chunk was one clipped step");
    let adaptive = page.table("#adaptive-live").await;
    let layers: Vec<u64> = adaptive.iter().map(|row| row["layer"].parse().unwrap()).collect();
    assert_eq!(layers, [1, 4], "the first and the last hidden layer");
    let adaptive = live_numbers(&page, "adaptive-live").await;
    assert_eq!(adaptive["update_ratio"].as_f64(), snapshot["layers"][3]["update_ratio"].as_f64(), "the last row is layer 4's");
    println!("clipping panel at {}", crop_of(&page, "#panel-clipping").await);
    page.screenshot("panel-clipping").await;

    // Clipping off: the panel says so and shows the norm that τ would be compared with.
    page.js("const s = document.getElementById('clip'); s.value = 'none'; s.dispatchEvent(new Event('change', { bubbles: true }));", vec![]).await;
    page.click("#step").await;
    page.wait_for("step 4", "return document.getElementById('step-count')?.dataset.value === '4';").await;
    page.wait_for("the clipping panel without clipping", "return !document.querySelector('#clipping-live td[data-field=grad_norm_clipped]');").await;
    let clipping = live_numbers(&page, "clipping-live").await;
    assert!(clipping["grad_norm"].as_f64().is_some_and(|n| n > 0.0), "the norm is still shown: {clipping}");
    assert!(page.text("#panel-clipping").await.contains("clip_grad_norm_ would compare"), "it says clipping is off");
}

#[tokio::test]
async fn the_title_follows_the_language() {
    let locale = |code: &str| -> Json {
        let path = format!("{}/../../locales/{code}.json", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"))).expect("a locale is JSON")
    };
    let title = |code: &str| locale(code)["masthead"]["page_title"].as_str().expect("a page title").to_owned();
    let page = Page::open("?lang=en&depth=3").await;
    page.wait_ready().await;
    assert_eq!(page.js("return document.title;", vec![]).await, json!(title("en")));
    page.js("const s = document.getElementById('lang'); s.value = 'zh-CN'; s.dispatchEvent(new Event('change', { bubbles: true }));", vec![]).await;
    let chinese = title("zh-CN");
    assert_ne!(chinese, title("en"));
    page.wait_for("the title in Chinese", &format!("return document.title === {};", json!(chinese))).await;
    let opened = Page::open("?lang=zh-CN").await;
    opened.wait_ready().await;
    assert_eq!(opened.js("return document.title;", vec![]).await, json!(chinese), "a zh-CN link opens with the Chinese title");
}
