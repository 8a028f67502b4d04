//! Greedy layer-wise pretraining on the page: run/pause/reset of the worker's pretraining job,
//! a progress bar per layer, the reconstruction-error curve, the gradient-vs-depth plot at random
//! initialization and after pretraining, the first layer's filters, fine-tuning from both
//! initializations side by side, and what it all means. Its strings live here, in one place.

use gradscope_core::rbm::{EpochMetrics, LayerProgress, Pretrain};
use gradscope_core::ExperimentConfig;
use leptos::html::Canvas;
use leptos::prelude::*;

use crate::bridge::{JobSpec, PretrainProbes, Progress, TrainCommand};
use crate::client::{TrainingEvent, TrainingWorker};
use crate::components::controls::{Editor, NumberField, Slider, Switch};
use crate::components::results::prefers_dark;
use crate::components::panel::{tip_id, InfoFor, Panel};
use crate::format::readable;
use crate::i18n::{use_i18n, Label, Lang};
use crate::panels::prose::Prose;
use crate::tr;
use crate::math::{self, Math};
use crate::panels::chain::plot_ratio;
use crate::plot::{
    draw_chart_on_canvas, draw_filters, draw_fine_tuning, draw_plot, draw_pretraining, DepthPlot, Filters, FineTuning, MAX_FILTERS,
};

/// The settings that show pretraining at work: the deep sigmoid network of the first screen,
/// on real binary images, fine-tuned by plain SGD (whose step shrinks with the gradient).
const SET_UP: &[(&str, &str)] =
    &[("data", "digits"), ("act", "sigmoid"), ("init", "normal"), ("std", "0.1"), ("bn", "0"), ("res", "0"), ("depth", "6"), ("opt", "sgd"), ("pretrain", "rbm")];

/// Everything the job has reported for the current run.
#[derive(Clone, Debug, Default, PartialEq)]
struct Run {
    metrics: Vec<EpochMetrics>,
    layers: Vec<LayerProgress>,
    filters: Option<Vec<f32>>,
    probes: Option<PretrainProbes>,
    /// Fine-tuning: steps, and the evaluation accuracy of the random and the pretrained run.
    steps: Vec<u64>,
    random: Vec<f64>,
    pretrained: Vec<f64>,
    running: bool,
}

impl Run {
    fn take(&mut self, progress: crate::bridge::PretrainProgress, running: bool) {
        self.metrics.extend(progress.pretraining.metrics);
        self.layers = progress.pretraining.layers;
        self.filters = progress.filters.or(self.filters.take());
        self.probes = progress.probes.or(self.probes.take());
        if let Some(fine) = progress.fine_tuning {
            // A reset starts the runs over: their history too.
            if self.steps.last().is_some_and(|&last| fine.pretrained.step < last) {
                (self.steps, self.random, self.pretrained) = Default::default();
            }
            self.steps.push(fine.pretrained.step);
            self.random.push(fine.random.eval.accuracy.unwrap_or(f64::NAN));
            self.pretrained.push(fine.pretrained.eval.accuracy.unwrap_or(f64::NAN));
        }
        self.running = running;
    }

    fn pretrained(&self) -> bool {
        self.probes.is_some()
    }
}

#[component]
pub fn PretrainingPanel(config: ReadSignal<ExperimentConfig>, editor: Editor) -> impl IntoView {
    let i18n = use_i18n();
    let active = move || config.with(|c| c.pretrain == Pretrain::Rbm);
    view! {
        <section id="pretraining" aria-labelledby="pretraining-title">
            <h2 id="pretraining-title">{move || i18n.t().pretraining.title}</h2>
            <Show when=active fallback=move || view! { <Invitation editor/> }>
                <Pretraining config editor/>
            </Show>
            <Explanation/>
        </section>
    }
}

#[component]
fn Invitation(editor: Editor) -> impl IntoView {
    let i18n = use_i18n();
    let set_up = move |_| {
        for (key, value) in SET_UP {
            editor.edit(key, value);
        }
    };
    view! {
        <p>{move || i18n.t().pretraining.invitation}</p>
        <p>
            <button type="button" id="try-pretraining" on:click=set_up>{move || i18n.t().pretraining.try_it}</button>
            {move || i18n.t().pretraining.needs}
        </p>
    }
}

#[component]
fn Pretraining(config: ReadSignal<ExperimentConfig>, editor: Editor) -> impl IntoView {
    let i18n = use_i18n();
    let (run, set_run) = signal(Run::default());
    let (failure, set_failure) = signal(None::<String>);
    let worker = TrainingWorker::spawn(move |event| match event {
        TrainingEvent::Progress { progress: Progress::Pretrain(progress), running } => set_run.update(|r| r.take(progress, running)),
        TrainingEvent::Progress { .. } => {}
        TrainingEvent::Restarted { what_happened } => {
            set_run.set(Run::default());
            set_failure.set(Some(tr!(i18n.t_untracked(), pretraining.worker_crashed, error = what_happened)));
        }
        TrainingEvent::Failed { message } => set_failure.set(Some(message)),
    });
    // A new experiment is a new job, at epoch 0 and paused.
    let configure = worker.clone();
    Effect::new(move || {
        let spec = JobSpec::Pretrain(config.get());
        set_run.set(Run::default());
        set_failure.set(None);
        configure.send(TrainCommand::Configure(spec));
    });
    let send = move |command: TrainCommand| worker.send(command);
    let (play, pause, reset) = (send.clone(), send.clone(), send);
    let reset = move |_| {
        // Fine-tuning resets to the pretrained stack; pretraining starts over.
        set_run.update(|r| {
            if !r.pretrained() {
                *r = Run::default();
            }
        });
        reset(TrainCommand::Reset);
    };
    let field = move |read: fn(&ExperimentConfig) -> String| Signal::derive(move || config.with(read));
    let running = move || run.with(|r| r.running);
    let status = move || {
        run.with(|r| match (r.pretrained(), r.steps.last()) {
            (false, _) => {
                let done: usize = r.layers.iter().map(|l| l.epochs_done).sum();
                let total: usize = r.layers.iter().map(|l| l.epochs_total).sum();
                tr!(i18n.t(), pretraining.status_pretraining, done = done, total = total)
            }
            (true, Some(step)) => tr!(i18n.t(), pretraining.status_fine_tuning, step = step),
            (true, None) => i18n.t().pretraining.status_pretrained.to_owned(),
        })
    };
    view! {
        <div class="pretrain-settings">
            <Slider key="cdk" label=|t| t.pretraining.cdk range=ExperimentConfig::CDK value=field(|c| c.cdk.to_string()) editor/>
            <Slider key="pt_epochs" label=|t| t.pretraining.pt_epochs range=1..=100 value=field(|c| c.pt_epochs.to_string()) editor/>
            <NumberField key="pt_lr" label=|t| t.pretraining.pt_lr range=ExperimentConfig::PT_LR value=field(|c| c.pt_lr.to_string()) editor/>
            <NumberField key="pt_mom" label=|t| t.pretraining.pt_mom range=ExperimentConfig::PT_MOM value=field(|c| c.pt_mom.to_string()) editor/>
            <NumberField key="pt_wd" label=|t| t.pretraining.pt_wd range=ExperimentConfig::PT_WD value=field(|c| c.pt_wd.to_string()) editor/>
            <Switch key="pcd" label=|t| t.pretraining.pcd value=Signal::derive(move || config.with(|c| c.pcd)) editor/>
        </div>
        <div class="pretrain-buttons" role="group" aria-label=move || i18n.t().pretraining.buttons_label aria-describedby=tip_id("pretrain")>
            <button type="button" id="pretrain-run" disabled=running on:click=move |_| play(TrainCommand::Play)>
                {move || if run.with(Run::pretrained) { i18n.t().pretraining.fine_tune_both } else { i18n.t().pretraining.run }}
            </button>
            <button type="button" id="pretrain-pause" disabled=move || !running() on:click=move |_| pause(TrainCommand::Pause)>{move || i18n.t().pretraining.pause}</button>
            <button type="button" id="pretrain-reset" on:click=reset>{move || i18n.t().pretraining.reset}</button>
            <InfoFor key="pretrain" label=|t| t.pretraining.buttons_label/>
            <span id="pretrain-status" data-pretrained=move || run.with(Run::pretrained).to_string()>{status}</span>
        </div>
        <Show when=move || failure.with(Option::is_some)>
            <p class="plot-error" role="alert">{move || failure.get()}</p>
        </Show>
        <ol class="layer-progress" aria-label=move || i18n.t().pretraining.progress_label>
            <For each=move || run.with(|r| r.layers.clone()) key=|l| (l.layer, l.epochs_done) let:layer>
                <li>
                    <label>{move || tr!(i18n.t(), pretraining.layer_progress, layer = layer.layer, visible = layer.n_visible, hidden = layer.n_hidden)}</label>
                    <progress max=layer.epochs_total value=layer.epochs_done>{format!("{}/{}", layer.epochs_done, layer.epochs_total)}</progress>
                </li>
            </For>
        </ol>
        <div class="pretrain-charts">
            <Chart id="pretrain-curve" label=|t| t.pretraining.curve_label
                drawn=Signal::derive(move || run.with(|r| r.metrics.len()))
                draw=move |canvas, dark, lang| run.with(|r| draw_chart_on_canvas(canvas, dark, lang, |root, style| draw_pretraining(root, &r.metrics, r.layers.len(), style)))/>
            <Chart id="pretrain-overlay" label=|t| t.pretraining.overlay_label
                drawn=Signal::derive(move || run.with(|r| r.probes.as_ref().map_or(0, |p| p.pretrained.layers.len())))
                draw=move |canvas, dark, lang| run.with(|r| match &r.probes {
                    Some(probes) => {
                        let words = lang.strings();
                        let plot = DepthPlot::from_report(&probes.pretrained, words).with_reference(&probes.random, words.pretraining.random_init, words);
                        draw_chart_on_canvas(canvas, dark, lang, |root, style| draw_plot(root, &plot, style))
                    }
                    None => Ok(()),
                })/>
            <Chart id="pretrain-filters" label=|t| t.pretraining.filters_label
                drawn=Signal::derive(move || run.with(|r| r.filters.as_ref().map_or(0, |f| f.len() / config.with(|c| c.data.n_features()).max(1)).min(MAX_FILTERS)))
                draw=move |canvas, dark, lang| run.with(|r| {
                    let (Some(weights), Some((rows, columns))) = (&r.filters, config.with(|c| c.data.image_shape())) else { return Ok(()) };
                    draw_chart_on_canvas(canvas, dark, lang, |root, style| draw_filters(root, &Filters { weights, rows, columns }, style))
                })/>
            <Chart id="fine-tune" label=|t| t.pretraining.fine_tune_label
                drawn=Signal::derive(move || run.with(|r| r.steps.len()))
                draw=move |canvas, dark, lang| run.with(|r| {
                    let runs = FineTuning { random_steps: &r.steps, random: &r.random, pretrained_steps: &r.steps, pretrained: &r.pretrained, quantity: lang.strings().plot.accuracy };
                    draw_chart_on_canvas(canvas, dark, lang, |root, style| draw_fine_tuning(root, &runs, style))
                })/>
        </div>
        <Numbers run/>
    }
}

/// A canvas redrawn whenever `drawn` changes (and on theme changes), blank until there is
/// something to draw; `data-drawn` says how many items its last drawing showed (0 before any),
/// for tests and the curious.
#[component]
fn Chart(
    id: &'static str,
    label: Label,
    drawn: Signal<usize>,
    draw: impl Fn(&web_sys::HtmlCanvasElement, bool, Lang) -> Result<(), String> + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let canvas = NodeRef::<Canvas>::new();
    let dark = prefers_dark();
    let (shown, set_shown) = signal(0usize);
    Effect::new(move || {
        let (Some(canvas), count, dark, lang) = (canvas.get(), drawn.get(), dark.get(), i18n.lang()) else { return };
        if count > 0 && draw(&canvas, dark, lang).is_ok() {
            set_shown.set(count);
        }
    });
    view! {
        // Never hidden: a hidden canvas has no size to draw at.
        <figure class="pretrain-chart">
            <canvas id=id node_ref=canvas role="img" aria-label=move || label(i18n.t()) aria-describedby=tip_id(id)
                data-drawn=move || shown.get().to_string()/>
            <figcaption>{move || label(i18n.t())}<InfoFor key=id label/></figcaption>
        </figure>
    }
}

/// The numbers the explanation refers to, from the current run.
#[component]
fn Numbers(run: ReadSignal<Run>) -> impl IntoView {
    let i18n = use_i18n();
    let said = move || &i18n.t().pretraining;
    let last_metric = move |layer: usize| run.with(|r| r.metrics.iter().rev().find(|m| m.layer == layer).cloned());
    let ratios = move || run.with(|r| r.probes.as_ref().and_then(|p| Some((plot_ratio(&p.random)?, plot_ratio(&p.pretrained)?))));
    view! {
        <ul id="pretrain-numbers" class="pretrain-numbers">
            {move || last_metric(1).map(|m| view! {
                <li>{tr!(i18n.t(), pretraining.numbers_layer1_before, epoch = m.epoch)} {readable(m.recon_error)}
                    {said().numbers_layer1_gap} {readable(m.free_energy_gap)} {said().numbers_end}</li>
            })}
            {move || ratios().map(|(random, pretrained)| view! {
                <li>{said().numbers_ratio}
                    <Math formula=math::PRETRAIN_RATIO values=Signal::derive(move || vec![("random", readable(random)), ("pretrained", readable(pretrained))])/></li>
            })}
            {move || run.with(|r| Some((*r.steps.last()?, *r.random.last()?, *r.pretrained.last()?))).map(|(step, random, pretrained)| view! {
                <li>{tr!(i18n.t(), pretraining.numbers_accuracy, step = step)} <strong>{readable(random)}</strong> {said().numbers_from_random}
                    <strong>{readable(pretrained)}</strong> {said().numbers_from_pretrained}</li>
            })}
        </ul>
    }
}

#[component]
fn Explanation() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Panel id="pretraining" title=Signal::derive(move || i18n.t().pretraining.explanation_title.to_owned())>
            <Prose text=Signal::derive(move || i18n.t().pretraining.explanation)/>
        </Panel>
    }
}
