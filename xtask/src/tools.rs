//! Installs the tools the web build and the browser tests need, each only when it is missing
//! or has the wrong version. Everything comes from package registries (crates.io, npm,
//! Debian); Trunk itself always runs `--offline`, so it never downloads a tool of its own.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::run::{failure, probe_stdout, run, Result};

pub const TRUNK_VERSION: &str = "0.21.14";
/// Debian's binaryen 108 builds "successfully" but its output fails at load with a
/// `WebAssembly.Table.set()` TypeError; the npm package at this version works.
const BINARYEN_NPM: &str = "binaryen@132.0.0";
const WASM_OPT_VERSION: &str = "version 132";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "chromedriver";

/// Puts the tool directories first on this process's PATH, so that every child (cargo,
/// Trunk, the tests) finds the same tools we checked: the npm-installed wasm-opt, then
/// cargo's install directory.
pub fn prepend_tool_dirs_to_path(root: &Path) {
    let mut dirs = vec![wasm_opt_dir(root), cargo_bin_dir()];
    dirs.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
    let path: OsString = env::join_paths(dirs).expect("tool directories contain no path separator");
    // Called once at start-up, before any thread exists.
    env::set_var("PATH", path);
}

fn cargo_bin_dir() -> PathBuf {
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env::var_os("HOME").unwrap_or_default()).join(".cargo"));
    cargo_home.join("bin")
}

fn wasm_opt_dir(root: &Path) -> PathBuf {
    root.join(".tools/node_modules/.bin")
}

/// Everything `trunk build`/`trunk serve` needs: the wasm target, Trunk, the wasm-bindgen
/// CLI equal to the locked crate, a working wasm-opt, and every crate downloaded (Trunk
/// runs cargo `--offline`).
pub fn ensure_web_build_tools(root: &Path) -> Result {
    ensure_wasm_target()?;
    ensure_cargo_tool(CargoTool {
        binary: "trunk",
        version: TRUNK_VERSION,
        install_args: &["install", "trunk", "--version", TRUNK_VERSION, "--locked"],
        duration: "one-time, ~10–15 minutes",
    })?;
    let bindgen_version = locked_version(root, "wasm-bindgen")?;
    ensure_cargo_tool(CargoTool {
        binary: "wasm-bindgen",
        version: &bindgen_version,
        // Without --locked: that is the install verified to build on these machines.
        install_args: &["install", "wasm-bindgen-cli", "--version", &bindgen_version],
        duration: "one-time, ~4 minutes",
    })?;
    ensure_wasm_opt(root)?;
    run(
        Command::new("cargo").arg("fetch").current_dir(root),
        "check network access to crates.io; Trunk builds offline and needs every crate downloaded first",
    )
}

fn ensure_wasm_target() -> Result {
    let installed = probe_stdout(Command::new("rustup").args(["target", "list", "--installed"]));
    if installed.is_some_and(|list| list.lines().any(|t| t.trim() == "wasm32-unknown-unknown")) {
        return Ok(());
    }
    println!("installing the Rust target wasm32-unknown-unknown (one-time, ~1 minute)…");
    run(
        Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
        "install rustup (https://rustup.rs) or add the wasm32-unknown-unknown target to your toolchain by hand",
    )
}

struct CargoTool<'a> {
    binary: &'a str,
    version: &'a str,
    install_args: &'a [&'a str],
    duration: &'a str,
}

fn ensure_cargo_tool(tool: CargoTool) -> Result {
    let found = installed_version(tool.binary);
    if found.as_deref() == Some(tool.version) {
        return Ok(());
    }
    match found {
        Some(other) => println!("{} {other} found, but {} is needed", tool.binary, tool.version),
        None => println!("{} not found", tool.binary),
    }
    println!("installing {} {} ({})…", tool.binary, tool.version, tool.duration);
    run(
        Command::new("cargo").args(tool.install_args),
        &format!("`cargo {}` failed: check network access to crates.io and the compiler errors above", tool.install_args.join(" ")),
    )?;
    match installed_version(tool.binary) {
        Some(v) if v == tool.version => Ok(()),
        other => Err(failure(
            format_args!("after installing, `{} --version` reports {other:?}, not {}", tool.binary, tool.version),
            format_args!("another `{}` earlier on PATH shadows {}; remove it", tool.binary, cargo_bin_dir().display()),
        )),
    }
}

/// The version printed by `<binary> --version` ("trunk 0.21.14" → "0.21.14").
fn installed_version(binary: &str) -> Option<String> {
    let out = probe_stdout(Command::new(binary).arg("--version"))?;
    out.split_whitespace().nth(1).map(str::to_owned)
}

/// The version of `package` in the workspace's Cargo.lock.
pub fn locked_version(root: &Path, package: &str) -> Result<String> {
    let lock_path = root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).map_err(|err| {
        failure(format_args!("cannot read {}: {err}", lock_path.display()), "run `cargo generate-lockfile` in the repository root")
    })?;
    version_in_lock(&lock, package).ok_or_else(|| {
        failure(format_args!("{package} is not in {}", lock_path.display()), "run `cargo update -p gradscope` to refresh the lock file")
    })
}

fn version_in_lock(lock: &str, package: &str) -> Option<String> {
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    lines.find(|line| *line == name_line)?;
    let version = lines.next()?.strip_prefix("version = \"")?.strip_suffix('"')?;
    Some(version.to_owned())
}

fn ensure_wasm_opt(root: &Path) -> Result {
    let wasm_opt = wasm_opt_dir(root).join("wasm-opt");
    let works = |p: &Path| probe_stdout(Command::new(p).arg("--version")).is_some_and(|v| v.contains(WASM_OPT_VERSION));
    if works(&wasm_opt) {
        return Ok(());
    }
    if probe_stdout(Command::new("npm").arg("--version")).is_none() {
        println!("npm not found (needed for wasm-opt)");
        apt_install(&["nodejs", "npm"])?;
    }
    println!("installing wasm-opt from npm's {BINARYEN_NPM} into .tools/ (one-time, ~10 seconds)…");
    run(
        Command::new("npm").args(["install", "--prefix"]).arg(root.join(".tools")).args(["--no-audit", "--no-fund", BINARYEN_NPM]),
        "check network access to the npm registry",
    )?;
    if works(&wasm_opt) {
        Ok(())
    } else {
        Err(failure(
            format_args!("{} does not report {WASM_OPT_VERSION} after `npm install`", wasm_opt.display()),
            "delete .tools/ and run the command again",
        ))
    }
}

/// Debian's Chromium and its matching ChromeDriver, for the browser tests.
pub fn ensure_chromium() -> Result {
    let chromium_ok = Path::new(CHROMIUM).exists();
    let driver_ok = probe_stdout(Command::new(CHROMEDRIVER).arg("--version")).is_some();
    if chromium_ok && driver_ok {
        return Ok(());
    }
    println!("Chromium or ChromeDriver not found; installing Debian's chromium and chromium-driver (one-time, ~2 minutes)…");
    apt_install(&["chromium", "chromium-driver"])
}

/// `apt-get install`, refreshing the package lists only if the first attempt fails.
fn apt_install(packages: &[&str]) -> Result {
    let as_root = probe_stdout(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    if !as_root {
        return Err(failure(
            format_args!("installing {} needs root", packages.join(" ")),
            format_args!("run `sudo apt-get update && sudo apt-get install -y {}`, then this command again", packages.join(" ")),
        ));
    }
    let install = || {
        let mut cmd = Command::new("apt-get");
        cmd.args(["install", "-y", "--no-install-recommends"]).args(packages).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    if run(&mut install(), "").is_ok() {
        return Ok(());
    }
    println!("refreshing Debian's package lists and trying again…");
    let fix = "check network access to Debian's package mirrors";
    run(Command::new("apt-get").arg("update"), fix)?;
    run(&mut install(), fix)
}

#[cfg(test)]
mod tests {
    use super::version_in_lock;

    #[test]
    fn reads_the_version_that_follows_the_exact_package_name() {
        let lock = "[[package]]\nname = \"wasm-bindgen-macro\"\nversion = \"9.9.9\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\nsource = \"registry\"\n";
        assert_eq!(version_in_lock(lock, "wasm-bindgen").as_deref(), Some("0.2.130"));
        assert_eq!(version_in_lock(lock, "wasm-bindgen-macro").as_deref(), Some("9.9.9"));
        assert_eq!(version_in_lock(lock, "trunk"), None);
    }
}
