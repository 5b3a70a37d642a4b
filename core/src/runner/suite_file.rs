//! Suites as TOML: seed, population, schemes, attacks, parameter sweeps and typed
//! expectations per cell. The default suite is embedded in the binary.

use crate::attack::{Attack, ParamKind, ParamValue, Params, RunSize};
use crate::backend::BackendKind;
use crate::config::scheme::{config_error, locate, locate_items, read_text, Scheme};
use crate::error::{Error, Result};
use crate::runner::expect::Expectation;
use crate::world::Population;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The default suite, embedded.
pub const DEFAULT_SUITE: &str = include_str!("../../../fixtures/suites/default.toml");

/// Which attacks a suite runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttackSelection {
    /// `"all"`.
    All(String),
    /// A list of ids.
    List(Vec<String>),
}

impl Default for AttackSelection {
    fn default() -> Self {
        AttackSelection::All("all".into())
    }
}

fn default_seed() -> u64 {
    42
}
fn default_targets() -> usize {
    5
}

/// A suite file as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteFile {
    /// The one seed.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Backend (default blsttc, or each scheme's own).
    #[serde(default)]
    pub backend: Option<BackendKind>,
    /// Scheme names or paths (relative to the suite file). Default: every built-in.
    #[serde(default)]
    pub schemes: Option<Vec<String>>,
    /// `"all"` or a list of attack ids.
    #[serde(default)]
    pub attacks: AttackSelection,
    /// Population.
    #[serde(default)]
    pub population: Population,
    /// Fixed parameters per attack.
    #[serde(default)]
    pub params: BTreeMap<String, BTreeMap<String, ParamValue>>,
    /// Parameter sweeps per attack: each value its own cell.
    #[serde(default)]
    pub sweep: BTreeMap<String, BTreeMap<String, Vec<ParamValue>>>,
    /// Users targeted when measuring lawful utility.
    #[serde(default = "default_targets")]
    pub utility_targets: usize,
    /// Expectations.
    #[serde(default)]
    pub expect: Vec<Expectation>,
}

/// Every key a suite file accepts, table by table: the source of docs/SUITES.md. `*` is an
/// attack id.
pub const SUITE_KEYS: &[crate::config::KeyDoc] = &[
    key("", "seed", "integer", "42", "0 to 2^63 - 1 (TOML integers are signed)", "The one seed every world, attack and measurement derives from (`--seed` overrides it).", "7"),
    key("", "backend", "string", "each scheme's own, else `blsttc`", "`blsttc`, `threshold_crypto` (when compiled in)", "Backend of every scheme (`--backend` overrides it).", "\"blsttc\""),
    key("", "schemes", "array of strings", "every built-in scheme", "built-in names, or paths to scheme files relative to the suite file", "The schemes, one column each.", "[\"single-key\"]"),
    key("", "attacks", "string or array of strings", "`\"all\"`", "`\"all\"`, or a non-empty list of attack ids (`escrowlab list`), each once", "The attacks, one row each.", "[\"key-theft\"]"),
    key("", "utility_targets", "integer", "5", "0 to 1000", "Users targeted by the warrants that measure each scheme's lawful utility.", "1"),
    key("", "population", "table", "all defaults", "see `[population]`", "The simulated population, the same for every scheme.", "{}"),
    key("", "params", "table of tables", "none", "`[params.ATTACK]` for an attack the suite runs: see `[params.*]`", "Fixed parameters per attack.", "{}"),
    key("", "sweep", "table of tables", "none", "`[sweep.ATTACK]` for an attack the suite runs: see `[sweep.*]`", "Parameter sweeps per attack: each value (each combination) is its own cell.", "{}"),
    key("", "expect", "array of tables", "none", "`[[expect]]`: see `[[expect]]`", "Expectations judged on the cells they match; each gives at least one check (`exposure`, `users`, `out_of_scope`, `detected`, `blocked_by` or `figures`).", "[]"),
    key("population", "users", "integer", "200", "2 to 1000000", "Users.", "20"),
    key("population", "group_share", "float", "0.2", "0.0 to 1.0", "Fraction of conversations that are groups (sizes: see `group_sizes`).", "0.5"),
    key("population", "epochs", "integer", "4", "1 to 1000", "Epochs simulated.", "2"),
    key("population", "messages_per_session", "integer", "20", "1 to 10000", "Messages per session (one session per conversation and epoch); their mean under `activity = \"heavy-tailed\"`.", "5"),
    key("population", "conversations", "integer", "as many as users (`uniform`); users × mean weight / mean members (heavy-tailed models)", "1 to 1000000", "Conversations. Every figure is checked against its limit, and conversations × epochs × messages_per_session at most 100000000.", "30"),
    key("population", "model", "string", "`\"uniform\"`", "`uniform`, `power-law`, `log-normal`, `edges`", "How many conversations a user is in: uniform members (the original generator), a Chung–Lu construction with heavy-tailed weights, or a real graph read from `edges` (docs/POPULATIONS.md).", "\"power-law\""),
    key("population", "exponent", "float", "2.5", "1.1 to 10; `model = \"power-law\"` only", "Degree exponent γ of the power-law weights.", "3.0"),
    key("population", "min_degree", "float", "1", "0.01 to users; `model = \"power-law\"` only", "Smallest power-law weight (expected conversations).", "2.0"),
    key("population", "max_degree", "float", "users - 1", "0.01 to users; `model = \"power-law\"` or `\"log-normal\"` only", "Largest weight (expected conversations); larger draws are drawn again.", "10.0"),
    key("population", "mu", "float", "0.5", "-10 to 10; `model = \"log-normal\"` only", "μ of the log-normal weight's logarithm.", "1.0"),
    key("population", "sigma", "float", "1", "0 to 4; `model = \"log-normal\"` only", "σ of the log-normal weight's logarithm.", "1.5"),
    key("population", "group_sizes", "string", "`\"uniform\"`", "`uniform` (3 to 8), `power-law`", "Group sizes: uniform from 3 to 8, or P(s) ∝ s^-β from 3 to `max_group`.", "\"power-law\""),
    key("population", "group_exponent", "float", "2", "0 to 10; `group_sizes = \"power-law\"` only", "Exponent β of power-law group sizes.", "2.5"),
    key("population", "edges", "string", "none", "a path (relative to the suite file); `model = \"edges\"` only", "An edge list: one conversation per line (two ids a pair, more a group; `#` comments; gzip when the name ends in `.gz`), ids remapped densely in first-seen order; its users and conversations replace `users` and `conversations`. At most 1000000 users, 10000000 conversations and 2 GiB (this input's own file-size limit). Malformed lines exit 2 naming file:line:column; self-loops and duplicates are dropped with a warning (docs/POPULATIONS.md).", "\"fixtures/edges/small.txt\""),
    key("population", "max_group", "integer", "1024", "3 to 1024; `group_sizes = \"power-law\"` only", "Largest group (WhatsApp's limit is 1024).", "256"),
    key("population", "activity", "string", "`\"constant\"`", "`constant`, `heavy-tailed`", "How traffic is spread: one session per conversation per epoch with `messages_per_session` messages (the original), or per conversation a Pareto rate of sessions per epoch (Poisson around it) and per session 1 + Poisson(Pareto) messages, with stated means (docs/POPULATIONS.md).", "\"heavy-tailed\""),
    key("population", "sessions_per_epoch", "float", "1", "0.01 to 100; `activity = \"heavy-tailed\"` only", "Mean sessions per conversation per epoch.", "2.0"),
    key("population", "activity_exponent", "float", "1.5", "1.1 to 10; `activity = \"heavy-tailed\"` only", "Pareto shape α of sessions per conversation and messages per session (tail P(X > x) ∝ x^-α).", "2.0"),
    key("population", "silent_share", "float", "0 (`constant`), 0.1 (`heavy-tailed`)", "0 to 0.99", "Share of users who never write (chosen from the seed); a conversation whose members are all silent holds no session.", "0.2"),
    key("population", "protocol", "string", "`\"hash-ratchet\"`", "`hash-ratchet`, `double-ratchet`, `sender-keys`", "How sessions are keyed: one hash chain per session from the session key (the original world); the Double Ratchet for 1:1 sessions (the session key as the setup secret, the responder's epoch prekey as its first ratchet key, a DH ratchet step at every change of speaker) with sender keys for groups; or sender keys for groups only (one chain per sender, fresh each session). Under the two chain protocols session escrow makes one field per new sending chain (docs/POPULATIONS.md).", "\"double-ratchet\""),
    key("population", "history_epochs", "integer", "0", "0 to 1000", "Epochs of message history every device keeps: a device compromised (implant or snapshot) at epoch e also yields its stored plaintexts of epochs e − history_epochs to e − 1. 0, the default, is the original world (no history). Signal and WhatsApp keep every message until it is deleted (disappearing messages are off by default): set it to the number of epochs for a messenger-like world.", "4"),
    key("params.*", "PARAM", "integer, boolean or string", "the attack's default", "the parameter's accepted values (`escrowlab info ATTACK`, docs/ATTACKS.md)", "A parameter of the attack, fixed for every cell of it. A value that points outside the run (a user or agent it does not have, more HSM members than the cluster has) is an error; a count above what the run has or an epoch after its last is a warning, unless an expectation on that scheme names the value (it says what the value means there).", "1"),
    key("sweep.*", "PARAM", "array", "none", "distinct accepted values; a parameter is fixed or swept, not both; at most 256 cells per attack", "Values of one parameter, each its own cell (several swept parameters multiply).", "[1, 2]"),
    key("expect", "scheme", "string", "required", "a scheme name of the suite", "The scheme the expectation applies to.", "\"single-key\""),
    key("expect", "attack", "string", "required", "an attack id of the suite", "The attack it applies to.", "\"key-theft\""),
    key("expect", "params", "table", "any variant", "parameter = value pairs of the attack", "The cells it applies to: those whose parameters include these values (omitted: every variant).", "{ at_epoch = 2 }"),
    key("expect", "exposure", "number or string", "not judged", "a comparison (see below) on a fraction of all messages, 0 to 1", "Exposure: the fraction of all messages the attacker read, confirmed against ground truth.", "\"<= 0.5\""),
    key("expect", "users", "number or string", "not judged", "a comparison (see below) on a whole count", "Users with at least one exposed message they sent.", "\">= 1\""),
    key("expect", "out_of_scope", "number or string", "not judged", "a comparison (see below) on a whole count", "Exposed messages no warrant the court issued covers.", "0"),
    key("expect", "detected", "boolean", "not judged", "`true`, `false`", "Whether any check, witness or audit comparison noticed the attack.", "false"),
    key("expect", "blocked_by", "string", "not judged", "a control escrowlab reports (`threshold-custody`, `key-not-created`, ...: the list is `escrowlab::controls::BUILTIN`; any name on a scheme of a registered family), or `\"none\"`: must not be blocked", "The control that must have stopped the attack, as the mechanism reported it.", "\"none\""),
    key("expect", "figures", "table", "none", "`\"dotted.path\" = comparison or boolean`", "Any figure of the cell's JSON, by dotted path (`cost.tries_mean`, `exposure.users_total`, `before_compromise`, `detected_by.0`).", "{ before_compromise = \"== 0\" }"),
    key("expect", "comment", "string", "none", "any text", "Why this is expected (literature, measurement); shown when the expectation fails.", "\"why\""),
];

/// The comparison syntax of `exposure`, `users`, `out_of_scope` and `figures`.
pub const COMPARISON_SYNTAX: &str = "A comparison is a number (`0.25`: equal to it) or a string `OP VALUE [± TOLERANCE]`: `OP` is `==`, `<=` or `>=` (none means `==`), the tolerance is absolute (`± 64`) or relative to the value (`± 25%`), and `+-` or `+/-` may stand for `±`. A `figures` entry may also be a boolean (`true`, `false`) for a figure that is one.";

use crate::config::scheme::key;

/// A loaded, validated suite.
#[derive(Clone, Debug)]
pub struct Suite {
    /// Where it came from.
    pub source: String,
    /// The file's contents.
    pub file: SuiteFile,
    /// Resolved schemes.
    pub schemes: Vec<Scheme>,
    /// Resolved attack ids.
    pub attacks: Vec<String>,
    /// The registry the ids were resolved in.
    pub registry: crate::attack::Registry,
}

/// One cell to run.
#[derive(Clone, Debug)]
pub struct CellSpec {
    /// Index into `Suite::schemes`.
    pub scheme: usize,
    /// The attack.
    pub attack: &'static dyn Attack,
    /// Resolved parameters.
    pub params: Params,
    /// The parameters the suite file gives for this cell (`[params]` and `[sweep]`), the
    /// rest being defaults: the ones checked for values that cannot take effect.
    pub given: BTreeMap<String, ParamValue>,
}

impl Suite {
    /// Loads the default suite, or a suite file by path.
    ///
    /// # Errors
    /// [`Error::Config`] with file, line and column; [`Error::Io`].
    pub fn load(path: Option<&str>, registry: &crate::attack::Registry) -> Result<Suite> {
        match path {
            None => Suite::from_toml_str_in(DEFAULT_SUITE, "builtin:default", None, registry),
            Some(p) => {
                let text = read_text(p)?;
                let dir = std::path::Path::new(p).parent().map(|d| d.to_path_buf());
                Suite::from_toml_str_in(&text, p, dir.as_deref(), registry)
            }
        }
    }

    /// Parses and validates suite text. Scheme paths are resolved relative to `dir`.
    ///
    /// # Errors
    /// [`Error::Config`] naming file, line and column.
    pub fn from_toml_str(
        text: &str,
        source: &str,
        dir: Option<&std::path::Path>,
        registry: &crate::attack::Registry,
    ) -> Result<Suite> {
        Suite::from_toml_str_in(text, source, dir, registry)
    }

    /// As [`Suite::from_toml_str`], resolving attack ids in `registry` (a lab's or a test's own
    /// list of attacks).
    ///
    /// # Errors
    /// [`Error::Config`] naming file, line and column.
    pub fn from_toml_str_in(
        text: &str,
        source: &str,
        dir: Option<&std::path::Path>,
        registry: &crate::attack::Registry,
    ) -> Result<Suite> {
        let mut file: SuiteFile = crate::config::scheme::parse_toml(
            text,
            source,
            "a suite needs at least `schemes` (or `seed`) to be meaningful",
            &["population", "params", "sweep"],
        )?;
        let find = |id: &str| registry.find(id);
        let at = |path: &[&str], msg: String| {
            let (l, c) = locate(text, path);
            config_error(source, l, c, msg)
        };
        // The `i`th element of the array at `path` (the key itself when not found).
        let at_item = |path: &[&str], i: usize, msg: String| {
            let (l, c) = locate_items(text, path)
                .get(i)
                .copied()
                .unwrap_or_else(|| locate(text, path));
            config_error(source, l, c, msg)
        };
        // An edge list is named relative to the suite file, as scheme files are.
        if let (Some(e), Some(dir)) = (&file.population.edges, dir) {
            if std::path::Path::new(e).is_relative() {
                file.population.edges = Some(dir.join(e).display().to_string());
            }
        }
        file.population = file
            .population
            .clone()
            .with_edges()
            .map_err(|e| at(&["population", "edges"], e.to_string()))?;
        file.population
            .validate()
            .map_err(|e| at(&["population"], e.to_string()))?;
        if file.utility_targets > 1000 {
            return Err(at(
                &["utility_targets"],
                "utility_targets is out of range (accepted: 0..=1000)".into(),
            ));
        }
        let names = file.schemes.clone().unwrap_or_else(|| {
            Scheme::builtin_names()
                .iter()
                .map(|s| s.to_string())
                .collect()
        });
        if names.is_empty() {
            return Err(at(&["schemes"], "the suite names no scheme".into()));
        }
        if names.len() > 64 {
            return Err(at(&["schemes"], "more than 64 schemes in one suite".into()));
        }
        let mut schemes = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, n) in names.iter().enumerate() {
            let is_builtin = Scheme::builtin_names().contains(&n.as_str());
            let resolved = match (is_builtin, dir) {
                (false, Some(d))
                    if !std::path::Path::new(n).is_absolute()
                        && std::fs::metadata(d.join(n)).is_ok() =>
                {
                    d.join(n).to_string_lossy().into_owned()
                }
                _ => n.clone(),
            };
            let s = Scheme::load(&resolved).map_err(|e| match e {
                Error::Input(m) => at(&["schemes"], m),
                other => other,
            })?;
            if !seen.insert(s.name.clone()) {
                return Err(at_item(
                    &["schemes"],
                    i,
                    format!("scheme name `{}` appears twice", s.name),
                ));
            }
            schemes.push(s);
        }
        let known: Vec<&str> = registry.ids();
        let attacks: Vec<String> = match &file.attacks {
            AttackSelection::All(s) if s == "all" => known.iter().map(|s| s.to_string()).collect(),
            AttackSelection::All(s) => {
                return Err(at(
                    &["attacks"],
                    format!(
                        "attacks = \"{}\": write \"all\" or a list of attack ids",
                        crate::text::echo(s)
                    ),
                ));
            }
            AttackSelection::List(l) if l.is_empty() => {
                return Err(at(
                    &["attacks"],
                    "attacks = [] runs no attack: list attack ids, or write \"all\"".into(),
                ));
            }
            AttackSelection::List(l) => l.clone(),
        };
        let unknown = |id: &str, path: &[&str]| {
            at(
                path,
                format!(
                    "unknown attack `{}` (known: {})",
                    crate::text::echo(id),
                    known.join(", ")
                ),
            )
        };
        for (i, a) in attacks.iter().enumerate() {
            if find(a).is_none() {
                return Err(unknown(a, &["attacks"]));
            }
            if attacks[..i].contains(a) {
                return Err(at_item(
                    &["attacks"],
                    i,
                    format!("attack `{a}` is listed twice; list each attack once"),
                ));
            }
        }
        let size = RunSize::of_schemes(&schemes, &file.population);
        // Parameters for an attack the suite does not run would be ignored silently.
        let not_run = |table: &str, a: &str| {
            at(
                &[table, a],
                format!(
                    "[{table}] gives parameters for `{}`, which the suite does not run \
                     (add it to `attacks`, or remove [{table}.{}])",
                    crate::text::echo(a),
                    crate::text::echo(a)
                ),
            )
        };
        for (a, ps) in &file.params {
            let atk = find(a).ok_or_else(|| unknown(a, &["params", a]))?;
            if !attacks.contains(a) {
                return Err(not_run("params", a));
            }
            Params::resolve(a, atk.meta().params, ps)
                .map_err(|e| at(&["params", a], e.to_string()))?;
            for (p, v) in ps {
                let one = BTreeMap::from([(p.clone(), v.clone())]);
                Params::check_run(a, atk.meta().params, &one, &size)
                    .map_err(|e| at(&["params", a, p], e.to_string()))?;
            }
        }
        for (a, sw) in &file.sweep {
            let atk = find(a).ok_or_else(|| unknown(a, &["sweep", a]))?;
            if !attacks.contains(a) {
                return Err(not_run("sweep", a));
            }
            let mut cells = 1usize;
            for (p, values) in sw {
                if values.is_empty() {
                    return Err(at(&["sweep", a], format!("sweep of `{p}` has no values")));
                }
                if file
                    .params
                    .get(a)
                    .is_some_and(|fixed| fixed.contains_key(p))
                {
                    return Err(at(
                        &["sweep", a, p],
                        format!(
                            "parameter `{p}` of `{a}` is both fixed in [params] and swept in \
                             [sweep]; keep one"
                        ),
                    ));
                }
                if let Some(j) = (1..values.len()).find(|&j| values[..j].contains(&values[j])) {
                    return Err(at_item(
                        &["sweep", a, p],
                        j,
                        format!(
                            "sweep of `{p}` lists the value {} twice; each value makes one cell",
                            crate::text::echo(&values[j].to_string())
                        ),
                    ));
                }
                cells = cells.saturating_mul(values.len());
                for (j, v) in values.iter().enumerate() {
                    let one = BTreeMap::from([(p.clone(), v.clone())]);
                    Params::resolve(a, atk.meta().params, &one)
                        .map_err(|e| at(&["sweep", a], e.to_string()))?;
                    Params::check_run(a, atk.meta().params, &one, &size)
                        .map_err(|e| at_item(&["sweep", a, p], j, e.to_string()))?;
                }
            }
            if cells > 256 {
                return Err(at(
                    &["sweep", a],
                    format!("the sweep of `{a}` makes {cells} cells (limit 256)"),
                ));
            }
        }
        let suite = Suite {
            source: source.to_string(),
            file,
            schemes,
            attacks,
            registry: registry.clone(),
        };
        suite.check_expectations(text)?;
        Ok(suite)
    }

    /// Rejects every expectation that could never judge anything: a scheme or attack the
    /// suite does not run, a parameter the attack does not have or a value of the wrong
    /// type or range, an exposure outside [0, 1], or parameters no cell of the suite has.
    /// The error names the `[[expect]]` table (line and column of its header).
    fn check_expectations(&self, text: &str) -> Result<()> {
        let positions = locate_items(text, &["expect"]);
        let cells = self.cells();
        for (i, e) in self.file.expect.iter().enumerate() {
            let (line, column) = positions
                .get(i)
                .copied()
                .unwrap_or_else(|| locate(text, &["expect"]));
            let here = |msg: String| config_error(&self.source, line, column, msg);
            let known: Vec<&str> = self.registry.ids();
            if !self.schemes.iter().any(|s| s.name == e.scheme) {
                let run: Vec<&str> = self.schemes.iter().map(|s| s.name.as_str()).collect();
                return Err(here(format!(
                    "expectation for scheme `{}`, which the suite does not run (it runs: {})",
                    crate::text::echo(&e.scheme),
                    run.join(", ")
                )));
            }
            let atk = self.registry.find(&e.attack).ok_or_else(|| {
                here(format!(
                    "unknown attack `{}` (known: {})",
                    crate::text::echo(&e.attack),
                    known.join(", ")
                ))
            })?;
            if !self.attacks.contains(&e.attack) {
                return Err(here(format!(
                    "expectation for attack `{}`, which the suite does not run",
                    e.attack
                )));
            }
            for (p, v) in &e.params {
                let spec = atk
                    .meta()
                    .params
                    .iter()
                    .find(|s| s.name == p)
                    .ok_or_else(|| {
                        here(format!(
                            "expectation names parameter `{}`, which `{}` does not have",
                            crate::text::echo(p),
                            e.attack
                        ))
                    })?;
                if let Some(want) = wrong_type(spec.kind, v) {
                    return Err(here(format!(
                        "expectation: parameter `{p}` of `{}` is {want}, not {}",
                        e.attack,
                        match v {
                            ParamValue::Str(w) => format!("the word \"{w}\""),
                            ParamValue::Int(i) => format!("the integer {i}"),
                            ParamValue::Bool(b) => format!("the flag {b}"),
                        }
                    )));
                }
                spec.check(&e.attack, v)
                    .map_err(|err| here(format!("expectation: {err}")))?;
            }
            e.validate()
                .map_err(|err| here(format!("expectation: {err}")))?;
            let scheme = self.schemes.iter().position(|s| s.name == e.scheme);
            if let (Some(b), Some(si)) = (&e.blocked_by, scheme) {
                let family = self.schemes[si].family();
                let builtin = crate::mechanism::builtins()
                    .iter()
                    .any(|m| m.info().family == family);
                // A registered mechanism names controls of its own.
                if builtin && !crate::controls::is_builtin(b) {
                    return Err(here(format!(
                        "expectation: blocked_by = \"{}\" is not a control escrowlab reports \
                         (write \"none\" for not blocked, or one of: {})",
                        crate::text::echo(b),
                        crate::controls::BUILTIN.join(", ")
                    )));
                }
            }
            let mine: Vec<&CellSpec> = cells
                .iter()
                .filter(|c| Some(c.scheme) == scheme && c.attack.meta().id == e.attack)
                .collect();
            if !mine
                .iter()
                .any(|c| e.matches(&e.scheme, &e.attack, &c.params.0))
            {
                let ran: Vec<String> = e
                    .params
                    .keys()
                    .map(|p| {
                        let mut values: Vec<String> = Vec::new();
                        for c in &mine {
                            if let Some(v) = c.params.0.get(p) {
                                let v = v.to_string();
                                if !values.contains(&v) {
                                    values.push(v);
                                }
                            }
                        }
                        format!("{p} = {}", values.join(" | "))
                    })
                    .collect();
                if e.params.is_empty() {
                    return Err(here(format!(
                        "expectation matches no cell: the suite runs no cell of `{}` on `{}`",
                        e.attack, e.scheme
                    )));
                }
                let asked: Vec<String> =
                    e.params.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                return Err(here(format!(
                    "expectation matches no cell: the suite runs `{}` on `{}` only with {}, \
                     not with {}",
                    e.attack,
                    e.scheme,
                    ran.join(", "),
                    asked.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// The parameters given for `cell` whose value the run cannot fully use (see
    /// [`Params::run_warnings`]) that still deserve a warning: those no expectation on the
    /// cell names. An expectation that names the value for the cell's scheme
    /// (`params = { stolen = 5 }` on `single-key`) says what the value means there, so the
    /// suite knows and is not warned.
    pub fn run_warnings(&self, cell: &CellSpec) -> Vec<String> {
        let scheme = &self.schemes[cell.scheme];
        let id = cell.attack.meta().id;
        let unacknowledged: BTreeMap<String, ParamValue> = cell
            .given
            .iter()
            .filter(|(p, _)| {
                !self.file.expect.iter().any(|e| {
                    e.params.contains_key(p.as_str()) && e.matches(&scheme.name, id, &cell.params.0)
                })
            })
            .map(|(p, v)| (p.clone(), v.clone()))
            .collect();
        Params::run_warnings(
            id,
            cell.attack.meta().params,
            &unacknowledged,
            &RunSize::of(scheme, &self.file.population),
        )
    }

    /// Every cell: scheme × attack × the product of the attack's sweep.
    pub fn cells(&self) -> Vec<CellSpec> {
        let mut out = Vec::new();
        for (si, _) in self.schemes.iter().enumerate() {
            for id in &self.attacks {
                let Some(atk) = self.registry.find(id) else {
                    continue;
                };
                let base = self.file.params.get(id).cloned().unwrap_or_default();
                let mut combos: Vec<BTreeMap<String, ParamValue>> = vec![base];
                if let Some(sw) = self.file.sweep.get(id) {
                    for (p, values) in sw {
                        combos = combos
                            .into_iter()
                            .flat_map(|c| {
                                values.iter().map(move |v| {
                                    let mut c = c.clone();
                                    c.insert(p.clone(), v.clone());
                                    c
                                })
                            })
                            .collect();
                    }
                }
                for c in combos {
                    if let Ok(params) = Params::resolve(id, atk.meta().params, &c) {
                        out.push(CellSpec {
                            scheme: si,
                            attack: atk,
                            params,
                            given: c,
                        });
                    }
                }
            }
        }
        out
    }
}

/// What a parameter of this kind is, when `v` has the wrong type for it.
fn wrong_type(kind: ParamKind, v: &ParamValue) -> Option<String> {
    match (kind, v) {
        (ParamKind::Int { .. } | ParamKind::Bounded { .. }, ParamValue::Int(_))
        | (ParamKind::Bool, ParamValue::Bool(_))
        | (ParamKind::Choice(_), ParamValue::Str(_)) => None,
        (ParamKind::Int { min, max } | ParamKind::Bounded { min, max, .. }, _) => {
            Some(format!("an integer in {min}..={max}"))
        }
        (ParamKind::Bool, _) => Some("true or false".into()),
        (ParamKind::Choice(c), _) => Some(format!("one of {}", c.join(", "))),
    }
}
