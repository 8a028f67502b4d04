//! Greedy layer-wise pretraining on the page (issue 6): from the invitation to a finished run,
//! its overlay of the gradient at random initialization and after pretraining, the filters,
//! and fine-tuning from both initializations. Run with `cargo xtask test`.

use gradscope_e2e::Page;

#[tokio::test]
async fn pretraining_runs_to_completion_then_overlays_both_initializations_and_shows_filters() {
    let page = Page::open("").await;
    page.wait_ready().await;
    // The invitation sets up a network that can be pretrained.
    page.click("#try-pretraining").await;
    assert_eq!(page.url_param("pretrain").await.as_deref(), Some("rbm"));
    assert_eq!(page.url_param("data").await.as_deref(), Some("digits"));
    // A small run: 3 layers, 2 epochs each.
    page.goto("?data=digits&depth=3&width=16&act=sigmoid&opt=sgd&pretrain=rbm&pt_epochs=2").await;
    page.wait_ready().await;
    page.wait_visible("#pretrain-run").await;
    page.wait_for("the job's first progress (three layer bars)", "return document.querySelectorAll('.layer-progress progress').length === 3;").await;
    page.click("#pretrain-run").await;
    page.wait_for(
        "pretraining to finish",
        "return document.getElementById('pretrain-status').dataset.pretrained === 'true';",
    )
    .await;
    let bars = page
        .js("return Array.from(document.querySelectorAll('.layer-progress progress'), p => [p.value, p.max]);", vec![])
        .await;
    assert_eq!(bars, serde_json::json!([[2, 2], [2, 2], [2, 2]]), "every layer's bar is full");
    // The overlay drew both probes of the 3 + 1 layers; the curve every epoch 0..=2 of 3 layers.
    page.wait_for("the overlay", "return document.getElementById('pretrain-overlay').dataset.drawn === '4';").await;
    page.wait_for("the curve", "return document.getElementById('pretrain-curve').dataset.drawn === '9';").await;
    // 16 hidden units: 16 filters of 8×8.
    page.wait_for("the filters", "return document.getElementById('pretrain-filters').dataset.drawn === '16';").await;
    page.wait_visible("#pretrain-filters").await;
    page.wait_for("fine-tuning's step 0", "return Number(document.getElementById('fine-tune').dataset.drawn) >= 1;").await;
    let numbers = page.text("#pretrain-numbers").await;
    assert!(numbers.contains("after pretraining"), "{numbers}");
    // Fine-tune both for a while, then pause.
    page.click("#pretrain-run").await;
    page.wait_for("a few fine-tuning progresses", "return Number(document.getElementById('fine-tune').dataset.drawn) >= 3;").await;
    page.click("#pretrain-pause").await;
    page.js("document.getElementById('panel-pretraining').open = true;", vec![]).await;
    page.screenshot("pretraining").await;
    let errors = page.console_errors().await;
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}
