//! The worker: a thin loop around `gradscope_core::probe` (for a recurrent config
//! `gradscope_core::recurrent::probe_every_model`) and the training runner
//! (`gradscope::jobs`), speaking `gradscope::bridge`. The page starts two of them, one for probes
//! and one for training, so that neither a slider drag nor a training run freezes the page or
//! waits for the other.

use std::cell::{Cell, RefCell};

use gradscope::bridge::{self, Overlay, Request, RequestKind, Response, PROTOCOL};
use gradscope::jobs::{Next, Runner};
use gradscope_core::ExperimentConfig;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

thread_local! {
    /// The newest probe request not computed yet, with its generation. Computing waits for a
    /// zero-delay timeout, so every message that queued up during the previous computation is
    /// read first and only the newest of them is computed: a fast slider drag never piles up work.
    static NEWEST: RefCell<Option<(u64, ExperimentConfig)>> = const { RefCell::new(None) };
    /// The training job and its pacing.
    static RUNNER: RefCell<Runner> = RefCell::new(Runner::default());
    /// The timeout that will run the next chunk, if one is scheduled.
    static CHUNK_TIMER: Cell<Option<i32>> = const { Cell::new(None) };
}

fn main() {
    // A panic aborts the wasm instance; tell the page first, so it can start a fresh worker.
    std::panic::set_hook(Box::new(|info| post(&Response::Panic { message: info.to_string() })));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        receive(&event.data().as_string().unwrap_or_default());
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler must live as long as the worker does.
    on_message.forget();
    post(&Response::Ready { protocol: PROTOCOL });
}

fn receive(text: &str) {
    let request: Request = match bridge::decode(text) {
        Ok(request) => request,
        Err(message) => return post(&Response::Error { generation: 0, message }),
    };
    if request.protocol != PROTOCOL {
        let message = bridge::protocol_mismatch(request.protocol, PROTOCOL);
        return post(&Response::Error { generation: request.generation, message });
    }
    match request.kind {
        RequestKind::Crash => panic!("crash requested through window.gradscopeCrashWorker()"),
        RequestKind::Train(command) => {
            let refused = RUNNER.with_borrow_mut(|runner| runner.command(request.generation, command, now()));
            if let Some(refused) = refused {
                post(&refused);
            }
            schedule_chunk();
        }
        RequestKind::Probe(config) => {
            let was_idle = NEWEST.replace(Some((request.generation, config))).is_none();
            if was_idle {
                let compute = Closure::once_into_js(compute_newest);
                // Cannot fail for a function argument.
                let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(compute.unchecked_ref(), 0);
            }
        }
    }
}

fn compute_newest() {
    let Some((generation, config)) = NEWEST.take() else { return };
    let response = match config.recurrent() {
        None => Response::Probe { generation, report: gradscope_core::probe(&config) },
        Some(recurrent) => match gradscope_core::recurrent::probe_every_model(&recurrent) {
            Ok(probes) => Response::Overlay { generation, overlay: Overlay { chosen: recurrent.model, probes } },
            Err(message) => Response::Error { generation, message },
        },
    };
    post(&response);
}

/// (Re)schedules the next chunk for when the runner wants it: a command may have made it due
/// sooner (step, pause) or later (a lower speed), or not at all.
fn schedule_chunk() {
    if let Some(timer) = CHUNK_TIMER.take() {
        scope().clear_timeout_with_handle(timer);
    }
    let Next::After(delay) = RUNNER.with_borrow(|runner| runner.next(now())) else { return };
    let run = Closure::once_into_js(run_chunk);
    // Cannot fail for a function argument; whole milliseconds, rounded up so it is not early.
    let timer = scope().set_timeout_with_callback_and_timeout_and_arguments_0(run.unchecked_ref(), delay.ceil() as i32);
    CHUNK_TIMER.set(timer.ok());
}

fn run_chunk() {
    CHUNK_TIMER.set(None);
    if let Some(progress) = RUNNER.with_borrow_mut(|runner| runner.run(&mut now)) {
        post(&progress);
    }
    schedule_chunk();
}

/// Milliseconds on a monotonic clock.
fn now() -> f64 {
    scope().performance().map_or_else(js_sys::Date::now, |performance| performance.now())
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(response: &Response) {
    // Fails only for uncloneable values; a string always clones.
    let _ = scope().post_message(&JsValue::from_str(&bridge::encode(response)));
}
