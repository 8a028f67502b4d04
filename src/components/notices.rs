//! Dismissible messages about things that did not go as asked: a link that had to be adjusted,
//! a worker that crashed or failed.

use gradscope_core::link::LinkNote;
use leptos::prelude::*;

use crate::i18n::use_i18n;

/// Lists what decoding the link changed (clamped, ignored), in the codec's own sentences.
#[component]
pub fn ClampNotice(notes: ReadSignal<Vec<LinkNote>>, set_notes: WriteSignal<Vec<LinkNote>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || notes.with(|n| !n.is_empty())>
            <section id="clamp-notice" class="notice" role="status" aria-labelledby="clamp-notice-title">
                <h2 id="clamp-notice-title">{move || i18n.t().notices.link_title}</h2>
                <ul>{move || notes.get().into_iter().map(|n| view! { <li>{n.message}</li> }).collect_view()}</ul>
                <p>{move || i18n.t().notices.link_explained}</p>
                <button type="button" id="clamp-notice-dismiss" on:click=move |_| set_notes.set(Vec::new())>
                    {move || i18n.t().notices.dismiss}
                </button>
            </section>
        </Show>
    }
}

/// What happened to the worker. It stays until dismissed: a crash is recovered from in a few
/// milliseconds, too fast to read otherwise.
#[component]
pub fn WorkerError(message: ReadSignal<Option<String>>, set_message: WriteSignal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || message.with(Option::is_some)>
            <section id="worker-error" class="notice error" role="alert">
                <p>{move || message.get()}</p>
                <button type="button" id="worker-error-dismiss" on:click=move |_| set_message.set(None)>
                    {move || i18n.t().notices.dismiss}
                </button>
            </section>
        </Show>
    }
}
