//! Just enough HTTP/1.1 for the browser tests: a static file server for the built site
//! (correct MIME types: browsers refuse to stream-compile wasm served as anything but
//! `application/wasm`) and a blocking GET for polling chromedriver. Loopback only.

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Serves the files under a directory on a free loopback port until dropped.
pub struct StaticServer {
    addr: SocketAddr,
    stopping: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl StaticServer {
    pub fn start(root: PathBuf) -> io::Result<StaticServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let stop_flag = Arc::clone(&stopping);
        let acceptor = thread::spawn(move || {
            for stream in listener.incoming() {
                if stop_flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let root = root.clone();
                // One thread per connection: the page fetches its wasm and js in parallel.
                thread::spawn(move || {
                    if let Err(err) = serve_one(stream, &root) {
                        eprintln!("static server: {err}");
                    }
                });
            }
        });
        Ok(StaticServer { addr, stopping, acceptor: Some(acceptor) })
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the blocking accept() so the thread sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn serve_one(mut stream: TcpStream, root: &Path) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Skip the headers; nothing in them changes the answer.
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method != "GET" && method != "HEAD" {
        return respond(&mut stream, "405 Method Not Allowed", "text/plain; charset=utf-8", b"only GET and HEAD", false);
    }
    let file = resolve(root, target).filter(|path| path.is_file());
    match file.map(|path| (fs::read(&path), path)) {
        Some((Ok(body), path)) => respond(&mut stream, "200 OK", mime_type(&path), &body, method == "HEAD"),
        Some((Err(err), _)) => Err(err),
        None => respond(&mut stream, "404 Not Found", "text/plain; charset=utf-8", b"not found", method == "HEAD"),
    }
}

fn respond(stream: &mut TcpStream, status: &str, content_type: &str, body: &[u8], head_only: bool) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// The file a request target names under `root`: query and fragment dropped, `%xx` decoded,
/// a directory means its index.html, and anything that could leave `root` is refused.
fn resolve(root: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    let decoded = percent_decode(path)?;
    let relative = Path::new(decoded.trim_start_matches('/'));
    if !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    let full = root.join(relative);
    Some(if full.is_dir() { full.join("index.html") } else { full })
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.contains('\0'))
}

fn mime_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A blocking `GET http://{addr}{path}`; returns the status line and the body. Reads exactly
/// Content-Length bytes: chromedriver keeps the connection open despite `Connection: close`.
pub fn get(addr: SocketAddr, path: &str) -> io::Result<(String, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
    let mut reader = BufReader::new(stream);
    let mut status = String::new();
    reader.read_line(&mut status)?;
    let mut content_length = None;
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.trim().parse::<usize>().ok();
            }
        }
        header.clear();
    }
    let mut body = Vec::new();
    match content_length {
        Some(length) => {
            body.resize(length, 0);
            reader.read_exact(&mut body)?;
        }
        None => {
            reader.read_to_end(&mut body)?;
        }
    }
    Ok((status.trim_end().to_owned(), String::from_utf8_lossy(&body).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasm_and_js_get_the_mime_types_browsers_require() {
        assert_eq!(mime_type(Path::new("dist/gradscope-1f2e_bg.wasm")), "application/wasm");
        assert_eq!(mime_type(Path::new("dist/worker_loader.js")), "text/javascript; charset=utf-8");
        assert_eq!(mime_type(Path::new("dist/index.html")), "text/html; charset=utf-8");
    }

    #[test]
    fn request_targets_stay_inside_the_root() {
        let root = Path::new("/srv/site");
        assert_eq!(resolve(root, "/a%20b.js?x=1#top"), Some(root.join("a b.js")));
        assert_eq!(resolve(root, "/../etc/passwd"), None);
        assert_eq!(resolve(root, "/%2e%2e/etc/passwd"), None);
        assert_eq!(resolve(root, "/x%00.js"), None);
        assert_eq!(resolve(root, "/bad%zz"), None);
    }

    #[test]
    fn serves_files_with_their_type_and_404s_the_rest() {
        let dir = std::env::temp_dir().join(format!("xtask-static-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("index.html"), "<p>hi</p>").unwrap();
        fs::write(dir.join("m.wasm"), [0u8, 97, 115, 109]).unwrap();
        let server = StaticServer::start(dir.clone()).unwrap();
        let page = get(server.addr, "/?depth=3").unwrap();
        assert_eq!(page, ("HTTP/1.1 200 OK".to_owned(), "<p>hi</p>".to_owned()));
        assert!(get(server.addr, "/missing.js").unwrap().0.starts_with("HTTP/1.1 404"));
        let mut raw = TcpStream::connect(server.addr).unwrap();
        raw.write_all(b"GET /m.wasm HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut reply = Vec::new();
        raw.read_to_end(&mut reply).unwrap();
        assert!(String::from_utf8_lossy(&reply).contains("Content-Type: application/wasm\r\n"));
        assert!(reply.ends_with(&[0, 97, 115, 109]));
        drop(server);
        fs::remove_dir_all(dir).unwrap();
    }
}
