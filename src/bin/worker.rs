//! The probe worker: a thin loop around `gradscope_core::probe`, speaking `gradscope::bridge`.
//! It runs off the main thread so that dragging a slider never freezes the page.

use std::cell::RefCell;

use gradscope::bridge::{self, Request, RequestKind, Response, PROTOCOL};
use gradscope_core::ExperimentConfig;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

thread_local! {
    /// The newest probe request not computed yet, with its generation. Computing waits for a
    /// zero-delay timeout, so every message that queued up during the previous computation is
    /// read first and only the newest of them is computed: a fast slider drag never piles up work.
    static NEWEST: RefCell<Option<(u64, ExperimentConfig)>> = const { RefCell::new(None) };
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
    if let Some((generation, config)) = NEWEST.take() {
        let report = gradscope_core::probe(&config);
        post(&Response::Probe { generation, report });
    }
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(response: &Response) {
    // Fails only for uncloneable values; a string always clones.
    let _ = scope().post_message(&JsValue::from_str(&bridge::encode(response)));
}
