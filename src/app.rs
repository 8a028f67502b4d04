//! The page: one experiment config as the single source of truth. Controls edit it; the URL and
//! the probe worker follow it; the worker's newest answer is drawn, tabulated and read aloud.

use gradscope_core::config::{Activation, Architecture, Init};
use gradscope_core::link::{self, Decoded, LinkNote, NoteKind, ValueProblem};
use gradscope_core::recurrent::Model;
use gradscope_core::ExperimentConfig;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::client::{Event, ProbeWorker};
use crate::components::controls::{Controls, Editor};
use crate::components::notices::{ClampNotice, WorkerError, WorkerTrouble};
use crate::components::pretraining::PretrainingPanel;
use crate::components::recurrent::{GatingPanel, ShownOverlay, TimePlotView, TimeReading, TimeTable};
use crate::components::recurrent_training::RecurrentTrainingPanel;
use crate::components::results::{PlotView, ProbeTable, Reading, Shown};
use crate::panels::activation::ActivationPanel;
use crate::components::training::TrainingPanel;
use crate::panels::chain::ChainRulePanel;
use crate::panels::init::InitPanel;
use crate::panels::techniques::{BatchNormPanel, ClippingPanel, OptimizerPanel, OrthogonalPanel, ResidualPanel, SmallInitPanel};
use crate::panels::theory::TheoryPanel;
use crate::i18n::{browser_languages, use_i18n, I18n, Lang, LangSelect};

#[component]
pub fn App() -> impl IntoView {
    let search = window().location().search().unwrap_or_default();
    let Decoded { config: opened, mut notes } = link::decode(&search);
    let (lang, chosen) = lang_of_link(&search, &mut notes);
    let i18n = I18n::provide(lang, chosen);
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
    let (worker_trouble, set_worker_trouble) = signal(None::<WorkerTrouble>);
    // The training's newest state, for the depth plot's and the time-step plot's "now".
    let (trained, set_trained) = signal(None);
    let (trained_now, set_trained_now) = signal(None);

    let worker = ProbeWorker::spawn(move |event| match event {
        Event::Report { generation, report } => set_shown.set(Some(Shown { generation, report })),
        Event::Overlay { generation, overlay } => set_overlay.set(Some(ShownOverlay { generation, overlay })),
        Event::Restarted { what_happened, generation } => {
            set_worker_trouble.set(Some(WorkerTrouble::Crashed(what_happened)));
            set_requested.set(generation);
        }
        Event::Failed { message } => {
            set_worker_trouble.set(Some(WorkerTrouble::Failed(message)));
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
        let mut query = config.with(link::encode);
        if let Some(lang) = i18n.in_link() {
            query.push_str(&format!("&lang={lang}"));
        }
        if let Ok(history) = window().history() {
            // Keep the fragment: `#panel-…` links open an explanation panel.
            let fragment = window().location().hash().unwrap_or_default();
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("?{query}{fragment}")));
        }
    });

    // Memo: the training panel and the state attribute read it.
    let settled = Memo::new(move |_| failed.get() || (requested.get() > 0 && drawn.get() == requested.get()));
    let state = move || match (failed.get(), settled.get()) {
        (true, _) => "error",
        (false, true) => "ready",
        (false, false) => "loading",
    };
    let editor = Editor { set_config, set_note: set_input_note };
    view! {
        <header class="masthead">
            <h1>"gradscope"</h1>
            <p class="tagline">{move || i18n.t().masthead.tagline}</p>
            <LangSelect/>
        </header>
        <main id="app" data-state=state data-drawn-generation=move || drawn.get().to_string()>
            <Intro config editor/>
            <ClampNotice notes=link_notes set_notes=set_link_notes/>
            <WorkerError trouble=worker_trouble set_trouble=set_worker_trouble/>
            <div class="layout">
                <div class="sidebar">
                    <Controls config editor note=input_note/>
                    <Show when=move || config.with(ExperimentConfig::is_mlp)>
                        <OrthogonalPanel config/>
                        <SmallInitPanel config/>
                        <BatchNormPanel config shown/>
                        <ResidualPanel config shown/>
                    </Show>
                </div>
                <Show
                    when=move || config.with(ExperimentConfig::is_mlp)
                    fallback=move || view! {
                        <section class="results" aria-label=move || i18n.t().masthead.results_label>
                            <TimePlotView shown=overlay set_drawn now=trained_now/>
                            <TimeReading shown=overlay/>
                            <RecurrentTrainingPanel config set_now=set_trained_now probe_settled=settled.into()/>
                            <GatingPanel shown=overlay/>
                            <TimeTable shown=overlay/>
                        </section>
                    }
                >
                    <section class="results" aria-label=move || i18n.t().masthead.results_label>
                        <PlotView shown set_drawn trained/>
                        <Reading shown/>
                        <TrainingPanel config set_trained probe_settled=settled.into()/>
                        // Beside training, whose numbers they show; formulas have room here.
                        <ClippingPanel config trained/>
                        <OptimizerPanel config trained/>
                        <ChainRulePanel shown/>
                        <TheoryPanel shown/>
                        // Under the plot, where their chart and wide formulas have room.
                        <ActivationPanel config shown/>
                        <InitPanel config shown/>
                        <ProbeTable shown/>
                    </section>
                </Show>
            </div>
            // Greedy RBM pretraining initializes an MLP's hidden layers: not a recurrent net's.
            <Show when=move || config.with(ExperimentConfig::is_mlp)>
                <PretrainingPanel config editor/>
            </Show>
        </main>
    }
}

/// The language to open in: the link's `lang` if it names one the page has (a choice, kept in
/// the link), else the browser's. An unusable `lang` is noted like any other link value.
fn lang_of_link(search: &str, notes: &mut Vec<LinkNote>) -> (Lang, bool) {
    let browser = Lang::negotiate(browser_languages().iter().map(String::as_str));
    let Some(given) = link::page_value(search, "lang") else { return (browser, false) };
    match given.parse() {
        Ok(lang) => (lang, true),
        Err(_) => {
            let given = link::shown(&given);
            let problem = ValueProblem::NotOneOf { expected: Lang::ALL.iter().map(|lang| lang.code().to_owned()).collect() };
            let message = format!("lang={given} {problem}; using {browser}.");
            let used = Some(browser.code().to_owned());
            notes.push(LinkNote { key: "lang".to_owned(), given, used, kind: NoteKind::Value(problem), message });
            (browser, false)
        }
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
    let i18n = use_i18n();
    let t = move || &i18n.t().intro;
    view! {
        <section class="intro">
            <p>
                {move || t().recurrent_before}<strong>{move || t().recurrent_vanishes}</strong>{move || t().recurrent_after}
            </p>
            <p class="next-step">
                {move || t().recurrent_try}
                <button type="button" id="back-to-mlp" on:click=move |_| editor.edit("model", Architecture::Mlp.name())>
                    {move || t().back_to_mlp}
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
    let i18n = use_i18n();
    let t = move || &i18n.t().intro;
    view! {
        <section class="intro">
            <p>
                {move || t().backprop_before}<strong>{move || t().backprop_vanishes}</strong>{move || t().backprop_after}
            </p>
            <p class="next-step">
                <Show
                    when=on_relu_he
                    fallback=move || view! {
                        <button type="button" id="try-relu-he" on:click=try_relu_he>{move || t().try_relu_he}</button>
                        " "{move || t().relu_with}<code>"kaiming_normal"</code>{move || t().he_keeps_level}
                    }
                >
                    {move || t().relu_with}<code>"kaiming_normal"</code>{move || t().he_passes_back_before}
                    <code>"tanh"</code>{move || t().he_passes_back_or}
                </Show>
            </p>
            <p class="next-step">
                <button type="button" id="try-recurrent" on:click=move |_| editor.edit("model", Model::Lstm.name())>
                    {move || t().try_recurrent}
                </button>
                {move || t().recurrent_deepest}
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
