//! The experiment's controls. Every input hands its text to `Editor::edit`, which sets the field
//! through `link::apply`: the form and a shared link are parsed and clamped by one code path.

use std::fmt::Display;
use std::ops::RangeInclusive;
use std::time::Duration;

use gradscope_core::clip::ClipMethod;
use gradscope_core::config::{Activation, Architecture, Dataset, Init};
use gradscope_core::optim::OptimizerKind;
use gradscope_core::recurrent::{Model, RecurrentConfig, RecurrentInit, Task};
use gradscope_core::init::calculate_gain;
use gradscope_core::link::{self, LinkNote};
use gradscope_core::ExperimentConfig;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::components::panel::{tip_id, InfoFor};
use crate::format::readable;
use crate::i18n::{self, use_i18n, Label, Strings};
use crate::tr;

/// Writes form input into the config. `Copy`, so every control can hold one.
#[derive(Clone, Copy)]
pub struct Editor {
    pub set_config: WriteSignal<ExperimentConfig>,
    /// What `link::apply` changed in the last edit (clamped, rejected): shown under the controls.
    pub set_note: WriteSignal<Option<LinkNote>>,
}

impl Editor {
    pub fn edit(self, key: &str, text: &str) {
        let mut note = None;
        // `update` notifies even when nothing changed, so an input left holding rejected text
        // is rewritten with the field's actual value.
        // Then keys that depend on each other are made to agree (e.g. switching to ReLU turns
        // RBM pretraining off), with a note saying so.
        self.set_config.update(|cfg| {
            let applied = link::apply(cfg, key, text);
            note = link::reconcile(cfg).or(applied);
        });
        self.set_note.set(note);
    }
}

#[component]
pub fn Controls(config: ReadSignal<ExperimentConfig>, editor: Editor, note: ReadSignal<Option<LinkNote>>) -> impl IntoView {
    let i18n = use_i18n();
    let field = move |read: fn(&ExperimentConfig) -> String| Signal::derive(move || config.with(read));
    let act = move || config.with(|c| c.act);
    let init = move || config.with(|c| c.init);
    let opt = move || config.with(|c| c.opt);
    let clip = move || config.with(|c| c.clip);
    let auto_gain = move || config.with(|c| readable(f64::from(calculate_gain(c.act, c.slope))));
    let model = move || config.with(|c| c.model);
    view! {
        <form class="controls" aria-label=move || i18n.t().controls.form_label on:submit=|ev| ev.prevent_default()>
            <fieldset>
                <legend>{move || i18n.t().controls.model_legend}</legend>
                <Choice key="model" label=|t| t.controls.model editor
                    options=Architecture::all().collect() name=Architecture::name words=i18n::architecture
                    value=Signal::derive(model)/>
            </fieldset>
            <Show when=move || model().is_mlp() fallback=move || view! { <RecurrentControls config editor/> }>
            <fieldset>
                <legend>{move || i18n.t().controls.network}</legend>
                <Slider key="depth" label=|t| t.controls.depth range=ExperimentConfig::DEPTH
                    value=field(|c| c.depth.to_string()) editor/>
                <Slider key="width" label=|t| t.controls.width range=ExperimentConfig::WIDTH
                    value=field(|c| c.width.to_string()) editor/>
                <Choice key="act" label=|t| t.controls.activation editor
                    options=Activation::ALL.to_vec() name=Activation::name words=i18n::activation value=Signal::derive(act)/>
                <NumberField key="slope" label=|t| t.controls.slope range=ExperimentConfig::SLOPE editor
                    value=field(|c| c.slope.to_string())
                    hidden=Signal::derive(move || !act().uses_slope())/>
                <Switch key="bn" label=|t| t.controls.bn value=Signal::derive(move || config.with(|c| c.bn)) editor/>
                <Switch key="res" label=|t| t.controls.res value=Signal::derive(move || config.with(|c| c.res)) editor/>
            </fieldset>
            <fieldset>
                <legend>{move || i18n.t().controls.initialization}</legend>
                <Choice key="init" label=|t| t.controls.weights editor
                    options=Init::ALL.to_vec() name=Init::name words=i18n::init value=Signal::derive(init)/>
                <NumberField key="gain" label=|t| t.controls.gain range=ExperimentConfig::GAIN editor
                    value=field(|c| c.gain.map(|g| g.to_string()).unwrap_or_default())
                    // An empty gain field means PyTorch's default; say what that default is.
                    placeholder=Signal::derive(move || tr!(i18n.t(), controls.gain_auto, gain = auto_gain()))
                    when_empty="auto"
                    hidden=Signal::derive(move || !init().uses_gain())/>
                <NumberField key="std" label=|t| t.controls.std range=ExperimentConfig::STD editor
                    value=field(|c| c.std.to_string())
                    hidden=Signal::derive(move || !init().uses_std())/>
                <NumberField key="bound" label=|t| t.controls.bound range=ExperimentConfig::BOUND editor
                    value=field(|c| c.bound.to_string())
                    hidden=Signal::derive(move || !init().uses_bound())/>
            </fieldset>
            <fieldset>
                <legend>{move || i18n.t().controls.data}</legend>
                <Choice key="data" label=|t| t.controls.dataset editor
                    options=Dataset::ALL.to_vec() name=Dataset::name words=i18n::dataset
                    value=Signal::derive(move || config.with(|c| c.data))/>
                <BatchAndSeed config editor/>
            </fieldset>
            <fieldset>
                <legend>{move || i18n.t().controls.training}</legend>
                <Choice key="opt" label=|t| t.controls.optimizer editor
                    options=OptimizerKind::ALL.to_vec() name=OptimizerKind::name words=i18n::optimizer value=Signal::derive(opt)/>
                <NumberField key="lr" label=|t| t.controls.lr range=ExperimentConfig::LR editor
                    value=field(|c| c.lr.to_string())/>
                <NumberField key="mom" label=|t| t.controls.mom range=ExperimentConfig::MOM editor
                    value=field(|c| c.mom.to_string())
                    hidden=Signal::derive(move || !opt().uses_momentum())/>
                <NumberField key="wd" label=|t| t.controls.wd range=ExperimentConfig::WD editor
                    value=field(|c| c.wd.to_string())/>
                <Choice key="clip" label=|t| t.controls.clip editor
                    options=ClipMethod::ALL.to_vec() name=ClipMethod::name words=i18n::clip_method value=Signal::derive(clip)/>
                <NumberField key="clipv" label=|t| t.controls.clipv range=ExperimentConfig::CLIPV editor
                    value=field(|c| c.clipv.to_string())
                    hidden=Signal::derive(move || clip() == ClipMethod::None)/>
            </fieldset>
            </Show>
            <p id="input-note" role="status">{move || note.with(|n| n.as_ref().map(|n| i18n::link_note(i18n.t(), n)))}</p>
            <CopyLink/>
        </form>
    }
}

/// The settings both families share: batch size and seed.
#[component]
fn BatchAndSeed(config: ReadSignal<ExperimentConfig>, editor: Editor) -> impl IntoView {
    let i18n = use_i18n();
    let field = move |read: fn(&ExperimentConfig) -> String| Signal::derive(move || config.with(read));
    view! {
        <Slider key="batch" label=|t| t.controls.batch range=ExperimentConfig::BATCH
            value=field(|c| c.batch.to_string()) editor/>
        <div class="seed-row">
            <NumberField key="seed" label=|t| t.controls.seed range=0..=u64::MAX editor value=field(|c| c.seed.to_string())/>
            <button type="button" id="new-seed" on:click=move |_| editor.edit("seed", &random_seed().to_string())>
                {move || i18n.t().controls.new_seed}
            </button>
        </div>
    }
}

/// The recurrent network's settings (`model` is rnn, lstm or gru).
#[component]
fn RecurrentControls(config: ReadSignal<ExperimentConfig>, editor: Editor) -> impl IntoView {
    let i18n = use_i18n();
    let field = move |read: fn(&ExperimentConfig) -> String| Signal::derive(move || config.with(read));
    let recurrent = move || config.with(ExperimentConfig::recurrent).unwrap_or_default();
    let rinit = move || config.with(|c| c.rinit);
    let is = move |model: Model| Signal::derive(move || recurrent().model == model);
    let act = move || config.with(|c| c.act);
    let hidden_unless = move |uses: fn(RecurrentInit) -> bool| Signal::derive(move || !uses(rinit()));
    let auto_gain = move || readable(f64::from(RecurrentConfig { gain: None, ..recurrent() }.effective_gain()));
    view! {
        <fieldset>
            <legend>{move || i18n.t().controls.recurrent_network}</legend>
            <Slider key="hidden" label=|t| t.controls.hidden range=ExperimentConfig::HIDDEN
                value=field(|c| c.hidden.to_string()) editor/>
            <Slider key="seq" label=|t| t.controls.seq range=ExperimentConfig::SEQ
                value=field(|c| c.seq.to_string()) editor/>
            <div hidden=move || !is(Model::Rnn).get()>
                <Choice key="act" label=|t| t.controls.nonlinearity editor
                    options=RecurrentConfig::NONLINEARITIES.to_vec() name=Activation::name words=i18n::activation
                    value=Signal::derive(act)/>
            </div>
            <NumberField key="tbptt" label=|t| t.controls.tbptt range=ExperimentConfig::TBPTT editor
                value=field(|c| c.tbptt.to_string())/>
        </fieldset>
        <fieldset>
            <legend>{move || i18n.t().controls.initialization}</legend>
            <Choice key="rinit" label=|t| t.controls.rinit editor
                options=RecurrentInit::all().collect() name=RecurrentInit::name words=i18n::recurrent_init
                value=Signal::derive(rinit)/>
            <NumberField key="gain" label=|t| t.controls.gain range=ExperimentConfig::GAIN editor
                value=field(|c| c.gain.map(|g| g.to_string()).unwrap_or_default())
                placeholder=Signal::derive(move || tr!(i18n.t(), controls.gain_auto, gain = auto_gain()))
                when_empty="auto"
                hidden=hidden_unless(RecurrentInit::uses_gain)/>
            <NumberField key="std" label=|t| t.controls.std range=ExperimentConfig::STD editor
                value=field(|c| c.std.to_string()) hidden=hidden_unless(RecurrentInit::uses_std)/>
            <NumberField key="bound" label=|t| t.controls.bound range=ExperimentConfig::BOUND editor
                value=field(|c| c.bound.to_string()) hidden=hidden_unless(RecurrentInit::uses_bound)/>
            <NumberField key="fbias" label=|t| t.controls.fbias range=ExperimentConfig::FBIAS editor
                value=field(|c| c.fbias.to_string()) hidden=Signal::derive(move || !is(Model::Lstm).get())/>
        </fieldset>
        <fieldset>
            <legend>{move || i18n.t().controls.task_legend}</legend>
            <Choice key="task" label=|t| t.controls.task editor
                options=Task::ALL.to_vec() name=Task::name words=i18n::task
                value=Signal::derive(move || config.with(|c| c.task))/>
            <BatchAndSeed config editor/>
        </fieldset>
    }
}

/// A short seed: easy to read aloud, and plenty of distinct experiments.
fn random_seed() -> u64 {
    (js_sys::Math::random() * 1e6) as u64
}

/// `min`/`max` attributes for a range.
fn bounds<T: Display>(range: &RangeInclusive<T>) -> (String, String) {
    (range.start().to_string(), range.end().to_string())
}

#[component]
pub(crate) fn Slider(
    key: &'static str,
    label: Label,
    range: RangeInclusive<usize>,
    value: Signal<String>,
    editor: Editor,
) -> impl IntoView {
    let (min, max) = bounds(&range);
    view! {
        <div class="field slider">
            <LabelRow key label/>
            <div class="slider-row">
                <input type="range" id=key name=key min=min max=max step="1" aria-describedby=tip_id(key)
                    prop:value=move || value.get()
                    on:input=move |ev| editor.edit(key, &event_target_value(&ev))/>
                <output id=format!("{key}-value") for=key>{move || value.get()}</output>
            </div>
        </div>
    }
}

/// A select over one of core's named choices: the link name as each option's value, the
/// current language's label as its text, and a sentence about the selected one.
#[component]
fn Choice<T: Copy + PartialEq + Send + Sync + 'static>(
    key: &'static str,
    label: Label,
    /// Every choice, in display order.
    options: Vec<T>,
    /// The canonical (link) name.
    name: fn(T) -> &'static str,
    /// (label, about) in a language.
    words: fn(&Strings, T) -> (&'static str, &'static str),
    value: Signal<T>,
    editor: Editor,
) -> impl IntoView {
    let i18n = use_i18n();
    let about_id = format!("{key}-about");
    view! {
        <div class="field">
            <LabelRow key label/>
            <select id=key name=key aria-describedby=format!("{} {about_id}", tip_id(key))
                on:change=move |ev| editor.edit(key, &event_target_value(&ev))>
                {options.into_iter().map(|option| view! {
                    // A property, not the attribute: the attribute stops mattering once the user has chosen.
                    <option value=name(option) prop:selected=move || value.get() == option>
                        {move || words(i18n.t(), option).0}
                    </option>
                }).collect_view()}
            </select>
            <p class="hint" id=about_id>{move || words(i18n.t(), value.get()).1}</p>
        </div>
    }
}

#[component]
pub(crate) fn NumberField<T: Display>(
    key: &'static str,
    label: Label,
    range: RangeInclusive<T>,
    value: Signal<String>,
    editor: Editor,
    #[prop(optional)] placeholder: Signal<String>,
    /// What an emptied field means (gain: "auto"); without it, emptying is rejected and undone.
    #[prop(optional)]
    when_empty: Option<&'static str>,
    #[prop(optional)] hidden: Signal<bool>,
) -> impl IntoView {
    let (min, max) = bounds(&range);
    view! {
        <div class="field" hidden=move || hidden.get()>
            <LabelRow key label/>
            // `change`, not `input`: clamping half-typed text ("0." on the way to "0.05") would fight the typist.
            <input type="number" id=key name=key min=min max=max step="any" aria-describedby=tip_id(key)
                prop:value=move || value.get()
                placeholder=move || placeholder.get()
                on:change=move |ev| {
                    let text = event_target_value(&ev);
                    editor.edit(key, if text.trim().is_empty() { when_empty.unwrap_or("") } else { &text });
                }/>
        </div>
    }
}

#[component]
pub(crate) fn Switch(key: &'static str, label: Label, value: Signal<bool>, editor: Editor) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="field switch">
            <input type="checkbox" id=key name=key aria-describedby=tip_id(key)
                prop:checked=move || value.get()
                on:change=move |ev| editor.edit(key, if event_target_checked(&ev) { "1" } else { "0" })/>
            <label for=key>{move || label(i18n.t())}</label>
            <InfoFor key label/>
        </div>
    }
}

/// A field's label with its "i" explanation beside it.
#[component]
fn LabelRow(key: &'static str, label: Label) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <span class="label-row">
            <label for=key>{move || label(i18n.t())}</label>
            <InfoFor key label/>
        </span>
    }
}

/// How long "Link copied" stays before the button is plain again.
const COPIED_FOR: Duration = Duration::from_secs(3);

/// Copies the page's address, which always encodes the current experiment.
#[component]
fn CopyLink() -> impl IntoView {
    let i18n = use_i18n();
    // `None`: nothing to say; `Some(Ok)`: copied; `Some(Err(url))`: the clipboard refused, so
    // the link is shown for copying by hand.
    let (outcome, set_outcome) = signal(None::<Result<(), String>>);
    let copy = move |_| {
        let url = window().location().href().unwrap_or_default();
        let Some(clipboard) = clipboard() else {
            return set_outcome.set(Some(Err(url)));
        };
        leptos::task::spawn_local(async move {
            let copied = wasm_bindgen_futures::JsFuture::from(clipboard.write_text(&url)).await;
            let copied = copied.is_ok();
            set_outcome.set(Some(if copied { Ok(()) } else { Err(url) }));
            if copied {
                set_timeout(move || set_outcome.set(None), COPIED_FOR);
            }
        });
    };
    view! {
        <div class="share">
            <button type="button" id="copy-link" on:click=copy>{move || i18n.t().controls.copy_link}</button>
            <span id="copy-status" role="status">
                {move || match outcome.get() {
                    None => ().into_any(),
                    Some(Ok(())) => i18n.t().controls.link_copied.into_any(),
                    Some(Err(url)) => view! {
                        <label>{i18n.t().controls.copy_by_hand}" "<input type="text" readonly=true value=url
                            on:focus={|ev| event_target::<web_sys::HtmlInputElement>(&ev).select()}/></label>
                    }.into_any(),
                }}
            </span>
        </div>
    }
}

/// The async clipboard, absent outside secure contexts (e.g. a page served over plain http
/// from another machine).
fn clipboard() -> Option<web_sys::Clipboard> {
    let clipboard = js_sys::Reflect::get(&window().navigator(), &"clipboard".into()).ok()?;
    (!clipboard.is_undefined()).then(|| clipboard.unchecked_into())
}
