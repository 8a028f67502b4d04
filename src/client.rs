//! The page's side of the bridge: starts the workers (one for probes, one for training: two
//! instances of the same binary), holds requests until each is ready, drops stale answers, and
//! replaces a worker that crashed without losing the current config.
//!
//! The rules of each conversation live in plain bookkeeping types (`Exchange` for probes,
//! `TrainingExchange` for training) tested natively; `Connection` ties one to a browser worker.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use gradscope_core::{ExperimentConfig, ProbeReport};
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};

use crate::bridge::{self, Hyper, JobSpec, Overlay, Progress, Request, RequestKind, Response, TrainCommand, PROTOCOL};

/// Trunk's `data-loader-shim` output for the `worker` binary.
const WORKER_URL: &str = "./worker_loader.js";

/// What the page hears from the probe worker.
#[derive(Debug, PartialEq)]
pub enum Event {
    /// The answer to the newest request (older answers are never reported).
    Report { generation: u64, report: ProbeReport },
    /// The answer to the newest request, for a recurrent config.
    Overlay { generation: u64, overlay: Overlay },
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

impl Conversation for Exchange {
    type Event = Event;

    fn ready(&mut self) -> Vec<Request> {
        Exchange::ready(self).into_iter().collect()
    }

    fn hear(&mut self, response: Response) -> Option<Event> {
        match response {
            Response::Probe { generation, report } => self.answer(generation).then_some(Event::Report { generation, report }),
            Response::Overlay { generation, overlay } => self.answer(generation).then_some(Event::Overlay { generation, overlay }),
            Response::Error { message, .. } => Some(Event::Failed { message }),
            _ => None,
        }
    }

    fn died(&mut self, what_happened: String) -> (Event, bool) {
        if Exchange::died(self) {
            (Event::Restarted { what_happened, generation: self.newest }, true)
        } else {
            (Event::Failed { message: never_answered(&what_happened) }, false)
        }
    }

    fn failed(message: String) -> Event {
        Event::Failed { message }
    }
}

/// Why a worker that died before its first answer is not replaced.
fn never_answered(what_happened: &str) -> String {
    format!("{what_happened}. It failed before giving any answer, so it would fail again: change a setting to try once more.")
}

/// What the page hears from the training worker.
#[derive(Debug, PartialEq)]
pub enum TrainingEvent {
    /// A chunk of the current run (progress of runs replaced by a configure or reset is dropped).
    /// `running`: more follows without another command.
    Progress { progress: Progress, running: bool },
    /// The worker died; a fresh one has the same job again, at step 0 and paused.
    Restarted { what_happened: String },
    /// A command was refused (e.g. an unusable setting) or the worker cannot run.
    Failed { message: String },
}

/// The training conversation's bookkeeping, free of browser types so it is tested natively.
#[derive(Debug, Default)]
pub struct TrainingExchange {
    /// Generation of the newest command issued.
    newest: u64,
    /// Generation of the newest `Configure` or `Reset`: progress of earlier runs is stale.
    run: u64,
    ready: bool,
    /// Commands issued before the worker was ready, in order (from the newest `Configure` on).
    waiting: Vec<Request>,
    /// What a replacement worker is told to get back to the current job and settings.
    job: Option<JobSpec>,
    hyper: Option<Hyper>,
    speed: Option<TrainCommand>,
    inspect: Option<TrainCommand>,
    answered: bool,
    /// A job to configure at `flush`, or before the next command for the job (`stage`).
    staged: Option<JobSpec>,
}

impl TrainingExchange {
    /// Issues a command; returns what can be posted now (nothing before the worker is ready).
    pub fn send(&mut self, command: TrainCommand) -> Option<Request> {
        self.newest += 1;
        match &command {
            TrainCommand::Configure(spec) => {
                (self.job, self.hyper, self.run) = (Some(spec.clone()), None, self.newest);
                // Whatever waited was for the job this one replaces.
                self.waiting.retain(|r| matches!(&r.kind, RequestKind::Train(TrainCommand::Speed { .. } | TrainCommand::Inspect { .. })));
            }
            TrainCommand::Reset => self.run = self.newest,
            TrainCommand::SetHyper(hyper) => self.hyper = Some(*hyper),
            TrainCommand::Speed { .. } => self.speed = Some(command.clone()),
            TrainCommand::Inspect { .. } => self.inspect = Some(command.clone()),
            TrainCommand::Play | TrainCommand::Pause | TrainCommand::Step { .. } => {}
        }
        let request = Request { protocol: PROTOCOL, generation: self.newest, kind: RequestKind::Train(command) };
        if self.ready {
            return Some(request);
        }
        self.waiting.push(request);
        None
    }

    /// Holds `spec` back until `flush`, or until a command for the job (not the page's speed or
    /// inspected layer) needs it. Meanwhile no progress is current: the job it replaces may still be running, and its
    /// steps are the old network's.
    pub fn stage(&mut self, spec: JobSpec) -> Option<Request> {
        self.staged = Some(spec);
        self.run = 0; // generations start at 1
        None
    }

    /// The staged job's `Configure`, if one is staged (and the worker ready).
    pub fn flush(&mut self) -> Option<Request> {
        let spec = self.staged.take()?;
        self.send(TrainCommand::Configure(spec))
    }

    /// Issues a command from the page: one for the job (not the speed or the inspected layer)
    /// first configures a staged job. Returns what can be posted now, and whether a job is
    /// configured by it.
    pub fn command(&mut self, command: TrainCommand) -> (Vec<Request>, bool) {
        let for_the_job = !matches!(command, TrainCommand::Speed { .. } | TrainCommand::Inspect { .. });
        let configures = matches!(command, TrainCommand::Configure(_)) || for_the_job && self.staged.is_some();
        let staged = if for_the_job { self.flush() } else { None };
        (staged.into_iter().chain(self.send(command)).collect(), configures)
    }

    /// Whether a job was configured or staged (a worker is worth starting).
    pub fn has_job(&self) -> bool {
        self.job.is_some() || self.staged.is_some()
    }
}

impl Conversation for TrainingExchange {
    type Event = TrainingEvent;

    fn ready(&mut self) -> Vec<Request> {
        self.ready = true;
        std::mem::take(&mut self.waiting)
    }

    fn hear(&mut self, response: Response) -> Option<TrainingEvent> {
        match response {
            Response::Progress { generation, progress, running } => {
                self.answered = true;
                (generation == self.run).then_some(TrainingEvent::Progress { progress, running })
            }
            Response::Error { message, .. } => Some(TrainingEvent::Failed { message }),
            _ => None,
        }
    }

    /// The current job, hyperparameters and page settings are re-issued for the next worker;
    /// it is started only if the dead one had answered (see `Exchange::died`).
    fn died(&mut self, what_happened: String) -> (TrainingEvent, bool) {
        let replace = std::mem::take(&mut self.answered);
        (self.ready, self.waiting) = (false, Vec::new());
        let settings = [self.speed.take(), self.inspect.take()];
        let (job, hyper) = (self.staged.take().or(self.job.take()), self.hyper.take());
        for command in settings.into_iter().flatten() {
            self.send(command);
        }
        if let Some(job) = job {
            self.send(TrainCommand::Configure(job));
        }
        if let Some(hyper) = hyper {
            self.send(TrainCommand::SetHyper(hyper));
        }
        if replace {
            (TrainingEvent::Restarted { what_happened }, true)
        } else {
            (TrainingEvent::Failed { message: never_answered(&what_happened) }, false)
        }
    }

    fn failed(message: String) -> TrainingEvent {
        TrainingEvent::Failed { message }
    }
}

/// The rules of one kind of conversation with a worker, for `Connection`.
pub trait Conversation: 'static {
    type Event: 'static;
    /// The worker said it is ready (and speaks our protocol): what to post now.
    fn ready(&mut self) -> Vec<Request>;
    /// An answer (not `Ready` or `Panic`): what to tell the page, if anything.
    fn hear(&mut self, response: Response) -> Option<Self::Event>;
    /// The worker died: what to tell the page, and whether to start a replacement now.
    fn died(&mut self, what_happened: String) -> (Self::Event, bool);
    /// A failure to report, e.g. a worker that could not start.
    fn failed(message: String) -> Self::Event;
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

struct Inner<C: Conversation> {
    conversation: C,
    running: Option<Running>,
    instances: u64,
    /// The component that spawned it is gone: no worker is started again.
    ended: bool,
    on_event: Rc<dyn Fn(C::Event)>,
}

/// A worker speaking the conversation `C`. Cloning shares the same worker.
pub struct Connection<C: Conversation> {
    inner: Rc<RefCell<Inner<C>>>,
}

impl<C: Conversation> Clone for Connection<C> {
    fn clone(&self) -> Self {
        Connection { inner: Rc::clone(&self.inner) }
    }
}

/// Handle to the probe worker.
pub type ProbeWorker = Connection<Exchange>;
/// Handle to the training worker.
pub type TrainingWorker = Connection<TrainingExchange>;

impl<C: Conversation + Default> Connection<C> {
    /// Starts the worker; `on_event` is called (outside any borrow) for everything it says.
    pub fn spawn(on_event: impl Fn(C::Event) + 'static) -> Self {
        let inner = Rc::new(RefCell::new(Inner {
            conversation: C::default(),
            running: None,
            instances: 0,
            ended: false,
            on_event: Rc::new(on_event),
        }));
        start(&inner);
        end_with_owner(&inner);
        Connection { inner }
    }
}

/// Terminates the worker when the component that spawned it is cleaned up. Clones of the handle
/// can outlive the component (in event handlers the browser still holds), and a worker left
/// running would keep training and messaging a panel that no longer exists.
fn end_with_owner<C: Conversation>(shared: &Rc<RefCell<Inner<C>>>) {
    // The owner wants a `Send` callback; the page has one thread, so the wrapper never crosses.
    let weak = SendWrapper::new(Rc::downgrade(shared));
    leptos::prelude::on_cleanup(move || {
        if let Some(shared) = weak.take().upgrade() {
            let mut inner = shared.borrow_mut();
            inner.ended = true;
            inner.running = None;
        }
    });
}

impl<C: Conversation> Connection<C> {
    /// Lets `issue` update the bookkeeping and posts the requests it returns; starts a worker
    /// if the last one died without a replacement and `retry` says a new try is deserved.
    fn issue<T, R: IntoIterator<Item = Request>>(&self, issue: impl FnOnce(&mut C) -> (R, T), retry: impl FnOnce(&C) -> bool) -> T {
        let (result, idle) = {
            let mut inner = self.inner.borrow_mut();
            let (requests, result) = issue(&mut inner.conversation);
            for request in requests {
                post(&inner, &request);
            }
            (result, inner.running.is_none() && !inner.ended && retry(&inner.conversation))
        };
        if idle {
            start(&self.inner);
        }
        result
    }
}

impl ProbeWorker {
    /// Asks for a probe of `config`; returns its generation. A new config deserves a new try
    /// of a worker that died.
    pub fn probe(&self, config: ExperimentConfig) -> u64 {
        self.issue(|exchange| (exchange.probe(config), exchange.newest()), |_| true)
    }

    /// Test hook: makes the worker panic.
    pub fn crash(&self) {
        self.issue(|exchange| (exchange.crash(), ()), |_| false);
    }
}

impl TrainingWorker {
    /// Sends a training command (see `TrainingExchange::command`). A new job deserves a new
    /// try of a worker that died.
    pub fn send(&self, command: TrainCommand) {
        let configures = Cell::new(false);
        self.issue(
            |exchange| {
                let (requests, configured) = exchange.command(command);
                configures.set(configured);
                (requests, ())
            },
            |exchange| configures.get() && exchange.has_job(),
        );
    }

    /// Stages a job: the worker gets it at `flush`, or before the next command for the job.
    pub fn stage(&self, spec: JobSpec) {
        self.issue(|exchange| (exchange.stage(spec), ()), |_| false);
    }

    /// Configures the staged job now, if one is staged.
    pub fn flush(&self) {
        let flushes = Cell::new(false);
        self.issue(
            |exchange| {
                flushes.set(exchange.staged.is_some());
                (exchange.flush(), ())
            },
            |exchange| flushes.get() && exchange.has_job(),
        );
    }
}

fn post<C: Conversation>(inner: &Inner<C>, request: &Request) {
    if let Some(running) = &inner.running {
        // Fails only for uncloneable values; a string always clones.
        let _ = running.worker.post_message(&JsValue::from_str(&bridge::encode(request)));
    }
}

fn start<C: Conversation>(shared: &Rc<RefCell<Inner<C>>>) {
    let mut inner = shared.borrow_mut();
    inner.instances += 1;
    let instance = inner.instances;
    let worker = match Worker::new(WORKER_URL) {
        Ok(worker) => worker,
        Err(err) => {
            let message = format!("could not start the worker ({})", describe(&err));
            let on_event = Rc::clone(&inner.on_event);
            drop(inner);
            on_event(C::failed(message));
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

fn receive<C: Conversation>(weak: &Weak<RefCell<Inner<C>>>, instance: u64, response: Result<Response, String>) {
    let Some(shared) = weak.upgrade() else { return };
    let (event, restart, on_event) = {
        let mut inner = shared.borrow_mut();
        if inner.running.as_ref().map(|r| r.instance) != Some(instance) {
            return; // a replaced worker's last words
        }
        let (event, restart) = match response {
            Ok(Response::Ready { protocol }) if protocol == PROTOCOL => {
                for request in inner.conversation.ready() {
                    post(&inner, &request);
                }
                (None, false)
            }
            Ok(Response::Ready { protocol }) => (Some(C::failed(bridge::protocol_mismatch(PROTOCOL, protocol))), false),
            Ok(Response::Panic { message }) => {
                // Dropping `Running` terminates the dead worker. Its handler may be the one
                // running now, which wasm-bindgen allows: the closure is freed when it returns.
                inner.running = None;
                let (event, restart) = inner.conversation.died(message);
                (Some(event), restart)
            }
            Ok(answer) => (inner.conversation.hear(answer), false),
            Err(message) => (Some(C::failed(format!("the worker sent an {message}"))), false),
        };
        (event, restart, Rc::clone(&inner.on_event))
    };
    if restart {
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
            other => panic!("expected a probe, got {other:?}"),
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

    fn train_command(request: &Request) -> &TrainCommand {
        match &request.kind {
            RequestKind::Train(command) => command,
            other => panic!("expected a training command, got {other:?}"),
        }
    }

    fn job(depth: usize) -> JobSpec {
        JobSpec::Mlp(config(depth))
    }

    fn progress(step: u64) -> Progress {
        let mut trainer = gradscope_core::train::Trainer::new(&config(2)).unwrap();
        let snapshot = trainer.advance(step as usize);
        Progress::Mlp(crate::bridge::MlpProgress { snapshot, histograms: None, boundary: None })
    }

    fn hear_progress(exchange: &mut TrainingExchange, generation: u64) -> bool {
        let response = Response::Progress { generation, progress: progress(1), running: true };
        matches!(exchange.hear(response), Some(TrainingEvent::Progress { running: true, .. }))
    }

    #[test]
    fn training_commands_before_ready_are_posted_in_order_from_the_newest_configure() {
        let mut exchange = TrainingExchange::default();
        assert_eq!(exchange.send(TrainCommand::Speed { steps_per_second: Some(5.0) }), None);
        exchange.send(TrainCommand::Configure(job(3)));
        exchange.send(TrainCommand::Play);
        exchange.send(TrainCommand::Configure(job(4)));
        exchange.send(TrainCommand::Step { steps: 2 });
        let sent: Vec<TrainCommand> = Conversation::ready(&mut exchange).iter().map(|r| train_command(r).clone()).collect();
        assert_eq!(sent, [TrainCommand::Speed { steps_per_second: Some(5.0) }, TrainCommand::Configure(job(4)), TrainCommand::Step { steps: 2 }]);
        assert!(Conversation::ready(&mut exchange).is_empty(), "sent once");
        assert!(exchange.send(TrainCommand::Pause).is_some(), "posted at once when ready");
    }

    #[test]
    fn progress_of_a_replaced_run_is_dropped_but_settings_keep_the_run() {
        let mut exchange = TrainingExchange::default();
        Conversation::ready(&mut exchange);
        let run = exchange.send(TrainCommand::Configure(job(3))).unwrap().generation;
        let hyper = Hyper::of(&config(3)).unwrap();
        let later = [TrainCommand::Play, TrainCommand::SetHyper(hyper), TrainCommand::Inspect { layer: 2 }];
        for command in later {
            assert!(exchange.send(command).unwrap().generation > run);
        }
        assert!(hear_progress(&mut exchange, run), "settings do not start a new run");
        let reset = exchange.send(TrainCommand::Reset).unwrap().generation;
        assert!(!hear_progress(&mut exchange, run), "progress from before the reset is stale");
        assert!(hear_progress(&mut exchange, reset));
        let refused = Response::Error { generation: reset, message: "lr must be ≥ 0".into() };
        assert_eq!(exchange.hear(refused), Some(TrainingEvent::Failed { message: "lr must be ≥ 0".into() }));
    }

    #[test]
    fn a_staged_job_is_configured_at_flush_or_before_the_next_command_for_the_job() {
        let mut exchange = TrainingExchange::default();
        Conversation::ready(&mut exchange);
        let run = exchange.send(TrainCommand::Configure(job(3))).unwrap().generation;
        assert!(hear_progress(&mut exchange, run));
        assert_eq!(exchange.stage(job(4)), None, "nothing posted yet");
        assert!(!hear_progress(&mut exchange, run), "the replaced network's steps are not current");
        let configure = exchange.flush().expect("the staged job, at flush");
        assert_eq!(train_command(&configure), &TrainCommand::Configure(job(4)));
        assert!(hear_progress(&mut exchange, configure.generation));
        assert_eq!(exchange.flush(), None, "configured once");

        exchange.stage(job(5));
        let (requests, configures) = exchange.command(TrainCommand::Inspect { layer: 2 });
        assert_eq!((requests.len(), configures), (1, false), "a page setting leaves the job staged");
        for command in [TrainCommand::Step { steps: 1 }, TrainCommand::SetHyper(Hyper::of(&config(5)).unwrap())] {
            exchange.stage(job(6));
            let (requests, configures) = exchange.command(command.clone());
            let sent: Vec<TrainCommand> = requests.iter().map(|r| train_command(r).clone()).collect();
            assert_eq!(sent, [TrainCommand::Configure(job(6)), command], "the job first");
            assert!(configures);
        }
        exchange.stage(job(7));
        let (event, restart) = exchange.died("boom".into());
        assert!(restart, "{event:?}");
        let resent: Vec<TrainCommand> = Conversation::ready(&mut exchange).iter().map(|r| train_command(r).clone()).collect();
        assert!(resent.contains(&TrainCommand::Configure(job(7))), "a replacement gets the staged job: {resent:?}");
    }

    #[test]
    fn a_dead_training_worker_is_replaced_with_the_job_and_settings_but_not_the_playing() {
        let mut exchange = TrainingExchange::default();
        Conversation::ready(&mut exchange);
        let run = exchange.send(TrainCommand::Configure(job(5))).unwrap().generation;
        let hyper = Hyper { clip: gradscope_core::clip::ClipConfig::Norm(0.5), ..Hyper::of(&config(5)).unwrap() };
        for command in [TrainCommand::Inspect { layer: 3 }, TrainCommand::Play, TrainCommand::SetHyper(hyper)] {
            exchange.send(command);
        }
        assert!(hear_progress(&mut exchange, run));
        let (event, restart) = exchange.died("boom".into());
        assert_eq!((event, restart), (TrainingEvent::Restarted { what_happened: "boom".into() }, true));
        let resent = Conversation::ready(&mut exchange);
        let commands: Vec<TrainCommand> = resent.iter().map(|r| train_command(r).clone()).collect();
        assert_eq!(commands, [TrainCommand::Inspect { layer: 3 }, TrainCommand::Configure(job(5)), TrainCommand::SetHyper(hyper)]);
        assert!(resent[1].generation > run, "a new run: the dead worker's progress is stale");
        let (event, restart) = exchange.died("boom again".into());
        assert!(!restart, "the replacement never answered: {event:?}");
        assert!(matches!(event, TrainingEvent::Failed { message } if message.starts_with("boom again. It failed before")));
        assert!(exchange.has_job(), "kept for a next try");
    }
}
