//! The training panel, driven as a person would (issue 4, "In the page" and "Tests"): play
//! trains and the charts follow, pause stops, a diverging link explains itself, and the numbers
//! are the CLI's, bit for bit, however the worker chunked the steps. Run with `cargo xtask test`.

use gradscope_e2e::{assert_table_matches_probe, cli_train, json_f64, Page};
use serde_json::{json, Value as Json};

/// Small enough to train fast anywhere; ReLU + He + Adam learns the spiral.
const HEALTHY: &str = "?data=spiral&depth=3&width=16&batch=32&act=relu&init=kaiming_normal&opt=adam&lr=0.01";
/// Plain SGD at lr=10 on a ReLU net with std=1 weights: non-finite within a few steps.
const DIVERGING: &str = "?act=relu&init=normal&std=1&opt=sgd&lr=10&depth=4&width=32";

/// The training step the page shows (`#step-count`'s `data-value`).
async fn step_count(page: &Page) -> u64 {
    let value = page.js("return document.getElementById('step-count')?.dataset.value ?? null;", vec![]).await;
    value.as_str().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("#step-count has no whole-number data-value: {value}"))
}

/// Waits until the panel is in `state` and the worker has nothing queued (its newest progress,
/// drawn, said so), and returns the step shown.
async fn wait_settled(page: &Page, state: &str) -> u64 {
    page.wait_for(
        &format!("the training panel to be {state} with the worker idle"),
        &format!(
            "const t = document.getElementById('training');
             return !!t && t.dataset.state === {state:?} && t.dataset.busy === 'false';"
        ),
    )
    .await;
    step_count(page).await
}

/// Opens the page at `query` and waits until it shows its probe and its training is ready.
async fn open_paused(query: &str) -> Page {
    let page = Page::open(query).await;
    page.wait_ready().await;
    assert_eq!(wait_settled(&page, "paused").await, 0);
    page
}

/// Clicks Step and waits until the page shows step `expected`.
async fn step_once(page: &Page, expected: u64) {
    page.click("#step").await;
    page.wait_for(&format!("step {expected}"), &format!("return document.getElementById('step-count')?.dataset.value === '{expected}';")).await;
}

/// The step a chart's canvas last drew (`data-drawn-step`), or None before its first drawing.
async fn drawn_step(page: &Page, canvas: &str) -> Option<u64> {
    let value = page.js("return document.getElementById(arguments[0])?.dataset.drawnStep ?? null;", vec![json!(canvas)]).await;
    value.as_str().and_then(|v| v.parse().ok())
}

async fn wait_drawn_beyond(page: &Page, canvas: &str, step: u64) -> u64 {
    let value = page
        .wait_for(
            &format!("#{canvas} to draw a step beyond {step}"),
            &format!("const s = Number(document.getElementById({canvas:?})?.dataset.drawnStep); return s > {step} ? s : null;"),
        )
        .await;
    value.as_u64().expect("a step is a whole number")
}

/// Asserts that the page's newest per-layer numbers and evaluation loss are exactly those of
/// `gradscope train <link> --steps <step>`.
async fn assert_matches_cli(page: &Page, query: &str, step: u64) {
    // The table sits in a closed disclosure; opening it renders the newest numbers.
    page.js("document.getElementById('training-numbers').open = true;", vec![]).await;
    page.wait_for("the per-layer training table to have rows", "return document.querySelectorAll('#training-table tbody tr').length > 0;").await;
    let table = page.table("#training-table").await;
    let cli = cli_train(&page.settings, query.trim_start_matches('?'), step);
    let snapshot = cli["snapshots"].as_array().and_then(|s| s.last()).unwrap_or_else(|| panic!("the CLI printed no snapshot: {cli}"));
    assert_eq!(snapshot["step"], json!(step), "the CLI trained to another step");
    assert_table_matches_probe(&table, snapshot);
    let shown = page.js("return document.querySelector('#training-figures [data-field=eval_loss]')?.getAttribute('data-value') ?? null;", vec![]).await;
    let shown: f64 = shown.as_str().and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no evaluation loss shown: {shown}"));
    let expected = json_f64(&snapshot["eval"]["loss"]).expect("the CLI's evaluation loss is a number");
    assert_eq!(shown.to_bits(), expected.to_bits(), "evaluation loss: the page shows {shown}, the CLI {expected}");
}

#[tokio::test]
async fn play_trains_and_the_charts_follow_then_pause_stops_them() {
    let page = open_paused(HEALTHY).await;
    let before = drawn_step(&page, "loss-chart").await;
    assert!(matches!(before, None | Some(0)), "before training the loss chart can only show step 0, it shows {before:?}");
    page.click("#play").await;
    let first = wait_drawn_beyond(&page, "loss-chart", 0).await;
    let later = wait_drawn_beyond(&page, "loss-chart", first).await;
    assert!(later > first);
    for chart in ["heatmap-chart", "ratio-chart"] {
        wait_drawn_beyond(&page, chart, 0).await;
    }
    page.wait_for("the decision boundary (2-D data) to be drawn", "return !!document.getElementById('boundary-chart')?.dataset.drawnStep;").await;
    page.wait_for("the histograms to be drawn", "return !!document.getElementById('histogram-chart')?.dataset.drawnStep;").await;
    page.wait_for("the depth plot to show the network now beside at init", "return Number(document.getElementById('plot')?.dataset.nowStep) > 0;").await;

    page.click("#pause").await;
    let paused = wait_settled(&page, "paused").await;
    assert!(paused >= later, "paused at {paused}, but step {later} was drawn before");
    // Settled: the worker said it has nothing more to do. Nothing may move any more.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(step_count(&page).await, paused, "the step count moved after pause");
    assert_eq!(drawn_step(&page, "loss-chart").await, Some(paused), "the loss chart shows the paused step");
    page.screenshot("training-paused").await;
    // The worker chunked the steps by time; the numbers are still those of one straight run.
    assert_matches_cli(&page, HEALTHY, paused).await;
    let errors = page.console_errors().await;
    assert!(errors.is_empty(), "console errors while training: {errors:#?}");
}

#[tokio::test]
async fn single_steps_equal_the_cli_bit_for_bit() {
    let page = open_paused(HEALTHY).await;
    for expected in 1..=3 {
        step_once(&page, expected).await;
    }
    assert_eq!(wait_settled(&page, "paused").await, 3);
    assert_matches_cli(&page, HEALTHY, 3).await;
}

#[tokio::test]
async fn a_diverging_link_shows_the_diagnosis_and_its_advice() {
    let page = open_paused(DIVERGING).await;
    page.click("#play").await;
    page.wait_visible("#diagnosis").await;
    let stopped = wait_settled(&page, "stopped").await;
    let diagnosis = page.text("#diagnosis").await;
    for expected in ["Training diverged at step", "became", "Lower the learning rate", "clip=norm"] {
        assert!(diagnosis.contains(expected), "the diagnosis should say {expected:?}; it says {diagnosis:?}");
    }
    let at: u64 = page.js("return Number(document.getElementById('diagnosis').dataset.step);", vec![]).await.as_u64().unwrap();
    assert_eq!(at, stopped + 1, "the step that went non-finite does not count");
    let play_disabled = page.js("return document.getElementById('play').disabled;", vec![]).await;
    assert_eq!(play_disabled, Json::Bool(true), "a diverged run cannot play on");
    page.screenshot("training-diverged").await;
    page.click("#reset").await;
    assert_eq!(wait_settled(&page, "paused").await, 0);
    assert!(!page.is_visible("#diagnosis").await, "reset clears the diagnosis");
}

#[tokio::test]
async fn learning_rate_applies_without_reset_and_depth_resets() {
    let page = open_paused(HEALTHY).await;
    for expected in 1..=2 {
        step_once(&page, expected).await;
    }
    page.js(
        "const lr = document.getElementById('lr'); lr.value = '0.003'; lr.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![],
    )
    .await;
    assert_eq!(page.url_param("lr").await.as_deref(), Some("0.003"));
    // A reset would make the next step step 1.
    step_once(&page, 3).await;

    page.press_keys("#depth", &fantoccini::key::Key::Right.to_string()).await;
    assert_eq!(wait_settled(&page, "paused").await, 0, "a new network starts at step 0");
}

#[tokio::test]
async fn a_step_right_after_a_depth_change_trains_the_new_network() {
    // The page configures a new network for training once the plot shows its probe, so that the
    // two workers do not compete while the user waits for the plot; a Step before then must
    // still train the new network, not the one it replaces.
    let page = open_paused(HEALTHY).await;
    // Step in the next task, after the page reacted to the slider but before the probe (tens
    // of milliseconds in a worker) is back.
    page.js(
        "const d = document.getElementById('depth'); d.value = '4'; d.dispatchEvent(new Event('input', { bubbles: true }));
         setTimeout(() => document.getElementById('step').click(), 0);",
        vec![],
    )
    .await;
    page.wait_for("step 1", "return document.getElementById('step-count')?.dataset.value === '1';").await;
    let link = page.js("return location.search;", vec![]).await;
    let query = link.as_str().expect("the address has a query").to_owned();
    assert!(query.contains("depth=4"), "{query}");
    assert_eq!(wait_settled(&page, "paused").await, 1);
    assert_matches_cli(&page, &query, 1).await;
}
