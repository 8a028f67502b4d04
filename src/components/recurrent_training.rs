//! The recurrent lab's training panel: the plain RNN, the LSTM and the GRU trained side by side
//! on the same task, sequences, seed, optimizer and clipping (`JobSpec::Recurrent`), one loss
//! chart with the task's baseline, the held-out losses, and a diagnosis for a model that
//! diverged. The controls and the frame pacing are the MLP panel's (`training`).

use gradscope_core::recurrent::{Model, TimeProbe};
use gradscope_core::config::Architecture;
use gradscope_core::ExperimentConfig;
use leptos::prelude::*;
use web_sys::HtmlCanvasElement;

use crate::bridge::{JobSpec, Progress};
use crate::client::{TrainingEvent, TrainingWorker};
use crate::components::panel::InfoFor;
use crate::components::training::{network_of, send_hyper_changes, stage_until_settled, Chart, Frames, RunState, Toolbar};
use crate::format;
use crate::i18n::{self, use_i18n, Lang};
use crate::plot::{draw_chart_on_canvas, draw_recurrent_loss, ModelSeries, RecurrentLoss};
use crate::recurrent_training::{ModelHistory, RecurrentHistory};
use crate::tr;

/// The models' gradients through time at a training step, for the time-step plot's "now".
pub type TrainedNow = Option<(u64, Vec<TimeProbe>)>;

#[component]
pub fn RecurrentTrainingPanel(
    config: ReadSignal<ExperimentConfig>,
    set_now: WriteSignal<TrainedNow>,
    /// Whether the time-step plot shows the probe of the current config (or the probe failed).
    probe_settled: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let history = StoredValue::new(RecurrentHistory::default());
    let frames = Frames::new();
    let Frames { frame, busy, .. } = frames;
    let (state, set_state) = signal(RunState::Paused);
    let (problem, set_problem) = signal(None::<String>);
    let clear = move || {
        history.set_value(RecurrentHistory::default());
        set_now.set(None);
        set_state.set(RunState::Paused);
        frames.schedule(false);
    };
    let worker = TrainingWorker::spawn(move |event| match event {
        TrainingEvent::Progress { progress: Progress::Recurrent(progress), running } => {
            if progress.stopped() {
                set_state.set(RunState::Stopped);
            }
            history.update_value(|h| h.record(progress));
            frames.schedule(running);
        }
        // This panel's worker only runs the recurrent job.
        TrainingEvent::Progress { .. } => {}
        TrainingEvent::Restarted { what_happened } => {
            set_problem.set(Some(tr!(i18n.t_untracked(), training.worker_restarted, error = what_happened)));
            clear();
        }
        TrainingEvent::Failed { message } => set_problem.set(Some(tr!(i18n.t_untracked(), training.worker_failed, error = message))),
    });
    // A new network or task starts over; the optimizer and clipping apply from the next step.
    // The job trains every model, so choosing another one (which the plots single out) does not.
    let network = Memo::new(move |_| {
        let mut network = config.with(network_of);
        network.model = Architecture::Recurrent(Model::Lstm);
        network
    });
    let stage = stage_until_settled(&worker, probe_settled);
    Effect::new(move || {
        network.track();
        clear();
        set_problem.set(None);
        stage(JobSpec::Recurrent(config.get_untracked()));
    });
    send_hyper_changes(&worker, config);
    Effect::new(move || {
        frame.track();
        set_now.set(history.with_value(RecurrentHistory::now));
    });
    let step_count = Signal::derive(move || {
        frame.track();
        history.with_value(RecurrentHistory::step)
    });
    let baseline = move || config.with(|c| c.task.baseline_loss());

    view! {
        <section id="recurrent-training" class="training" aria-labelledby="recurrent-training-title"
            data-state=move || state.get().name() data-busy=move || busy.get().to_string()>
            <h2 id="recurrent-training-title">{move || i18n.t().recurrent_training.title}</h2>
            <p class="hint">{move || i18n.t().recurrent_training.intro}</p>
            <Toolbar worker state set_state step_count on_reset=clear tip="recurrent_training"/>
            <Show when=move || problem.with(Option::is_some)>
                <p id="training-error" class="notice error" role="alert">{move || problem.get()}</p>
            </Show>
            <HeldOut history frame baseline/>
            <Divergences history frame/>
            <LossChart history frame baseline/>
        </section>
    }
}

/// Each model's loss on the held-out sequences, exactly (`data-value`), beside the baseline.
#[component]
fn HeldOut(history: StoredValue<RecurrentHistory>, frame: ReadSignal<u64>, baseline: impl Fn() -> f64 + Copy + Send + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let measured = move || {
        frame.track();
        history.with_value(|h| {
            let step = h.models.first().and_then(|m| m.evaluation).map(|e| e.0).filter(|&s| s > 0)?;
            Some((step, h.models.iter().map(|m| (m.model, m.evaluation.map(|e| e.1))).collect::<Vec<_>>()))
        })
    };
    let said = move || &i18n.t().recurrent_training;
    view! {
        <p id="recurrent-figures" aria-live="off">
            {move || match measured() {
                Some((step, models)) => view! {
                    {tr!(i18n.t(), recurrent_training.held_out, step = step)}" "
                    {models.into_iter().map(|(model, loss)| view! {
                        <span class="figure">{i18n::model(i18n.t(), model).0}" "
                            <span data-model=model.name() data-field="evaluation_loss" data-value=loss.map(format::exact)>
                                {loss.map(format::readable)}
                            </span>" · "
                        </span>
                    }).collect_view()}
                    {said().baseline}" "<span data-field="baseline" data-value=format::exact(baseline())>{format::readable(baseline())}</span>
                }.into_any(),
                None => said().not_started.into_any(),
            }}
            " "<InfoFor key="recurrent_figures" label=|t| t.recurrent_training.held_out_name/>
        </p>
    }
}

/// A notice per model that diverged: which quantity went non-finite at which step, and what helps.
#[component]
fn Divergences(history: StoredValue<RecurrentHistory>, frame: ReadSignal<u64>) -> impl IntoView {
    let i18n = use_i18n();
    let diverged = move || {
        frame.track();
        history.with_value(|h| h.models.iter().filter(|m| m.diverged_at.is_some()).cloned().collect::<Vec<ModelHistory>>())
    };
    view! {
        {move || diverged().into_iter().map(|m| {
            let words = i18n.t();
            let step = m.diverged_at.unwrap_or(m.step);
            // The probe of the diverging step: a non-finite loss, or else the gradient.
            let (quantity, value) = match &m.probe {
                Some(p) if !p.loss.is_finite() => (words.recurrent_training.quantity_loss, p.loss),
                Some(p) => (words.recurrent_training.quantity_gradient, p.grad_norm),
                None => (words.recurrent_training.quantity_loss, f64::NAN),
            };
            let text = tr!(words, recurrent_training.diverged, model = i18n::model(words, m.model).0, step = step, quantity = quantity, value = format::readable(value));
            view! { <p class="notice error diverged" role="alert" data-model=m.model.name() data-step=step.to_string()>{text}</p> }
        }).collect_view()}
    }
}

/// Every model's training loss over the steps, with the baseline.
#[component]
fn LossChart(history: StoredValue<RecurrentHistory>, frame: ReadSignal<u64>, baseline: impl Fn() -> f64 + Copy + Send + 'static) -> impl IntoView {
    let (drawn_models, set_drawn_models) = signal(Vec::<Model>::new());
    let mut last = (u64::MAX, 0);
    let draw = move |canvas: &HtmlCanvasElement, dark: bool, lang: Lang, forced: bool| {
        history.with_value(|h| {
            let now = (h.step(), h.models.iter().map(|m| m.windows.len()).sum::<usize>());
            if std::mem::replace(&mut last, now) == now && !forced {
                return None;
            }
            let words = lang.strings();
            let series = h.models.iter().map(|m| ModelSeries {
                model: m.model,
                label: i18n::model(words, m.model).0.to_owned(),
                points: m.windows.iter().map(|&(step, loss)| (step as f64, loss)).collect(),
            });
            // No model is singled out: they train together.
            let chart = RecurrentLoss { series: series.collect(), chosen: None, baseline: baseline() };
            let mut models = Vec::new();
            let result = draw_chart_on_canvas(canvas, dark, lang, |root, style| {
                models = draw_recurrent_loss(root, &chart, style)?;
                Ok(())
            });
            set_drawn_models.set(models);
            Some(result.map(|()| h.step()))
        })
    };
    // Which models' lines the chart drew (`data-series`), for tests and curious users.
    let names = move || drawn_models.with(|models| models.iter().map(|m| m.name()).collect::<Vec<_>>().join(","));
    view! {
        <div class="charts" data-series=names>
            <Chart id="recurrent-loss-chart" title=|t| t.recurrent_training.loss_chart about=|t| t.recurrent_training.loss_about frame draw/>
        </div>
    }
}
