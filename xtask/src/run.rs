//! Running external commands so that every failure says what failed, how, and how to fix it.

use std::fmt;
use std::process::Command;

/// A failed step: a message for a person, already saying what to do about it.
pub struct Failure(pub String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub type Result<T = ()> = std::result::Result<T, Failure>;

/// Builds a `Failure` from a message and a fix.
pub fn failure(what: impl fmt::Display, fix: impl fmt::Display) -> Failure {
    Failure(format!("{what}\n  how to fix: {fix}"))
}

/// The command line as a person would type it, for messages.
pub fn describe(cmd: &Command) -> String {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}

/// Runs `cmd` with inherited stdio; a failed start or a non-zero exit becomes a `Failure`
/// that names the command, its exit status and `fix`.
pub fn run(cmd: &mut Command, fix: &str) -> Result {
    let line = describe(cmd);
    println!("$ {line}");
    match cmd.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(failure(format_args!("`{line}` failed ({status})"), fix)),
        Err(err) => Err(failure(format_args!("could not start `{line}`: {err}"), fix)),
    }
}

/// Runs `cmd` quietly and returns its stdout if it started and succeeded. For probes such as
/// `tool --version`, where "missing" and "broken" both mean "install it".
pub fn probe_stdout(cmd: &mut Command) -> Option<String> {
    let out = cmd.output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `cmd` with stderr inherited and returns its stdout; failures as in [`run`].
pub fn run_capturing(cmd: &mut Command, fix: &str) -> Result<String> {
    let line = describe(cmd);
    println!("$ {line}");
    let out = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|err| failure(format_args!("could not start `{line}`: {err}"), fix))?;
    if !out.status.success() {
        return Err(failure(format_args!("`{line}` failed ({})", out.status), fix));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
