//! The link codec: an `ExperimentConfig` as a URL query string, e.g.
//! `v=1&seed=1&data=spiral&batch=64&depth=10&width=64&act=sigmoid&slope=0.01&init=normal&std=0.1&bound=0.1&bn=0&res=0&opt=adam&lr=0.001&mom=0&wd=0&clip=none&clipv=1`.
//!
//! Decoding never fails: every key is optional (absent → default), unknown keys are ignored,
//! out-of-range numbers are clamped, unreadable values fall back to the default, and each such
//! change comes back as a `LinkNote` the UI shows verbatim. Encoding is canonical: every key
//! in a fixed order, floats in Rust's shortest round-trip form, `gain` omitted when automatic.
//!
//! Whole-number keys also accept float notation ("12.0", "1e2"): it is rounded to the nearest
//! whole number, with a note when that changed the value ("12.5"). Scientific notation is
//! exact only up to 2^53, which matters for `seed` alone.
//!
//! The link and the UI's form inputs share one parser (`apply`), driven by one table of keys
//! (`KEYS`): adding a key is one line there.
//!
//! Recurrent networks (`model=rnn|lstm|gru`) have their own keys (`hidden`, `seq`, `task`,
//! `fbias`, `rinit`, `tbptt`), written only for them; the MLP's own keys (`data`, `depth`,
//! `width`, `slope`, `init`, `bn`, `res`) are written only for the MLP. Either family's keys are
//! still written when they differ from their default, so every config round-trips exactly, and
//! an MLP link reads exactly as before `model` existed. Choosing `model` across the families
//! brings that family's batch, optimizer and clipping defaults (`ExperimentConfig::use_model_defaults`),
//! and a recurrent network takes only `act=tanh` or `act=relu`.
//!
//! Choosing an optimizer (`opt`) also resets `lr`, `mom` and `wd` to that optimizer's defaults,
//! in a link as in the form; a link's own `lr`, `mom`, `wd` then override them wherever they
//! stand in the query (`opt` is applied first). The training keys all have defaults, so links
//! without them (written before they existed) still read as format v1.
//!
//! The pretraining keys (`pretrain cdk pt_epochs pt_lr pt_mom pt_wd pcd`) are written only with
//! `pretrain=rbm` or when not at their default, so links without pretraining read as before. Keys that
//! only make sense together are checked last (`reconcile`): `pretrain=rbm` on a network or
//! dataset an RBM stack cannot initialize is switched off, with a note.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::clip::ClipMethod;
use crate::config::{Activation, Architecture, Dataset, ExperimentConfig, Init, FORMAT_VERSION};
use crate::optim::OptimizerKind;
use crate::recurrent::{RecurrentInit, Task};
use crate::rbm::{Pretrain, PretrainConfig};

/// Something decoding changed or ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkNote {
    /// The key as given (sanitized, truncated); empty for a note about the whole link.
    pub key: String,
    /// The value as given (sanitized, truncated to `SHOWN_CHARS` characters).
    pub given: String,
    /// The canonical value used instead; `None` when the key was ignored.
    pub used: Option<String>,
    /// What happened, by name: the page words it in the reader's language from this and the
    /// fields above.
    pub kind: NoteKind,
    /// One English sentence (the CLI prints it).
    pub message: String,
}

/// What a `LinkNote` reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// The value was not usable as given: `used` was taken instead.
    Value(ValueProblem),
    /// The key appeared `count` times; the last one was used.
    Repeated { count: usize },
    /// The link's format version is newer than this build's (`used`).
    NewerVersion,
    /// `v` is not a version number.
    NotAVersion,
    /// A value without a key.
    NoKey,
    /// A key the link format does not have; `suggestion` is a known key one typo away.
    UnknownKey { suggestion: Option<String> },
    /// `count` more notes were dropped (`MAX_NOTES`).
    MoreNotListed { count: usize },
    /// `pretrain=rbm` on a network RBM pretraining cannot initialize; `reason` in English.
    PretrainRefused { reason: String },
}

/// Why a value was not taken as given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueProblem {
    NoValue,
    BelowMinimum { min: String },
    AboveMaximum { max: String },
    NotWhole,
    NotANumber,
    NotFinite,
    NotOneOf { expected: Vec<String> },
    NotZeroOrOne,
    /// A recurrent network (`model`) takes tanh or relu only.
    NotRecurrentActivation { model: String },
}

/// The English phrase that follows the key in a note ("depth=0 is below the minimum 1").
impl std::fmt::Display for ValueProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        match self {
            ValueProblem::NoValue => f.write_str("has no value"),
            ValueProblem::BelowMinimum { min } => write!(f, "is below the minimum {min}"),
            ValueProblem::AboveMaximum { max } => write!(f, "is above the maximum {max}"),
            ValueProblem::NotWhole => f.write_str("is not a whole number"),
            ValueProblem::NotANumber => f.write_str("is not a number"),
            ValueProblem::NotFinite => f.write_str("is not a finite number"),
            ValueProblem::NotOneOf { expected } => write!(f, "is not one of {}", expected.join(", ")),
            ValueProblem::NotZeroOrOne => f.write_str("is not 0 or 1"),
            ValueProblem::NotRecurrentActivation { model } => {
                write!(f, "is not tanh or relu, the nonlinearities of a recurrent network ({model})")
            }
        }
    }
}

/// What `decode` read: always a valid config, plus what it had to change to get there.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    pub config: ExperimentConfig,
    pub notes: Vec<LinkNote>,
}

/// Longest key or value quoted back in a note, in characters.
pub const SHOWN_CHARS: usize = 40;

/// Most notes `decode` returns; a mangled 1 MB link gets one more note counting the rest.
pub const MAX_NOTES: usize = 20;

/// Keys that belong to the page, not to the experiment (`lang`: the UI language). `decode`
/// skips them without a note; the page reads them with `page_value`.
pub const PAGE_KEYS: &[&str] = &["lang"];

/// Reads a link: a full URL, `?query`, or a bare query string. Never fails, never panics.
pub fn decode(input: &str) -> Decoded {
    let pairs: Vec<(String, String)> =
        pairs_of(input).filter(|(key, _)| !PAGE_KEYS.iter().any(|page| key.eq_ignore_ascii_case(page))).collect();

    // Repeated keys (case-insensitively): the last occurrence wins, so only it is applied.
    let names: Vec<String> = pairs.iter().map(|(key, _)| key.to_ascii_lowercase()).collect();
    let mut occurrences: HashMap<&str, (usize, usize)> = HashMap::new();
    for (index, name) in names.iter().enumerate() {
        let entry = occurrences.entry(name).or_insert((0, index));
        *entry = (entry.0 + 1, index);
    }

    let mut config = ExperimentConfig::default();
    let mut notes = NoteList::default();
    // Keys that reset others (`model`, `opt`) go first, in table order (`model` resets the
    // optimizer), so that the others' values in the link win.
    let table_position = |index: usize| KEYS.iter().position(|k| k.name == names[index]);
    let resets_others = |index: &usize| table_position(*index).is_some_and(|position| KEYS[position].resets_others);
    let (mut first, rest): (Vec<usize>, Vec<usize>) = (0..pairs.len()).partition(resets_others);
    first.sort_by_key(|&index| table_position(index));
    for index in first.into_iter().chain(rest) {
        let (key, value) = &pairs[index];
        let (count, last) = occurrences[names[index].as_str()];
        if index != last {
            continue;
        }
        if count > 1 && is_known_key(&names[index]) {
            notes.push(LinkNote {
                key: shown(key),
                given: shown(value),
                used: None,
                kind: NoteKind::Repeated { count },
                message: format!("'{}' was given {count} times; the last one ({}={}) wins.", shown(key), shown(key), shown(value)),
            });
        }
        if let Some(note) = apply(&mut config, key, value) {
            notes.push(note);
        }
    }
    if let Some(note) = reconcile(&mut config) {
        notes.push(note);
    }
    Decoded { config, notes: notes.finish() }
}

/// Makes keys that depend on each other agree, after a link or a form input set them one by
/// one: `pretrain=rbm` where `PretrainConfig::check_network` refuses the network (not
/// sigmoid, batch norm, skips, non-binary data) becomes `pretrain=none`. Returns the note
/// saying so, or `None` when nothing changed.
pub fn reconcile(cfg: &mut ExperimentConfig) -> Option<LinkNote> {
    if cfg.pretrain != Pretrain::Rbm {
        return None;
    }
    let reason = PretrainConfig::check_network(cfg).err()?;
    cfg.pretrain = Pretrain::None;
    Some(LinkNote {
        key: "pretrain".to_owned(),
        given: Pretrain::Rbm.to_string(),
        used: Some(Pretrain::None.to_string()),
        message: format!("{reason}; using pretrain=none."),
        kind: NoteKind::PretrainRefused { reason },
    })
}

/// The decoded `key=value` pairs of a link, in order.
fn pairs_of(input: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query_of(input).split('&').filter(|segment| !segment.is_empty()).map(|segment| {
        let (key, value) = segment.split_once('=').unwrap_or((segment, ""));
        (percent_decode(key), percent_decode(value))
    })
}

/// The value of a page key (one of `PAGE_KEYS`) in a link, decoded; the last one if repeated.
pub fn page_value(input: &str, key: &str) -> Option<String> {
    pairs_of(input).filter(|(name, _)| name.eq_ignore_ascii_case(key)).last().map(|(_, value)| value)
}

/// The canonical query string (without '?') for `cfg`: every key in `KEYS` order.
pub fn encode(cfg: &ExperimentConfig) -> String {
    let version = format!("v={FORMAT_VERSION}");
    let fields = KEYS.iter().filter(|key| (key.present)(cfg)).map(|key| format!("{}={}", key.name, (key.write)(cfg)));
    std::iter::once(version).chain(fields).collect::<Vec<_>>().join("&")
}

/// Sets one key from text, exactly as a link would (the UI's form inputs use this too):
/// parsed, clamped, or left unchanged when unreadable. Returns the note describing any change;
/// `None` when `value` was taken as given. Keys match case-insensitively.
pub fn apply(cfg: &mut ExperimentConfig, key: &str, value: &str) -> Option<LinkNote> {
    let name = key.to_ascii_lowercase();
    if name == "v" {
        return check_version(value);
    }
    let Some(descriptor) = KEYS.iter().find(|k| k.name == name) else {
        return Some(unknown_key(key, value));
    };
    let text = value.trim();
    let problem = if text.is_empty() {
        Problem::Rejected(ValueProblem::NoValue)
    } else {
        match (descriptor.read)(cfg, text) {
            Ok(()) => return None,
            Err(problem) => problem,
        }
    };
    let used = (descriptor.write)(cfg);
    let given = shown(value);
    let (Problem::Rejected(reason) | Problem::Adjusted(reason)) = problem;
    let message = if text.is_empty() {
        format!("{name} {reason}; using {used}.")
    } else {
        format!("{name}={given} {reason}; using {used}.")
    };
    Some(LinkNote { key: name, given, used: Some(used), kind: NoteKind::Value(reason), message })
}

/// Why a value was not taken as given.
enum Problem {
    /// The field was set to a nearby valid value (clamped or rounded).
    Adjusted(ValueProblem),
    /// The field was left unchanged.
    Rejected(ValueProblem),
}

/// How one key is read from and written to a link.
struct Key {
    name: &'static str,
    /// Parses non-empty, trimmed text into the field; on `Rejected` the field is unchanged.
    read: fn(&mut ExperimentConfig, &str) -> Result<(), Problem>,
    /// The canonical text of the field's current value.
    write: fn(&ExperimentConfig) -> String,
    /// Whether `encode` writes the key (`gain` is omitted when automatic).
    present: fn(&ExperimentConfig) -> bool,
    /// Whether a value read for this key also resets other fields (so `decode` applies it first).
    resets_others: bool,
}

/// One table entry per config field: `key!(field)`, `key!(field, &RANGE)`,
/// `key!(field, then reset)` where `reset(cfg)` runs after each value the key takes, or
/// `key!(field, &RANGE, written_for family)`: written only when `family(cfg)` holds or the value
/// is not the default.
macro_rules! key {
    ($field:ident) => {
        key!($field, &())
    };
    ($field:ident, $bounds:expr) => {
        Key {
            name: stringify!($field),
            read: |cfg, text| store(&mut cfg.$field, text, $bounds),
            write: |cfg| LinkValue::write(&cfg.$field),
            present: |cfg| !LinkValue::is_automatic(&cfg.$field),
            resets_others: false,
        }
    };
    ($field:ident, then $reset:expr) => {
        Key {
            read: |cfg, text| {
                let result = store(&mut cfg.$field, text, &());
                if !matches!(result, Err(Problem::Rejected(_))) {
                    $reset(cfg);
                }
                result
            },
            resets_others: true,
            ..key!($field)
        }
    };
    ($field:ident, $bounds:expr, written_for $family:expr) => {
        Key {
            present: |cfg| $family(cfg) || cfg.$field != ExperimentConfig::default().$field,
            ..key!($field, $bounds)
        }
    };
}

/// The keys only the MLP reads, and only recurrent networks read.
fn for_mlp(cfg: &ExperimentConfig) -> bool {
    cfg.is_mlp()
}

fn for_recurrent(cfg: &ExperimentConfig) -> bool {
    !cfg.is_mlp()
}

/// The keys RBM pretraining reads.
fn for_pretraining(cfg: &ExperimentConfig) -> bool {
    cfg.pretrain == Pretrain::Rbm
}

/// `model`: remembers the network it replaces, for `use_model_defaults`.
fn read_model(cfg: &mut ExperimentConfig, text: &str) -> Result<(), Problem> {
    let previous = cfg.model;
    store(&mut cfg.model, text, &())?;
    cfg.use_model_defaults(previous);
    Ok(())
}

/// `act`: any activation for the MLP, tanh or relu for a recurrent network.
fn read_activation(cfg: &mut ExperimentConfig, text: &str) -> Result<(), Problem> {
    let mut act = cfg.act;
    store(&mut act, text, &())?;
    if !cfg.allows_activation(act) {
        return Err(Problem::Rejected(ValueProblem::NotRecurrentActivation { model: cfg.model.to_string() }));
    }
    cfg.act = act;
    Ok(())
}

/// Every key of link format v1, in canonical order (`v` comes first and is not a field).
const KEYS: &[Key] = &[
    key!(seed, &(0..=u64::MAX)),
    Key { read: read_model, present: for_recurrent, resets_others: true, ..key!(model) },
    key!(data, &(), written_for for_mlp),
    key!(batch, &ExperimentConfig::BATCH),
    key!(depth, &ExperimentConfig::DEPTH, written_for for_mlp),
    key!(width, &ExperimentConfig::WIDTH, written_for for_mlp),
    key!(hidden, &ExperimentConfig::HIDDEN, written_for for_recurrent),
    key!(seq, &ExperimentConfig::SEQ, written_for for_recurrent),
    key!(task, &(), written_for for_recurrent),
    Key { read: read_activation, ..key!(act) },
    key!(slope, &ExperimentConfig::SLOPE, written_for for_mlp),
    key!(init, &(), written_for for_mlp),
    key!(rinit, &(), written_for for_recurrent),
    key!(std, &ExperimentConfig::STD),
    key!(bound, &ExperimentConfig::BOUND),
    key!(gain, &ExperimentConfig::GAIN),
    key!(fbias, &ExperimentConfig::FBIAS, written_for for_recurrent),
    key!(bn, &(), written_for for_mlp),
    key!(res, &(), written_for for_mlp),
    key!(tbptt, &ExperimentConfig::TBPTT, written_for for_recurrent),
    key!(opt, then ExperimentConfig::use_optimizer_defaults),
    key!(lr, &ExperimentConfig::LR),
    key!(mom, &ExperimentConfig::MOM),
    key!(wd, &ExperimentConfig::WD),
    key!(clip),
    key!(clipv, &ExperimentConfig::CLIPV),
    key!(pretrain, &(), written_for for_pretraining),
    key!(cdk, &ExperimentConfig::CDK, written_for for_pretraining),
    key!(pt_epochs, &ExperimentConfig::PT_EPOCHS, written_for for_pretraining),
    key!(pt_lr, &ExperimentConfig::PT_LR, written_for for_pretraining),
    key!(pt_mom, &ExperimentConfig::PT_MOM, written_for for_pretraining),
    key!(pt_wd, &ExperimentConfig::PT_WD, written_for for_pretraining),
    key!(pcd, &(), written_for for_pretraining),
];

fn is_known_key(name: &str) -> bool {
    name == "v" || KEYS.iter().any(|k| k.name == name)
}

fn store<T: LinkValue>(slot: &mut T, text: &str, bounds: &T::Bounds) -> Result<(), Problem> {
    match T::read(text, bounds) {
        Ok((value, adjusted)) => {
            *slot = value;
            adjusted.map_or(Ok(()), |reason| Err(Problem::Adjusted(reason)))
        }
        Err(reason) => Err(Problem::Rejected(reason)),
    }
}

/// A config field's type as it appears in a link.
trait LinkValue: Sized {
    /// The valid range, or `()` when every parsed value is valid.
    type Bounds;
    /// Parses trimmed, non-empty text: the value to use, and why it differs from the text if it
    /// does (clamped, rounded); or why the text is unusable.
    fn read(text: &str, bounds: &Self::Bounds) -> Result<(Self, Option<ValueProblem>), ValueProblem>;
    fn write(&self) -> String;
    /// Automatic values are left out of canonical links.
    fn is_automatic(&self) -> bool {
        false
    }
}

/// Whole-number fields: decimal digits of any length, or float notation rounded to the nearest
/// whole number; then clamped.
macro_rules! whole_number_link_value {
    ($($ty:ty),*) => {$(
        impl LinkValue for $ty {
            type Bounds = RangeInclusive<$ty>;

            fn read(text: &str, bounds: &Self::Bounds) -> Result<(Self, Option<ValueProblem>), ValueProblem> {
                let (value, rounded) = read_whole(text)?;
                let (min, max) = (i128::from(*bounds.start() as u64), i128::from(*bounds.end() as u64));
                let clamped = value.clamp(min, max);
                let note = clamp_reason(value < min, value > max, bounds.start(), bounds.end())
                    .or(rounded.then_some(ValueProblem::NotWhole));
                Ok((clamped as $ty, note))
            }

            fn write(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

whole_number_link_value!(u64, usize);

impl LinkValue for f32 {
    type Bounds = RangeInclusive<f32>;

    fn read(text: &str, bounds: &Self::Bounds) -> Result<(Self, Option<ValueProblem>), ValueProblem> {
        let wide = read_real(text)?;
        let (min, max) = (f64::from(*bounds.start()), f64::from(*bounds.end()));
        if let Some(reason) = clamp_reason(wide < min, wide > max, bounds.start(), bounds.end()) {
            return Ok((if wide < min { *bounds.start() } else { *bounds.end() }, Some(reason)));
        }
        // Parse the text as f32 directly: going through f64 could round twice. Within the
        // bounds this parse cannot fail (same grammar) and cannot leave them (rounding is
        // monotonic and the bounds are f32 values). `+ 0.0` turns −0 into 0.
        let value = text.parse::<f32>().map_err(|_| ValueProblem::NotANumber)?;
        Ok((value + 0.0, None))
    }

    fn write(&self) -> String {
        self.to_string()
    }
}

/// `gain`: a number, or `auto` for PyTorch's `calculate_gain` (the default).
impl LinkValue for Option<f32> {
    type Bounds = RangeInclusive<f32>;

    fn read(text: &str, bounds: &Self::Bounds) -> Result<(Self, Option<ValueProblem>), ValueProblem> {
        if text.eq_ignore_ascii_case("auto") {
            return Ok((None, None));
        }
        f32::read(text, bounds).map(|(value, note)| (Some(value), note))
    }

    fn write(&self) -> String {
        self.map_or_else(|| "auto".to_owned(), |v| v.write())
    }

    fn is_automatic(&self) -> bool {
        self.is_none()
    }
}

/// Switches: canonically 0/1; HTML's "on"/"off" and true/false/yes/no are read too.
impl LinkValue for bool {
    type Bounds = ();

    fn read(text: &str, _: &()) -> Result<(Self, Option<ValueProblem>), ValueProblem> {
        match text.to_ascii_lowercase().as_str() {
            "1" | "true" | "on" | "yes" => Ok((true, None)),
            "0" | "false" | "off" | "no" => Ok((false, None)),
            _ => Err(ValueProblem::NotZeroOrOne),
        }
    }

    fn write(&self) -> String {
        u8::from(*self).to_string()
    }
}

/// Named choices read through their one `FromStr` (aliases and all).
macro_rules! named_link_value {
    ($($ty:ty),*) => {$(
        impl LinkValue for $ty {
            type Bounds = ();

            fn read(text: &str, _: &()) -> Result<(Self, Option<ValueProblem>), ValueProblem> {
                text.parse()
                    .map(|value| (value, None))
                    .map_err(|err: crate::config::UnknownName| ValueProblem::NotOneOf {
                        expected: err.expected.iter().map(|name| name.to_string()).collect(),
                    })
            }

            fn write(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

named_link_value!(Activation, Init, Dataset, OptimizerKind, ClipMethod, Architecture, Task, RecurrentInit, Pretrain);

fn clamp_reason<T: std::fmt::Display>(below: bool, above: bool, min: &T, max: &T) -> Option<ValueProblem> {
    if below {
        Some(ValueProblem::BelowMinimum { min: min.to_string() })
    } else if above {
        Some(ValueProblem::AboveMaximum { max: max.to_string() })
    } else {
        None
    }
}

/// A finite number, or ±∞ when the text is a finite number too large for f64 (so it clamps).
/// "NaN" and "inf" written as such are rejected: they name no value to clamp to.
fn read_real(text: &str) -> Result<f64, ValueProblem> {
    let value: f64 = text.parse().map_err(|_| ValueProblem::NotANumber)?;
    let names_infinity = text.trim_start_matches(['+', '-']).to_ascii_lowercase().starts_with("inf");
    if value.is_nan() || names_infinity {
        return Err(ValueProblem::NotFinite);
    }
    Ok(value)
}

/// A whole number, saturating far outside any range, and whether rounding was needed.
fn read_whole(text: &str) -> Result<(i128, bool), ValueProblem> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let magnitude = digits.bytes().fold(0i128, |acc, b| acc.saturating_mul(10).saturating_add(i128::from(b - b'0')));
        return Ok((if negative { -magnitude } else { magnitude }, false));
    }
    let value = read_real(text)?;
    // `as` saturates, so ±∞ (overflowed float notation) becomes i128::MIN/MAX and clamps.
    Ok((value.round() as i128, value.fract() != 0.0))
}

fn check_version(value: &str) -> Option<LinkNote> {
    let given = shown(value);
    let (kind, message) = match read_whole(value.trim()) {
        Ok((version, false)) if version == i128::from(FORMAT_VERSION) => return None,
        Ok((version, false)) if version > i128::from(FORMAT_VERSION) => (NoteKind::NewerVersion, format!(
            "This link is format v={given}, newer than this gradscope's v={FORMAT_VERSION}; it was read as v={FORMAT_VERSION}, best effort."
        )),
        _ => (NoteKind::NotAVersion, format!("v={given} is not a link format version; the link was read as v={FORMAT_VERSION}.")),
    };
    Some(LinkNote { key: "v".to_owned(), given, used: Some(FORMAT_VERSION.to_string()), kind, message })
}

fn unknown_key(key: &str, value: &str) -> LinkNote {
    let name = shown(key);
    let (kind, message) = if key.is_empty() {
        (NoteKind::NoKey, "A value without a key was ignored.".to_owned())
    } else {
        let suggestion = closest_key(key);
        let message = match suggestion {
            Some(near) => format!("Unknown key '{name}' ignored; did you mean '{near}'?"),
            None => format!("Unknown key '{name}' ignored."),
        };
        (NoteKind::UnknownKey { suggestion: suggestion.map(str::to_owned) }, message)
    };
    LinkNote { key: name, given: shown(value), used: None, kind, message }
}

/// The known key nearest to `key` (typos like "dpeth"), if it is close enough to be a typo:
/// one edit, or two for keys of five or more characters ("opt" is not a typo of "act").
fn closest_key(key: &str) -> Option<&'static str> {
    let length = key.chars().count();
    // Longer strings cannot be within two edits of a key, and this keeps 1 MB keys cheap.
    if length > 8 {
        return None;
    }
    let max_edits = if length >= 5 { 2 } else { 1 };
    KEYS.iter()
        .map(|k| (edit_distance(key, k.name), k.name))
        .filter(|&(distance, _)| distance <= max_edits)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, name)| name)
}

/// Levenshtein distance, with adjacent transpositions counting as one edit.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitution = rows[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut best = substitution.min(rows[i - 1][j] + 1).min(rows[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// The query part of a full URL, `?query` or bare query: after the first '?', before '#'.
fn query_of(input: &str) -> &str {
    let input = input.trim();
    let query = match input.split_once('?') {
        Some((_, after)) => after,
        // A URL without '?' has no parameters; anything else is a bare query string.
        None if input.contains("://") => "",
        None => input,
    };
    query.split_once('#').map_or(query, |(before, _)| before)
}

/// application/x-www-form-urlencoded decoding: '+' is a space, `%XX` a byte; a '%' not
/// followed by two hex digits stays literal; invalid UTF-8 becomes U+FFFD.
fn percent_decode(text: &str) -> String {
    let hex = |byte: Option<&u8>| byte.and_then(|&b| char::from(b).to_digit(16));
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(if byte == b'+' { b' ' } else { byte });
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Text safe to quote back to a user: at most `SHOWN_CHARS` characters (then '…'), with
/// control and bidirectional-override characters replaced by U+FFFD.
pub fn shown(text: &str) -> String {
    let is_unsafe = |c: char| c.is_control() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    let mut out: String = text.chars().take(SHOWN_CHARS).map(|c| if is_unsafe(c) { '\u{FFFD}' } else { c }).collect();
    if text.chars().nth(SHOWN_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// Notes up to `MAX_NOTES`; the rest are only counted, so a hostile link cannot flood the UI.
#[derive(Default)]
struct NoteList {
    notes: Vec<LinkNote>,
    dropped: usize,
}

impl NoteList {
    fn push(&mut self, note: LinkNote) {
        if self.notes.len() < MAX_NOTES {
            self.notes.push(note);
        } else {
            self.dropped += 1;
        }
    }

    fn finish(mut self) -> Vec<LinkNote> {
        if self.dropped > 0 {
            self.notes.push(LinkNote {
                key: String::new(),
                given: String::new(),
                used: None,
                kind: NoteKind::MoreNotListed { count: self.dropped },
                message: format!("{} more problems with this link were not listed.", self.dropped),
            });
        }
        self.notes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recurrent::RecurrentConfig;

    /// SplitMix64: a tiny local generator so the codec's tests depend on nothing else.
    struct TestRng(u64);

    impl TestRng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn in_range(&mut self, range: &RangeInclusive<usize>) -> usize {
            range.start() + self.below(range.end() - range.start() + 1)
        }

        /// Uniform over every f32 value in a non-negative range, subnormals included (bit
        /// patterns of non-negative floats are ordered like their values).
        fn any_f32_in(&mut self, range: &RangeInclusive<f32>) -> f32 {
            let (low, high) = (u64::from(range.start().to_bits()), u64::from(range.end().to_bits()));
            assert!(range.start().is_sign_positive() && low <= high);
            f32::from_bits((low + self.next() % (high - low + 1)) as u32)
        }

        /// Like `any_f32_in`, for ranges that may include negative numbers: either sign's half.
        fn any_real_in(&mut self, range: &RangeInclusive<f32>) -> f32 {
            let positive = 0.0f32.max(*range.start())..=*range.end();
            if *range.start() < 0.0 && self.below(2) == 0 {
                // From the smallest subnormal up: −0 reads back as 0.
                -self.any_f32_in(&(f32::from_bits(1).max(-range.end())..=-range.start()))
            } else {
                self.any_f32_in(&positive)
            }
        }

        fn pick<T: Copy>(&mut self, items: &[T]) -> T {
            items[self.below(items.len())]
        }
    }

    fn random_valid_config(rng: &mut TestRng) -> ExperimentConfig {
        type C = ExperimentConfig;
        let model = rng.pick(&Architecture::all().collect::<Vec<_>>());
        let acts = if model.is_mlp() { Activation::ALL } else { &RecurrentConfig::NONLINEARITIES };
        let mut cfg = ExperimentConfig {
            seed: if rng.below(4) == 0 { rng.pick(&[0, 1, u64::MAX]) } else { rng.next() },
            data: rng.pick(Dataset::ALL),
            batch: rng.in_range(&C::BATCH),
            depth: rng.in_range(&C::DEPTH),
            width: rng.in_range(&C::WIDTH),
            act: rng.pick(acts),
            slope: rng.any_f32_in(&C::SLOPE),
            init: rng.pick(Init::ALL),
            std: rng.any_f32_in(&C::STD),
            bound: rng.any_f32_in(&C::BOUND),
            gain: (rng.below(2) == 0).then(|| rng.any_f32_in(&C::GAIN)),
            bn: rng.below(2) == 0,
            res: rng.below(2) == 0,
            opt: rng.pick(OptimizerKind::ALL),
            lr: rng.any_f32_in(&C::LR),
            mom: rng.any_f32_in(&C::MOM),
            wd: rng.any_f32_in(&C::WD),
            clip: rng.pick(ClipMethod::ALL),
            clipv: rng.any_f32_in(&C::CLIPV),
            model,
            hidden: rng.in_range(&C::HIDDEN),
            seq: rng.in_range(&C::SEQ),
            task: rng.pick(Task::ALL),
            fbias: rng.any_real_in(&C::FBIAS),
            rinit: rng.pick(&RecurrentInit::all().collect::<Vec<_>>()),
            tbptt: rng.in_range(&C::TBPTT),
            ..ExperimentConfig::default()
        };
        // Half the configs keep the pretraining defaults (so their keys stay out of the link).
        if rng.below(2) == 0 {
            randomize_pretraining(rng, &mut cfg);
        }
        cfg
    }

    /// Random pretraining settings; `rbm` only where it can run (sigmoid, no batch norm or
    /// skips, binary data), so the config is one `decode` gives back unchanged.
    fn randomize_pretraining(rng: &mut TestRng, cfg: &mut ExperimentConfig) {
        type C = ExperimentConfig;
        cfg.pretrain = rng.pick(Pretrain::ALL);
        cfg.cdk = rng.in_range(&C::CDK);
        cfg.pt_epochs = rng.in_range(&C::PT_EPOCHS);
        cfg.pt_lr = rng.any_f32_in(&C::PT_LR);
        cfg.pt_mom = rng.any_f32_in(&C::PT_MOM);
        cfg.pt_wd = rng.any_f32_in(&C::PT_WD);
        cfg.pcd = rng.below(2) == 0;
        if cfg.pretrain == Pretrain::Rbm {
            (cfg.model, cfg.act, cfg.bn, cfg.res) = (Architecture::Mlp, Activation::Sigmoid, false, false);
            cfg.data = rng.pick(&[Dataset::Bars, Dataset::Digits]);
        }
    }

    fn assert_valid(cfg: &ExperimentConfig, context: &str) {
        type C = ExperimentConfig;
        assert!(C::BATCH.contains(&cfg.batch) && C::DEPTH.contains(&cfg.depth) && C::WIDTH.contains(&cfg.width), "{context}");
        let floats = [
            (cfg.slope, C::SLOPE),
            (cfg.std, C::STD),
            (cfg.bound, C::BOUND),
            (cfg.lr, C::LR),
            (cfg.mom, C::MOM),
            (cfg.wd, C::WD),
            (cfg.clipv, C::CLIPV),
            (cfg.pt_lr, C::PT_LR),
            (cfg.pt_mom, C::PT_MOM),
            (cfg.pt_wd, C::PT_WD),
        ];
        for (value, range) in floats.into_iter().chain(cfg.gain.map(|g| (g, C::GAIN))) {
            assert!(range.contains(&value) && value.is_sign_positive(), "{value} outside {range:?}: {context}");
        }
        assert_eq!(cfg.optimizer().validate(), Ok(()), "{context}");
        assert!(cfg.clipping().is_ok(), "{context}");
        assert!(cfg.allows_activation(cfg.act), "{context}");
        if let Some(recurrent) = cfg.recurrent() {
            assert_eq!(recurrent.validate(), Ok(()), "{context}");
        }
        assert!(C::HIDDEN.contains(&cfg.hidden) && C::SEQ.contains(&cfg.seq) && C::TBPTT.contains(&cfg.tbptt), "{context}");
        assert!(C::FBIAS.contains(&cfg.fbias), "{context}");
        assert_eq!(cfg.pretraining().validate(), Ok(()), "{context}");
        assert!(cfg.pretrain == Pretrain::None || PretrainConfig::check_network(cfg).is_ok(), "{context}");
    }

    /// The float fields by bit pattern: `==` would equate −0 and 0.
    fn float_bits(cfg: &ExperimentConfig) -> [u32; 12] {
        [cfg.slope, cfg.std, cfg.bound, cfg.gain.unwrap_or(-1.0), cfg.lr, cfg.mom, cfg.wd, cfg.clipv, cfg.fbias, cfg.pt_lr, cfg.pt_mom, cfg.pt_wd]
            .map(f32::to_bits)
    }

    fn messages(link: &str) -> Vec<String> {
        decode(link).notes.into_iter().map(|note| note.message).collect()
    }

    #[test]
    fn page_keys_are_left_to_the_page() {
        let link = "?depth=3&lang=fr&LANG=zh-CN&dpeth=4";
        let decoded = decode(link);
        assert_eq!(decoded.config.depth, 3);
        assert_eq!(decoded.notes.len(), 1, "only the typo is noted: {:?}", decoded.notes);
        assert_eq!(page_value(link, "lang").as_deref(), Some("zh-CN"), "the last one, any case");
        assert_eq!(page_value("?lang=zh%2DCN", "lang").as_deref(), Some("zh-CN"), "percent-decoded");
        assert_eq!(page_value("?depth=3", "lang"), None);
        assert!(!encode(&decoded.config).contains("lang"), "the codec never writes them");
    }

    #[test]
    fn decoding_the_encoding_gives_back_every_random_valid_config_exactly() {
        let mut rng = TestRng(7);
        for _ in 0..20_000 {
            let cfg = random_valid_config(&mut rng);
            let link = encode(&cfg);
            let decoded = decode(&link);
            assert_eq!(decoded.notes, [], "{link}");
            assert_eq!(decoded.config, cfg, "{link}");
            assert_eq!(float_bits(&decoded.config), float_bits(&cfg), "{link}");
            assert_eq!(encode(&decoded.config), link);
        }
    }

    #[test]
    fn the_default_link_is_canonical_and_the_empty_link_is_the_default() {
        let canonical = "v=1&seed=1&data=spiral&batch=64&depth=10&width=64&act=sigmoid&slope=0.01&init=normal&std=0.1&bound=0.1&bn=0&res=0&opt=adam&lr=0.001&mom=0&wd=0&clip=none&clipv=1";
        assert_eq!(encode(&ExperimentConfig::default()), canonical);
        for empty in ["", "?", "   ", "http://localhost:8080/", "https://x.org/gradscope/index.html#top", "&&&"] {
            assert_eq!(decode(empty), Decoded { config: ExperimentConfig::default(), notes: vec![] }, "{empty:?}");
        }
        let with_gain = ExperimentConfig { gain: Some(1.5), ..Default::default() };
        assert!(encode(&with_gain).contains("&bound=0.1&gain=1.5&bn=0&res=0&"));
    }

    #[test]
    fn a_recurrent_link_writes_its_own_keys_and_brings_its_training_defaults() {
        let lstm = decode("model=lstm");
        assert_eq!(lstm.notes, []);
        assert_eq!(
            encode(&lstm.config),
            "v=1&seed=1&model=lstm&batch=32&hidden=32&seq=30&task=adding&act=tanh&rinit=default&std=0.1&bound=0.1&fbias=1&tbptt=0&opt=adam&lr=0.01&mom=0&wd=0&clip=norm&clipv=1"
        );
        let recurrent = lstm.config.recurrent().unwrap();
        assert_eq!(recurrent, crate::recurrent::RecurrentConfig::default(), "the link's defaults are the recurrent lab's");
        assert_eq!((lstm.config.optimizer(), lstm.config.clipping()), (crate::recurrent::default_optimizer(), Ok(crate::recurrent::DEFAULT_CLIP)));
        // The link's own settings win wherever they stand; `opt` still brings its lr.
        let cfg = decode("lr=0.5&opt=sgd&batch=7&model=gru&act=relu").config;
        assert_eq!((cfg.opt, cfg.lr, cfg.batch, cfg.act, cfg.clip), (OptimizerKind::Sgd, 0.5, 7, Activation::Relu, ClipMethod::Norm));
        assert_eq!(decode("opt=sgd&model=rnn").config.lr, 0.1);
        // MLP keys that differ from their default are kept, so nothing is lost on the way back.
        let cfg = decode("depth=3&model=rnn").config;
        assert!(encode(&cfg).contains("&depth=3&"), "{}", encode(&cfg));
        assert_eq!(decode(&encode(&cfg)).config, cfg);
        assert_eq!(decode("model=mlp").config, ExperimentConfig::default());
        // The form: crossing families brings defaults, switching cells keeps the settings.
        let mut cfg = ExperimentConfig::default();
        assert_eq!(apply(&mut cfg, "model", "rnn"), None);
        assert_eq!((cfg.act, cfg.batch, cfg.lr), (Activation::Tanh, 32, 0.01));
        assert_eq!(apply(&mut cfg, "lr", "0.003"), None);
        assert_eq!(apply(&mut cfg, "model", "LSTM"), None);
        assert_eq!(cfg.lr, 0.003);
        assert_eq!(apply(&mut cfg, "act", "sigmoid").unwrap().message, "act=sigmoid is not tanh or relu, the nonlinearities of a recurrent network (lstm); using tanh.");
        assert_eq!(apply(&mut cfg, "model", "mlp"), None);
        assert_eq!((cfg.batch, cfg.lr, cfg.clip, cfg.act), (64, 0.001, ClipMethod::None, Activation::Tanh));
        assert_eq!(apply(&mut cfg, "act", "sigmoid"), None);
    }

    #[test]
    fn every_accepted_spelling_of_a_link_decodes_without_notes() {
        let expected =
            ExperimentConfig { depth: 20, act: Activation::LeakyRelu, init: Init::KaimingNormal, gain: Some(2.0), bn: true, ..Default::default() };
        for link in [
            "depth=20&act=leaky_relu&init=kaiming_normal&gain=2&bn=1",
            "?depth=20&act=leaky_relu&init=kaiming_normal&gain=2&bn=1",
            "http://127.0.0.1:8080/?depth=20&act=leaky_relu&init=kaiming_normal&gain=2&bn=1#plot",
            "  https://host/app/?v=1&DEPTH=20&Act=LeakyReLU&init=he_normal&gain=2.0&bn=on\n",
            "depth=2e1&act=leaky%5Frelu&init=Kaiming+Normal&gain=%202%20&bn=true",
            "depth=+20&act=leaky-relu&init=kaiming_normal&gain=20e-1&bn=yes&&",
        ] {
            let decoded = decode(link);
            assert_eq!(decoded.notes, [], "{link:?}");
            assert_eq!(decoded.config, expected, "{link:?}");
        }
    }

    #[test]
    fn every_clamp_and_fallback_says_what_it_did() {
        let u64_max = u64::MAX.to_string();
        let acts = "linear, sigmoid, tanh, relu, leaky_relu, elu, selu, gelu, silu, softplus";
        let cases: &[(&str, &str, String)] = &[
            ("depth=500", "depth=200", "depth=500 is above the maximum 200; using 200.".into()),
            ("depth=0", "depth=1", "depth=0 is below the minimum 1; using 1.".into()),
            ("depth=-3", "depth=1", "depth=-3 is below the minimum 1; using 1.".into()),
            ("depth=12.5", "depth=13", "depth=12.5 is not a whole number; using 13.".into()),
            ("depth=1e999", "depth=200", "depth=1e999 is above the maximum 200; using 200.".into()),
            ("depth=-1e999", "depth=1", "depth=-1e999 is below the minimum 1; using 1.".into()),
            ("depth=999999999999999999999999999999", "depth=200", "depth=999999999999999999999999999999 is above the maximum 200; using 200.".into()),
            ("depth=abc", "depth=10", "depth=abc is not a number; using 10.".into()),
            ("depth=", "depth=10", "depth has no value; using 10.".into()),
            ("depth", "depth=10", "depth has no value; using 10.".into()),
            ("depth=NaN", "depth=10", "depth=NaN is not a finite number; using 10.".into()),
            ("batch=5000", "batch=1024", "batch=5000 is above the maximum 1024; using 1024.".into()),
            ("batch=0", "batch=1", "batch=0 is below the minimum 1; using 1.".into()),
            ("width=1", "width=2", "width=1 is below the minimum 2; using 2.".into()),
            ("width=513", "width=512", "width=513 is above the maximum 512; using 512.".into()),
            ("seed=18446744073709551616", &format!("seed={u64_max}"), format!("seed=18446744073709551616 is above the maximum {u64_max}; using {u64_max}.")),
            ("seed=-1", "seed=0", "seed=-1 is below the minimum 0; using 0.".into()),
            ("seed=0x10", "seed=1", "seed=0x10 is not a number; using 1.".into()),
            ("std=inf", "std=0.1", "std=inf is not a finite number; using 0.1.".into()),
            ("std=-Infinity", "std=0.1", "std=-Infinity is not a finite number; using 0.1.".into()),
            ("std=nan", "std=0.1", "std=nan is not a finite number; using 0.1.".into()),
            ("std=1e39", "std=10", "std=1e39 is above the maximum 10; using 10.".into()),
            ("std=-0.5", "std=0", "std=-0.5 is below the minimum 0; using 0.".into()),
            ("std=0.1.2", "std=0.1", "std=0.1.2 is not a number; using 0.1.".into()),
            ("bound=10.000001", "bound=10", "bound=10.000001 is above the maximum 10; using 10.".into()),
            ("slope=2", "slope=1", "slope=2 is above the maximum 1; using 1.".into()),
            ("slope=-0.01", "slope=0", "slope=-0.01 is below the minimum 0; using 0.".into()),
            ("gain=11", "gain=10", "gain=11 is above the maximum 10; using 10.".into()),
            ("gain=oops", "bound=0.1&bn", "gain=oops is not a number; using auto.".into()),
            ("act=rleu", "act=sigmoid", format!("act=rleu is not one of {acts}; using sigmoid.")),
            ("init=he", "init=normal", "init=he is not one of zeros, normal, uniform, xavier_normal, xavier_uniform, kaiming_normal, kaiming_uniform, orthogonal, lecun_normal; using normal.".into()),
            ("data=moons", "data=spiral", "data=moons is not one of spiral, circle, xor, gauss, sine, bars, digits; using spiral.".into()),
            ("bn=2", "bn=0", "bn=2 is not 0 or 1; using 0.".into()),
            ("res=maybe", "res=0", "res=maybe is not 0 or 1; using 0.".into()),
            ("opt=lbfgs", "opt=adam", "opt=lbfgs is not one of sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw; using adam.".into()),
            ("lr=-1", "lr=0&", "lr=-1 is below the minimum 0; using 0.".into()),
            ("lr=100", "lr=10&", "lr=100 is above the maximum 10; using 10.".into()),
            ("lr=NaN", "lr=0.001&", "lr=NaN is not a finite number; using 0.001.".into()),
            ("mom=1", "mom=0.999", "mom=1 is above the maximum 0.999; using 0.999.".into()),
            ("wd=2", "wd=1&", "wd=2 is above the maximum 1; using 1.".into()),
            ("clip=sometimes", "clip=none", "clip=sometimes is not one of none, norm, value; using none.".into()),
            ("clipv=0", "clipv=0.000001", "clipv=0 is below the minimum 0.000001; using 0.000001.".into()),
            ("clipv=1e7", "clipv=1000000", "clipv=1e7 is above the maximum 1000000; using 1000000.".into()),
            ("model=cnn", "v=1&seed=1&data", "model=cnn is not one of mlp, rnn, lstm, gru; using mlp.".into()),
            ("model=rnn&seq=5000", "seq=1000", "seq=5000 is above the maximum 1000; using 1000.".into()),
            ("model=gru&seq=2", "seq=3", "seq=2 is below the minimum 3; using 3.".into()),
            ("model=lstm&hidden=1", "hidden=2", "hidden=1 is below the minimum 2; using 2.".into()),
            ("model=lstm&fbias=11", "fbias=10", "fbias=11 is above the maximum 10; using 10.".into()),
            ("model=lstm&fbias=NaN", "fbias=1", "fbias=NaN is not a finite number; using 1.".into()),
            ("model=lstm&tbptt=-1", "tbptt=0", "tbptt=-1 is below the minimum 0; using 0.".into()),
            ("model=lstm&task=sort", "task=adding", "task=sort is not one of adding, copy; using adding.".into()),
            ("model=rnn&rinit=eigen", "rinit=default", "rinit=eigen is not one of default, identity, zeros, normal, uniform, xavier_normal, xavier_uniform, kaiming_normal, kaiming_uniform, orthogonal, lecun_normal; using default.".into()),
            ("act=gelu&model=rnn", "act=tanh", "act=gelu is not tanh or relu, the nonlinearities of a recurrent network (rnn); using tanh.".into()),
        ];
        for (link, canonical_part, message) in cases {
            let decoded = decode(link);
            assert_eq!(messages(link), [message.as_str()], "{link}");
            assert!(encode(&decoded.config).contains(canonical_part), "{link} → {}", encode(&decoded.config));
            assert_valid(&decoded.config, link);
        }
    }

    #[test]
    fn choosing_an_optimizer_brings_its_defaults_unless_the_link_sets_them() {
        let cfg = decode("opt=sgd").config;
        assert_eq!((cfg.opt, cfg.lr, cfg.mom, cfg.wd), (OptimizerKind::Sgd, 0.1, 0.0, 0.0));
        let cfg = decode("opt=momentum").config;
        assert_eq!((cfg.lr, cfg.mom), (0.01, 0.9));
        assert_eq!(decode("opt=adamw").config.wd, 0.01);
        // The link's own values win, before or after `opt`.
        for link in ["lr=0.5&opt=sgd&mom=0.3", "opt=sgd&lr=0.5&mom=0.3", "mom=0.3&lr=0.5&opt=SGD"] {
            let decoded = decode(link);
            assert_eq!(decoded.notes, [], "{link}");
            assert_eq!((decoded.config.opt, decoded.config.lr, decoded.config.mom), (OptimizerKind::Sgd, 0.5, 0.3), "{link}");
        }
        // An unreadable optimizer changes nothing else.
        assert_eq!(decode("lr=0.2&opt=lbfgs").config.lr, 0.2);
        // The form: choosing an optimizer resets its settings; then lr can be changed alone.
        let mut cfg = ExperimentConfig::default();
        assert_eq!(apply(&mut cfg, "opt", "rmsprop"), None);
        assert_eq!((cfg.opt, cfg.lr), (OptimizerKind::Rmsprop, 0.01));
        assert_eq!(apply(&mut cfg, "lr", "0.003"), None);
        assert_eq!(apply(&mut cfg, "clip", "norm"), None);
        assert_eq!((cfg.opt, cfg.lr, cfg.clip, cfg.clipv), (OptimizerKind::Rmsprop, 0.003, ClipMethod::Norm, 1.0));
        assert!(apply(&mut cfg, "opt", "lbfgs").is_some());
        assert_eq!((cfg.opt, cfg.lr), (OptimizerKind::Rmsprop, 0.003), "a rejected optimizer resets nothing");
    }

    #[test]
    fn pretraining_keys_are_written_for_rbm_and_clamped_like_the_others() {
        let link = "data=digits&pretrain=rbm&cdk=3&pt_epochs=5&pt_lr=0.05&pcd=1";
        let decoded = decode(link);
        assert_eq!(decoded.notes, []);
        let cfg = &decoded.config;
        assert_eq!((cfg.pretrain, cfg.cdk, cfg.pt_epochs, cfg.pt_lr, cfg.pt_mom, cfg.pcd), (Pretrain::Rbm, 3, 5, 0.05, 0.9, true));
        assert!(encode(cfg).ends_with("&clipv=1&pretrain=rbm&cdk=3&pt_epochs=5&pt_lr=0.05&pt_mom=0.9&pt_wd=0.0002&pcd=1"), "{}", encode(cfg));
        // Without rbm, only settings away from their defaults are written.
        assert!(encode(&decode("cdk=2").config).ends_with("&clipv=1&cdk=2"));
        assert!(!encode(&decode("pretrain=none&cdk=1&pcd=0").config).contains("pretrain"));
        let cases = [
            ("data=bars&pretrain=rbm&cdk=0", "cdk=0 is below the minimum 1; using 1."),
            ("data=bars&pretrain=rbm&cdk=99", "cdk=99 is above the maximum 25; using 25."),
            ("data=bars&pretrain=rbm&pt_epochs=1e6", "pt_epochs=1e6 is above the maximum 500; using 500."),
            ("data=bars&pretrain=rbm&pt_lr=NaN", "pt_lr=NaN is not a finite number; using 0.1."),
            ("data=bars&pretrain=rbm&pt_mom=1", "pt_mom=1 is above the maximum 0.99; using 0.99."),
            ("data=bars&pretrain=rbm&pt_wd=-1", "pt_wd=-1 is below the minimum 0; using 0."),
            ("data=bars&pretrain=rbm&pcd=maybe", "pcd=maybe is not 0 or 1; using 0."),
            ("data=bars&pretrain=dbm", "pretrain=dbm is not one of none, rbm; using none."),
        ];
        for (link, message) in cases {
            assert_eq!(messages(link), [message], "{link}");
            assert_valid(&decode(link).config, link);
        }
    }

    #[test]
    fn pretraining_a_network_it_cannot_initialize_is_switched_off_with_a_note() {
        let cases = [
            ("pretrain=rbm&data=digits&act=relu", "act=relu"),
            ("pretrain=rbm&data=digits&bn=1", "bn and res off"),
            ("pretrain=rbm&data=bars&res=1", "bn and res off"),
            ("pretrain=rbm", "needs binary inputs (data=bars or data=digits), got data=spiral"),
        ];
        for (link, reason) in cases {
            let decoded = decode(link);
            assert_eq!(decoded.config.pretrain, Pretrain::None, "{link}");
            let [note] = decoded.notes.as_slice() else { panic!("{link}: {:?}", decoded.notes) };
            assert_eq!((note.key.as_str(), note.given.as_str(), note.used.as_deref()), ("pretrain", "rbm", Some("none")), "{link}");
            assert!(note.message.contains(reason) && note.message.ends_with("; using pretrain=none."), "{}", note.message);
            assert_eq!(decode(&encode(&decoded.config)).notes, [], "the canonical link is clean");
        }
        // The form: setting keys one by one, then reconciling, as the page does.
        let mut cfg = decode("pretrain=rbm&data=digits").config;
        assert_eq!(reconcile(&mut cfg), None);
        assert_eq!(apply(&mut cfg, "act", "tanh"), None);
        assert!(reconcile(&mut cfg).unwrap().message.contains("act=tanh"));
        assert_eq!((cfg.pretrain, reconcile(&mut cfg)), (Pretrain::None, None));
    }

    #[test]
    fn notes_carry_key_given_and_used_for_the_ui() {
        let note = &decode("depth=500").notes[0];
        assert_eq!((note.key.as_str(), note.given.as_str(), note.used.as_deref()), ("depth", "500", Some("200")));
        let json = serde_json::to_value(note).unwrap();
        assert_eq!(json["used"], "200");
        let ignored = &decode("colour=red").notes[0];
        assert_eq!((ignored.key.as_str(), ignored.given.as_str(), ignored.used.as_deref()), ("colour", "red", None));
    }

    #[test]
    fn whole_numbers_in_float_notation_are_taken_exactly() {
        assert_eq!(decode("depth=12.0&width=1e2&batch=6.4e1&seed=1e19").notes, []);
        let cfg = decode("depth=12.0&width=1e2&batch=6.4e1&seed=1e19").config;
        assert_eq!((cfg.depth, cfg.width, cfg.batch, cfg.seed), (12, 100, 64, 10_000_000_000_000_000_000));
        assert_eq!(decode("depth=-0").config.depth, 1, "-0 is 0, clamped to 1");
    }

    #[test]
    fn negative_zero_reads_as_zero() {
        let cfg = decode("std=-0&bound=-0.0&gain=-0e5").config;
        assert_eq!([cfg.std, cfg.bound, cfg.gain.unwrap()].map(f32::to_bits), [0; 3]);
        assert_eq!(decode("std=-0").notes, []);
    }

    #[test]
    fn unknown_repeated_and_keyless_parameters_are_reported() {
        assert_eq!(messages("dpeth=5"), ["Unknown key 'dpeth' ignored; did you mean 'depth'?"]);
        assert_eq!(messages("Widht=5"), ["Unknown key 'Widht' ignored; did you mean 'width'?"]);
        assert_eq!(messages("colour=red&colour=blue"), ["Unknown key 'colour' ignored."]);
        assert_eq!(messages("=5"), ["A value without a key was ignored."]);
        assert_eq!(messages("depth=5&depth=7"), ["'depth' was given 2 times; the last one (depth=7) wins."]);
        assert_eq!(decode("depth=5&DEPTH=7").config.depth, 7);
        // The last value wins even when it is bad: it falls back to the default, not to 5.
        assert_eq!(
            messages("depth=5&depth=x"),
            ["'depth' was given 2 times; the last one (depth=x) wins.", "depth=x is not a number; using 10."]
        );
        assert_eq!(decode("depth=5&depth=x").config.depth, 10);
    }

    #[test]
    fn versions_other_than_1_are_read_best_effort_with_a_note() {
        assert_eq!(messages("v=1"), Vec::<String>::new());
        assert_eq!(
            messages("v=2&depth=30&loss=mse"),
            [
                "This link is format v=2, newer than this gradscope's v=1; it was read as v=1, best effort.",
                "Unknown key 'loss' ignored.",
            ]
        );
        assert_eq!(decode("v=2&depth=30").config.depth, 30);
        assert_eq!(messages("v=0"), ["v=0 is not a link format version; the link was read as v=1."]);
        assert_eq!(messages("v=1.5"), ["v=1.5 is not a link format version; the link was read as v=1."]);
        assert_eq!(messages("v=one"), ["v=one is not a link format version; the link was read as v=1."]);
    }

    #[test]
    fn form_inputs_go_through_the_same_parser() {
        let mut cfg = ExperimentConfig::default();
        assert_eq!(apply(&mut cfg, "depth", "30"), None);
        assert_eq!(apply(&mut cfg, "act", "ReLU"), None);
        assert_eq!(apply(&mut cfg, "gain", "auto"), None);
        assert_eq!((cfg.depth, cfg.act, cfg.gain), (30, Activation::Relu, None));
        // Unreadable form input leaves the current value, not the default.
        let note = apply(&mut cfg, "depth", "thirty").unwrap();
        assert_eq!(note.message, "depth=thirty is not a number; using 30.");
        assert_eq!(cfg.depth, 30);
        let note = apply(&mut cfg, "width", "9999").unwrap();
        assert_eq!((note.used.as_deref(), cfg.width), (Some("512"), 512));
        assert_eq!(apply(&mut cfg, "bogus", "1").unwrap().used, None);
        assert_eq!(apply(&mut cfg, "v", "1"), None);
    }

    #[test]
    fn quoted_input_is_truncated_and_stripped_of_control_characters() {
        let long = "x".repeat(100);
        let note = &decode(&format!("act={long}")).notes[0];
        assert_eq!(note.given, format!("{}…", "x".repeat(SHOWN_CHARS)));
        let note = &decode("act=%1B[31mred%E2%80%AE%00").notes[0];
        assert_eq!(note.given, "\u{FFFD}[31mred\u{FFFD}\u{FFFD}");
        assert!(!note.message.contains('\u{1B}') && !note.message.contains('\u{202E}'));
    }

    #[test]
    fn percent_decoding_is_lenient() {
        assert_eq!(percent_decode("a%20b+c%2Bd"), "a b c+d");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%+1"), "% 1");
        assert_eq!(percent_decode("%C3%A9%FF"), "é\u{FFFD}");
        assert_eq!(percent_decode("%e2%82%ac"), "€");
    }

    #[test]
    fn a_flood_of_problems_is_capped() {
        let link: String = (0..1000).map(|i| format!("junk{i}=1&")).collect();
        let notes = decode(&link).notes;
        assert_eq!(notes.len(), MAX_NOTES + 1);
        assert_eq!(notes[MAX_NOTES].message, "980 more problems with this link were not listed.");
    }

    #[test]
    fn edit_distance_counts_typos() {
        assert_eq!(edit_distance("depth", "depth"), 0);
        assert_eq!(edit_distance("dpeth", "depth"), 1);
        assert_eq!(edit_distance("dept", "depth"), 1);
        assert_eq!(edit_distance("wdth", "width"), 1);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(closest_key("sede"), Some("seed"));
        assert_eq!(closest_key("colour"), None);
        assert_eq!(closest_key("axe"), None, "two edits from 'act' is too far for a 3-letter key");
        assert_eq!(closest_key("lrr"), Some("lr"));
        assert_eq!(closest_key("depht"), Some("depth"));
    }

    /// Decodes `input` and checks everything that must hold for any input at all.
    fn check_hostile(input: &str) {
        let context: String = input.chars().take(80).collect();
        let decoded = decode(input);
        assert_valid(&decoded.config, &context);
        assert!(decoded.notes.len() <= MAX_NOTES + 1, "{context:?}");
        for note in &decoded.notes {
            assert!(note.given.chars().count() <= SHOWN_CHARS + 1 && note.key.chars().count() <= SHOWN_CHARS + 1, "{context:?}");
            assert!(!note.message.chars().any(char::is_control), "{context:?}");
        }
        // Whatever came in, what goes out is canonical.
        let canonical = encode(&decoded.config);
        let again = decode(&canonical);
        assert_eq!(again.notes, [], "{context:?}");
        assert_eq!(again.config, decoded.config, "{context:?}");
        assert_eq!(encode(&again.config), canonical);
    }

    #[test]
    fn hostile_strings_never_panic_and_always_give_a_valid_config() {
        let megabyte = 1 << 20;
        let fixed = [
            "&&&===", "=", "==", "&=&=&", "%", "%%%", "%2", "%g0", "?", "??depth=3", "#", "#depth=3", "depth=%",
            "depth=NaN&std=NaN&gain=NaN", "std=inf&bound=-inf&gain=+inf&slope=infinity", "std=1e308&bound=1e-308&gain=4.9e-324",
            "std=1e99999999999&depth=1e-99999999999", "seed=-0&depth=-0&std=-0", "seed=99999999999999999999999999999999999999999999999999",
            "seed=1e400", "seed=-1e400", "seed=nan", "depth=٣", "act=ｒｅｌｕ", "act=😀", "😀=😀", "depth=３", "gain=Auto",
            "data=\u{0}&act=\u{202E}relu", "v=999999999999999999999999&depth=2", "v=-1", "depth=1_0", "std=0x1p3", "std=.5", "std=5.",
            "std=+.e", "depth=+", "depth=-", "depth=e5", "http://a/b?c?depth=5#x?depth=6", "http://", "://?", "\u{FEFF}depth=5",
        ];
        for input in fixed {
            check_hostile(input);
        }
        for huge in [
            format!("depth={}", "9".repeat(megabyte)),
            format!("std=0.{}1", "0".repeat(megabyte)),
            format!("std=1e{}", "9".repeat(megabyte)),
            "a=1&".repeat(megabyte / 4),
            "%".repeat(megabyte),
            "&".repeat(megabyte),
            "=".repeat(megabyte),
            "depth=5&".repeat(megabyte / 8),
            format!("{}=1", "k".repeat(megabyte)),
            "😀".repeat(megabyte / 4),
        ] {
            check_hostile(&huge);
        }
    }

    #[test]
    fn random_strings_never_panic_and_always_give_a_valid_config() {
        let mut rng = TestRng(42);
        let tokens = [
            "v", "seed", "data", "batch", "depth", "width", "act", "slope", "init", "std", "bound", "gain", "bn", "res", "opt", "lr",
            "mom", "wd", "clip", "clipv", "adamw", "norm", "sgd", "model", "hidden", "seq", "task", "fbias", "rinit", "tbptt",
            "mlp", "rnn", "lstm", "gru", "adding", "copy", "identity", "orthogonal", "tanh", "-3", "=", "=", "&",
            "pretrain", "cdk", "pt_epochs", "pt_lr", "pt_mom", "pt_wd", "pcd", "rbm", "digits", "bars",
            "&", "%", "%2", "%41", "%ff", "+", "-", ".", "e", "E", "0", "1", "9", "12", "1e39", "1e-45", "NaN", "inf", "auto", "relu",
            "leaky_relu", "xavier_normal", "spiral", "?", "#", "é", "😀", "\u{202E}", "\0", " ", "99999999999999999999999",
        ];
        for _ in 0..20_000 {
            let length = rng.below(40);
            let input: String = (0..length).map(|_| rng.pick(&tokens)).collect();
            check_hostile(&input);
        }
        for _ in 0..5_000 {
            let bytes: Vec<u8> = (0..rng.below(200)).map(|_| rng.next() as u8).collect();
            check_hostile(&String::from_utf8_lossy(&bytes));
        }
    }
}
