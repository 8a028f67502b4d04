//! Canvas redraws in turns. One plotters drawing costs milliseconds to tens of milliseconds,
//! and while training every progress changes several charts: drawing all of them in one
//! animation frame made that frame a long task (BENCHMARKS.md). So a canvas asks for a turn,
//! and each animation frame draws the canvases that have waited longest, at least one, as long
//! as their last drawings' costs fit in `FRAME_BUDGET_MS`; the rest wait for the next frame.
//! A turn draws the newest data, so a canvas that waited skips the states in between (its
//! `data-drawn-step` says which one it shows).
//!
//! Each drawing is also a User Timing measure named `redraw <canvas id>` (cleared at once, so it
//! costs no memory): `cargo xtask bench` observes them to report what each drawing costs.

use std::cell::RefCell;
use std::collections::VecDeque;

use leptos::prelude::{on_cleanup, request_animation_frame};

/// Drawing time per animation frame: a turn that would overrun it waits for the next frame
/// (unless it is the frame's first).
const FRAME_BUDGET_MS: f64 = 8.0;

/// A canvas's measure name and drawing, which says whether it drew (it may have had nothing
/// new), and what its last drawing cost, ms.
struct Drawer {
    name: String,
    draw: Box<dyn FnMut() -> bool>,
    cost: f64,
}

enum Slot {
    Idle(Drawer),
    /// Taken out while it draws (a drawing may ask for turns).
    Drawing,
    Gone,
}

#[derive(Default)]
struct Turns {
    /// Indexed by `Redraw` id.
    slots: Vec<Slot>,
    /// Waiting for a turn, the longest-waiting first; each id at most once.
    queue: VecDeque<usize>,
    frame_requested: bool,
}

thread_local! {
    static TURNS: RefCell<Turns> = RefCell::default();
}

/// A canvas's place in the turns: `request` a turn whenever what it shows may have changed.
#[derive(Clone, Copy, Debug)]
pub struct Redraw(usize);

impl Redraw {
    /// Registers `draw` for the canvas `canvas_id`'s turns until the calling component is
    /// cleaned up.
    pub fn register(canvas_id: &str, draw: impl FnMut() -> bool + 'static) -> Redraw {
        let drawer = Drawer { name: format!("redraw {canvas_id}"), draw: Box::new(draw), cost: 0.0 };
        let id = TURNS.with_borrow_mut(|turns| {
            turns.slots.push(Slot::Idle(drawer));
            turns.slots.len() - 1
        });
        on_cleanup(move || {
            TURNS.with_borrow_mut(|turns| {
                turns.slots[id] = Slot::Gone;
                turns.queue.retain(|&queued| queued != id);
            })
        });
        Redraw(id)
    }

    /// Draws at one of the next animation frames (once, however often it is asked before).
    pub fn request(self) {
        let first = TURNS.with_borrow_mut(|turns| {
            if !turns.queue.contains(&self.0) {
                turns.queue.push_back(self.0);
            }
            !std::mem::replace(&mut turns.frame_requested, true)
        });
        if first {
            request_animation_frame(take_turns);
        }
    }
}

fn take_turns() {
    let performance = web_sys::window().and_then(|window| window.performance());
    let now = || performance.as_ref().map_or(0.0, |performance| performance.now());
    let start = now();
    let mut drawn = false;
    loop {
        let spent = now() - start;
        let next = TURNS.with_borrow_mut(|turns| {
            while let Some(&id) = turns.queue.front() {
                match std::mem::replace(&mut turns.slots[id], Slot::Drawing) {
                    Slot::Idle(drawer) if drawn && spent + drawer.cost > FRAME_BUDGET_MS => {
                        // The next frame, first.
                        turns.slots[id] = Slot::Idle(drawer);
                        return None;
                    }
                    Slot::Idle(drawer) => {
                        turns.queue.pop_front();
                        return Some((id, drawer));
                    }
                    other => {
                        turns.slots[id] = other;
                        turns.queue.pop_front();
                    }
                }
            }
            None
        });
        let Some((id, mut drawer)) = next else { break };
        let before = now();
        let _ = performance.as_ref().map(|performance| performance.mark(&drawer.name));
        let drew = (drawer.draw)();
        if drew {
            drawn = true;
            drawer.cost = now() - before;
        }
        if let Some(performance) = &performance {
            if drew {
                let _ = performance.measure_with_start_mark(&drawer.name, &drawer.name);
                performance.clear_measures_with_measure_name(&drawer.name);
            }
            performance.clear_marks_with_mark_name(&drawer.name);
        }
        TURNS.with_borrow_mut(|turns| {
            if matches!(turns.slots[id], Slot::Drawing) {
                turns.slots[id] = Slot::Idle(drawer);
            }
        });
    }
    let more = TURNS.with_borrow_mut(|turns| {
        turns.frame_requested = !turns.queue.is_empty();
        turns.frame_requested
    });
    if more {
        request_animation_frame(take_turns);
    }
}
