//! The page, driven as a person would in headless Chromium (issue 3, "Tests (real browser)").
//! Run with `cargo xtask test`.

use fantoccini::key::Key;
use gradscope_e2e::{assert_table_matches_probe, cli_probe, Page, PHONE};

/// Rows the probe table must have: one per hidden layer plus the readout.
async fn expected_rows(page: &Page) -> usize {
    let depth = page.control("depth").await;
    depth.parse::<usize>().unwrap_or_else(|_| panic!("#depth holds {depth:?}, not a whole number")) + 1
}

#[tokio::test]
async fn first_screen_loads_without_errors_and_shows_plot_table_and_reading() {
    let page = Page::open("").await;
    let generation = page.wait_ready().await;
    assert!(generation >= 1, "the worker's first answer has generation {generation}");
    page.wait_plot_drawn().await;
    assert_eq!(page.probe_table().await.len(), expected_rows(&page).await);
    let reading = page.text("#reading").await;
    assert!(reading.len() > 20, "#reading should read the plot in words, it says {reading:?}");
    page.screenshot("default").await;
    let errors = page.console_errors().await;
    assert!(errors.is_empty(), "console errors on the first screen: {errors:#?}");
}

#[tokio::test]
async fn keyboard_on_the_depth_slider_changes_the_table_and_the_link() {
    let page = Page::open("").await;
    let before = page.wait_ready().await;
    let old_depth = page.control("depth").await;
    page.press_keys("#depth", &format!("{}{}{}", Key::Right, Key::Right, Key::Right)).await;
    let drawn = page.wait_drawn_after(before).await;
    let new_depth = page.control("depth").await;
    assert_ne!(new_depth, old_depth, "arrow keys on the focused #depth slider did not move it");
    // The newest drawn result may still be from an intermediate key press: wait for the last.
    page.wait_for(
        "the table to have depth + 1 rows",
        "const rows = document.querySelectorAll('table#probe-table tbody tr').length;
         return rows === Number(document.getElementById('depth').value) + 1;",
    )
    .await;
    assert!(drawn > before);
    assert_eq!(page.probe_table().await.len(), expected_rows(&page).await);
    assert_eq!(page.url_param("depth").await.as_deref(), Some(new_depth.as_str()), "the URL's depth= follows the slider");
}

/// Links whose every control must come back, and whose numbers must equal the CLI's.
const SHARED_LINKS: &[(&str, &str)] = &[
    ("shared-tanh-xavier", "?seed=7&data=circle&batch=32&depth=12&width=48&act=tanh&init=xavier_normal&gain=1.5&bn=0&res=1"),
    ("deep-relu-kaiming", "?depth=50&act=relu&init=kaiming_normal"),
];

#[tokio::test]
async fn shared_links_restore_the_controls_and_the_cli_numbers_exactly() {
    for &(name, query) in SHARED_LINKS {
        let page = Page::open(query).await;
        page.wait_ready().await;
        page.wait_plot_drawn().await;
        for (key, value) in query.trim_start_matches('?').split('&').filter_map(|pair| pair.split_once('=')) {
            let expected = match value {
                "1" if key == "bn" || key == "res" => "true",
                "0" if key == "bn" || key == "res" => "false",
                other => other,
            };
            assert_eq!(page.control(key).await, expected, "{name}: #{key} after opening {query}");
        }
        let link = page.settings.link(query);
        assert_table_matches_probe(&page.probe_table().await, &cli_probe(&page.settings, &link));
        page.screenshot(name).await;
    }
}

#[tokio::test]
async fn a_mangled_link_shows_what_was_changed_and_still_draws() {
    let page = Page::open("?depth=9999&act=banana&width=-3").await;
    page.wait_ready().await;
    page.wait_visible("#clamp-notice").await;
    let notice = page.text("#clamp-notice").await;
    for key in ["depth", "act", "width"] {
        assert!(notice.contains(key), "the clamp notice should mention `{key}`; it says {notice:?}");
    }
    let depth: usize = page.control("depth").await.parse().expect("#depth is a whole number");
    assert!((1..=200).contains(&depth), "depth 9999 must be clamped into 1..=200, got {depth}");
    assert_ne!(page.control("act").await, "banana");
    page.wait_plot_drawn().await;
    assert_eq!(page.probe_table().await.len(), depth + 1);
    page.click("#clamp-notice-dismiss").await;
    page.wait_for(
        "#clamp-notice to hide after dismissing it",
        "const el = document.querySelector('#clamp-notice'); return !el || el.getClientRects().length === 0;",
    )
    .await;
}

#[tokio::test]
async fn a_crashed_worker_is_replaced_and_the_same_numbers_come_back() {
    let page = Page::open("").await;
    let before = page.wait_ready().await;
    let table_before = page.probe_table().await;
    let hook = page.js("return typeof window.gradscopeCrashWorker;", vec![]).await;
    assert_eq!(hook, "function", "the test hook window.gradscopeCrashWorker() is missing");
    page.js("window.gradscopeCrashWorker();", vec![]).await;
    page.wait_visible("#worker-error").await;
    let message = page.text("#worker-error").await;
    assert!(!message.is_empty(), "#worker-error should say what happened");
    page.wait_drawn_after(before).await;
    page.wait_plot_drawn().await;
    assert_eq!(page.probe_table().await, table_before, "the respawned worker must give the same numbers");
}

#[tokio::test]
async fn on_a_phone_the_controls_stack_above_the_plot() {
    let page = Page::start().await;
    page.emulate_phone().await;
    page.goto("").await;
    page.wait_ready().await;
    page.wait_plot_drawn().await;
    let layout = page
        .js(
            "const top = sel => document.querySelector(sel).getBoundingClientRect().top;
             return { overflow: document.documentElement.scrollWidth - innerWidth,
                      depth: top('#depth'), plot: top('#plot'), width: innerWidth };",
            vec![],
        )
        .await;
    let measure = |key: &str| layout[key].as_f64().unwrap_or_else(|| panic!("no {key} in {layout}"));
    assert_eq!(measure("width"), f64::from(PHONE.0), "phone emulation did not apply: {layout}");
    assert!(measure("overflow") <= 0.0, "the page scrolls sideways on a phone: {layout}");
    assert!(measure("depth") < measure("plot"), "controls should sit above the plot on a phone: {layout}");
    page.screenshot("phone").await;
}
