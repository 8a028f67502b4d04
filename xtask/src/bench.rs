//! `cargo xtask bench`: the figures behind BENCHMARKS.md, measured in one run on this machine so
//! that every ratio compares things measured under the same load:
//! - transfer size: gzip -9 of the built site's wasm + js, app and worker;
//! - slider input → redrawn plot in headless Chromium, beside the same probe natively;
//! - training steps/s on the reference shapes in the page's training worker (driven through its
//!   own protocol) and natively, beside TensorFlow.js's wasm backend running the reference
//!   workload (shared/peers/tfjs-bench.cjs) in the same Chromium;
//! - while the page trains (charts redrawing), the longest main-thread task and frame gap;
//! - recurrent (LSTM, GRU) training steps/s in the page's training worker beside native.
//!
//! Benchmarks report, they never pass or fail on time (machines are shared and noisy).

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::chromedriver::ChromeDriver;
use crate::http::StaticServer;
use crate::run::{failure, run, run_capturing, Result};
use crate::tools;

/// The two configs of issue 3's latency goals: the first screen, and a big network.
const LATENCY_CASES: [(&str, &str, f64); 2] =
    [("default (depth 10, width 64, batch 64)", "", 16.0), ("depth 200, width 256, batch 64", "?depth=200&width=256&batch=64", 100.0)];
/// Slider moves timed per config, after the warm-up moves.
const LATENCY_ROUNDS: usize = 15;
const LATENCY_WARMUP: usize = 3;
/// TensorFlow.js at the version the peers' figures were taken with.
const TFJS_PACKAGES: [&str; 2] = ["@tensorflow/tfjs@4.22.0", "@tensorflow/tfjs-backend-wasm@4.22.0"];
/// Issue 4's reference shapes, in train_bench's output order.
const TRAINING_SHAPES: [(usize, usize, usize); 4] = [(10, 256, 64), (50, 64, 32), (200, 32, 16), (4, 512, 256)];
/// Issue 5's recurrent benchmark: these models at (hidden, batch, T), on the adding problem with
/// the lab's Adam and clipping, in core/examples/recurrent_bench.rs's output order.
const RECURRENT_MODELS: [&str; 2] = ["lstm", "gru"];
const RECURRENT_SHAPE: (usize, usize, usize) = (64, 32, 100);
/// Time per shape in the browser worker, split over `WORKER_ROUNDS` timed rounds (best kept).
const WORKER_MS: u32 = 1500;
const WORKER_ROUNDS: u32 = 5;
/// How long the page trains while its frames are watched, per config.
const RESPONSIVENESS_MS: u32 = 5000;
const CHROMIUM_ARGS: &str = r#""--headless","--no-sandbox","--disable-gpu","--disable-quic","--no-first-run","--disable-background-networking","--disable-component-update","--disable-sync","--window-size=1280,900""#;

pub fn bench(root: &Path) -> Result {
    tools::ensure_web_build_tools(root)?;
    tools::ensure_chromium()?;
    println!("machine: {} cores, load average {}", cores(), load_average());
    run(&mut crate::trunk(root, "build"), crate::TRUNK_FIX)?;
    let sizes = transfer_sizes(&root.join("dist"))?;
    let native_probe_ms = native_probe(root)?;
    let native_training_ms = native_ms_per_step(root, "train_bench", TRAINING_SHAPES.len())?;
    let native_recurrent_ms = native_ms_per_step(root, "recurrent_bench", RECURRENT_MODELS.len())?;
    let tfjs_dir = ensure_tfjs(root)?;

    let site = StaticServer::start(root.join("dist"))
        .map_err(|err| failure(format_args!("cannot serve dist/: {err}"), "check that loopback networking works"))?;
    let tfjs_site = StaticServer::start(tfjs_dir)
        .map_err(|err| failure(format_args!("cannot serve TensorFlow.js: {err}"), "check that loopback networking works"))?;
    let log = root.join("target/chromedriver-bench.log");
    fs::create_dir_all(root.join("target")).map_err(|err| failure(format_args!("cannot create target/: {err}"), "check permissions"))?;
    let driver = ChromeDriver::start(&log)?;
    let browser = Browser::open(&driver)?;
    let mut latencies = Vec::new();
    for (_, query, _) in LATENCY_CASES {
        latencies.push(browser.slider_latency(&format!("{}{query}", site.url()))?);
    }
    let worker_ms = browser.worker_training(&site.url())?;
    let worker_recurrent_ms = browser.worker_recurrent_training(&site.url())?;
    let tfjs_ms = browser.tfjs_training(&tfjs_site.url())?;
    let mut responsiveness = Vec::new();
    for (_, query) in responsiveness_cases() {
        responsiveness.push(browser.responsiveness(&format!("{}?{query}", site.url()))?);
    }
    drop(browser);

    report_sizes(&sizes);
    println!("\nslider input → redrawn plot (headless Chromium, {LATENCY_ROUNDS} moves after {LATENCY_WARMUP} warm-up), native probe of the same config");
    println!("{:<40} {:>10} {:>10} {:>12} {:>14} {:>9}", "config", "best ms", "median ms", "native ms", "browser/native", "goal ms");
    for (((name, _, goal), browser_ms), native) in LATENCY_CASES.iter().zip(&latencies).zip(&native_probe_ms) {
        let (best, median) = best_and_median(browser_ms);
        println!("{name:<40} {best:>10.2} {median:>10.2} {native:>12.3} {:>14.1} {:>9}  {}", median / native, format!("≤ {goal}"), met(median <= *goal));
    }
    println!("\ntraining step (forward + backward + SGD update), ms per step, best round");
    println!(
        "{:<16} {:>11} {:>11} {:>11} {:>11} {:>12} {:>12} {:>9}",
        "shape (L, W, B)", "worker ms", "worker st/s", "native ms", "tfjs ms", "tfjs/worker", "tfjs/native", "goal 10×"
    );
    for (((&(l, w, b), worker), native), tfjs) in TRAINING_SHAPES.iter().zip(&worker_ms).zip(&native_training_ms).zip(&tfjs_ms) {
        println!(
            "{:<16} {worker:>11.3} {:>11.1} {native:>11.3} {tfjs:>11.3} {:>11.2}× {:>11.2}× {:>9}",
            format!("({l}, {w}, {b})"),
            1e3 / worker,
            tfjs / worker,
            tfjs / native,
            met(tfjs / worker >= 10.0)
        );
    }
    report_recurrent(&worker_recurrent_ms, &native_recurrent_ms);
    println!("\nwhile the page trains ({RESPONSIVENESS_MS} ms of Play, charts redrawing): main thread and frames");
    println!("{:<44} {:>14} {:>14} {:>10} {:>14} {:>9}", "page config", "longest task", "longest gap", "frames/s", "steps/s (page)", "goal 50 ms");
    for ((name, _), r) in responsiveness_cases().iter().zip(&responsiveness) {
        let longest = r.longest_task.map_or("none > 50".to_owned(), |t| format!("{t:.1} ms"));
        let worst = r.longest_task.unwrap_or(0.0).max(r.longest_frame_gap);
        println!(
            "{name:<44} {longest:>14} {:>11.1} ms {:>10.1} {:>14.1} {:>9}",
            r.longest_frame_gap,
            r.frames_per_second,
            r.steps_per_second,
            met(worst <= 50.0)
        );
    }
    println!("\nper canvas while training: redraws per second / longest redraw ms");
    for ((name, _), r) in responsiveness_cases().iter().zip(&responsiveness) {
        println!("{}: {}", name.split(':').next().unwrap_or(name), r.redraws);
    }
    println!("\nload average at the end: {} (figures are ratios within this run; see BENCHMARKS.md)", load_average());
    Ok(())
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg").map_or_else(|_| "unknown".into(), |l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

fn best_and_median(samples: &[f64]) -> (f64, f64) {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    (sorted[0], sorted[sorted.len() / 2])
}

/// One file the browser downloads, its raw and gzip -9 sizes in bytes.
struct Transfer {
    name: String,
    raw: u64,
    gzipped: u64,
}

/// Every .wasm and .js Trunk put in dist/ (app and worker, bindings and loader shim).
fn transfer_sizes(dist: &Path) -> Result<Vec<Transfer>> {
    let entries = fs::read_dir(dist).map_err(|err| failure(format_args!("cannot read {}: {err}", dist.display()), "run `trunk build --release` first"))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm" || ext == "js"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let raw = fs::metadata(&path).map_err(|err| failure(format_args!("cannot stat {}: {err}", path.display()), "rebuild"))?.len();
            let gzipped = gzip_size(&path)?;
            Ok(Transfer { name: path.file_name().unwrap_or_default().to_string_lossy().into_owned(), raw, gzipped })
        })
        .collect()
}

fn gzip_size(path: &Path) -> Result<u64> {
    let fix = "install gzip (Debian: `apt-get install gzip`)";
    let out = Command::new("gzip")
        .args(["-c", "-9"])
        .arg(path)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|err| failure(format_args!("could not run gzip: {err}"), fix))?;
    if !out.status.success() {
        return Err(failure(format_args!("gzip failed on {} ({})", path.display(), out.status), fix));
    }
    Ok(out.stdout.len() as u64)
}

fn report_sizes(sizes: &[Transfer]) {
    println!("\ntransfer size (dist/, gzip -9)");
    println!("{:<44} {:>10} {:>10}", "file", "raw KB", "gzip KB");
    for file in sizes {
        println!("{:<44} {:>10.1} {:>10.1}", file.name, file.raw as f64 / 1e3, file.gzipped as f64 / 1e3);
    }
    let total: u64 = sizes.iter().map(|f| f.gzipped).sum();
    println!("{:<44} {:>10} {:>10.1}   goal ≤ 350 KB: {}", "total", "", total as f64 / 1e3, met(total <= 350_000));
}

/// Median ms of one native probe for each latency config (examples/probe_bench.rs, release).
fn native_probe(root: &Path) -> Result<Vec<f64>> {
    let mut cmd = Command::new("cargo");
    cmd.current_dir(root).args(["run", "--quiet", "--release", "-p", "xtask", "--example", "probe_bench", "--"]);
    cmd.args(LATENCY_CASES.iter().map(|(_, query, _)| if query.is_empty() { "?" } else { query }));
    let out = run_capturing(&mut cmd, "the native probe benchmark failed: see the error above")?;
    print!("{out}");
    let medians: Vec<f64> = out.lines().filter_map(|line| line.split('\t').nth(2)?.parse().ok()).collect();
    match medians.len() == LATENCY_CASES.len() {
        true => Ok(medians),
        false => Err(failure(format_args!("probe_bench printed {out:?}"), "expected one `query\\tbest\\tmedian` line per config")),
    }
}

/// Best ms per training step natively from core's `example` (train_bench: each reference
/// shape; recurrent_bench: each recurrent model), which prints `lines` lines.
fn native_ms_per_step(root: &Path, example: &str, lines: usize) -> Result<Vec<f64>> {
    let out = run_capturing(
        Command::new("cargo").current_dir(root).args(["run", "--quiet", "--release", "-p", "gradscope-core", "--example", example]),
        "the native training benchmark failed: see the error above",
    )?;
    print!("{out}");
    // "L=10 W=256 B=64\t1.234 ms/step\t810.4 steps/s"
    let ms: Vec<f64> = out.lines().filter_map(|line| line.split('\t').nth(1)?.strip_suffix(" ms/step")?.parse().ok()).collect();
    match ms.len() == lines {
        true => Ok(ms),
        false => Err(failure(format_args!("{example} printed {out:?}"), "expected one `name\\tX ms/step` line per shape")),
    }
}

/// The recurrent rows: the page's worker against native, issue 5's goal within 3×.
fn report_recurrent(worker_ms: &[f64], native_ms: &[f64]) {
    let (hidden, batch, seq) = RECURRENT_SHAPE;
    println!("\nrecurrent training step (adding problem, hidden {hidden}, batch {batch}, T = {seq}; BPTT, clip_grad_norm, Adam), ms per step, best round");
    println!("{:<8} {:>11} {:>11} {:>11} {:>11} {:>14} {:>9}", "model", "worker ms", "worker st/s", "native ms", "native st/s", "worker/native", "goal 3×");
    for ((model, worker), native) in RECURRENT_MODELS.iter().zip(worker_ms).zip(native_ms) {
        println!(
            "{model:<8} {worker:>11.3} {:>11.2} {native:>11.3} {:>11.2} {:>13.2}× {:>9}",
            1e3 / worker,
            1e3 / native,
            worker / native,
            met(worker / native <= 3.0)
        );
    }
}

/// TensorFlow.js + its wasm backend in .tools/tfjs (npm), and the page that runs the workload.
fn ensure_tfjs(root: &Path) -> Result<PathBuf> {
    let dir = root.join(".tools/tfjs");
    let wasm_backend = dir.join("node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.js");
    if !wasm_backend.is_file() {
        println!("installing TensorFlow.js 4.22 into .tools/tfjs (the training reference)…");
        run(
            Command::new("npm").args(["install", "--prefix"]).arg(&dir).args(["--no-audit", "--no-fund"]).args(TFJS_PACKAGES),
            "check network access to the npm registry",
        )?;
    }
    let page = dir.join("index.html");
    fs::write(&page, TFJS_PAGE).map_err(|err| failure(format_args!("cannot write {}: {err}", page.display()), "check permissions"))?;
    Ok(dir)
}

/// The reference workload of shared/peers/tfjs-bench.cjs (the MLP step), as a page: L dense
/// layers of width W, ReLU between, batch B, MSE against a random target, plain SGD.
const TFJS_PAGE: &str = r#"<!doctype html><meta charset="utf-8"><title>tfjs reference</title>
<script src="node_modules/@tensorflow/tfjs/dist/tf.min.js"></script>
<script src="node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.js"></script>
<script>
function timeIt(fn, minMs) {
  for (let t0 = performance.now(); performance.now() - t0 < minMs * 0.25;) fn();
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now(); let it = 0, t;
    do { fn(); it++; t = performance.now() - t0; } while (t < minMs / 5);
    best = Math.min(best, t / it);
  }
  return best;
}
async function runBench(shapes, minMs) {
  tf.wasm.setWasmPaths(new URL('node_modules/@tensorflow/tfjs-backend-wasm/dist/', location.href).href);
  await tf.setBackend('wasm'); await tf.ready();
  const out = [`backend=${tf.getBackend()} simd=${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')} mt=${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')}`];
  for (const [L, W, B] of shapes) {
    const ws = [], bs = [];
    for (let l = 0; l < L; l++) {
      ws.push(tf.variable(tf.randomNormal([W, W], 0, Math.sqrt(2 / W))));
      bs.push(tf.variable(tf.zeros([W])));
    }
    const x = tf.randomNormal([B, W]), y = tf.randomNormal([B, W]);
    const opt = tf.train.sgd(1e-3);
    const vars = [...ws, ...bs];
    const step = () => {
      const cost = opt.minimize(() => {
        let h = x;
        for (let l = 0; l < L; l++) { h = tf.matMul(h, ws[l]).add(bs[l]); if (l < L - 1) h = tf.relu(h); }
        return tf.losses.meanSquaredError(y, h);
      }, true, vars);
      cost.dataSync(); cost.dispose();
    };
    out.push(timeIt(step, minMs).toFixed(3));
    vars.forEach(v => v.dispose()); x.dispose(); y.dispose(); opt.dispose();
  }
  return out.join(',');
}
</script>
"#;

/// The page configs watched while training: the first screen, and each reference shape as a
/// link (the spiral's 2 inputs instead of W; ReLU, He init, SGD at lr 1e-3 as the reference).
fn responsiveness_cases() -> Vec<(String, String)> {
    let mut cases = vec![("default (depth 10, width 64, batch 64)".to_owned(), String::new())];
    cases.extend(TRAINING_SHAPES.iter().map(|&(l, w, b)| {
        let query = format!("depth={}&width={w}&batch={b}&act=relu&init=kaiming_normal&opt=sgd&lr=0.001", l - 1);
        (format!("shape ({l}, {w}, {b}): {query}"), query)
    }));
    cases
}

/// What the page's main thread did while training ran.
struct Responsiveness {
    /// Longest task reported by PerformanceObserver('longtask'), which reports only tasks over
    /// 50 ms; `None` when there was none.
    longest_task: Option<f64>,
    /// Longest time between two animation frames, ms.
    longest_frame_gap: f64,
    frames_per_second: f64,
    /// Training steps the page showed per second (the worker's rate, as the page received it).
    steps_per_second: f64,
    /// Per canvas: `id=redraws per second/longest redraw ms` (the page's User Timing measures).
    redraws: String,
}

/// Times a training step in a fresh instance of the page's worker, driven through its own
/// protocol (JSON messages, `gradscope::bridge`): per job (a `JobSpec` as JSON), configure it,
/// warm up, then rounds of `Step { steps: k }` timed until the worker's last progress (not
/// running) arrives, k sized so each round takes about minMs / rounds.
const WORKER_SCRIPT: &str = r#"
const [jobs, minMs, rounds, done] = arguments;
const fail = (what) => done('error: ' + what);
(async () => {
  const worker = new Worker('./worker_loader.js');
  const inbox = [];
  let wake = null;
  worker.onmessage = (e) => { inbox.push(JSON.parse(e.data)); if (wake) { const w = wake; wake = null; w(); } };
  worker.onerror = (e) => fail('the worker failed: ' + (e.message || 'could not load'));
  const receive = async (wanted) => {
    for (;;) {
      const i = inbox.findIndex(wanted);
      if (i >= 0) return inbox.splice(0, i + 1)[i];
      await new Promise((resolve) => { wake = resolve; });
    }
  };
  const protocol = (await receive((m) => m.ready)).ready.protocol;
  let generation = 0;
  const send = (command) => worker.postMessage(JSON.stringify({ protocol, generation: ++generation, kind: { train: command } }));
  const settled = (m) => {
    if (m.error) throw new Error(m.error.message);
    if (m.panic) throw new Error(m.panic.message);
    return m.progress && !m.progress.running;
  };
  const steps = async (k) => {
    const t0 = performance.now();
    send({ step: { steps: k } });
    const progress = (await receive(settled)).progress.progress;
    const diverged = progress.mlp ? progress.mlp.snapshot.diagnosis?.message
      : progress.recurrent.models.find((m) => m.snapshot.diverged_at !== null)?.model;
    if (diverged) throw new Error('the reference run diverged: ' + diverged);
    return (performance.now() - t0) / k;
  };
  const out = [];
  for (const job of jobs) {
    send({ configure: job });
    await receive(settled);
    let perStep = await steps(3);
    let best = Infinity;
    for (let r = 0; r < rounds; r++) {
      perStep = await steps(Math.max(3, Math.ceil(minMs / rounds / perStep)));
      best = Math.min(best, perStep);
    }
    out.push(best.toFixed(3));
  }
  worker.terminate();
  done(out.join(','));
})().catch((e) => fail(String(e)));
"#;

/// Presses Play on the page already loaded, watches the main thread for `ms` (long tasks,
/// animation frame gaps, the step counter), then presses Pause.
const RESPONSIVENESS_SCRIPT: &str = r#"
const [ms, done] = arguments;
const fail = (what) => done('error: ' + what);
const sleep = (t) => new Promise((resolve) => setTimeout(resolve, t));
(async () => {
  const app = document.querySelector('main#app');
  const panel = document.getElementById('training');
  const step = () => Number(document.getElementById('step-count').dataset.value);
  for (let i = 0; !(app && app.dataset.state === 'ready' && panel && panel.dataset.state === 'paused'); i++) {
    if (i > 6000) return fail('the page did not get ready');
    await sleep(10);
  }
  let longestTask = 0;
  const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) longestTask = Math.max(longestTask, e.duration); });
  observer.observe({ type: 'longtask' });
  // The page measures each canvas redraw as 'redraw <canvas id>' (User Timing).
  const redraws = {};
  const drawings = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const r = redraws[e.name] ??= { count: 0, longest: 0 };
      r.count++;
      r.longest = Math.max(r.longest, e.duration);
    }
  });
  drawings.observe({ type: 'measure' });
  let longestGap = 0, last = null, frames = 0, watching = true;
  const frame = (t) => { if (last !== null) longestGap = Math.max(longestGap, t - last); last = t; frames++; if (watching) requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  const step0 = step(), t0 = performance.now();
  document.getElementById('play').click();
  await sleep(ms);
  watching = false;
  const seconds = (performance.now() - t0) / 1000, steps = step() - step0;
  document.getElementById('pause').click();
  observer.disconnect();
  drawings.disconnect();
  if (panel.dataset.state === 'stopped') return fail('training diverged on ' + location.search);
  const figures = [longestTask, longestGap, frames / seconds, steps / seconds].map((x) => x.toFixed(2)).join(',');
  const perCanvas = Object.entries(redraws).map(([name, r]) => `${name.replace('redraw ', '')}=${(r.count / seconds).toFixed(1)}/${r.longest.toFixed(1)}`);
  done(figures + '|' + perCanvas.join(' '));
})().catch((e) => fail(String(e)));
"#;

/// Measures slider moves on the page already loaded: waits until it shows its first answer,
/// then moves #depth back and forth by one, timing from the 'input' event to the moment the
/// app marks the new answer drawn (`data-drawn-generation`, set after the canvas is painted).
const SLIDER_SCRIPT: &str = r#"
const [rounds, warmup, done] = arguments;
const app = document.querySelector('main#app');
const slider = document.getElementById('depth');
const fail = (what) => done('error: ' + what);
const until = (ok) => new Promise((resolve) => {
  if (ok()) return resolve(performance.now());
  const watch = new MutationObserver(() => { if (ok()) { watch.disconnect(); resolve(performance.now()); } });
  watch.observe(app, { attributes: true, attributeFilter: ['data-drawn-generation', 'data-state'] });
});
(async () => {
  if (!app || !slider) return fail('main#app or #depth missing');
  await until(() => app.dataset.state === 'ready');
  const start = Number(slider.value);
  const other = start > Number(slider.min) ? start - 1 : start + 1;
  const times = [];
  for (let i = 0; i < warmup + rounds; i++) {
    const before = app.dataset.drawnGeneration;
    slider.value = String(i % 2 === 0 ? other : start);
    const t0 = performance.now();
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    const t1 = await until(() => app.dataset.drawnGeneration !== before && app.dataset.state === 'ready');
    if (i >= warmup) times.push(t1 - t0);
  }
  done(times.map((t) => t.toFixed(3)).join(','));
})().catch((e) => fail(String(e)));
"#;

/// One headless Chromium session through chromedriver's WebDriver HTTP API; closed on drop.
struct Browser {
    driver: SocketAddr,
    session: String,
}

impl Browser {
    fn open(driver: &ChromeDriver) -> Result<Browser> {
        let addr: SocketAddr = driver.url().trim_start_matches("http://").parse().expect("chromedriver's address is ip:port");
        let capabilities = format!(
            r#"{{"capabilities":{{"alwaysMatch":{{"browserName":"chrome","goog:chromeOptions":{{"binary":"{}","args":[{CHROMIUM_ARGS}]}}}}}}}}"#,
            tools::CHROMIUM
        );
        let reply = webdriver(addr, "POST", "/session", &capabilities)?;
        let session = between(&reply, "\"sessionId\":\"", "\"")
            .ok_or_else(|| failure(format_args!("chromedriver did not start a session: {reply}"), "see target/chromedriver-bench.log"))?
            .to_owned();
        let browser = Browser { driver: addr, session };
        // Not a performance bound: only keeps a broken page from hanging the run.
        browser.command("timeouts", r#"{"script":600000,"pageLoad":60000}"#)?;
        Ok(browser)
    }

    fn command(&self, what: &str, body: &str) -> Result<String> {
        webdriver(self.driver, "POST", &format!("/session/{}/{what}", self.session), body)
    }

    /// Runs `script` (its last argument is the callback) and returns the string it hands back.
    fn execute_async(&self, script: &str, args: &str) -> Result<String> {
        let reply = self.command("execute/async", &format!(r#"{{"script":"{}","args":[{args}]}}"#, json_escape(script)))?;
        let value = between(&reply, "\"value\":\"", "\"")
            .ok_or_else(|| failure(format_args!("the page's script failed: {reply}"), "see the message; the page may have changed its DOM contract"))?;
        match value.strip_prefix("error: ") {
            Some(problem) => Err(failure(format_args!("the page's script failed: {problem}"), "open the page by hand and check the console")),
            None => Ok(value.to_owned()),
        }
    }

    fn open_url(&self, url: &str) -> Result {
        self.command("url", &format!(r#"{{"url":"{}"}}"#, json_escape(url))).map(drop)
    }

    /// Slider-to-drawn times in ms for the page at `url`.
    fn slider_latency(&self, url: &str) -> Result<Vec<f64>> {
        println!("timing slider moves on {url}");
        self.open_url(url)?;
        let times = self.execute_async(SLIDER_SCRIPT, &format!("{LATENCY_ROUNDS},{LATENCY_WARMUP}"))?;
        parse_numbers(&times)
    }

    /// gradscope's ms per training step in the page's worker for each reference shape.
    fn worker_training(&self, site: &str) -> Result<Vec<f64>> {
        println!("timing the reference training step in the page's worker ({site})");
        self.open_url(site)?;
        let jobs: Vec<String> =
            TRAINING_SHAPES.iter().map(|(l, w, b)| format!(r#"{{"reference":{{"layers":{l},"width":{w},"batch":{b}}}}}"#)).collect();
        self.worker_steps(&jobs)
    }

    /// gradscope's ms per recurrent training step in the page's worker for each recurrent model.
    fn worker_recurrent_training(&self, site: &str) -> Result<Vec<f64>> {
        println!("timing the recurrent training step in the page's worker ({site})");
        self.open_url(site)?;
        let (hidden, batch, seq) = RECURRENT_SHAPE;
        let job = |model| format!(r#"{{"recurrent_reference":{{"model":"{model}","hidden":{hidden},"batch":{batch},"seq":{seq}}}}}"#);
        self.worker_steps(&RECURRENT_MODELS.map(job))
    }

    /// Best ms per step of each job (JSON `JobSpec`s) in a fresh worker of the page open now.
    fn worker_steps(&self, jobs: &[String]) -> Result<Vec<f64>> {
        parse_numbers(&self.execute_async(WORKER_SCRIPT, &format!("[{}],{WORKER_MS},{WORKER_ROUNDS}", jobs.join(",")))?)
    }

    /// The main thread while the page at `url` trains.
    fn responsiveness(&self, url: &str) -> Result<Responsiveness> {
        println!("watching the main thread while {url} trains");
        self.open_url(url)?;
        let reply = self.execute_async(RESPONSIVENESS_SCRIPT, &RESPONSIVENESS_MS.to_string())?;
        let (figures, redraws) = reply.split_once('|').unwrap_or((&reply, ""));
        let figures = parse_numbers(figures)?;
        let &[task, gap, fps, steps] = figures.as_slice() else {
            return Err(failure(format_args!("expected 4 figures, got {figures:?}"), "the page's script changed"));
        };
        Ok(Responsiveness {
            longest_task: (task > 0.0).then_some(task),
            longest_frame_gap: gap,
            frames_per_second: fps,
            steps_per_second: steps,
            redraws: redraws.to_owned(),
        })
    }

    /// TensorFlow.js wasm ms per training step for each reference shape.
    fn tfjs_training(&self, url: &str) -> Result<Vec<f64>> {
        println!("running the TensorFlow.js reference workload on {url}");
        self.open_url(url)?;
        let shapes: Vec<String> = TRAINING_SHAPES.iter().map(|(l, w, b)| format!("[{l},{w},{b}]")).collect();
        let script = "const [shapes, minMs, done] = arguments; runBench(shapes, minMs).then(done, (e) => done('error: ' + e));";
        let reply = self.execute_async(script, &format!("[{}],1000", shapes.join(",")))?;
        let (setup, ms) = reply.split_once(',').unwrap_or((&reply, ""));
        println!("tfjs {setup}");
        parse_numbers(ms)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = webdriver(self.driver, "DELETE", &format!("/session/{}", self.session), "");
    }
}

fn parse_numbers(list: &str) -> Result<Vec<f64>> {
    list.split(',')
        .map(|n| n.parse().map_err(|_| failure(format_args!("expected numbers, got {list:?}"), "the page's script changed")))
        .collect()
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    text.split_once(start)?.1.split(end).next()
}

fn json_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// One WebDriver request with a JSON body; returns the reply body. Reads exactly
/// Content-Length bytes: chromedriver keeps the connection open.
fn webdriver(addr: SocketAddr, method: &str, path: &str, body: &str) -> Result<String> {
    let exchange = || -> io::Result<String> {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_read_timeout(Some(Duration::from_secs(900)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        let mut length = 0;
        while reader.read_line(&mut line)? > 2 {
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
            line.clear();
        }
        let mut reply = vec![0; length];
        reader.read_exact(&mut reply)?;
        Ok(String::from_utf8_lossy(&reply).into_owned())
    };
    exchange().map_err(|err| failure(format_args!("WebDriver {method} {path} failed: {err}"), "see target/chromedriver-bench.log"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_travel_as_valid_json_strings() {
        assert_eq!(json_escape("a \"b\"\n\\c\t"), "a \\\"b\\\"\\n\\\\c\\u0009");
    }

    #[test]
    fn median_of_an_odd_sample_is_its_middle() {
        assert_eq!(best_and_median(&[5.0, 1.0, 3.0]), (1.0, 3.0));
    }
}
