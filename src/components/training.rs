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
use crate::components::results::{observe_width, prefers_dark};
use crate::format;
use crate::i18n::{use_i18n, Lang, Strings};
use crate::plot::{
    draw_chart_on_canvas, draw_decision_boundary, draw_heatmap, draw_histograms, draw_loss, draw_update_ratio, Boundary,
    Histogram, HistogramPanel, Histograms, LayerSeries, LossHistory, Saturation,
};
use crate::training::TrainingHistory;

/// Every user-visible string of the panel, in one place for the translations.
mod text {
    pub const TITLE: &str = "Training";
    pub const INTRO: &str = "Train the network above and watch which layers learn. Changing the network starts over; \
        the optimizer, learning rate and clipping apply from the next step.";
    pub const PLAY: &str = "Play";
    pub const PAUSE: &str = "Pause";
    pub const STEP: &str = "Step";
    pub const RESET: &str = "Reset";
    pub const RESET_TITLE: &str = "Back to step 0 with the same initial weights (New seed draws different ones).";
    pub const SPEED: &str = "Speed";
    pub const SPEED_MAX: &str = "as fast as possible";
    pub const STEPS_PER_SECOND: &str = "steps/s";
    pub const STEP_COUNT: &str = "Step";
    pub const LOSS: &str = "loss";
    pub const ACCURACY: &str = "accuracy";
    pub const EVAL_NOTE: &str = "on a fixed subset of 256 training examples";
    pub const DIVERGED: &str = "Training diverged";
    pub const WHAT_HELPS: &str = "What typically fixes it:";
    pub const RECENT_NORMS: &str = "Global ‖∂L/∂W‖ in the steps before:";
    pub const LOSS_CHART: &str = "Loss and accuracy";
    pub const LOSS_ABOUT: &str = "Loss on the evaluation subset over training steps; accuracy dashed, on the right axis.";
    pub const HEATMAP_CHART: &str = "Gradient norm per layer";
    pub const HEATMAP_ABOUT: &str = "‖∂L/∂W‖ of every layer (rows, input at the bottom) over training steps (columns), colour on a log scale.";
    pub const HEATMAP_QUANTITY: &str = "‖∂L/∂W‖";
    pub const RATIO_CHART: &str = "Update:data ratio";
    pub const RATIO_ABOUT: &str = "‖ΔW‖/‖W‖ of every layer per step, on a log scale: about 1e-3 is healthy; far below, the layer barely learns.";
    pub const RATIO_QUANTITY: &str = "update:data ratio";
    pub const HISTOGRAM_CHART: &str = "Histograms of layer";
    pub const HISTOGRAM_ABOUT: &str = "The chosen layer's activations, the gradient reaching them and its weight gradient, on the evaluation subset.";
    pub const READOUT: &str = "out";
    pub const BOUNDARY_CHART: &str = "Decision boundary";
    pub const BOUNDARY_ABOUT: &str = "The network's probability of class 1 over the plane, with the training data on top.";
    pub const LAYER: &str = "Layer";
    pub const NUMBERS: &str = "Per layer, at the newest step";
    pub const WORKER_RESTARTED: &str = "The training crashed and was restarted from step 0:";
    pub const WORKER_FAILED: &str = "Training failed:";
    pub const NOT_STARTED: &str = "Press Play to train, or Step to take one step.";
    pub const CHART_FAILED: &str = "This chart could not be drawn:";

    pub fn activation_title(act: &str, layer: &str) -> String {
        format!("{act} output, layer {layer}")
    }
    pub fn activation_grad_title(layer: &str) -> String {
        format!("∂L/∂a, layer {layer}")
    }
    pub fn weight_grad_title(layer: &str) -> String {
        format!("∂L/∂W, layer {layer}")
    }
    pub fn diverged_at(step: u64) -> String {
        format!("{DIVERGED} at step {step}")
    }
}

/// Speeds offered, in steps per second (`None`: as fast as the worker goes).
const SPEEDS: [Option<f64>; 4] = [None, Some(100.0), Some(10.0), Some(1.0)];

/// Whether the run plays, as the user asked, or stopped by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RunState {
    Paused,
    Playing,
    /// Diverged: only a reset (or a new network) trains again.
    Stopped,
}

impl RunState {
    fn name(self) -> &'static str {
        match self {
            RunState::Paused => "paused",
            RunState::Playing => "playing",
            RunState::Stopped => "stopped",
        }
    }
}

/// The experiment without its optimizer and clipping settings: what a change of resets training.
fn network_of(config: &ExperimentConfig) -> ExperimentConfig {
    let defaults = ExperimentConfig::default();
    let mut network = config.clone();
    network.set_optimizer(defaults.optimizer());
    (network.clip, network.clipv) = (defaults.clip, defaults.clipv);
    network
}

/// A layer's name on axes and in menus: its number, or "out" for the readout.
fn layer_name(layer: usize, readout: usize) -> String {
    if layer == readout {
        text::READOUT.to_owned()
    } else {
        layer.to_string()
    }
}

#[component]
pub fn TrainingPanel(
    config: ReadSignal<ExperimentConfig>,
    /// The newest snapshot that took steps, for the depth plot's "now".
    set_trained: WriteSignal<Option<Snapshot>>,
) -> impl IntoView {
    let history = StoredValue::new(TrainingHistory::default());
    // Bumped once per animation frame that has new progress: every chart and number follows it.
    let (frame, set_frame) = signal(0_u64);
    let frame_pending = StoredValue::new(false);
    // Whether the worker still has work queued, as its newest progress said; shown with that
    // progress (in its frame), so tests that wait for it see the numbers of the last progress.
    let (busy, set_busy) = signal(false);
    let worker_busy = StoredValue::new(false);
    let schedule_frame = move || {
        if !frame_pending.get_value() {
            frame_pending.set_value(true);
            request_animation_frame(move || {
                frame_pending.set_value(false);
                set_frame.update(|n| *n += 1);
                set_busy.set(worker_busy.get_value());
            });
        }
    };
    let (state, set_state) = signal(RunState::Paused);
    let (problem, set_problem) = signal(None::<String>);
    let (inspect, set_inspect) = signal(1_usize);
    let (speed, set_speed) = signal(None::<f64>);

    let clear = move || {
        history.set_value(TrainingHistory::default());
        worker_busy.set_value(false);
        set_trained.set(None);
        set_state.set(RunState::Paused);
        schedule_frame();
    };
    let worker = TrainingWorker::spawn(move |event| match event {
        TrainingEvent::Progress { progress: Progress::Mlp(progress), running } => {
            if progress.snapshot.diagnosis.is_some() {
                set_state.set(RunState::Stopped);
            }
            history.update_value(|h| h.record(progress));
            worker_busy.set_value(running);
            schedule_frame();
        }
        TrainingEvent::Restarted { what_happened } => {
            set_problem.set(Some(format!("{} {what_happened}", text::WORKER_RESTARTED)));
            clear();
        }
        TrainingEvent::Failed { message } => set_problem.set(Some(format!("{} {message}", text::WORKER_FAILED))),
        // This panel's worker only ever runs MLP jobs; pretraining has a worker of its own.
        TrainingEvent::Progress { progress: Progress::Pretrain(_), .. } => {}
    });

    // A new network starts over: the worker gets a new job, the page a new history. The data
    // are generated here too (cheap): the decision boundary draws them.
    let network = Memo::new(move |_| config.with(network_of));
    let samples = StoredValue::new(None::<Samples>);
    let send = {
        let worker = worker.clone();
        move |command: TrainCommand| worker.send(command)
    };
    let send_configure = send.clone();
    Effect::new(move || {
        let network = network.get();
        let layers = network.with_clamped_shape().depth + 1;
        samples.set_value(Some(network.data.generate(network.seed)));
        set_inspect.update(|layer| *layer = (*layer).min(layers));
        clear();
        set_problem.set(None);
        send_configure(TrainCommand::Configure(JobSpec::Mlp(config.get_untracked())));
    });
    let hyper = Memo::new(move |_| config.with(Hyper::of).ok());
    let send_hyper = send.clone();
    Effect::new(move |previous: Option<Option<Hyper>>| {
        let hyper = hyper.get();
        // The first value went with the job's configuration.
        if let (Some(_), Some(hyper)) = (previous, hyper) {
            send_hyper(TrainCommand::SetHyper(hyper));
        }
        hyper
    });
    let send_inspect = send.clone();
    Effect::new(move || send_inspect(TrainCommand::Inspect { layer: inspect.get() }));
    let send_speed = send.clone();
    Effect::new(move || send_speed(TrainCommand::Speed { steps_per_second: speed.get() }));
    // The depth plot's "now" follows the frames, like the charts.
    Effect::new(move || {
        frame.track();
        let latest = history.with_value(|h| h.latest.clone().filter(|s| s.step > 0));
        set_trained.set(latest);
    });

    let command = move |command: TrainCommand, next: RunState| {
        let send = send.clone();
        move |_: leptos::ev::MouseEvent| {
            if command == TrainCommand::Reset {
                clear();
            }
            send(command.clone());
            set_state.set(next);
        }
    };
    let step_count = move || {
        frame.track();
        history.with_value(TrainingHistory::step)
    };
    let readout = move || network.with(|n| n.with_clamped_shape().depth + 1);

    view! {
        <section id="training" class="training" aria-labelledby="training-title"
            data-state=move || state.get().name() data-busy=move || busy.get().to_string()>
            <h2 id="training-title">{text::TITLE}</h2>
            <p class="hint">{text::INTRO}</p>
            <div class="toolbar" role="group" aria-label=text::TITLE>
                <button type="button" id="play" class="primary"
                    disabled=move || state.get() != RunState::Paused
                    on:click=command(TrainCommand::Play, RunState::Playing)>{text::PLAY}</button>
                <button type="button" id="pause" disabled=move || state.get() != RunState::Playing
                    on:click=command(TrainCommand::Pause, RunState::Paused)>{text::PAUSE}</button>
                <button type="button" id="step" disabled=move || state.get() == RunState::Stopped
                    on:click=command(TrainCommand::Step { steps: 1 }, RunState::Paused)>{text::STEP}</button>
                <button type="button" id="reset" title=text::RESET_TITLE
                    on:click=command(TrainCommand::Reset, RunState::Paused)>{text::RESET}</button>
                <label class="speed">{text::SPEED}" "
                    <select id="speed" on:change=move |ev| set_speed.set(event_target_value(&ev).parse().ok())>
                        {SPEEDS.iter().map(|&s| {
                            let (value, label) = match s {
                                None => ("max".to_owned(), text::SPEED_MAX.to_owned()),
                                Some(s) => (s.to_string(), format!("{s} {}", text::STEPS_PER_SECOND)),
                            };
                            view! { <option value=value prop:selected=move || speed.get() == s>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <output id="step-count" data-value=move || step_count().to_string()>
                    {text::STEP_COUNT}" "{step_count}
                </output>
            </div>
            <Show when=move || problem.with(Option::is_some)>
                <p id="training-error" class="notice error" role="alert">{move || problem.get()}</p>
            </Show>
            <Figures history frame/>
            <DiagnosisView history frame/>
            <ChartGrid history frame config samples inspect set_inspect readout/>
            <NumbersTable history frame readout/>
        </section>
    }
}

/// The newest loss and accuracy, in words and as exact values (`data-value`).
#[component]
fn Figures(history: StoredValue<TrainingHistory>, frame: ReadSignal<u64>) -> impl IntoView {
    let latest = move || {
        frame.track();
        history.with_value(|h| h.latest.clone())
    };
    view! {
        <p id="training-figures" aria-live="off">
            {move || match latest() {
                Some(s) if s.step > 0 || s.diagnosis.is_some() => view! {
                    {text::LOSS}" "<span data-field="eval_loss" data-value=format::exact(s.eval.loss)>{format::readable(s.eval.loss)}</span>
                    {s.eval.accuracy.map(|a| view! {
                        " · "{text::ACCURACY}" "<span data-field="eval_accuracy" data-value=format::exact(a)>{format::percent(a)}</span>
                    })}
                    " ("{text::EVAL_NOTE}")"
                }.into_any(),
                _ => text::NOT_STARTED.into_any(),
            }}
        </p>
    }
}

/// The explosion diagnosis, instead of a grey NaN: what went first, and what helps.
#[component]
fn DiagnosisView(history: StoredValue<TrainingHistory>, frame: ReadSignal<u64>) -> impl IntoView {
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
                    <h3>{text::diverged_at(d.step)}</h3>
                    <p>{d.message.clone()}</p>
                    <p>{text::WHAT_HELPS}</p>
                    <ul>{d.advice.iter().map(|a| view! { <li>{a.clone()}</li> }).collect_view()}</ul>
                    <p class="hint">{text::RECENT_NORMS}" "{norms.join(" · ")}</p>
                </section>
            }
        })}
    }
}

/// A chart's canvas, redrawn on every frame where `draw` has something new; `draw` returns the
/// step it drew (written as `data-drawn-step`), or `None` when it had nothing new to draw.
#[component]
fn Chart(
    id: &'static str,
    title: &'static str,
    about: &'static str,
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
    Effect::new(move || {
        let Some(canvas) = canvas.get() else { return };
        frame.track();
        let (dark, width, lang) = (dark.get(), width.get(), i18n.lang());
        if hidden.get() || width == 0 {
            return;
        }
        // A new size, theme or language redraws even when the data did not change.
        let forced = std::mem::replace(&mut last_look, (width, lang)) != (width, lang);
        match draw(&canvas, dark, lang, forced) {
            Some(Ok(step)) => {
                set_drawn.set(Some(step));
                set_failure.set(None);
            }
            Some(Err(message)) => set_failure.set(Some(message)),
            None => {}
        }
    });
    view! {
        <figure class="chart" id=format!("{id}-figure") hidden=move || hidden.get()>
            <figcaption>{heading.unwrap_or_else(|| title.into_any())}</figcaption>
            <div class="chart-area" node_ref=area>
                <canvas id=id node_ref=canvas role="img" aria-label=about
                    data-drawn-step=move || drawn.get().map(|s| s.to_string())/>
            </div>
            <Show when=move || failure.with(Option::is_some)>
                <p class="plot-error" role="alert">{text::CHART_FAILED}" "{move || failure.get()}</p>
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
    let layer_chart = move |quantity: &'static str, values: fn(&TrainingHistory) -> &[f64], heatmap: bool| {
        let mut last = (0, 0);
        move |canvas: &HtmlCanvasElement, dark: bool, lang: Lang, forced: bool| {
            history.with_value(|h| {
                if !changed(&mut last, (h.step(), h.steps.len()), forced) {
                    return None;
                }
                let series = LayerSeries { quantity, steps: &h.steps, layers: h.layers, values: values(h) };
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
            let name = layer_name(layers.layer, readout());
            let hidden = layers.layer != readout();
            let saturation = match act() {
                Activation::Sigmoid if hidden => Some(Saturation::SIGMOID),
                Activation::Tanh if hidden => Some(Saturation::TANH),
                _ => None,
            };
            let chart = Histograms {
                panels: vec![
                    panel(text::activation_title(act().name(), &name), &layers.activation, saturation),
                    panel(text::activation_grad_title(&name), &layers.activation_grad, None),
                    panel(text::weight_grad_title(&name), &layers.weight_grad, None),
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
        <label for="histogram-layer">{text::HISTOGRAM_CHART}" "</label>
        <select id="histogram-layer" on:change=move |ev| {
            if let Ok(layer) = event_target_value(&ev).parse() {
                set_inspect.set(layer);
            }
        }>
            {move || (1..=readout()).map(|layer| view! {
                <option value=layer.to_string() prop:selected=move || inspect.get() == layer>{layer_name(layer, readout())}</option>
            }).collect_view()}
        </select>
    };
    view! {
        <div class="charts">
            <Chart id="loss-chart" title=text::LOSS_CHART about=text::LOSS_ABOUT frame draw=draw_loss_chart/>
            <Chart id="heatmap-chart" title=text::HEATMAP_CHART about=text::HEATMAP_ABOUT frame
                draw=layer_chart(text::HEATMAP_QUANTITY, |h| &h.grad_w_norm, true)/>
            <Chart id="ratio-chart" title=text::RATIO_CHART about=text::RATIO_ABOUT frame
                draw=layer_chart(text::RATIO_QUANTITY, |h| &h.update_ratio, false)/>
            <Chart id="histogram-chart" title=text::HISTOGRAM_CHART about=text::HISTOGRAM_ABOUT frame
                draw=draw_histograms_chart heading=layer_menu.into_any()/>
            <Chart id="boundary-chart" title=text::BOUNDARY_CHART about=text::BOUNDARY_ABOUT frame
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
    heading: &'static str,
    value: fn(&LayerSnapshot) -> f64,
    text: fn(f64, &Strings) -> String,
}

const COLUMNS: &[Column] = &[
    Column { field: "grad_w_norm", heading: "‖∂L/∂W‖", value: |l| l.grad_w_norm, text: format::gradient },
    Column { field: "delta_rms", heading: "‖∂L/∂h‖ RMS", value: |l| l.delta_rms, text: format::gradient },
    Column { field: "update_ratio", heading: "Update:data", value: |l| l.update_ratio, text: |v, _| format::readable(v) },
    Column { field: "weight_norm", heading: "‖W‖", value: |l| l.weight_norm, text: |v, _| format::readable(v) },
    Column { field: "saturated", heading: "Saturated", value: |l| l.saturated, text: |v, _| format::percent(v) },
    Column { field: "dead", heading: "Dead", value: |l| l.dead, text: |v, _| format::percent(v) },
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
            <summary>{text::NUMBERS}</summary>
            <div class="table-scroll" tabindex="0">
                <table id="training-table">
                    <thead><tr>
                        <th scope="col">{text::LAYER}</th>
                        {COLUMNS.iter().map(|c| view! { <th scope="col">{c.heading}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {move || rows().map(|layers| layers.into_iter().map(|l| view! {
                            <tr>
                                <td data-field="layer" data-value=l.layer.to_string()>{layer_name(l.layer, readout())}</td>
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
