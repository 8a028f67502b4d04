//! ChromeDriver on a free loopback port for the duration of the browser tests.

use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::http;
use crate::run::{failure, Result};
use crate::tools::CHROMEDRIVER;

/// A running chromedriver; dropping it shuts it down (and with it every browser it started).
pub struct ChromeDriver {
    child: Child,
    addr: SocketAddr,
}

/// Not a performance bound: only keeps a broken chromedriver from hanging the run.
const STARTUP_LIMIT: Duration = Duration::from_secs(60);

impl ChromeDriver {
    /// Starts chromedriver, its output going to `log_path`, and waits until it is ready.
    pub fn start(log_path: &Path) -> Result<ChromeDriver> {
        let port = free_port().map_err(|err| failure(format_args!("no free loopback port: {err}"), "free a port or retry"))?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let log = File::create(log_path)
            .map_err(|err| failure(format_args!("cannot create {}: {err}", log_path.display()), "check the target directory"))?;
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file handle clones"))
            .stderr(log)
            .spawn()
            .map_err(|err| failure(format_args!("could not start {CHROMEDRIVER}: {err}"), "run `apt-get install -y chromium-driver`"))?;
        let mut driver = ChromeDriver { child, addr };
        driver.wait_until_ready(log_path)?;
        Ok(driver)
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn wait_until_ready(&mut self, log_path: &Path) -> Result {
        let started = Instant::now();
        loop {
            if let Ok((_, body)) = http::get(self.addr, "/status") {
                if body.replace(' ', "").contains("\"ready\":true") {
                    return Ok(());
                }
            }
            let fix = format!("see {}", log_path.display());
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(failure(format_args!("chromedriver exited during start-up ({status})"), fix));
            }
            if started.elapsed() > STARTUP_LIMIT {
                return Err(failure(format_args!("chromedriver did not report ready within {STARTUP_LIMIT:?}"), fix));
            }
            thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // /shutdown closes the sessions, and so the browsers; a kill would orphan them.
        let _ = http::get(self.addr, "/shutdown");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago (the OS picks it; we release it for chromedriver).
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}
