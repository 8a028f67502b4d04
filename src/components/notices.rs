//! Dismissible messages about things that did not go as asked: a link that had to be adjusted,
//! a worker that crashed or failed.

use gradscope_core::link::LinkNote;
use leptos::prelude::*;

use crate::i18n::{link_note, use_i18n};
use crate::tr;

/// Lists what decoding the link changed (clamped, ignored), in the reader's language.
#[component]
pub fn ClampNotice(notes: ReadSignal<Vec<LinkNote>>, set_notes: WriteSignal<Vec<LinkNote>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || notes.with(|n| !n.is_empty())>
            <section id="clamp-notice" class="notice" role="status" aria-labelledby="clamp-notice-title">
                <h2 id="clamp-notice-title">{move || i18n.t().notices.link_title}</h2>
                <ul>{move || notes.with(|notes| notes.iter().map(|n| view! { <li>{link_note(i18n.t(), n)}</li> }).collect_view())}</ul>
                <p>{move || i18n.t().notices.link_explained}</p>
                <button type="button" id="clamp-notice-dismiss" on:click=move |_| set_notes.set(Vec::new())>
                    {move || i18n.t().notices.dismiss}
                </button>
            </section>
        </Show>
    }
}

/// What went wrong with the worker, kept as facts so the notice follows the language.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkerTrouble {
    /// It died (what the browser or the panic said); a fresh one took over.
    Crashed(String),
    /// A request could not be served (why).
    Failed(String),
}

/// What happened to the worker. It stays until dismissed: a crash is recovered from in a few
/// milliseconds, too fast to read otherwise.
#[component]
pub fn WorkerError(trouble: ReadSignal<Option<WorkerTrouble>>, set_trouble: WriteSignal<Option<WorkerTrouble>>) -> impl IntoView {
    let i18n = use_i18n();
    let message = move || {
        trouble.with(|trouble| match trouble.as_ref()? {
            WorkerTrouble::Crashed(what) => Some(tr!(i18n.t(), notices.worker_crashed, what = what)),
            WorkerTrouble::Failed(why) => Some(tr!(i18n.t(), notices.worker_failed, message = why)),
        })
    };
    view! {
        <Show when=move || trouble.with(Option::is_some)>
            <section id="worker-error" class="notice error" role="alert">
                <p>{message}</p>
                <button type="button" id="worker-error-dismiss" on:click=move |_| set_trouble.set(None)>
                    {move || i18n.t().notices.dismiss}
                </button>
            </section>
        </Show>
    }
}
