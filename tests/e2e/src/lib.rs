//! Harness for gradscope's browser tests: one headless Chromium session per [`Page`], driven
//! through chromedriver with fantoccini, plus helpers that read the page through the DOM
//! contract the app implements (ids and data attributes listed in issue 3's test plan).
//!
//! `cargo xtask test` builds and serves the site, starts chromedriver and sets the
//! `GRADSCOPE_*` variables these helpers read. Waits are bounded polls with a generous limit
//! that only keeps a broken page from hanging the run: no test asserts on time.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value as Json};

/// How long a wait may take before the test fails as hung. Not a performance bound.
pub const PATIENCE: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(100);

/// Flags that make Debian's Chromium run headless, as root, on a machine with no network.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
];

/// What `cargo xtask test` tells the tests.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The served site, ending in '/'.
    pub site_url: String,
    pub webdriver_url: String,
    pub chromium: String,
    /// The core's `gradscope` CLI.
    pub cli: PathBuf,
    pub screenshots: PathBuf,
}

impl Settings {
    pub fn from_env() -> Settings {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!("{name} is not set: run the browser tests via `cargo xtask test`, which builds and serves the site and starts chromedriver")
            })
        };
        let mut site_url = var("GRADSCOPE_SITE_URL");
        if !site_url.ends_with('/') {
            site_url.push('/');
        }
        Settings {
            site_url,
            webdriver_url: var("GRADSCOPE_WEBDRIVER_URL"),
            chromium: var("GRADSCOPE_CHROMIUM"),
            cli: var("GRADSCOPE_CLI").into(),
            screenshots: var("GRADSCOPE_SCREENSHOTS").into(),
        }
    }

    /// The site's URL with `query` ("" or "?depth=3…") appended: a shareable link.
    pub fn link(&self, query: &str) -> String {
        format!("{}{query}", self.site_url)
    }
}

/// A browser tab in a fresh Chromium profile; dropping it ends the session and the browser.
pub struct Page {
    client: Client,
    pub settings: Settings,
    session_id: String,
    profile_dir: PathBuf,
}

/// Viewport of a phone in portrait (CSS pixels) and its pixel ratio.
pub const PHONE: (u32, u32, u32) = (390, 844, 3);

impl Page {
    /// A new browser session at desktop size, not yet on any page.
    pub async fn start() -> Page {
        let settings = Settings::from_env();
        static SESSIONS: AtomicUsize = AtomicUsize::new(0);
        let profile_dir = std::env::temp_dir().join(format!(
            "gradscope-e2e-{}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::SeqCst)
        ));
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|flag| flag.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile_dir.display()));
        let capabilities: Capabilities = serde_json::from_value(json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": settings.chromium, "args": args },
            "goog:loggingPrefs": { "browser": "ALL" },
        }))
        .expect("capabilities are a JSON object");
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&settings.webdriver_url)
            .await
            .unwrap_or_else(|err| panic!("cannot start Chromium through chromedriver at {}: {err}", settings.webdriver_url));
        let session_id = client.session_id().await.ok().flatten().expect("a new session has an id");
        Page { client, settings, session_id, profile_dir }
    }

    /// A new session showing the site at `query` ("" for the first screen).
    pub async fn open(query: &str) -> Page {
        let page = Page::start().await;
        page.goto(query).await;
        page
    }

    pub async fn goto(&self, query: &str) {
        let url = self.settings.link(query);
        self.client.goto(&url).await.unwrap_or_else(|err| panic!("cannot open {url}: {err}"));
    }

    /// From now on, lay the page out as a phone in portrait would (reload to apply to a page).
    pub async fn emulate_phone(&self) {
        let (width, height, ratio) = PHONE;
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": width, "height": height, "deviceScaleFactor": ratio, "mobile": true }),
        )
        .await;
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub async fn js(&self, script: &str, args: Vec<Json>) -> Json {
        self.client.execute(script, args).await.unwrap_or_else(|err| panic!("script failed: {err}\n{script}"))
    }

    /// Polls `script` until it returns something other than null, undefined or false, and
    /// returns that. Fails after [`PATIENCE`] naming `what`, the last value and the app's state.
    pub async fn wait_for(&self, what: &str, script: &str) -> Json {
        let start = Instant::now();
        loop {
            let value = self.js(script, vec![]).await;
            if !matches!(value, Json::Null | Json::Bool(false)) {
                return value;
            }
            if start.elapsed() > PATIENCE {
                let app = self.js(DESCRIBE_APP, vec![]).await;
                panic!("gave up after {PATIENCE:?} waiting for {what}; last value {value}; the page: {app}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the app is ready with a drawn result and returns that result's generation.
    pub async fn wait_ready(&self) -> u64 {
        self.wait_drawn_after(None).await
    }

    /// Waits until the app is ready and shows a result newer than `generation`.
    pub async fn wait_drawn_after(&self, generation: impl Into<Option<u64>>) -> u64 {
        let after = generation.into().map_or(-1.0, |g| g as f64);
        let script = format!(
            "const app = document.querySelector('main#app');
             const drawn = app && parseInt(app.dataset.drawnGeneration, 10);
             return app && app.dataset.state === 'ready' && drawn > {after} ? drawn : null;"
        );
        let what = format!("the app to be ready with a result newer than generation {after}");
        let drawn = self.wait_for(&what, &script).await;
        drawn.as_u64().unwrap_or_else(|| panic!("data-drawn-generation is not a whole number: {drawn}"))
    }

    /// Waits until the main plot's canvas holds a drawing (several distinct colours).
    pub async fn wait_plot_drawn(&self) {
        self.wait_for(
            "the plot canvas #plot to show a drawing",
            "const c = document.querySelector('#plot-area canvas#plot');
             if (!c || !c.width || !c.height) return null;
             const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
             const colours = new Set();
             for (let i = 0; i < px.length; i += 4 * 7) colours.add(px[i] << 16 | px[i + 1] << 8 | px[i + 2]);
             return colours.size >= 3;",
        )
        .await;
    }

    pub async fn is_visible(&self, selector: &str) -> bool {
        self.js(
            "const el = document.querySelector(arguments[0]);
             return !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';",
            vec![json!(selector)],
        )
        .await
            == Json::Bool(true)
    }

    pub async fn wait_visible(&self, selector: &str) {
        let script = format!(
            "const el = document.querySelector({selector:?});
             return !!el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';"
        );
        self.wait_for(&format!("{selector} to be visible"), &script).await;
    }

    /// The visible text of `selector` (empty if absent).
    pub async fn text(&self, selector: &str) -> String {
        let text = self.js("const el = document.querySelector(arguments[0]); return el ? el.innerText : '';", vec![json!(selector)]).await;
        text.as_str().unwrap_or_default().trim().to_owned()
    }

    /// The value of the form control `#id`; "true"/"false" for a checkbox.
    pub async fn control(&self, id: &str) -> String {
        let value = self
            .js(
                "const el = document.getElementById(arguments[0]);
                 if (!el) return null;
                 return el.type === 'checkbox' ? String(el.checked) : el.value;",
                vec![json!(id)],
            )
            .await;
        value.as_str().unwrap_or_else(|| panic!("no form control #{id} on the page")).to_owned()
    }

    /// Types `keys` (e.g. `Key::Right` as a string) into the element `selector`.
    pub async fn press_keys(&self, selector: &str, keys: &str) {
        let element = self.client.find(Locator::Css(selector)).await.unwrap_or_else(|err| panic!("no {selector} on the page: {err}"));
        element.send_keys(keys).await.unwrap_or_else(|err| panic!("cannot type into {selector}: {err}"));
    }

    pub async fn click(&self, selector: &str) {
        let element = self.client.find(Locator::Css(selector)).await.unwrap_or_else(|err| panic!("no {selector} on the page: {err}"));
        element.click().await.unwrap_or_else(|err| panic!("cannot click {selector}: {err}"));
    }

    /// The value of `key` in the page's current query string.
    pub async fn url_param(&self, key: &str) -> Option<String> {
        let value = self.js("return new URLSearchParams(location.search).get(arguments[0]);", vec![json!(key)]).await;
        value.as_str().map(str::to_owned)
    }

    /// The probe table: per body row, `data-field` → `data-value` of each cell.
    pub async fn probe_table(&self) -> Vec<BTreeMap<String, String>> {
        self.table("table#probe-table").await
    }

    /// The table `selector`: per body row, `data-field` → `data-value` of each cell.
    pub async fn table(&self, selector: &str) -> Vec<BTreeMap<String, String>> {
        let rows = self
            .js(
                "const table = document.querySelector(arguments[0]);
                 if (!table) return null;
                 return Array.from(table.querySelectorAll('tbody tr'), tr => Object.fromEntries(
                     Array.from(tr.querySelectorAll('td[data-field]'), td => [td.dataset.field, td.getAttribute('data-value')])));",
                vec![json!(selector)],
            )
            .await;
        let rows = rows.as_array().unwrap_or_else(|| panic!("no {selector} on the page"));
        rows.iter()
            .map(|row| {
                let cells = row.as_object().expect("rows are objects");
                cells.iter().map(|(field, value)| (field.clone(), value.as_str().unwrap_or("<no data-value>").to_owned())).collect()
            })
            .collect()
    }

    /// Console messages at error level since the last call (the page's and its workers').
    pub async fn console_errors(&self) -> Vec<String> {
        let log = self.session_command("se/log", json!({ "type": "browser" })).await;
        let entries = log.as_array().unwrap_or_else(|| panic!("chromedriver returned no browser log: {log}"));
        entries
            .iter()
            .filter(|entry| entry["level"] == "SEVERE")
            .map(|entry| entry["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Saves a PNG of the whole page (not only the viewport) as `<screenshots>/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let metrics = self.cdp("Page.getLayoutMetrics", json!({})).await;
        // The whole document, or the whole viewport when the document is shorter.
        let extent = |side: &str| {
            let of = |box_name: &str| metrics[box_name][side].as_f64().unwrap_or(0.0);
            of("cssContentSize").max(of("cssLayoutViewport"))
        };
        let clip = json!({ "x": 0, "y": 0, "width": extent("width"), "height": extent("height"), "scale": 1 });
        let shot = self.cdp("Page.captureScreenshot", json!({ "format": "png", "captureBeyondViewport": true, "clip": clip })).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("a screenshot has data"))
            .expect("screenshots are base64");
        std::fs::create_dir_all(&self.settings.screenshots).expect("screenshot directory can be created");
        let path = self.settings.screenshots.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap_or_else(|err| panic!("cannot write {}: {err}", path.display()));
        println!("screenshot: {}", path.display());
        path
    }

    /// A Chrome DevTools Protocol command, through chromedriver.
    pub async fn cdp(&self, command: &str, params: Json) -> Json {
        self.session_command("goog/cdp/execute", json!({ "cmd": command, "params": params })).await
    }

    async fn session_command(&self, path: &'static str, body: Json) -> Json {
        self.client
            .issue_cmd(SessionPost { path, body })
            .await
            .unwrap_or_else(|err| panic!("chromedriver command {path} failed: {err}"))
    }
}

/// What the page looks like to a person, for failure messages.
const DESCRIBE_APP: &str = "
    const app = document.querySelector('main#app');
    const shown = sel => { const el = document.querySelector(sel); return el && el.getClientRects().length ? el.innerText : null; };
    return {
        url: location.href,
        state: app && app.dataset.state,
        drawnGeneration: app && app.dataset.drawnGeneration,
        workerError: shown('#worker-error'),
        clampNotice: shown('#clamp-notice'),
        training: (t => t && { state: t.dataset.state, busy: t.dataset.busy,
            step: document.getElementById('step-count')?.dataset.value,
            error: shown('#training-error'), diagnosis: shown('#diagnosis') })(document.getElementById('training')),
        body: document.body ? document.body.innerText.slice(0, 400) : null,
    };";

impl Drop for Page {
    fn drop(&mut self) {
        // Blocking on purpose: this also runs when a test panics, where no async cleanup would.
        if let Err(err) = delete_session(&self.settings.webdriver_url, &self.session_id) {
            eprintln!("could not end browser session {}: {err}", self.session_id);
        }
        let _ = std::fs::remove_dir_all(&self.profile_dir);
    }
}

fn delete_session(webdriver_url: &str, session_id: &str) -> std::io::Result<()> {
    let host = webdriver_url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(host)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(stream, "DELETE /session/{session_id} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
    // Wait for the reply's head (the browser has quit by then); chromedriver keeps the
    // connection open, so reading to the end would only wait for the timeout.
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    Ok(())
}

/// A chromedriver extension command: `POST /session/{id}/{path}` with a JSON body.
#[derive(Debug)]
struct SessionPost {
    path: &'static str,
    body: Json,
}

impl WebDriverCompatibleCommand for SessionPost {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/{}", session_id.unwrap_or_default(), self.path))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// What `gradscope probe '<link>' --format json` prints for `link`.
pub fn cli_probe(settings: &Settings, link: &str) -> Json {
    cli_json(settings, &["probe", link])
}

/// What `gradscope train '<link>' --steps N --chunk N --format json` prints: one snapshot
/// after `steps` steps.
pub fn cli_train(settings: &Settings, link: &str, steps: u64) -> Json {
    let steps = steps.to_string();
    cli_json(settings, &["train", link, "--steps", &steps, "--chunk", &steps])
}

/// Runs the CLI with `args` and `--format json`, and parses what it prints.
fn cli_json(settings: &Settings, args: &[&str]) -> Json {
    let output = Command::new(&settings.cli)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", settings.cli.display()));
    let command = args.join(" ");
    assert!(
        output.status.success(),
        "`gradscope {command} --format json` failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| panic!("the CLI printed invalid JSON ({err}) for {command}"))
}

/// Asserts that every numeric cell of the page's probe table is exactly the CLI's value: the
/// same f64 bit for bit, written as Rust's `{}` Display writes it ("NaN", "inf", "-inf" for
/// non-finite values, which the CLI's JSON holds as those strings).
pub fn assert_table_matches_probe(table: &[BTreeMap<String, String>], report: &Json) {
    let layers = report["layers"].as_array().unwrap_or_else(|| panic!("the CLI's JSON has no `layers` array: {report}"));
    assert_eq!(table.len(), layers.len(), "the page's table has {} rows, the CLI reports {} layers", table.len(), layers.len());
    for (row, layer) in table.iter().zip(layers) {
        let name = &layer["layer"];
        for required in ["delta_rms", "grad_w_norm"] {
            assert!(row.contains_key(required), "layer {name}: the table row has no td[data-field=\"{required}\"]; it has {row:?}");
        }
        for (field, shown) in row {
            let expected = layer
                .get(field)
                .unwrap_or_else(|| panic!("table column `{field}` is not a field of the CLI's layer JSON: {layer}"));
            if let Json::Bool(flag) = expected {
                assert_eq!(shown, &flag.to_string(), "layer {name} {field}");
                continue;
            }
            let expected = json_f64(expected).unwrap_or_else(|| panic!("layer {name} {field}: the CLI wrote {expected}, not a number"));
            let parsed: f64 = shown.parse().unwrap_or_else(|_| panic!("layer {name} {field}: data-value {shown:?} is not a number"));
            assert!(
                parsed.to_bits() == expected.to_bits() || (parsed.is_nan() && expected.is_nan()),
                "layer {name} {field}: the page shows {shown}, the CLI computes {expected:e} (bits {:#x} vs {:#x})",
                parsed.to_bits(),
                expected.to_bits()
            );
            assert_eq!(shown, &expected.to_string(), "layer {name} {field}: data-value must be Rust's Display of the f64");
        }
    }
}

/// A JSON number, or one of the strings the core writes for non-finite values.
pub fn json_f64(value: &Json) -> Option<f64> {
    match value {
        Json::Number(n) => n.as_f64(),
        Json::String(word) if ["NaN", "inf", "-inf"].contains(&word.as_str()) => word.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[(&str, &str)]) -> BTreeMap<String, String> {
        cells.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn exact_values_and_non_finite_words_match() {
        let report: Json = serde_json::from_str(
            r#"{"layers":[{"layer":1,"delta_rms":3.0000000000000004e-7,"grad_w_norm":"NaN","delta_zero":false},
                          {"layer":2,"delta_rms":0.5,"grad_w_norm":"-inf","delta_zero":true}]}"#,
        )
        .unwrap();
        let table = [
            row(&[("layer", "1"), ("delta_rms", "0.00000030000000000000004"), ("grad_w_norm", "NaN"), ("delta_zero", "false")]),
            row(&[("layer", "2"), ("delta_rms", "0.5"), ("grad_w_norm", "-inf"), ("delta_zero", "true")]),
        ];
        assert_table_matches_probe(&table, &report);
    }

    #[test]
    #[should_panic(expected = "layer 1 delta_rms: the page shows 0.0000003")]
    fn one_ulp_off_is_a_mismatch() {
        let report: Json = serde_json::from_str(r#"{"layers":[{"layer":1,"delta_rms":3.0000000000000004e-7,"grad_w_norm":1}]}"#).unwrap();
        assert_table_matches_probe(&[row(&[("delta_rms", "0.0000003"), ("grad_w_norm", "1")])], &report);
    }

    #[test]
    #[should_panic(expected = "must be Rust's Display")]
    fn javascript_number_formatting_is_a_mismatch() {
        let report: Json = serde_json::from_str(r#"{"layers":[{"layer":1,"delta_rms":1e-7,"grad_w_norm":1}]}"#).unwrap();
        assert_table_matches_probe(&[row(&[("delta_rms", "1e-7"), ("grad_w_norm", "1")])], &report);
    }

    #[test]
    #[should_panic(expected = "has no td[data-field=\"grad_w_norm\"]")]
    fn a_table_without_the_gradient_columns_fails() {
        let report: Json = serde_json::from_str(r#"{"layers":[{"layer":1,"delta_rms":1,"grad_w_norm":1}]}"#).unwrap();
        assert_table_matches_probe(&[row(&[("delta_rms", "1")])], &report);
    }
}
