//! `cargo xtask serve | test | bench`: gradscope's setup, build and test in one place, so a
//! newcomer needs only the Rust toolchain and two commands. Plain std, to compile fast.

mod bench;
mod chromedriver;
mod http;
mod run;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use chromedriver::ChromeDriver;
use http::StaticServer;
use run::{failure, run, run_capturing, Result};

const HELP: &str = "\
Usage: cargo xtask <COMMAND>

Commands:
  serve [--port N]   Install missing tools, build the site in release mode and serve it on
                     http://127.0.0.1:8080 (or port N), rebuilding when files change.
  test               Install missing tools plus Chromium, then run every test: native core and
                     app tests, the wasm build, and the browser tests in headless Chromium.
  bench              Build the site, then measure transfer size, slider → plot latency in
                     headless Chromium and training speed (native vs TensorFlow.js wasm);
                     prints tables for BENCHMARKS.md. Reports only: nothing fails on time.

Options:
  -h, --help         Print this help.

The first run installs trunk, wasm-bindgen-cli (crates.io), wasm-opt (npm's binaryen) and, for
`test`, Debian's chromium + chromium-driver; that takes ~15 minutes once.
";

const DEFAULT_PORT: u16 = 8080;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = repo_root();
    tools::prepend_tool_dirs_to_path(&root);
    let outcome = match args.as_slice() {
        ["serve"] => serve(&root, DEFAULT_PORT),
        ["serve", "--port", port] => match port.parse() {
            Ok(port) => serve(&root, port),
            Err(_) => usage_error(&format!("--port takes a number from 1 to 65535, got '{port}'")),
        },
        ["test"] => test(&root),
        ["bench"] => bench::bench(&root),
        [] | ["-h" | "--help" | "help"] => {
            print!("{HELP}");
            Ok(())
        }
        other => usage_error(&format!("unknown arguments: {}", other.join(" "))),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("\nerror: {failure}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error(message: &str) -> Result {
    Err(failure(message, "see `cargo xtask --help`"))
}

/// The checkout `cargo xtask` was run in. `cargo run` sets CARGO_MANIFEST_DIR at run time too;
/// preferring it means a binary reused from another checkout's target dir (a copied or shared
/// CARGO_TARGET_DIR) still works on the checkout it was invoked from, not the one it was built in.
fn repo_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest_dir.parent().expect("xtask/ sits in the repository root").to_path_buf()
}

/// Trunk with the flags every use needs: `--offline` so it never downloads a tool of its own
/// (the ones on PATH must match), and no update check.
fn trunk(root: &Path, subcommand: &str) -> Command {
    let mut cmd = Command::new("trunk");
    cmd.current_dir(root).args([subcommand, "--release", "--offline", "--skip-version-check"]);
    cmd
}

const TRUNK_FIX: &str = "read Trunk's error above; a missing tool means the installs failed, a compile error is in src/ or core/";

fn serve(root: &Path, port: u16) -> Result {
    tools::ensure_web_build_tools(root)?;
    println!("\nbuilding in release mode; the site will be at http://127.0.0.1:{port}/ once Trunk prints \"server listening\" (Ctrl-C stops it)\n");
    run(trunk(root, "serve").args(["--address", "127.0.0.1", "--port", &port.to_string()]), TRUNK_FIX)
}

/// The steps of `cargo xtask test`, timed, for the closing summary. A failed test suite is
/// recorded and the run goes on (the other suites still report); a failed build stops it.
struct Steps {
    done: Vec<(String, Duration, bool)>,
    started: Instant,
}

impl Steps {
    const TOTAL: usize = 8;

    /// Runs a step that later steps need; its failure ends the run.
    fn run<T>(&mut self, title: &str, step: impl FnOnce() -> Result<T>) -> Result<T> {
        let outcome = self.timed(title, step);
        if let Err(failure) = &outcome {
            eprintln!("\nerror: {failure}");
            self.summary()?;
        }
        outcome
    }

    /// Runs a test suite; its failure is reported at the end.
    fn check(&mut self, title: &str, step: impl FnOnce() -> Result) {
        if let Err(failure) = self.timed(title, step) {
            eprintln!("\nerror: {failure}");
        }
    }

    fn timed<T>(&mut self, title: &str, step: impl FnOnce() -> Result<T>) -> Result<T> {
        println!("\n━━━━ [{}/{}] {title} ━━━━", self.done.len() + 1, Self::TOTAL);
        let start = Instant::now();
        let outcome = step();
        self.done.push((title.to_owned(), start.elapsed(), outcome.is_ok()));
        outcome
    }

    /// Prints every step's outcome; fails if any step failed.
    fn summary(&self) -> Result {
        println!("\n━━━━ summary ━━━━");
        for (title, took, ok) in &self.done {
            println!("  {}  {title} ({:.0} s)", if *ok { "ok    " } else { "FAILED" }, took.as_secs_f64());
        }
        println!("  total {:.0} s", self.started.elapsed().as_secs_f64());
        let failed: Vec<&str> = self.done.iter().filter(|(_, _, ok)| !ok).map(|(title, _, _)| title.as_str()).collect();
        match failed.as_slice() {
            [] => Ok(()),
            _ => Err(failure(format_args!("failed: {}", failed.join("; ")), "see each step's error above")),
        }
    }
}

fn test(root: &Path) -> Result {
    let mut steps = Steps { done: Vec::new(), started: Instant::now() };
    let cargo = |args: &[&str]| {
        let mut cmd = Command::new("cargo");
        cmd.current_dir(root).args(args);
        cmd
    };
    steps.run("install missing tools (trunk, wasm-bindgen, wasm-opt, chromium)", || {
        tools::ensure_web_build_tools(root)?;
        tools::ensure_chromium()
    })?;
    steps.check("native tests: gradscope-core and xtask", || {
        run(&mut cargo(&["test", "--no-fail-fast", "-p", "gradscope-core", "-p", "xtask"]), "a core test failed: see its message above")
    });
    steps.check("native tests: gradscope app (plots, bridge)", || {
        run(&mut cargo(&["test", "--no-fail-fast", "-p", "gradscope"]), "an app test failed: see its message above")
    });
    steps.run("wasm build of gradscope-core", || {
        run(
            &mut cargo(&["build", "-p", "gradscope-core", "--target", "wasm32-unknown-unknown"]),
            "see the compiler errors above; core/ must build for wasm32 too (no web or OS dependencies there)",
        )
    })?;
    let cli = steps.run("build the gradscope CLI (the browser tests compare against it)", || build_cli(root))?;
    steps.run("trunk build --release into dist/", || run(&mut trunk(root, "build"), TRUNK_FIX))?;
    let (site, driver) = steps.run("serve dist/ and start chromedriver", || {
        let site = StaticServer::start(root.join("dist"))
            .map_err(|err| failure(format_args!("cannot serve dist/: {err}"), "check that loopback networking works"))?;
        let log_dir = root.join("target");
        std::fs::create_dir_all(&log_dir)
            .map_err(|err| failure(format_args!("cannot create {}: {err}", log_dir.display()), "check permissions"))?;
        let driver = ChromeDriver::start(&log_dir.join("chromedriver.log"))?;
        println!("site at {}, chromedriver at {}", site.url(), driver.url());
        Ok((site, driver))
    })?;
    steps.check("browser tests in headless Chromium (gradscope-e2e)", || {
        let screenshots = root.join("target/screenshots");
        run(
            cargo(&["test", "--no-fail-fast", "-p", "gradscope-e2e"])
                .env("GRADSCOPE_SITE_URL", site.url())
                .env("GRADSCOPE_WEBDRIVER_URL", driver.url())
                .env("GRADSCOPE_CHROMIUM", tools::CHROMIUM)
                .env("GRADSCOPE_CLI", &cli)
                .env("GRADSCOPE_SCREENSHOTS", &screenshots),
            &format!(
                "a browser test failed: see its message above, the screenshots in {} and target/chromedriver.log",
                screenshots.display()
            ),
        )
    });
    drop((site, driver));
    steps.summary()
}

/// Builds the core's `gradscope` CLI and returns its path, read from cargo's own report (the
/// app's bin has the same name, so guessing `target/debug/gradscope` could find the wrong one).
fn build_cli(root: &Path) -> Result<PathBuf> {
    let fix = "the CLI must build natively: see the compiler errors above";
    let report = run_capturing(
        Command::new("cargo").current_dir(root).args([
            "build",
            "-p",
            "gradscope-core",
            "--bin",
            "gradscope",
            "--message-format=json-render-diagnostics",
        ]),
        fix,
    )?;
    report
        .lines()
        .filter(|line| line.contains("\"reason\":\"compiler-artifact\"") && line.contains("\"name\":\"gradscope\""))
        .find_map(|line| line.split("\"executable\":\"").nth(1)?.split('"').next().map(PathBuf::from))
        .ok_or_else(|| failure("cargo built the CLI but reported no executable path", fix))
}
