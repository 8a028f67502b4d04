//! Explanation panels: each idea explained with the numbers of the network on screen. The
//! numbers are computed here from the probe report and the config (pure functions, tested
//! natively); the panels are built on `components::panel` and `math`, their words are in the
//! string catalogs' `panels` group (`locales/*.json`, markup: `prose`).

pub mod activation;
pub mod chain;
pub mod init;
pub mod prose;
pub mod techniques;
pub mod theory;
