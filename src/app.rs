//! The page: one experiment config as the single source of truth. Controls edit it; the URL and
//! the probe worker follow it; the worker's newest answer is drawn, tabulated and read aloud.

use gradscope_core::config::{Activation, Architecture, Init};
use gradscope_core::recurrent::Model;
use gradscope_core::link::{self, Decoded};
use gradscope_core::ExperimentConfig;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::client::{Event, ProbeWorker};
use crate::components::controls::{Controls, Editor};
use crate::components::notices::{ClampNotice, WorkerError};
use crate::components::recurrent::{GatingPanel, ShownOverlay, TimePlotView, TimeReading, TimeTable};
use crate::components::pretraining::PretrainingPanel;
use crate::components::results::{PlotView, ProbeTable, Reading, Shown};
use crate::panels::activation::ActivationPanel;
use crate::components::training::TrainingPanel;
use crate::panels::chain::ChainRulePanel;
use crate::panels::init::InitPanel;
use crate::panels::techniques::{BatchNormPanel, ClippingPanel, OptimizerPanel, OrthogonalPanel, ResidualPanel, SmallInitPanel};
use crate::panels::theory::TheoryPanel;

#[component]
pub fn App() -> impl IntoView {
    let Decoded { config: opened, notes } = link::decode(&window().location().search().unwrap_or_default());
    // Everything the user set lives here and only here, so a respawned worker, the URL and
    // every control always agree.
    let (config, set_config) = signal(opened);
    let (link_notes, set_link_notes) = signal(notes);
    let (input_note, set_input_note) = signal(None);
    let (shown, set_shown) = signal(None::<Shown>);
    let (overlay, set_overlay) = signal(None::<ShownOverlay>);
    // Generation of the newest request and of the answer on the plot: equal means up to date.
    // Tests wait on them (`data-state`, `data-drawn-generation`) instead of sleeping.
    let (requested, set_requested) = signal(0_u64);
    let (drawn, set_drawn) = signal(0_u64);
    let (failed, set_failed) = signal(false);
    let (worker_error, set_worker_error) = signal(None::<String>);
    // The training's newest state, for the depth plot's "now".
    let (trained, set_trained) = signal(None);

    let worker = ProbeWorker::spawn(move |event| match event {
        Event::Report { generation, report } => set_shown.set(Some(Shown { generation, report })),
        Event::Overlay { generation, overlay } => set_overlay.set(Some(ShownOverlay { generation, overlay })),
        Event::Restarted { what_happened, generation } => {
            set_worker_error.set(Some(format!(
                "The computation crashed ({what_happened}). A fresh worker was started and your settings were sent to it again."
            )));
            set_requested.set(generation);
        }
        Event::Failed { message } => {
            set_worker_error.set(Some(format!("The computation failed: {message}")));
            set_failed.set(true);
        }
    });
    expose_crash_hook(worker.clone());
    Effect::new(move || {
        let generation = config.with(|cfg| worker.probe(cfg.clone()));
        set_requested.set(generation);
        set_failed.set(false);
    });
    // replaceState: the address always reproduces the experiment, without a history entry per
    // slider step and without scrolling.
    Effect::new(move || {
        let query = config.with(link::encode);
        if let Ok(history) = window().history() {
            // Keep the fragment: `#panel-…` links open an explanation panel.
            let fragment = window().location().hash().unwrap_or_default();
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("?{query}{fragment}")));
        }
    });

    let state = move || {
        if failed.get() {
            "error"
        } else if requested.get() > 0 && drawn.get() == requested.get() {
            "ready"
        } else {
            "loading"
        }
    };
    let editor = Editor { set_config, set_note: set_input_note };
    view! {
        <header class="masthead">
            <h1>"gradscope"</h1>
            <p class="tagline">"Watch gradients vanish and explode, layer by layer."</p>
        </header>
        <main id="app" data-state=state data-drawn-generation=move || drawn.get().to_string()>
            <Intro config editor/>
            <ClampNotice notes=link_notes set_notes=set_link_notes/>
            <WorkerError message=worker_error set_message=set_worker_error/>
            <div class="layout">
                <div class="sidebar">
                    <Controls config editor note=input_note/>
                    <Show when=move || config.with(ExperimentConfig::is_mlp)>
                        <ActivationPanel config shown/>
                        <InitPanel config shown/>
                        <OrthogonalPanel config/>
                        <SmallInitPanel config/>
                        <BatchNormPanel config shown/>
                        <ResidualPanel config shown/>
                        <ClippingPanel config/>
                        <OptimizerPanel config/>
                    </Show>
                </div>
                <Show
                    when=move || config.with(ExperimentConfig::is_mlp)
                    fallback=move || view! {
                        <section class="results" aria-label="Results">
                            <TimePlotView shown=overlay set_drawn/>
                            <TimeReading shown=overlay/>
                            <GatingPanel shown=overlay/>
                            <TimeTable shown=overlay/>
                        </section>
                    }
                >
                    <section class="results" aria-label="Results">
                        <PlotView shown set_drawn trained/>
                        <Reading shown/>
                        <TrainingPanel config set_trained/>
                        <ChainRulePanel shown/>
                        <TheoryPanel shown/>
                        <ProbeTable shown/>
                    </section>
                </Show>
            </div>
            <PretrainingPanel config editor/>
        </main>
    }
}

/// The first thing a visitor reads: what the plot shows, and the one change worth trying.
#[component]
fn Intro(config: ReadSignal<ExperimentConfig>, editor: Editor) -> impl IntoView {
    view! {
        <Show when=move || config.with(ExperimentConfig::is_mlp) fallback=move || view! { <RecurrentIntro editor/> }>
            <FeedForwardIntro config editor/>
        </Show>
    }
}

/// The recurrent lab's first words: what the time-step plot shows.
#[component]
fn RecurrentIntro(editor: Editor) -> impl IntoView {
    view! {
        <section class="intro">
            <p>
                "A recurrent network applies the same cell at every time step, so backpropagation through time                  multiplies the gradient by the same recurrent Jacobian once per step on its way back to the first                  input. The plot shows how much gradient reaches every step t of a freshly initialized network, for                  the plain RNN, the LSTM and the GRU on the same task and sequences. The plain RNN's "
                <strong>"vanishes"</strong>" within a few dozen steps; the gates of the LSTM and GRU keep a path open."
            </p>
            <p class="next-step">
                "Try a longer sequence, a larger forget bias, or the identity init (IRNN) with relu. "
                <button type="button" id="back-to-mlp" on:click=move |_| editor.edit("model", Architecture::Mlp.name())>
                    "Back to the feed-forward network"
                </button>
            </p>
        </section>
    }
}

#[component]
fn FeedForwardIntro(config: ReadSignal<ExperimentConfig>, editor: Editor) -> impl IntoView {
    let on_relu_he = move || config.with(|c| c.act == Activation::Relu && c.init == Init::KaimingNormal);
    let try_relu_he = move |_| {
        editor.edit("act", Activation::Relu.name());
        editor.edit("init", Init::KaimingNormal.name());
    };
    view! {
        <section class="intro">
            <p>
                "Backpropagation multiplies the gradient by each layer's weights and activation slope on its way \
                 back to the input. The plot shows how big it still is at every layer of a freshly initialized \
                 network. With sigmoid and small random weights it shrinks at every layer, so the first layers \
                 barely learn: the gradient "<strong>"vanishes"</strong>"."
            </p>
            <p class="next-step">
                <Show
                    when=on_relu_he
                    fallback=move || view! {
                        <button type="button" id="try-relu-he" on:click=try_relu_he>"Try ReLU + He init"</button>
                        " ReLU with "<code>"kaiming_normal"</code>" (He) init is designed to keep it level."
                    }
                >
                    "ReLU with "<code>"kaiming_normal"</code>" (He) init is designed to pass the gradient back \
                     undiminished. Now try more depth, "<code>"tanh"</code>", or batch norm."
                </Show>
            </p>
            <p class="next-step">
                <button type="button" id="try-recurrent" on:click=move |_| editor.edit("model", Model::Lstm.name())>
                    "Compare RNN, LSTM and GRU through time"
                </button>
                " The deepest networks are recurrent ones, unrolled in time."
            </p>
        </section>
    }
}

/// `window.gradscopeCrashWorker()`: makes the worker panic, so browser tests can check recovery.
fn expose_crash_hook(worker: ProbeWorker) {
    let crash = Closure::<dyn Fn()>::new(move || worker.crash());
    let _ = js_sys::Reflect::set(&window(), &"gradscopeCrashWorker".into(), crash.as_ref());
    // Callable for the page's whole life.
    crash.forget();
}
