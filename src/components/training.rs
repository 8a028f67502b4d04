//! The training panel: play / pause / step / reset, speed and the step counter; the explosion
//! diagnosis; the charts (loss and accuracy, gradient-norm heatmap, update:data ratio,
//! histograms of a chosen layer, decision boundary); the newest per-layer numbers.
//!
//! It owns the training worker. Progress is recorded as it arrives (cheap), and everything is
//! drawn at most once per animation frame from the recorded history, so a fast worker never
//! floods the main thread with redraws.

use gradscope_core::activation::Activation;
use gradscope_core::data::{Samples, Targets};
use gradscope_core::train::{Diagnosis, Histogram as CoreHistogram, LayerSnapshot, Snapshot};
use gradscope_core::ExperimentConfig;
use leptos::html::Canvas;
use leptos::prelude::*;
use web_sys::HtmlCanvasElement;

use crate::bridge::{Hyper, JobSpec, Progress, TrainCommand};
use crate::client::{TrainingEvent, TrainingWorker};
use crate::components::panel::{tip_id, InfoFor};
use crate::components::redraw::Redraw;
use crate::components::results::{observe_width, prefers_dark};
use crate::format;
use crate::i18n::{self, use_i18n, Label, Lang, Strings};
use crate::tr;
use crate::plot::{
    draw_chart_on_canvas, draw_decision_boundary, draw_heatmap, draw_histograms, draw_loss, draw_update_ratio, Boundary,
    Histogram, HistogramPanel, Histograms, LayerSeries, LossHistory, Saturation,
};
use crate::training::TrainingHistory;

/// Every user-visible string of the panel, in one place for the translations.
/// Speeds offered, in steps per second (`None`: as fast as the worker goes).
const SPEEDS: [Option<f64>; 4] = [None, Some(100.0), Some(10.0), Some(1.0)];

/// Whether the run plays, as the user asked, or stopped by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    Paused,
    Playing,
    /// Diverged: only a reset (or a new network) trains again.
    Stopped,
}

impl RunState {
    pub fn name(self) -> &'static str {
        match self {
            RunState::Paused => "paused",
            RunState::Playing => "playing",
            RunState::Stopped => "stopped",
        }
    }
}

/// The experiment without its optimizer and clipping settings: what a change of resets training.
pub fn network_of(config: &ExperimentConfig) -> ExperimentConfig {
    let defaults = ExperimentConfig::default();
    let mut network = config.clone();
    network.set_optimizer(defaults.optimizer());
    (network.clip, network.clipv) = (defaults.clip, defaults.clipv);
    network
}

/// A layer's name on axes and in menus: its number, or "out" for the readout.
fn layer_name(layer: usize, readout: usize, words: &Strings) -> String {
    if layer == readout {
        words.plot.readout_tick.to_owned()
    } else {
        layer.to_string()
    }
}

#[component]
pub fn TrainingPanel(
    config: ReadSignal<ExperimentConfig>,
    /// The newest snapshot that took steps, for the depth plot's "now".
    set_trained: WriteSignal<Option<Snapshot>>,
    /// Whether the plot shows the probe of the current config (or the probe failed).
    probe_settled: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let history = StoredValue::new(TrainingHistory::default());
    let frames = Frames::new();
    let Frames { frame, busy, .. } = frames;
    let (state, set_state) = signal(RunState::Paused);
    let (problem, set_problem) = signal(None::<String>);
    let (inspect, set_inspect) = signal(1_usize);

    let clear = move || {
        history.set_value(TrainingHistory::default());
        set_trained.set(None);
        set_state.set(RunState::Paused);
        frames.schedule(false);
    };
    let worker = TrainingWorker::spawn(move |event| match event {
        TrainingEvent::Progress { progress: Progress::Mlp(progress), running } => {
            if progress.snapshot.diagnosis.is_some() {
                set_state.set(RunState::Stopped);
            }
            history.update_value(|h| h.record(progress));
            frames.schedule(running);
        }
        TrainingEvent::Restarted { what_happened } => {
            set_problem.set(Some(tr!(i18n.t_untracked(), training.worker_restarted, error = what_happened)));
            clear();
        }
        TrainingEvent::Failed { message } => set_problem.set(Some(tr!(i18n.t_untracked(), training.worker_failed, error = message))),
        // This panel's worker only ever runs MLP jobs; the other jobs have workers of their own.
        TrainingEvent::Progress { .. } => {}
    });

    // A new network starts over: the worker gets a new job, the page a new history. The data
    // are generated here too (cheap): the decision boundary draws them.
    let network = Memo::new(move |_| config.with(network_of));
    let samples = StoredValue::new(None::<Samples>);
    let send = {
        let worker = worker.clone();
        move |command: TrainCommand| worker.send(command)
    };
    let stage = stage_until_settled(&worker, probe_settled);
    Effect::new(move || {
        let network = network.get();
        let layers = network.with_clamped_shape().depth + 1;
        samples.set_value(Some(network.data.generate(network.seed)));
        if inspect.get_untracked() > layers {
            set_inspect.set(layers);
        }
        clear();
        set_problem.set(None);
        stage(JobSpec::Mlp(config.get_untracked()));
    });
    send_hyper_changes(&worker, config);
    let send_inspect = send.clone();
    Effect::new(move || send_inspect(TrainCommand::Inspect { layer: inspect.get() }));
    // The depth plot's "now" follows the frames, like the charts.
    Effect::new(move || {
        frame.track();
        let latest = history.with_value(|h| h.latest.clone().filter(|s| s.step > 0));
        set_trained.set(latest);
    });

    let step_count = Signal::derive(move || {
        frame.track();
        history.with_value(TrainingHistory::step)
    });
    let readout = move || network.with(|n| n.with_clamped_shape().depth + 1);

    view! {
        <section id="training" class="training" aria-labelledby="training-title"
            data-state=move || state.get().name() data-busy=move || busy.get().to_string()>
            <h2 id="training-title">{move || i18n.t().training.title}</h2>
            <p class="hint">{move || i18n.t().training.intro}</p>
            <Toolbar worker state set_state step_count on_reset=clear tip="training"/>
            <Show when=move || problem.with(Option::is_some)>
                <p id="training-error" class="notice error" role="alert">{move || problem.get()}</p>
            </Show>
            <Figures history frame/>
            <DiagnosisView history frame config readout/>
            <ChartGrid history frame config samples inspect set_inspect readout/>
            <NumbersTable history frame readout/>
        </section>
    }
}

/// Sends the optimizer and clipping to the job whenever they change (the job's configuration
/// carried the first value): they apply from the next step, without a reset.
pub fn send_hyper_changes(worker: &TrainingWorker, config: ReadSignal<ExperimentConfig>) {
    let hyper = Memo::new(move |_| config.with(Hyper::of).ok());
    let worker = worker.clone();
    Effect::new(move |previous: Option<Option<Hyper>>| {
        let hyper = hyper.get();
        if let (Some(_), Some(hyper)) = (previous, hyper) {
            worker.send(TrainCommand::SetHyper(hyper));
        }
        hyper
    });
}

/// How long the plot shows the probe of a new network before the training worker configures it.
const CONFIGURE_AFTER: std::time::Duration = std::time::Duration::from_millis(150);

/// Returns how a training panel hands `worker` a new job: staged, not sent. Configuring a network
/// (its first evaluation and views) would compete for the cores with the probe a slider move
/// waits for, so the worker gets the job once the plot has shown that probe for
/// `CONFIGURE_AFTER` with no newer job (a dragged slider configures only where it stops), or at
/// once when a command for the job (Play, Step…) needs it (`TrainingExchange::command`).
pub fn stage_until_settled(worker: &TrainingWorker, probe_settled: Signal<bool>) -> impl Fn(JobSpec) + Copy + 'static {
    // Jobs staged so far: a delayed flush checks that no newer one came.
    let staged = StoredValue::new(0_u64);
    let flush = worker.clone();
    Effect::new(move || {
        if !probe_settled.get() {
            return;
        }
        let (flush, waited_for) = (flush.clone(), staged.get_value());
        // `try_`: the panel may be gone by then.
        set_timeout(move || if staged.try_get_value() == Some(waited_for) && probe_settled.try_get_untracked() == Some(true) { flush.flush() }, CONFIGURE_AFTER);
    });
    let worker = StoredValue::new_local(worker.clone());
    move |job| {
        worker.with_value(|worker| worker.stage(job));
        staged.update_value(|n| *n += 1);
    }
}

/// The animation-frame clock of a training panel: progress is recorded as it arrives, and
/// everything is drawn at most once per frame from the recorded history.
#[derive(Clone, Copy)]
pub struct Frames {
    /// Bumped once per animation frame that has new progress: every chart and number follows it.
    pub frame: ReadSignal<u64>,
    /// Whether the worker still has work queued, as its newest progress said; shown with that
    /// progress (in its frame), so tests that wait for it see the numbers of the last progress.
    pub busy: ReadSignal<bool>,
    set_frame: WriteSignal<u64>,
    set_busy: WriteSignal<bool>,
    pending: StoredValue<bool>,
    worker_busy: StoredValue<bool>,
}

impl Frames {
    pub fn new() -> Self {
        let (frame, set_frame) = signal(0_u64);
        let (busy, set_busy) = signal(false);
        Frames { frame, busy, set_frame, set_busy, pending: StoredValue::new(false), worker_busy: StoredValue::new(false) }
    }

    /// Something new to draw; `worker_busy`: whether the worker said more follows.
    ///
    /// The panel may be gone by the time the frame comes (a config change clears it just
    /// before it unmounts) or when a late message arrives: the `try_` reads then find the
    /// values disposed and nothing happens.
    pub fn schedule(self, worker_busy: bool) {
        self.worker_busy.set_value(worker_busy);
        if self.pending.try_get_value() == Some(false) {
            self.pending.set_value(true);
            request_animation_frame(move || {
                let Some(busy) = self.worker_busy.try_get_value() else { return };
                self.pending.set_value(false);
                self.set_frame.update(|n| *n += 1);
                self.set_busy.set(busy);
            });
        }
    }
}

/// Play / Pause / Step / Reset, the speed and the step counter, for any training job.
/// `on_reset` runs before a reset is sent (the panel forgets its history).
#[component]
pub fn Toolbar(
    worker: TrainingWorker,
    state: ReadSignal<RunState>,
    set_state: WriteSignal<RunState>,
    step_count: Signal<u64>,
    on_reset: impl Fn() + Copy + 'static,
    /// The key of the buttons' "i" tip (`tips` in the catalogs), which says what they train.
    tip: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let (speed, set_speed) = signal(None::<f64>);
    let send_speed = worker.clone();
    Effect::new(move || send_speed.send(TrainCommand::Speed { steps_per_second: speed.get() }));
    let command = move |command: TrainCommand, next: RunState| {
        let worker = worker.clone();
        move |_: leptos::ev::MouseEvent| {
            if command == TrainCommand::Reset {
                on_reset();
            }
            worker.send(command.clone());
            set_state.set(next);
        }
    };
    view! {
        <div class="toolbar" role="group" aria-label=move || i18n.t().training.title aria-describedby=tip_id(tip)>
            <button type="button" id="play" class="primary"
                disabled=move || state.get() != RunState::Paused
                on:click=command(TrainCommand::Play, RunState::Playing)>{move || i18n.t().training.play}</button>
            <button type="button" id="pause" disabled=move || state.get() != RunState::Playing
                on:click=command(TrainCommand::Pause, RunState::Paused)>{move || i18n.t().training.pause}</button>
            <button type="button" id="step" disabled=move || state.get() == RunState::Stopped
                on:click=command(TrainCommand::Step { steps: 1 }, RunState::Paused)>{move || i18n.t().training.step}</button>
            <button type="button" id="reset" title=move || i18n.t().training.reset_title
                on:click=command(TrainCommand::Reset, RunState::Paused)>{move || i18n.t().training.reset}</button>
            <InfoFor key=tip label=|t| t.training.title/>
            <label class="speed">{move || i18n.t().training.speed}" "
                <select id="speed" aria-describedby=tip_id("speed") on:change=move |ev| set_speed.set(event_target_value(&ev).parse().ok())>
                    {SPEEDS.iter().map(|&s| {
                        let value = s.map_or_else(|| "max".to_owned(), |s| s.to_string());
                        let label = move || match s {
                            None => i18n.t().training.speed_max.to_owned(),
                            Some(s) => tr!(i18n.t(), training.steps_per_second, speed = s),
                        };
                        view! { <option value=value prop:selected=move || speed.get() == s>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
            <InfoFor key="speed" label=|t| t.training.speed/>
            <output id="step-count" data-value=move || step_count.get().to_string()>
                {move || i18n.t().training.step_count}" "{move || step_count.get()}
            </output>
        </div>
    }
}

/// The newest loss and accuracy, in words and as exact values (`data-value`).
#[component]
fn Figures(history: StoredValue<TrainingHistory>, frame: ReadSignal<u64>) -> impl IntoView {
    let i18n = use_i18n();
    let latest = move || {
        frame.track();
        history.with_value(|h| h.latest.clone())
    };
    view! {
        <p id="training-figures" aria-live="off">
            {move || match latest() {
                Some(s) if s.step > 0 || s.diagnosis.is_some() => view! {
                    {i18n.t().training.loss}" "<span data-field="eval_loss" data-value=format::exact(s.eval.loss)>{format::readable(s.eval.loss)}</span>
                    {s.eval.accuracy.map(|a| view! {
                        " · "{i18n.t().training.accuracy}" "<span data-field="eval_accuracy" data-value=format::exact(a)>{format::percent(a)}</span>
                    })}
                    " ("{i18n.t().training.eval_note}")"
                }.into_any(),
                _ => i18n.t().training.not_started.into_any(),
            }}
        </p>
    }
}

/// The explosion diagnosis, instead of a grey NaN: what went first, and what helps.
#[component]
fn DiagnosisView(
    history: StoredValue<TrainingHistory>,
    frame: ReadSignal<u64>,
    config: ReadSignal<ExperimentConfig>,
    readout: impl Fn() -> usize + Copy + Send + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let diagnosis = move || {
        frame.track();
        history.with_value(|h| h.latest.as_ref().and_then(|s| s.diagnosis.clone()))
    };
    view! {
        {move || diagnosis().map(|d: Diagnosis| {
            let norms: Vec<String> = d.recent_grad_norms.iter().map(|r| {
                let global = r.grad_w_norm.iter().map(|n| n * n).sum::<f64>().sqrt();
                format!("{}: {}", r.step, format::gradient(global, i18n.t()))
            }).collect();
            view! {
                <section id="diagnosis" class="notice error" role="alert" data-step=d.step.to_string()>
                    <h3>{tr!(i18n.t(), training.diverged_at, step = d.step)}</h3>
                    <p>{i18n::diagnosis(i18n.t(), &d, readout())}</p>
                    <p>{i18n.t().training.what_helps}</p>
                    <ul>{
                        // Worded from core's advice data, for the settings the run diverged with.
                        config.with_untracked(|c| d.remedies(c)).iter().map(|a| view! { <li>{i18n::advice(i18n.t(), a)}</li> }).collect_view()
                    }</ul>
                    <p class="hint">{i18n.t().training.recent_norms}" "{norms.join(" · ")}</p>
                </section>
            }
        })}
    }
}

/// A chart's canvas, redrawn in its turn (`Redraw`) after a frame that may have brought it
/// something new; `draw` returns the step it drew (written as `data-drawn-step`), or `None` when
/// it had nothing new to draw.
#[component]
pub fn Chart(
    id: &'static str,
    title: Label,
    about: Label,
    frame: ReadSignal<u64>,
    draw: impl FnMut(&HtmlCanvasElement, bool, Lang, bool) -> Option<Result<u64, String>> + 'static,
    #[prop(optional)] heading: Option<AnyView>,
    #[prop(optional)] hidden: Signal<bool>,
) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let dark = prefers_dark();
    let (drawn, set_drawn) = signal(None::<u64>);
    let (failure, set_failure) = signal(None::<String>);
    let (width, set_width) = signal(0);
    let area = NodeRef::<leptos::html::Div>::new();
    Effect::new(move || {
        if let Some(area) = area.get() {
            observe_width(&area, set_width);
        }
    });
    let i18n = use_i18n();
    let (mut draw, mut last_look) = (draw, (0, Lang::default()));
    let redraw = Redraw::register(id, move || {
        let Some(canvas) = canvas.get_untracked() else { return false };
        let (dark, width, lang) = (dark.get_untracked(), width.get_untracked(), untrack(|| i18n.lang()));
        if hidden.get_untracked() || width == 0 {
            return false;
        }
        // A new size, theme or language redraws even when the data did not change.
        let forced = std::mem::replace(&mut last_look, (width, lang)) != (width, lang);
        match draw(&canvas, dark, lang, forced) {
            Some(Ok(step)) => {
                set_drawn.set(Some(step));
                set_failure.set(None);
            }
            Some(Err(message)) => set_failure.set(Some(message)),
            None => return false,
        }
        true
    });
    Effect::new(move || {
        // Whatever may change the drawing asks for a turn.
        canvas.track();
        frame.track();
        dark.track();
        width.track();
        hidden.track();
        i18n.lang();
        redraw.request();
    });
    view! {
        <figure class="chart" id=format!("{id}-figure") hidden=move || hidden.get()>
            <figcaption>{heading.unwrap_or_else(|| (move || title(i18n.t())).into_any())}<InfoFor key=id label=title/></figcaption>
            <div class="chart-area" node_ref=area>
                <canvas id=id node_ref=canvas role="img" aria-label=move || about(i18n.t()) aria-describedby=tip_id(id)
                    data-drawn-step=move || drawn.get().map(|s| s.to_string())/>
            </div>
            <Show when=move || failure.with(Option::is_some)>
                <p class="plot-error" role="alert">{move || failure.get().map(|failure| tr!(i18n.t(), training.chart_failed, error = failure))}</p>
            </Show>
        </figure>
    }
}

#[component]
fn ChartGrid(
    history: StoredValue<TrainingHistory>,
    frame: ReadSignal<u64>,
    config: ReadSignal<ExperimentConfig>,
    samples: StoredValue<Option<Samples>>,
    inspect: ReadSignal<usize>,
    set_inspect: WriteSignal<usize>,
    readout: impl Fn() -> usize + Copy + Send + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    // Each chart redraws only when its data changed since it last drew (or `forced`).
    let changed = |last: &mut (u64, usize), now: (u64, usize), forced: bool| std::mem::replace(last, now) != now || forced;
    let mut loss_last = (0, 0);
    let draw_loss_chart = move |canvas: &HtmlCanvasElement, dark: bool, lang: Lang, forced: bool| {
        history.with_value(|h| {
            if !changed(&mut loss_last, (h.step(), h.steps.len()), forced) {
                return None;
            }
            let accuracy = (!h.accuracy.is_empty()).then_some(&h.accuracy[..]);
            let diverged_at = h.latest.as_ref().and_then(|s| s.diagnosis.as_ref()).map(|d| d.step);
            let chart = LossHistory { steps: &h.steps, loss: &h.loss, accuracy, diverged_at };
            Some(draw_chart_on_canvas(canvas, dark, lang, |root, style| draw_loss(root, &chart, style)).map(|()| h.step()))
        })
    };
    let layer_chart = move |quantity: Label, values: fn(&TrainingHistory) -> &[f64], heatmap: bool| {
        let mut last = (0, 0);
        move |canvas: &HtmlCanvasElement, dark: bool, lang: Lang, forced: bool| {
            history.with_value(|h| {
                if !changed(&mut last, (h.step(), h.steps.len()), forced) {
                    return None;
                }
                let series = LayerSeries { quantity: quantity(lang.strings()), steps: &h.steps, layers: h.layers, values: values(h) };
                let drawn = draw_chart_on_canvas(canvas, dark, lang, |root, style| {
                    if heatmap {
                        draw_heatmap(root, &series, style)
                    } else {
                        draw_update_ratio(root, &series, style)
                    }
                });
                Some(drawn.map(|()| h.step()))
            })
        }
    };
    let act = move || config.with(|c| c.act);
    let mut histograms_last = (0, 0);
    let draw_histograms_chart = move |canvas: &HtmlCanvasElement, dark: bool, lang: Lang, forced: bool| {
        history.with_value(|h| {
            let layers = h.histograms.as_ref()?;
            if !changed(&mut histograms_last, (h.views_version, 0), forced) {
                return None;
            }
            let words = lang.strings();
            let name = layer_name(layers.layer, readout(), words);
            let hidden = layers.layer != readout();
            let saturation = match act() {
                Activation::Sigmoid if hidden => Some(Saturation::SIGMOID),
                Activation::Tanh if hidden => Some(Saturation::TANH),
                _ => None,
            };
            let chart = Histograms {
                panels: vec![
                    panel(tr!(words, training.activation_title, act = i18n::activation(words, act()).0, layer = name), &layers.activation, saturation),
                    panel(tr!(words, training.activation_grad_title, layer = name), &layers.activation_grad, None),
                    panel(tr!(words, training.weight_grad_title, layer = name), &layers.weight_grad, None),
                ],
                log_counts: true,
            };
            Some(draw_chart_on_canvas(canvas, dark, lang, |root, style| draw_histograms(root, &chart, style)).map(|()| h.step()))
        })
    };
    let mut boundary_last = (0, 0);
    let draw_boundary_chart = move |canvas: &HtmlCanvasElement, dark: bool, lang: Lang, forced: bool| {
        history.with_value(|h| {
            let grid = h.boundary.as_ref()?;
            if !changed(&mut boundary_last, (h.views_version, 0), forced) {
                return None;
            }
            samples.with_value(|samples| {
                let samples = samples.as_ref()?;
                let Targets::Classes { labels, .. } = &samples.targets else { return None };
                let chart = Boundary {
                    resolution: grid.resolution,
                    x_range: grid.x_range,
                    y_range: grid.y_range,
                    probability: &grid.probability,
                    inputs: &samples.inputs,
                    labels,
                };
                Some(draw_chart_on_canvas(canvas, dark, lang, |root, style| draw_decision_boundary(root, &chart, style)).map(|()| h.step()))
            })
        })
    };
    let no_boundary = Signal::derive(move || {
        frame.track();
        history.with_value(|h| h.boundary.is_none())
    });
    let layer_menu = view! {
        <label for="histogram-layer">{move || i18n.t().training.histogram_chart}" "</label>
        // The chart's own tip explains the choice.
        <select id="histogram-layer" aria-describedby=tip_id("histogram-chart") on:change=move |ev| {
            if let Ok(layer) = event_target_value(&ev).parse() {
                set_inspect.set(layer);
            }
        }>
            {move || (1..=readout()).map(|layer| view! {
                <option value=layer.to_string() prop:selected=move || inspect.get() == layer>{move || layer_name(layer, readout(), i18n.t())}</option>
            }).collect_view()}
        </select>
    };
    view! {
        <div class="charts">
            <Chart id="loss-chart" title=|t| t.training.loss_chart about=|t| t.training.loss_about frame draw=draw_loss_chart/>
            <Chart id="heatmap-chart" title=|t| t.training.heatmap_chart about=|t| t.training.heatmap_about frame
                draw=layer_chart(|t| t.plot.grad_w_norm, |h| &h.grad_w_norm, true)/>
            <Chart id="ratio-chart" title=|t| t.training.ratio_chart about=|t| t.training.ratio_about frame
                draw=layer_chart(|t| t.training.ratio_quantity, |h| &h.update_ratio, false)/>
            <Chart id="histogram-chart" title=|t| t.training.histogram_chart about=|t| t.training.histogram_about frame
                draw=draw_histograms_chart heading=layer_menu.into_any()/>
            <Chart id="boundary-chart" title=|t| t.training.boundary_chart about=|t| t.training.boundary_about frame
                draw=draw_boundary_chart hidden=no_boundary/>
        </div>
    }
}

/// A histogram panel of the core's counts.
fn panel(title: String, counted: &CoreHistogram, saturation: Option<Saturation>) -> HistogramPanel<'_> {
    let histogram = Histogram { low: counted.low, high: counted.high, counts: &counted.counts, non_finite: counted.nonfinite };
    HistogramPanel { title, histogram, saturation }
}

/// One column of the per-layer table: a `LayerSnapshot` field (its JSON name is `data-field`,
/// so tests compare cells with `gradscope train`'s output), its heading, how to print it.
struct Column {
    field: &'static str,
    heading: Label,
    value: fn(&LayerSnapshot) -> f64,
    text: fn(f64, &Strings) -> String,
}

const COLUMNS: &[Column] = &[
    Column { field: "grad_w_norm", heading: |t| t.plot.grad_w_norm, value: |l| l.grad_w_norm, text: format::gradient },
    Column { field: "delta_rms", heading: |t| t.plot.delta_rms, value: |l| l.delta_rms, text: format::gradient },
    Column { field: "update_ratio", heading: |t| t.training.col_update_ratio, value: |l| l.update_ratio, text: |v, _| format::readable(v) },
    Column { field: "weight_norm", heading: |_| "‖W‖", value: |l| l.weight_norm, text: |v, _| format::readable(v) },
    Column { field: "saturated", heading: |t| t.training.col_saturated, value: |l| l.saturated, text: |v, _| format::percent(v) },
    Column { field: "dead", heading: |t| t.training.col_dead, value: |l| l.dead, text: |v, _| format::percent(v) },
];

/// The newest per-layer numbers the charts show, exactly (`data-value`), in a closed
/// disclosure: a table of 200 rows is for reading on demand.
#[component]
fn NumbersTable(history: StoredValue<TrainingHistory>, frame: ReadSignal<u64>, readout: impl Fn() -> usize + Copy + Send + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let (open, set_open) = signal(false);
    let rows = move || {
        frame.track();
        if !open.get() {
            return None;
        }
        history.with_value(|h| h.latest.as_ref().map(|s| s.layers.clone()))
    };
    view! {
        <details id="training-numbers" on:toggle=move |ev| set_open.set(event_target::<web_sys::Element>(&ev).has_attribute("open"))>
            <summary>{move || i18n.t().training.numbers}</summary>
            <div class="table-scroll" tabindex="0">
                <table id="training-table">
                    <thead><tr>
                        <th scope="col">{move || i18n.t().training.layer}</th>
                        {COLUMNS.iter().map(|c| view! { <th scope="col">{move || (c.heading)(i18n.t())}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {move || rows().map(|layers| layers.into_iter().map(|l| view! {
                            <tr>
                                <td data-field="layer" data-value=l.layer.to_string()>{layer_name(l.layer, readout(), i18n.t())}</td>
                                {COLUMNS.iter().map(|c| {
                                    let value = (c.value)(&l);
                                    view! { <td data-field=c.field data-value=format::exact(value)>{(c.text)(value, i18n.t())}</td> }
                                }).collect_view()}
                            </tr>
                        }).collect_view())}
                    </tbody>
                </table>
            </div>
        </details>
    }
}
