//! The explanation pattern: a collapsible `Panel` next to what it explains, linkable as
//! `#panel-<id>` (opening such a link opens the panel and scrolls to it), and `Info`, a short
//! explanation for any chart or control on hover, keyboard focus and tap.

use leptos::ev;
use leptos::html::Details;
use leptos::prelude::*;

use crate::i18n::{use_i18n, Label};
use crate::tr;

/// A collapsible explanation: `<details id="panel-{id}">`. Its numbers come from the caller's
/// signals, so they follow the network on screen.
#[component]
pub fn Panel(id: &'static str, #[prop(into)] title: Signal<String>, children: Children) -> impl IntoView {
    let i18n = use_i18n();
    let anchor = format!("panel-{id}");
    let details = NodeRef::<Details>::new();
    let target = format!("#{anchor}");
    let open_if_targeted = move || {
        let targeted = window().location().hash().is_ok_and(|hash| hash == target);
        if let (true, Some(details)) = (targeted, details.get_untracked()) {
            details.set_open(true);
            details.scroll_into_view();
        }
    };
    // On mount (a shared link with `#panel-…`; the browser's own jump happened before the
    // panel existed) and on every later jump within the page.
    let on_mount = open_if_targeted.clone();
    Effect::new(move || {
        if details.get().is_some() {
            on_mount();
        }
    });
    let listener = window_event_listener(ev::hashchange, move |_| open_if_targeted());
    on_cleanup(move || listener.remove());
    view! {
        <details class="panel" id=anchor.clone() node_ref=details>
            <summary>
                <span class="panel-title">{title}</span>
                <a class="panel-link" href=format!("#{anchor}") aria-label=move || i18n.t().info.link_to_panel>"#"</a>
            </summary>
            <div class="panel-body">{children()}</div>
        </details>
    }
}

/// An "i" button whose explanation shows on hover and keyboard focus, and stays on after a
/// tap or click (again, or Escape, hides it). Screen readers get it as the button's description.
#[component]
pub fn Info(id: &'static str, #[prop(into)] label: Signal<String>, #[prop(into)] text: Signal<String>) -> impl IntoView {
    let tip = tip_id(id);
    let (pinned, set_pinned) = signal(false);
    view! {
        <span class="info">
            <button type="button" class="info-button" aria-label=label aria-describedby=tip.clone()
                aria-expanded=move || pinned.get().to_string()
                on:click=move |_| set_pinned.update(|pinned| *pinned = !*pinned)
                on:keydown=move |event| if event.key() == "Escape" { set_pinned.set(false) }>
                "i"
            </button>
            <span class="info-tip" role="tooltip" id=tip class:pinned=pinned>{text}</span>
        </span>
    }
}

/// The id of `Info`'s explanation: a control or chart names it in its `aria-describedby`, so a
/// screen reader reads the explanation with the control (and the tests find it there).
pub fn tip_id(id: &str) -> String {
    format!("info-{id}")
}

/// The `Info` for a control or chart (`key`: the control's link key, or the element's id), with
/// its text from the catalogs' `tips` group, where a `-` of the key is written `_`
/// (`histogram-chart` → `tips.histogram_chart`); nothing when there is no tip.
#[component]
pub fn InfoFor(key: &'static str, label: Label) -> impl IntoView {
    let i18n = use_i18n();
    let entry = key.replace('-', "_");
    // The build checks that a tip in one language is in the other too.
    i18n.t_untracked().tips.get(&entry).is_some().then(|| {
        let label = Signal::derive(move || tr!(i18n.t(), info.about, label = label(i18n.t())));
        let text = Signal::derive(move || i18n.t().tips.get(&entry).unwrap_or_default().to_owned());
        view! { <Info id=key label text/> }
    })
}
