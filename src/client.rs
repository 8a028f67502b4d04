//! The page's side of the bridge: starts the probe worker, holds requests until it is ready,
//! drops stale answers, and replaces a worker that crashed without losing the current config.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use gradscope_core::{ExperimentConfig, ProbeReport};
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::bridge::{self, Request, RequestKind, Response, PROTOCOL};

/// Trunk's `data-loader-shim` output for the `worker` binary.
const WORKER_URL: &str = "./worker_loader.js";

/// What the page hears from the worker.
#[derive(Debug, PartialEq)]
pub enum Event {
    /// The answer to the newest request (older answers are never reported).
    Report { generation: u64, report: ProbeReport },
    /// The worker died; a fresh one is computing the current config under a new generation.
    Restarted { what_happened: String, generation: u64 },
    /// A request could not be served; the worker (if any) is still alive.
    Failed { message: String },
}

/// The bookkeeping of the exchange, free of browser types so it is tested natively.
#[derive(Debug, Default)]
pub struct Exchange {
    /// Generation of the newest request issued; answers to any other one are stale.
    newest: u64,
    /// Whether the current worker has said `Ready`; before that a posted message is lost.
    ready: bool,
    /// The newest request not yet posted because the worker is not ready (older ones are moot).
    waiting: Option<Request>,
    /// The config of the newest probe, re-sent to a replacement worker.
    current: Option<ExperimentConfig>,
    /// Whether the current worker has answered a probe. One that dies before its first answer
    /// (it could not load, or it crashes on the current config) would only die again.
    answered: bool,
}

impl Exchange {
    /// Issues a probe request; returns it if it can be posted now.
    pub fn probe(&mut self, config: ExperimentConfig) -> Option<Request> {
        self.newest += 1;
        self.current = Some(config.clone());
        let request = Request { protocol: PROTOCOL, generation: self.newest, kind: RequestKind::Probe(config) };
        if self.ready {
            Some(request)
        } else {
            self.waiting = Some(request);
            None
        }
    }

    /// The crash test hook; only a running worker can be crashed.
    pub fn crash(&self) -> Option<Request> {
        self.ready.then_some(Request { protocol: PROTOCOL, generation: self.newest, kind: RequestKind::Crash })
    }

    /// The worker is ready: returns the request that waited for it, if any.
    pub fn ready(&mut self) -> Option<Request> {
        self.ready = true;
        self.waiting.take()
    }

    /// An answer arrived: returns whether it is the newest, the only one worth showing.
    pub fn answer(&mut self, generation: u64) -> bool {
        self.answered = true;
        generation == self.newest
    }

    pub fn newest(&self) -> u64 {
        self.newest
    }

    /// The worker died: the current config is re-issued for the next one. Returns whether to
    /// start that one now: only if the dead one had answered, so a config that crashes every
    /// worker, or a worker that cannot load, does not respawn forever.
    pub fn died(&mut self) -> bool {
        let replace = self.answered;
        self.ready = false;
        self.answered = false;
        if let Some(config) = self.current.take() {
            self.probe(config);
        }
        replace
    }
}

/// The worker and the handlers attached to it; dropped together.
struct Running {
    worker: Worker,
    /// Distinguishes this worker's events from those of one it replaced.
    instance: u64,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Running {
    fn drop(&mut self) {
        // Detach first: events the dead worker already queued must not reach the freed closures.
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

struct Inner {
    exchange: Exchange,
    running: Option<Running>,
    instances: u64,
    on_event: Rc<dyn Fn(Event)>,
}

/// Handle to the probe worker. Cloning shares the same worker.
#[derive(Clone)]
pub struct ProbeWorker {
    inner: Rc<RefCell<Inner>>,
}

impl ProbeWorker {
    /// Starts the worker; `on_event` is called (outside any borrow) for everything it says.
    pub fn spawn(on_event: impl Fn(Event) + 'static) -> Self {
        let inner = Rc::new(RefCell::new(Inner {
            exchange: Exchange::default(),
            running: None,
            instances: 0,
            on_event: Rc::new(on_event),
        }));
        start(&inner);
        ProbeWorker { inner }
    }

    /// Asks for a probe of `config`; returns its generation. Starts a worker if the last one
    /// died without a replacement: a new config deserves a new try.
    pub fn probe(&self, config: ExperimentConfig) -> u64 {
        let (generation, idle) = {
            let mut inner = self.inner.borrow_mut();
            let request = inner.exchange.probe(config);
            post(&inner, request);
            (inner.exchange.newest(), inner.running.is_none())
        };
        if idle {
            start(&self.inner);
        }
        generation
    }

    /// Test hook: makes the worker panic.
    pub fn crash(&self) {
        let inner = self.inner.borrow();
        post(&inner, inner.exchange.crash());
    }
}

fn post(inner: &Inner, request: Option<Request>) {
    if let (Some(running), Some(request)) = (&inner.running, request) {
        // Fails only for uncloneable values; a string always clones.
        let _ = running.worker.post_message(&JsValue::from_str(&bridge::encode(&request)));
    }
}

fn start(shared: &Rc<RefCell<Inner>>) {
    let mut inner = shared.borrow_mut();
    inner.instances += 1;
    let instance = inner.instances;
    let worker = match Worker::new(WORKER_URL) {
        Ok(worker) => worker,
        Err(err) => {
            let message = format!("could not start the worker ({})", describe(&err));
            let on_event = Rc::clone(&inner.on_event);
            drop(inner);
            on_event(Event::Failed { message });
            return;
        }
    };
    // Weak: the handlers live inside `Inner`; a strong reference would keep it alive forever.
    let weak = Rc::downgrade(shared);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let text = event.data().as_string().unwrap_or_default();
        receive(&weak, instance, bridge::decode(&text));
    });
    let weak = Rc::downgrade(shared);
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        // Backstop for deaths the panic hook could not report. A script that failed to load
        // gets a plain `Event`, an exception thrown inside the worker an `ErrorEvent`.
        let message = match event.dyn_ref::<ErrorEvent>() {
            Some(error) => format!("the worker stopped with an error: {}", error.message()),
            None => "the worker's script could not be loaded".to_owned(),
        };
        receive(&weak, instance, Ok(Response::Panic { message }));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    inner.running = Some(Running { worker, instance, _on_message: on_message, _on_error: on_error });
}

fn receive(weak: &Weak<RefCell<Inner>>, instance: u64, response: Result<Response, String>) {
    let Some(shared) = weak.upgrade() else { return };
    let (event, on_event) = {
        let mut inner = shared.borrow_mut();
        if inner.running.as_ref().map(|r| r.instance) != Some(instance) {
            return; // a replaced worker's last words
        }
        let event = match response {
            Ok(Response::Ready { protocol }) if protocol == PROTOCOL => {
                let request = inner.exchange.ready();
                post(&inner, request);
                None
            }
            Ok(Response::Ready { protocol }) => {
                Some(Event::Failed { message: bridge::protocol_mismatch(PROTOCOL, protocol) })
            }
            Ok(Response::Probe { generation, report }) => {
                inner.exchange.answer(generation).then_some(Event::Report { generation, report })
            }
            Ok(Response::Error { message, .. }) => Some(Event::Failed { message }),
            Err(message) => Some(Event::Failed { message: format!("the worker sent an {message}") }),
            Ok(Response::Panic { message }) => {
                // Dropping `Running` terminates the dead worker. Its handler may be the one
                // running now, which wasm-bindgen allows: the closure is freed when it returns.
                inner.running = None;
                Some(if inner.exchange.died() {
                    Event::Restarted { what_happened: message, generation: inner.exchange.newest() }
                } else {
                    Event::Failed {
                        message: format!(
                            "{message}. It failed before giving any answer, so it would fail again: \
                             change a setting to try once more."
                        ),
                    }
                })
            }
        };
        (event, Rc::clone(&inner.on_event))
    };
    if matches!(event, Some(Event::Restarted { .. })) {
        start(&shared);
    }
    if let Some(event) = event {
        on_event(event);
    }
}

/// A JS exception as text.
fn describe(err: &JsValue) -> String {
    err.as_string()
        .or_else(|| err.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| format!("{err:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probed_config(request: &Request) -> &ExperimentConfig {
        match &request.kind {
            RequestKind::Probe(config) => config,
            RequestKind::Crash => panic!("expected a probe"),
        }
    }

    fn config(depth: usize) -> ExperimentConfig {
        ExperimentConfig { depth, ..ExperimentConfig::default() }
    }

    #[test]
    fn requests_before_ready_collapse_into_the_newest() {
        let mut exchange = Exchange::default();
        assert_eq!(exchange.probe(config(3)), None);
        assert_eq!(exchange.probe(config(4)), None);
        assert_eq!(exchange.crash(), None, "nothing to crash yet");
        let sent = exchange.ready().expect("the waiting request is sent on ready");
        assert_eq!((sent.generation, sent.protocol), (2, PROTOCOL));
        assert_eq!(probed_config(&sent).depth, 4);
        assert_eq!(exchange.ready(), None, "sent once");
    }

    #[test]
    fn only_the_newest_generation_is_shown() {
        let mut exchange = Exchange::default();
        exchange.ready();
        let first = exchange.probe(config(3)).unwrap().generation;
        let second = exchange.probe(config(5)).unwrap().generation;
        assert!(second > first);
        assert!(!exchange.answer(first));
        assert!(exchange.answer(second));
        assert_eq!(exchange.crash().map(|r| r.kind), Some(RequestKind::Crash));
    }

    #[test]
    fn a_worker_that_had_answered_is_replaced_and_gets_the_current_config() {
        let mut exchange = Exchange::default();
        exchange.ready();
        let before = exchange.probe(config(7)).unwrap().generation;
        exchange.answer(before);
        assert!(exchange.died(), "replace a worker that was working");
        assert_eq!(exchange.crash(), None, "the replacement is not ready yet");
        let resent = exchange.ready().expect("current config re-sent");
        assert_eq!(probed_config(&resent).depth, 7);
        assert!(resent.generation > before, "answers from the dead worker are stale");
        assert!(exchange.answer(resent.generation));
    }

    #[test]
    fn a_worker_that_dies_before_answering_is_not_replaced_in_a_loop() {
        let mut exchange = Exchange::default();
        exchange.probe(config(7));
        assert!(!exchange.died(), "it never loaded: another would not either");
        exchange.ready();
        let first = exchange.probe(config(8)).unwrap().generation;
        exchange.answer(first);
        exchange.probe(config(9));
        assert!(exchange.died(), "it worked before this config");
        let resent = exchange.ready().unwrap();
        assert_eq!(probed_config(&resent).depth, 9);
        assert!(!exchange.died(), "the same config crashed the replacement too");
        let retry = exchange.ready().expect("kept for the next worker");
        assert_eq!(probed_config(&retry).depth, 9);
    }
}
