//! The command line (clap derive). Every command returns an exit status from
//! [`crate::exit_codes`]; errors are printed as one clear line, never a panic.

use crate::attack::Registry;
use crate::backend::BackendKind;
use crate::config::scheme::Scheme;
use crate::error::{Error, Result};
use crate::exit_codes;
use crate::lawful;
use crate::world::{Population, WorldConfig};
use clap::{Parser, Subcommand};
use std::io::Write;

/// escrowlab: build the best lawful-access mechanism we can, attack it, measure who is exposed.
#[derive(Parser, Debug)]
#[command(name = "escrowlab", version, about, long_about = None)]
pub struct Cli {
    /// The command (default: the lawful-access demonstration on built-in defaults).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the built-in schemes, one per line: name, mechanism family and summary.
    Schemes,
    /// List the lawful-access mechanism families: what lawful access reads under each and
    /// which capabilities exist in it.
    Mechanisms {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Simulate a population, issue a warrant, run lawful access end to end, and probe
    /// requests the agents must refuse.
    LawfulAccess(LawfulArgs),
    /// List every registered attack: id, title, actor, capabilities.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one attack's metadata, parameters with defaults, and references.
    Info {
        /// Attack id.
        id: String,
    },
    /// Run one attack against one scheme (one cell).
    Attack(AttackArgs),
    /// Run a suite (the default suite when no file is given).
    Suite(SuiteArgs),
    /// Real incidents as runnable suites: list them, or `cases run NAME` to run one (exit
    /// codes as `suite --strict`).
    Cases(CasesArgs),
    /// Decode a file in one of the mechanism's byte formats and describe it.
    Inspect {
        /// The format.
        #[arg(value_enum)]
        kind: crate::inspect::Kind,
        /// The file.
        file: std::path::PathBuf,
        /// Backend whose encodings to use.
        #[arg(long, value_enum, default_value_t = BackendKind::Blsttc)]
        backend: BackendKind,
    },
    /// Write a real encoding of one of the byte formats, from a small seeded world.
    Sample {
        /// The format.
        #[arg(value_enum)]
        kind: crate::inspect::Kind,
        /// Where to write it.
        #[arg(long)]
        out: std::path::PathBuf,
        /// Backend.
        #[arg(long, value_enum, default_value_t = BackendKind::Blsttc)]
        backend: BackendKind,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Run the conformance properties against a scheme: one line per property (holds,
    /// fails with a shrunk counter-example and the command that reproduces it, or not
    /// applicable and why). Exit 0 when every applicable property holds, 1 when any fails.
    CheckScheme(CheckSchemeArgs),
    /// Measure one loophole: per population size and escrow scheme, over several seeds, the
    /// worst single attack next to plain E2E's single-device failures over every device,
    /// with 95% intervals (Student t) and the ratio in users.
    Loophole(LoopholeArgs),
    /// Compare the families on equal footing: per family scheme and attacker class, the
    /// worst attack with its parameters maximised over the class, plain E2E's worst in the
    /// same class and the difference (marginal risk), and lawful access (prospective and
    /// retrospective) with its cost, over several seeds with 95% intervals.
    Compare(CompareArgs),
    /// Measure this machine's rate for every operation on the thief's and law enforcement's
    /// paths (a few seconds) and project them to internet scale: a thief holding a stolen
    /// escrow key reading one day of WhatsApp-scale traffic, the same exposure under plain
    /// E2E, and lawful access per warrant. Every assumption is a flag and is printed.
    Cost(CostArgs),
    /// Combine the parts of a sharded suite (`suite --shard I/N`) into the report the
    /// unsharded run prints, byte for byte; exit codes as `suite`.
    Merge(MergeArgs),
    /// Course labs (docs/labs/): list them, start one with your seed, check an answers
    /// file; with the course key, grade one, print an answer key or a roster's seeds.
    Lab {
        /// The course key file (default: the file `ESCROWLAB_COURSE_KEY` names).
        #[arg(long, global = true, value_name = "PATH")]
        course_key: Option<std::path::PathBuf>,
        /// What to do.
        #[command(subcommand)]
        command: crate::labs::LabCommand,
    },
}

/// Arguments of `cost`.
#[derive(clap::Args, Debug)]
pub struct CostArgs {
    /// Messages per day.
    #[arg(long, default_value_t = crate::cost::DEFAULT_MESSAGES_PER_DAY)]
    pub messages_per_day: f64,
    /// Escrow fields per day (one per escrowed session, or per chain). Default: measured,
    /// messages per day × the fields per message of a simulated world (the coverage
    /// population under --protocol and --ratchet-escrow).
    #[arg(long)]
    pub sessions_per_day: Option<f64>,
    /// Protocol of the world whose escrow fields per message are measured.
    #[arg(long, value_enum, default_value_t = crate::world::Protocol::HashRatchet)]
    pub protocol: crate::world::Protocol,
    /// What that world's escrow captures under a chain protocol: every chain or one seed
    /// per session (the scheme's `[field] ratchet_escrow`).
    #[arg(long, value_enum, default_value_t = RatchetEscrowArg::Chains)]
    pub ratchet_escrow: RatchetEscrowArg,
    /// Users (plain E2E: the greedy cover's devices per user, measured; a warrant: one
    /// user's share of the traffic).
    #[arg(long, default_value_t = crate::cost::DEFAULT_USERS)]
    pub users: f64,
    /// Cores the thief runs on (wall time = core-hours / cores).
    #[arg(long, default_value_t = crate::cost::DEFAULT_CORES)]
    pub cores: u32,
    /// US dollars per core-hour.
    #[arg(long, default_value_t = crate::cost::DEFAULT_PRICE_PER_CORE_HOUR)]
    pub price_per_core_hour: f64,
    /// US dollars to compromise one device (plain E2E).
    #[arg(long, default_value_t = crate::cost::DEFAULT_DEVICE_COST)]
    pub device_cost: f64,
    /// Days of one target's traffic one warrant covers.
    #[arg(long, default_value_t = crate::cost::DEFAULT_WARRANT_DAYS)]
    pub warrant_days: f64,
    /// US dollars of a crypto crumple zone's gatekeeper puzzle (default: Wright and
    /// Varia's lower bound, $100M).
    #[arg(long, default_value_t = crate::cost::DEFAULT_CRUMPLE_GATE_USD)]
    pub crumple_gate_usd: f64,
    /// Milliseconds of measuring per rate (1 to 10000).
    #[arg(long, default_value_t = crate::cost::DEFAULT_MEASURE_MS)]
    pub measure_ms: u64,
    /// Threshold backend to measure.
    #[arg(long, value_enum, default_value_t = BackendKind::Blsttc)]
    pub backend: BackendKind,
    /// Population model of the simulated population whose greedy device cover prices plain
    /// E2E's "same exposure" (docs/POPULATIONS.md).
    #[arg(long, value_enum, default_value_t = crate::world::Model::PowerLaw)]
    pub coverage_model: crate::world::Model,
    /// Users of that population (2 to 20000).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(2..=20_000))]
    pub coverage_users: u32,
    /// Print one JSON object (`escrowlab-cost/1`).
    #[arg(long)]
    pub json: bool,
}

/// `--ratchet-escrow` of `cost`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RatchetEscrowArg {
    /// One field per new sending chain.
    Chains,
    /// One field per session (an escrowed ratchet seed).
    Seed,
}

/// Arguments of `loophole`.
#[derive(clap::Args, Debug)]
pub struct LoopholeArgs {
    /// Population sizes, comma-separated (each 2 to 1000000, within the run-time budget).
    // The same sizes as `runner::loophole::DEFAULT_SIZES`, written so `--help` shows them
    // as they are typed.
    #[arg(long, value_delimiter = ',', default_value = "100,1000")]
    pub users: Vec<u32>,
    /// Seeds per size and scheme (1 to 1000): seed i is `--seed` + i.
    #[arg(long, default_value_t = crate::runner::loophole::DEFAULT_SEEDS)]
    pub seeds: u32,
    /// The base seed.
    #[arg(long, default_value_t = crate::runner::loophole::DEFAULT_BASE_SEED)]
    pub seed: u64,
    /// An escrow scheme, built-in name or path to a scheme TOML file (repeatable; default:
    /// single-key, the headline's; `all`: every built-in escrow scheme).
    #[arg(long = "scheme", value_name = "NAME|PATH")]
    pub schemes: Vec<String>,
    /// Epochs of every world.
    #[arg(long, default_value_t = 4)]
    pub epochs: u32,
    /// Messages per session of every world.
    #[arg(long, default_value_t = 20)]
    pub messages: u32,
    /// Threshold backend (default: each scheme's, else blsttc).
    #[arg(long, value_enum)]
    pub backend: Option<BackendKind>,
    /// Population models to sweep, comma-separated (docs/POPULATIONS.md; default
    /// `uniform`, or none with --edges); a model parameter applies to the models that have
    /// it.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub model: Vec<crate::world::Model>,
    /// The populations' shape.
    #[command(flatten)]
    pub shape: ShapeArgs,
    /// Print one JSON object (`escrowlab-loophole/1`).
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `compare`.
#[derive(clap::Args, Debug)]
pub struct CompareArgs {
    /// Users per world (2 to 2000).
    #[arg(long, default_value_t = crate::runner::compare::DEFAULT_USERS)]
    pub users: u32,
    /// Seeds (1 to 100): seed i is `--seed` + i.
    #[arg(long, default_value_t = crate::runner::compare::DEFAULT_SEEDS)]
    pub seeds: u32,
    /// The base seed.
    #[arg(long, default_value_t = crate::runner::compare::DEFAULT_BASE_SEED)]
    pub seed: u64,
    /// An escrow scheme, built-in name or path to a scheme TOML file (repeatable; default:
    /// one per family: threshold-3of5, hsm-guess-limit, crumple-zone, device-escrow,
    /// ghost-user, public-ledger). The plain-E2E baselines are always measured.
    #[arg(long = "scheme", value_name = "NAME|PATH")]
    pub schemes: Vec<String>,
    /// Epochs of every world.
    #[arg(long, default_value_t = 4)]
    pub epochs: u32,
    /// Messages per session of every world.
    #[arg(long, default_value_t = 20)]
    pub messages: u32,
    /// Threshold backend (default: each scheme's, else blsttc).
    #[arg(long, value_enum)]
    pub backend: Option<BackendKind>,
    /// `c`: insiders in the coalition class.
    #[arg(long, default_value_t = 3)]
    pub coalition: u32,
    /// `d`: devices in the seizure class.
    #[arg(long, default_value_t = 1)]
    pub devices: u32,
    /// `W`: operations in the compute class.
    #[arg(long, default_value_t = 1 << 20)]
    pub work: u64,
    /// Warrant targets served in each kind (1 to 1000).
    #[arg(long, default_value_t = crate::runner::compare::DEFAULT_WARRANTS)]
    pub warrants: u32,
    /// Print one JSON object (`escrowlab-compare/1`).
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `check-scheme`.
#[derive(clap::Args, Debug)]
pub struct CheckSchemeArgs {
    /// Built-in scheme name or path to a scheme TOML file.
    pub scheme: String,
    /// Cases per property (1 to 100000).
    #[arg(long, default_value_t = crate::testing::DEFAULT_CASES)]
    pub cases: u32,
    /// The seed every case derives from.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Threshold backend (default: the scheme's, else blsttc).
    #[arg(long, value_enum)]
    pub backend: Option<BackendKind>,
    /// Run only this property (repeatable; default: all).
    #[arg(long = "property", value_name = "NAME")]
    pub properties: Vec<String>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Report formats.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// The matrix, one-loophole lines and lawful utility, for a terminal.
    Table,
    /// The full `escrowlab-report/1` JSON.
    Json,
    /// A Markdown report for a lab write-up.
    Markdown,
    /// JUnit XML, one test case per cell.
    Junit,
    /// One self-contained HTML page: heat-map, sweep, epoch and utility charts (inline
    /// SVG), the tables and the provenance. Fetches nothing.
    Html,
    /// CSV (RFC 4180), one row per cell with flat columns.
    Csv,
}

/// Arguments of `attack`.
#[derive(clap::Args, Debug)]
pub struct AttackArgs {
    /// Attack id (see `escrowlab list`).
    pub id: String,
    /// Built-in scheme name or path to a scheme TOML file.
    #[arg(long)]
    pub scheme: String,
    /// A parameter, `key=value` (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// The simulated world.
    #[command(flatten)]
    pub world: WorldArgs,
    /// Print the cell as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// The shape of a population beyond its size: the model's parameters, group share and
/// sizes, conversations (every flag optional; docs/POPULATIONS.md gives the defaults and
/// their sources).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ShapeArgs {
    /// `power-law`: degree exponent γ (1.1 to 10; default 2.5).
    #[arg(long)]
    pub exponent: Option<f64>,
    /// `power-law`: smallest weight in expected conversations (default 1).
    #[arg(long)]
    pub min_degree: Option<f64>,
    /// `power-law`, `log-normal`: largest weight (default users - 1).
    #[arg(long)]
    pub max_degree: Option<f64>,
    /// `log-normal`: μ of the weight's logarithm (default 0.5).
    #[arg(long)]
    pub mu: Option<f64>,
    /// `log-normal`: σ of the weight's logarithm (0 to 4; default 1).
    #[arg(long)]
    pub sigma: Option<f64>,
    /// Fraction of conversations that are groups (0 to 1; default 0.2).
    #[arg(long)]
    pub group_share: Option<f64>,
    /// Group sizes: uniform 3 to 8, or power-law up to --max-group.
    #[arg(long, value_enum)]
    pub group_sizes: Option<crate::world::GroupSizes>,
    /// Power-law group sizes: exponent β of P(s) ∝ s^-β (default 2).
    #[arg(long)]
    pub group_exponent: Option<f64>,
    /// Power-law group sizes: the largest group (3 to 1024; default 1024).
    #[arg(long)]
    pub max_group: Option<u32>,
    /// Conversations (default: as many as users under `uniform`, users × mean weight /
    /// mean members under a heavy-tailed model).
    #[arg(long)]
    pub conversations: Option<u32>,
    /// A real graph: an edge list, one conversation per line (two ids a pair, more a
    /// group; `#` comments; gzip when the name ends in .gz). Its users and conversations
    /// replace --users and --conversations (model `edges`; docs/POPULATIONS.md).
    #[arg(long, value_name = "PATH")]
    pub edges: Option<String>,
    /// Activity: constant (one session per conversation per epoch, the original) or
    /// heavy-tailed (Pareto-mixed Poisson sessions and messages with stated means).
    #[arg(long, value_enum)]
    pub activity: Option<crate::world::Activity>,
    /// Heavy-tailed activity: mean sessions per conversation per epoch (default 1).
    #[arg(long)]
    pub sessions_per_epoch: Option<f64>,
    /// Heavy-tailed activity: Pareto shape α of sessions and messages (1.1 to 10; default
    /// 1.5).
    #[arg(long)]
    pub activity_exponent: Option<f64>,
    /// Share of users who never write (0 to 0.99; default 0, or 0.1 under heavy-tailed
    /// activity).
    #[arg(long)]
    pub silent_share: Option<f64>,
    /// How sessions are keyed: hash-ratchet (the original world), double-ratchet (1:1
    /// sessions run the Double Ratchet, groups sender keys) or sender-keys (groups only).
    #[arg(long, value_enum)]
    pub protocol: Option<crate::world::Protocol>,
    /// Epochs of message history every device keeps (0 to 1000; default 0, none): a
    /// compromised device also yields its stored plaintexts of that many epochs before.
    #[arg(long)]
    pub history_epochs: Option<u32>,
}

impl ShapeArgs {
    /// Refuses a model parameter that none of `models` has.
    ///
    /// # Errors
    /// [`Error::Input`] naming the flag.
    pub fn check_applies(&self, models: &[crate::world::Model]) -> Result<()> {
        use crate::world::Model;
        let has = |m: Model| models.contains(&m);
        let given = [
            ("--exponent", self.exponent.is_some(), has(Model::PowerLaw)),
            (
                "--min-degree",
                self.min_degree.is_some(),
                has(Model::PowerLaw),
            ),
            (
                "--max-degree",
                self.max_degree.is_some(),
                has(Model::PowerLaw) || has(Model::LogNormal),
            ),
            ("--mu", self.mu.is_some(), has(Model::LogNormal)),
            ("--sigma", self.sigma.is_some(), has(Model::LogNormal)),
        ];
        match given.iter().find(|(_, set, applies)| *set && !applies) {
            Some((flag, _, _)) => Err(Error::input(format!(
                "{flag} applies to no model of --model; add the model it belongs to"
            ))),
            None => Ok(()),
        }
    }

    /// Sets what these flags give on `p`. With `only_applicable`, a model parameter is set
    /// only where `p`'s model has it (a sweep over models); otherwise it is set and
    /// [`Population::validate`] refuses it under another model.
    pub fn apply(&self, p: &mut Population, only_applicable: bool) {
        use crate::world::Model;
        let pl = !only_applicable || p.model == Model::PowerLaw;
        let ln = !only_applicable || p.model == Model::LogNormal;
        if pl {
            p.exponent = self.exponent.or(p.exponent);
            p.min_degree = self.min_degree.or(p.min_degree);
        }
        if pl || ln {
            p.max_degree = self.max_degree.or(p.max_degree);
        }
        if ln {
            p.mu = self.mu.or(p.mu);
            p.sigma = self.sigma.or(p.sigma);
        }
        p.group_share = self.group_share.unwrap_or(p.group_share);
        p.group_sizes = self.group_sizes.unwrap_or(p.group_sizes);
        p.group_exponent = self.group_exponent.or(p.group_exponent);
        p.max_group = self.max_group.or(p.max_group);
        p.conversations = self.conversations.or(p.conversations);
        p.activity = self.activity.unwrap_or(p.activity);
        p.sessions_per_epoch = self.sessions_per_epoch.or(p.sessions_per_epoch);
        p.activity_exponent = self.activity_exponent.or(p.activity_exponent);
        p.silent_share = self.silent_share.or(p.silent_share);
        p.protocol = self.protocol.unwrap_or(p.protocol);
        p.history_epochs = self.history_epochs.unwrap_or(p.history_epochs);
    }
}

/// The world a command simulates: seed, population size, backend.
#[derive(clap::Args, Debug)]
pub struct WorldArgs {
    /// The one seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Users.
    #[arg(long, default_value_t = 200)]
    pub users: u32,
    /// Epochs.
    #[arg(long, default_value_t = 4)]
    pub epochs: u32,
    /// Threshold backend (default: the scheme's, else blsttc).
    #[arg(long, value_enum)]
    pub backend: Option<BackendKind>,
    /// Population model: how many conversations a user is in (docs/POPULATIONS.md).
    #[arg(long, value_enum, default_value_t = crate::world::Model::Uniform)]
    pub model: crate::world::Model,
    /// The population's shape.
    #[command(flatten)]
    pub shape: ShapeArgs,
}

impl WorldArgs {
    /// The world configuration for `scheme`, every figure checked against its limit.
    ///
    /// # Errors
    /// [`Error::Input`] for a population out of range or a backend not compiled in.
    pub fn config(&self, scheme: Scheme) -> Result<WorldConfig> {
        use crate::world::Model;
        let backend = self
            .backend
            .or(scheme.backend)
            .unwrap_or(BackendKind::Blsttc);
        backend.instance()?;
        let mut population = Population {
            users: self.users,
            epochs: self.epochs,
            model: self.model,
            ..Population::default()
        };
        self.shape.apply(&mut population, false);
        if let Some(path) = &self.shape.edges {
            if !matches!(self.model, Model::Uniform | Model::Edges) {
                return Err(Error::input(format!(
                    "--edges reads a real graph (model `edges`); it does not combine with --model {}",
                    self.model.name()
                )));
            }
            population.model = Model::Edges;
            population.edges = Some(path.clone());
        }
        let population = population.with_edges()?;
        population.validate()?;
        Ok(WorldConfig {
            scheme,
            population,
            seed: self.seed,
            backend,
        })
    }
}

/// Arguments of `suite`.
#[derive(clap::Args, Debug)]
pub struct SuiteArgs {
    /// Suite TOML file (default: the built-in default suite).
    pub file: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report here (atomically) instead of standard output.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Override the suite's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the backend of every scheme.
    #[arg(long, value_enum)]
    pub backend: Option<BackendKind>,
    /// Exit 1 when any cell is unjudged (no expectation applies), naming each on stderr.
    #[arg(long)]
    pub strict: bool,
    /// In the table and Markdown matrices, show every variant of a swept attack as its own
    /// row instead of the worst one.
    #[arg(long)]
    pub expand: bool,
    /// Run only shard I of N (1 <= I <= N): a deterministic 1/N of the suite's units
    /// (cells, each scheme's lawful utility, the plain-E2E baseline), written as JSON Lines
    /// (`escrowlab-shard/1`) for `escrowlab merge`. Judging, `--format` and `--strict`
    /// belong to the merge; a shard exits 0 once its part is written.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
}

/// Arguments of `cases`.
#[derive(clap::Args, Debug)]
pub struct CasesArgs {
    /// What to do (default: list the cases).
    #[command(subcommand)]
    pub action: Option<CasesAction>,
    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `cases` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum CasesAction {
    /// Run one case: its suite, every expectation judged, every cell required to be judged.
    Run {
        /// The case (`escrowlab cases` lists them).
        name: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the report here (atomically) instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Override the case's seed.
        #[arg(long)]
        seed: Option<u64>,
    },
}

/// Arguments of `merge`.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// The parts written by `escrowlab suite --shard I/N`, one per shard, in any order.
    #[arg(required = true, value_name = "PART")]
    pub parts: Vec<std::path::PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report here (atomically) instead of standard output.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
    /// Exit 1 when any cell is unjudged (no expectation applies), naming each on stderr.
    #[arg(long)]
    pub strict: bool,
    /// In the table and Markdown matrices, show every variant of a swept attack as its own
    /// row instead of the worst one.
    #[arg(long)]
    pub expand: bool,
    /// The suite file the parts were run from, when the path in their header does not
    /// resolve from here (the merge re-judges every cell against it).
    #[arg(long)]
    pub suite: Option<String>,
    /// The seed the shards were run with, when `suite --seed` overrode the suite's.
    #[arg(long)]
    pub seed: Option<u64>,
    /// The backend the shards were run with, when `suite --backend` overrode the suite's.
    #[arg(long, value_enum)]
    pub backend: Option<BackendKind>,
}

impl Default for SuiteArgs {
    /// The built-in default suite as a table on standard output, nothing overridden.
    fn default() -> Self {
        SuiteArgs {
            file: None,
            format: Format::Table,
            out: None,
            seed: None,
            backend: None,
            strict: false,
            expand: false,
            shard: None,
        }
    }
}

/// Arguments of `lawful-access`.
#[derive(clap::Args, Debug)]
pub struct LawfulArgs {
    /// Built-in scheme name or path to a scheme TOML file.
    #[arg(long, default_value = "threshold-3of5")]
    pub scheme: String,
    /// The simulated world.
    #[command(flatten)]
    pub world: WorldArgs,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs the full CLI on the process arguments with the attacks in `registry` and returns
/// the exit status. A user's binary with attacks of its own is one line:
/// `std::process::exit(escrowlab::cli::main_with(escrowlab::attacks::builtins().with(&Mine)))`.
pub fn main_with(registry: Registry) -> i32 {
    crate::panics::install_hook();
    if !registry.faults().is_empty() {
        // The binary's own attacks are broken: nothing can be trusted to run.
        for fault in registry.faults() {
            print_error(&crate::Error::input(format!(
                "{fault} (fix the attack crate this binary was built with)"
            )));
        }
        return exit_codes::BAD_INPUT;
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // `--help` and `--version` go to standard output, usage errors to standard error.
            if e.use_stderr() {
                print_usage_error(&e);
                return exit_codes::BAD_INPUT;
            }
            let printed = e.print().and_then(|()| std::io::stdout().flush());
            return match stdout_result(printed) {
                Ok(()) => exit_codes::OK,
                Err(e) => {
                    print_error(&e);
                    exit_codes::BAD_INPUT
                }
            };
        }
    };
    match run(cli, &registry) {
        Ok(code) => code,
        Err(e) => {
            print_error(&e);
            if e.is_bad_input() {
                exit_codes::BAD_INPUT
            } else {
                exit_codes::EXPECTATION_FAILED
            }
        }
    }
}

/// Writes `text` to standard output. A closed pipe (`| head`) ends the output quietly, as
/// it does for any Unix tool, and the command keeps the status it would have had.
///
/// # Errors
/// [`Error::Io`] for any other failure (`> /dev/full`: no space left on device).
fn out(text: &str) -> Result<()> {
    crate::progress::end();
    let mut so = std::io::stdout().lock();
    stdout_result(so.write_all(text.as_bytes()).and_then(|()| so.flush()))
}

/// Standard output's write result as escrowlab reports it: a closed pipe is no error.
fn stdout_result(r: std::io::Result<()>) -> Result<()> {
    match r {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io {
            path: "standard output".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// Prints an error as one line on standard error (a failure to do so has nowhere to go).
fn print_error(e: &dyn std::fmt::Display) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "escrowlab: error: {}",
        crate::text::one_line(&e.to_string())
    );
}

/// Prints a usage error as clap renders it; a value it quotes from the command line that
/// holds a line break or another control character is written with them escaped (see
/// [`crate::text::one_line`]), so that it cannot forge a line of its own.
fn print_usage_error(e: &clap::Error) {
    use clap::error::ContextValue;
    let quoted: Vec<&str> = e
        .context()
        .flat_map(|(_, v)| match v {
            ContextValue::String(s) => vec![s.as_str()],
            ContextValue::Strings(v) => v.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        })
        .filter(|s| s.chars().any(char::is_control))
        .collect();
    if quoted.is_empty() {
        let _ = e.print();
        return;
    }
    let mut text = e.render().to_string();
    for q in quoted {
        text = text.replace(q, &crate::text::one_line(q));
    }
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Prints a warning as one line on standard error: the run goes on.
fn warn(msg: &str) {
    crate::progress::eprintln_above(&format!(
        "escrowlab: warning: {}",
        crate::text::one_line(msg)
    ));
}

/// Runs a parsed command.
///
/// # Errors
/// Bad input and I/O errors.
pub fn run(cli: Cli, registry: &Registry) -> Result<i32> {
    // A progress line on standard error for the long commands (only on a terminal); `out`
    // clears it before the result is printed, and so does dropping `_progress`.
    let _progress = match &cli.command {
        None | Some(Command::Suite(_)) => crate::progress::Progress::start("suite"),
        Some(Command::Attack(a)) => crate::progress::Progress::start(&format!("attack {}", a.id)),
        Some(Command::LawfulAccess(_)) => crate::progress::Progress::start("lawful-access"),
        Some(Command::CheckScheme(_)) => crate::progress::Progress::start("check-scheme"),
        Some(Command::Loophole(_)) => crate::progress::Progress::start("loophole"),
        Some(Command::Compare(_)) => crate::progress::Progress::start("compare"),
        _ => crate::progress::Progress::hidden(),
    };
    match cli.command {
        None => suite(registry, SuiteArgs::default()),
        Some(Command::Schemes) => {
            let mut s = String::new();
            for sc in Scheme::builtins() {
                let weak = sc.weakened_controls();
                let note = if weak.is_empty() {
                    String::new()
                } else {
                    format!("  [weakened: {}]", weak.join(", "))
                };
                s.push_str(&format!(
                    "{:<22} {:<16} {}{}\n",
                    sc.name,
                    sc.family(),
                    sc.summary,
                    note
                ));
            }
            out(&s)?;
            Ok(exit_codes::OK)
        }
        Some(Command::Mechanisms { json }) => mechanisms(json),
        Some(Command::LawfulAccess(a)) => lawful_access(a),
        Some(Command::List { json }) => list(registry, json),
        Some(Command::Info { id }) => info(registry, &id),
        Some(Command::Attack(a)) => attack(registry, a),
        Some(Command::Suite(a)) => suite(registry, a),
        Some(Command::Cases(a)) => cases(registry, a),
        Some(Command::Inspect {
            kind,
            file,
            backend,
        }) => {
            let bytes = crate::input::read_user_file(&file)?;
            out(&format!(
                "{}\n",
                crate::inspect::inspect(kind, &bytes, backend)?
            ))?;
            Ok(exit_codes::OK)
        }
        Some(Command::Sample {
            kind,
            out: path,
            backend,
            seed,
        }) => {
            use crate::output::Access;
            crate::output::check_writable(&path)?;
            let access = if kind.is_secret() {
                Access::OwnerOnly
            } else {
                Access::Normal
            };
            let bytes = crate::inspect::sample(kind, backend, seed)?;
            crate::output::write_atomic_with(&path, &bytes, access)?;
            let name = clap::ValueEnum::to_possible_value(&kind)
                .map_or_else(|| format!("{kind:?}"), |v| v.get_name().to_string());
            out(&format!(
                "wrote {name} ({}, {backend}, seed {seed}) to {}{}\n",
                crate::text::count(bytes.len(), "byte", "bytes"),
                crate::text::escape_for_terminal(&path.display().to_string()),
                if kind.is_secret() {
                    " (owner-only: secret material)"
                } else {
                    ""
                }
            ))?;
            Ok(exit_codes::OK)
        }
        Some(Command::CheckScheme(a)) => check_scheme(a),
        Some(Command::Cost(a)) => cost(registry, a),
        Some(Command::Merge(a)) => merge(registry, a),
        Some(Command::Loophole(a)) => loophole(registry, a),
        Some(Command::Compare(a)) => compare(registry, a),
        Some(Command::Lab {
            course_key,
            command,
        }) => {
            let (text, code) = crate::labs::run(registry, course_key.as_deref(), command)?;
            out(&text)?;
            Ok(code)
        }
    }
}

fn compare(registry: &Registry, a: CompareArgs) -> Result<i32> {
    use crate::runner::compare::{self, CompareOptions};
    let mut opts = CompareOptions::defaults()?;
    opts.users = a.users;
    opts.seeds = a.seeds;
    opts.base_seed = a.seed;
    opts.population.epochs = a.epochs;
    opts.population.messages_per_session = a.messages;
    opts.backend = a.backend;
    opts.bounds = crate::attack::ClassBounds {
        coalition: a.coalition,
        devices: a.devices,
        work: a.work,
    };
    opts.warrants = a.warrants;
    if !a.schemes.is_empty() {
        opts.schemes = load_schemes(&a.schemes)?;
    }
    let report = compare::run(registry, &opts)?;
    let text = if a.json {
        report.to_json()
    } else {
        report.to_text()
    };
    print_report(&text, report.has_errors())
}

fn loophole(registry: &Registry, a: LoopholeArgs) -> Result<i32> {
    use crate::runner::loophole::{self, LoopholeOptions};
    let mut opts = LoopholeOptions {
        sizes: a.users,
        seeds: a.seeds,
        base_seed: a.seed,
        epochs: a.epochs,
        messages_per_session: a.messages,
        backend: a.backend,
        ..LoopholeOptions::defaults()
    };
    if let Some(g) = a.shape.group_share {
        opts.group_share = g;
    }
    let mut models = a.model.clone();
    if models.is_empty() && a.shape.edges.is_none() {
        models.push(crate::world::Model::Uniform);
    }
    if models.contains(&crate::world::Model::Edges) && a.shape.edges.is_none() {
        return Err(Error::input(
            "--model edges needs --edges PATH (an edge list)",
        ));
    }
    models.retain(|m| *m != crate::world::Model::Edges);
    opts.shapes = models
        .iter()
        .map(|&model| {
            let mut p = Population {
                model,
                ..Population::default()
            };
            a.shape.apply(&mut p, true);
            p
        })
        .collect();
    if let Some(path) = &a.shape.edges {
        // A real graph has its own size: it is measured once, whatever --users says.
        let p = Population {
            model: crate::world::Model::Edges,
            edges: Some(path.clone()),
            ..Population::default()
        };
        opts.shapes.push(p.with_edges()?);
    }
    a.shape.check_applies(&models)?;
    if a.schemes.iter().any(|s| s == loophole::ALL_SCHEMES) {
        if a.schemes.len() > 1 {
            return Err(Error::input(format!(
                "--scheme {} stands for every built-in escrow scheme; give it alone",
                loophole::ALL_SCHEMES
            )));
        }
        opts.schemes = LoopholeOptions::every_escrow_scheme();
    } else if !a.schemes.is_empty() {
        opts.schemes = load_schemes(&a.schemes)?;
    }
    let report = loophole::run(registry, &opts)?;
    let text = if a.json {
        report.to_json()
    } else {
        report.to_text()
    };
    print_report(&text, report.has_errors())
}

/// Most cases per property `check-scheme` accepts.
const MAX_CHECK_CASES: u32 = 100_000;

fn check_scheme(a: CheckSchemeArgs) -> Result<i32> {
    use crate::testing::{check_scheme_with, CheckOptions, PropertyStatus, PROPERTIES};
    if !(1..=MAX_CHECK_CASES).contains(&a.cases) {
        return Err(Error::input(format!(
            "--cases {} is out of range (accepted: 1..={MAX_CHECK_CASES})",
            a.cases
        )));
    }
    if let Some(p) = a
        .properties
        .iter()
        .find(|p| !PROPERTIES.contains(&p.as_str()))
    {
        return Err(Error::input(format!(
            "unknown property `{p}` (accepted: {})",
            PROPERTIES.join(", ")
        )));
    }
    let scheme = Scheme::load(&a.scheme)?;
    let backend = a.backend.or(scheme.backend).unwrap_or(BackendKind::Blsttc);
    backend.instance()?;
    let opts = CheckOptions {
        backend,
        cases: a.cases,
        seed: a.seed,
        source: Some(a.scheme.clone()),
        only: a.properties.clone(),
    };
    crate::testing::estimate(&scheme, &opts).within_budget(
        &format!("check-scheme {} with {} cases", scheme.name, a.cases),
        "--cases, or select properties with --property",
    )?;
    let results = check_scheme_with(&scheme, &opts);
    let failed = results.iter().filter(|r| r.failed()).count();
    let code = if failed > 0 {
        exit_codes::EXPECTATION_FAILED
    } else {
        exit_codes::OK
    };
    if a.json {
        let v = serde_json::json!({
            "scheme": scheme.name,
            "source": a.scheme,
            "backend": backend.name(),
            "cases": a.cases,
            "seed": a.seed,
            "ok": failed == 0,
            "properties": results,
        });
        let j = serde_json::to_string_pretty(&v).map_err(|e| Error::misuse(e.to_string()))?;
        out(&format!("{j}\n"))?;
        return Ok(code);
    }
    let mut s = format!(
        "check-scheme {} ({}, {} per property, seed {})\n",
        scheme.name,
        backend,
        crate::text::count(a.cases, "case", "cases"),
        a.seed
    );
    for r in &results {
        match &r.status {
            PropertyStatus::Holds => {
                s.push_str(&format!("{:<18} holds           {}\n", r.name, r.promise))
            }
            PropertyStatus::NotApplicable { why } => {
                s.push_str(&format!("{:<18} not applicable  {why}\n", r.name));
            }
            PropertyStatus::Fails {
                counterexample,
                reproduce,
            } => {
                s.push_str(&format!("{:<18} FAILS           {}\n", r.name, r.promise));
                s.push_str(&format!("{:<18}   counter-example: {counterexample}\n", ""));
                s.push_str(&format!("{:<18}   reproduce: {reproduce}\n", ""));
            }
        }
    }
    let holds = results.iter().filter(|r| r.holds()).count();
    let na = results.len() - holds - failed;
    let failing: Vec<&str> = results
        .iter()
        .filter(|r| r.failed())
        .map(|r| r.name.as_str())
        .collect();
    s.push_str(&format!(
        "{holds} {}, {failed} {}, {na} not applicable",
        crate::text::plural(holds, "holds", "hold"),
        crate::text::plural(failed, "fails", "fail")
    ));
    if !failing.is_empty() {
        s.push_str(&format!(" (failing: {})", failing.join(", ")));
    }
    s.push('\n');
    out(&s)?;
    Ok(code)
}

fn list(registry: &Registry, json: bool) -> Result<i32> {
    let attacks: Vec<_> = registry.iter().collect();
    if json {
        let v: Vec<serde_json::Value> = attacks
            .iter()
            .map(|a| {
                let m = a.meta();
                serde_json::json!({
                    "id": m.id,
                    "title": m.title,
                    "actor": m.actor,
                    "capabilities": m.capabilities.iter().map(|c| c.name()).collect::<Vec<_>>(),
                })
            })
            .collect();
        let j = serde_json::to_string_pretty(&v).map_err(|e| Error::misuse(e.to_string()))?;
        out(&format!("{j}\n"))?;
        return Ok(exit_codes::OK);
    }
    let mut s = String::new();
    for a in &attacks {
        let m = a.meta();
        let caps: Vec<&str> = m.capabilities.iter().map(|c| c.name()).collect();
        s.push_str(&format!(
            "{:<24} {}\n{:<24} actor: {}; needs: {}\n",
            m.id,
            m.title,
            "",
            m.actor,
            caps.join(", ")
        ));
    }
    out(&s)?;
    Ok(exit_codes::OK)
}

fn info(registry: &Registry, id: &str) -> Result<i32> {
    let a = registry.find(id).ok_or_else(|| registry.unknown(id))?;
    out(&crate::docs::attack_text(
        a.meta(),
        crate::text::terminal_width(),
    ))?;
    Ok(exit_codes::OK)
}

fn parse_params(
    registry: &Registry,
    id: &str,
    raw: &[String],
) -> Result<std::collections::BTreeMap<String, crate::attack::ParamValue>> {
    let a = registry.find(id).ok_or_else(|| registry.unknown(id))?;
    let mut m = std::collections::BTreeMap::new();
    for r in raw {
        let (k, v) = r.split_once('=').ok_or_else(|| {
            Error::input(format!(
                "--param `{}` is not key=value",
                crate::text::echo(r)
            ))
        })?;
        let spec = a
            .meta()
            .params
            .iter()
            .find(|s| s.name == k.trim())
            .ok_or_else(|| {
                let known: Vec<&str> = a.meta().params.iter().map(|s| s.name).collect();
                Error::input(format!(
                    "attack `{id}` has no parameter `{}` (its parameters: {})",
                    crate::text::echo(k.trim()),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
            })?;
        if m.contains_key(spec.name) {
            return Err(Error::input(format!(
                "--param `{}` is given twice; give each parameter once",
                spec.name
            )));
        }
        m.insert(spec.name.to_string(), spec.parse(id, v)?);
    }
    Ok(m)
}

fn attack(registry: &Registry, a: AttackArgs) -> Result<i32> {
    let given = parse_params(registry, &a.id, &a.params)?;
    let config = a.world.config(Scheme::load(&a.scheme)?)?;
    let cell = crate::runner::run_one(registry, &config.scheme, &a.id, &given, &config)?;
    crate::progress::end();
    for w in &cell.warnings {
        warn(w);
    }
    if a.json {
        let j = serde_json::to_string_pretty(&cell).map_err(|e| Error::misuse(e.to_string()))?;
        out(&format!("{j}\n"))?;
    } else {
        let mut s = format!(
            "{} against {} ({})\n",
            cell.attack,
            cell.scheme,
            cell.params_shown(", ")
        );
        s.push_str(&format!(
            "check: {} — {}\n",
            if cell.check.exposed {
                "exposed"
            } else {
                "not exposed"
            },
            cell.check.reason
        ));
        s.push_str(&format!(
            "exposure: {} of {} ({:.2}%), {} of {}\nout of scope: {}; before compromise: {}\n",
            cell.exposure.messages,
            crate::text::count(cell.exposure.messages_total, "message", "messages"),
            cell.exposure.fraction * 100.0,
            cell.exposure.users,
            crate::text::count(cell.exposure.users_total, "user", "users"),
            cell.out_of_scope,
            cell.before_compromise
        ));
        s.push_str(&format!(
            "detected: {} [{}]; blocked by: {}\n{}\n",
            cell.detected,
            if cell.detected {
                cell.detected_shown()
            } else {
                String::new()
            },
            cell.blocked_shown().unwrap_or_else(|| "-".into()),
            crate::text::wrap(
                &cost_pairs(&cell.cost).join(" "),
                crate::text::MAX_WIDTH,
                "cost: ",
                "      "
            )
        ));
        for n in &cell.notes {
            s.push_str(&format!("note: {n}\n"));
        }
        if let Some(e) = &cell.error {
            s.push_str(&format!("error: {e}\n"));
        }
        out(&crate::text::for_terminal_lines(&s))?;
    }
    Ok(if cell.error.is_some() {
        exit_codes::EXPECTATION_FAILED
    } else {
        exit_codes::OK
    })
}

/// A cell's cost as `key=value` pairs; a nested map (`capabilities`) as
/// `key=name:count,name:count`.
fn cost_pairs(cost: &serde_json::Map<String, serde_json::Value>) -> Vec<String> {
    use serde_json::Value;
    cost.iter()
        .map(|(k, v)| match v {
            Value::Object(m) => {
                let inner: Vec<String> = m.iter().map(|(ik, iv)| format!("{ik}:{iv}")).collect();
                format!("{k}={}", inner.join(","))
            }
            Value::String(s) => format!("{k}={s}"),
            v => format!("{k}={v}"),
        })
        .collect()
}

fn suite(registry: &Registry, a: SuiteArgs) -> Result<i32> {
    if let Some(p) = &a.out {
        crate::output::check_writable(p)?;
    }
    let shard = a
        .shard
        .as_deref()
        .map(crate::runner::shard::Shard::parse)
        .transpose()?;
    let suite = crate::runner::suite_file::Suite::load(a.file.as_deref(), registry)?;
    if let Some(shard) = shard {
        if a.format != Format::Table || a.strict || a.expand {
            return Err(Error::input(
                "--shard writes JSON Lines for `escrowlab merge`: give --format, --strict \
                 and --expand to the merge",
            ));
        }
        let seed = a.seed.unwrap_or(suite.file.seed);
        let (head, lines) = crate::runner::shard::run_shard(&suite, seed, a.backend, shard)?;
        let text = crate::runner::shard::to_json_lines(&head, &lines);
        match &a.out {
            Some(p) => crate::output::write_atomic(p, text.as_bytes())?,
            None => out(&text)?,
        }
        return Ok(exit_codes::OK);
    }
    let report = crate::runner::suite::run_suite(&suite, a.seed, a.backend)?;
    finish(&report, a.format, a.out.as_deref(), a.strict, a.expand)
}

fn cases(registry: &Registry, a: CasesArgs) -> Result<i32> {
    match a.action {
        None => {
            let all = crate::cases::all()?;
            if a.json {
                let list: Vec<serde_json::Value> = all
                    .iter()
                    .map(|c| serde_json::json!({ "name": c.name, "case": c.info }))
                    .collect();
                out(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&list).expect("plain JSON")
                ))?;
            } else {
                out(&crate::text::for_terminal_lines(
                    &crate::cases::render_list(&all),
                ))?;
            }
            Ok(exit_codes::OK)
        }
        Some(CasesAction::Run {
            name,
            format,
            out: out_path,
            seed,
        }) => {
            if let Some(p) = &out_path {
                crate::output::check_writable(p)?;
            }
            let case = crate::cases::find(&name)?;
            let suite = case.suite(registry)?;
            let report = crate::runner::suite::run_suite(&suite, seed, None)?;
            finish(&report, format, out_path.as_deref(), true, false)
        }
    }
}

fn merge(registry: &Registry, a: MergeArgs) -> Result<i32> {
    if let Some(p) = &a.out {
        crate::output::check_writable(p)?;
    }
    let opts = crate::runner::shard::MergeOptions {
        suite: a.suite.clone(),
        seed: a.seed,
        backend: a.backend,
    };
    let report = crate::runner::shard::merge(&a.parts, registry, &opts)?;
    finish(&report, a.format, a.out.as_deref(), a.strict, a.expand)
}

/// Renders `report` in `format` to `out` (or standard output), then the exit status:
/// `--strict` and unjudged cells, failed expectations, errors.
fn finish(
    report: &crate::report::Report,
    format: Format,
    out_path: Option<&std::path::Path>,
    strict: bool,
    expand: bool,
) -> Result<i32> {
    use crate::report::text::MatrixOptions;
    crate::progress::end();
    // Once per cell: parameters that cannot take effect against that cell's scheme.
    for c in &report.results {
        for w in &c.warnings {
            let w = w
                .strip_prefix(&format!("attack `{}`: ", c.attack))
                .unwrap_or(w);
            warn(&format!("{} / {}: {w}", c.scheme, c.attack));
        }
    }
    let matrix = MatrixOptions { expand };
    let text = match format {
        // Notes, errors and control names come from attack modules: escaped for a terminal
        // (JSON and JUnit escape them in their own syntax).
        Format::Table => {
            crate::text::for_terminal_lines(&crate::report::text::table_with(report, matrix))
        }
        Format::Json => report.to_json(),
        Format::Markdown => {
            crate::text::for_terminal_lines(&crate::report::text::markdown_with(report, matrix))
        }
        Format::Junit => crate::report::junit::render(report),
        // HTML and CSV escape everything in their own syntax.
        Format::Html => crate::report::html::render(report),
        Format::Csv => crate::report::csv::render(report),
    };
    match out_path {
        Some(p) => crate::output::write_atomic(p, text.as_bytes())?,
        None => out(&text)?,
    }
    let unjudged: Vec<&crate::runner::CellResult> = report
        .results
        .iter()
        .filter(|c| c.verdict == crate::runner::Verdict::Unjudged)
        .collect();
    if strict && !unjudged.is_empty() {
        let mut msg = format!(
            "escrowlab: --strict: {} of {} {} unjudged (no expectation applies):\n",
            unjudged.len(),
            crate::text::count(report.results.len(), "cell", "cells"),
            crate::text::plural(unjudged.len(), "is", "are")
        );
        for c in &unjudged {
            msg.push_str(&format!(
                "  {} / {} [{}]\n",
                c.scheme,
                c.attack,
                c.params_shown(" ")
            ));
        }
        crate::progress::end();
        let mut se = std::io::stderr().lock();
        let _ = se.write_all(crate::text::for_terminal_lines(&msg).as_bytes());
        return Ok(exit_codes::EXPECTATION_FAILED);
    }
    Ok(if report.all_held() {
        exit_codes::OK
    } else {
        exit_codes::EXPECTATION_FAILED
    })
}

fn cost(registry: &Registry, a: CostArgs) -> Result<i32> {
    if !(1..=10_000).contains(&a.measure_ms) {
        return Err(Error::input(format!(
            "--measure-ms must be from 1 to 10000, not {}",
            a.measure_ms
        )));
    }
    let assumptions = crate::cost::Assumptions {
        messages_per_day: a.messages_per_day,
        sessions_per_day: a
            .sessions_per_day
            .unwrap_or(crate::cost::DEFAULT_SESSIONS_PER_DAY),
        users: a.users,
        cores: a.cores,
        price_per_core_hour: a.price_per_core_hour,
        device_cost: a.device_cost,
        warrant_days: a.warrant_days,
        crumple_gate_usd: a.crumple_gate_usd,
        backend: a.backend.name().into(),
        ..crate::cost::Assumptions::default()
    };
    // Plain E2E's "same exposure" is priced from the greedy cover of a simulated
    // population, measured here.
    let shape = Population {
        users: a.coverage_users,
        model: a.coverage_model,
        ..Population::default()
    };
    if a.coverage_model == crate::world::Model::Edges {
        return Err(Error::input(
            "--coverage-model is a generated model (uniform, power-law, log-normal)",
        ));
    }
    shape.validate()?;
    let coverage = crate::runner::loophole::baseline_device_failures(registry, &shape, 42, None)?
        .map(|d| crate::cost::MeasuredCoverage {
            population: shape.model_summary(),
            users: shape.users,
            seed: 42,
            active_users: d.coverage.users,
            devices_50: d.coverage.devices_50,
            devices_90: d.coverage.devices_90,
            devices_100: d.coverage.devices_100,
        });
    // The escrow fields a day's traffic carries, measured on the same population under
    // the protocol asked for, unless given.
    let field_rate = match a.sessions_per_day {
        Some(_) => None,
        None => Some(measured_field_rate(
            &shape,
            a.protocol,
            a.ratchet_escrow,
            a.backend,
        )?),
    };
    let mut assumptions = crate::cost::Assumptions {
        e2e_devices_per_user: coverage
            .as_ref()
            .map_or(1.0, crate::cost::MeasuredCoverage::per_user),
        ..assumptions
    };
    if let Some(r) = &field_rate {
        assumptions.sessions_per_day = (a.messages_per_day * r.per_message()).round().max(1.0);
        let source = r.source(a.messages_per_day);
        for s in assumptions.sources.iter_mut() {
            if s.starts_with("sessions_per_day") {
                *s = source.clone();
            }
        }
    }
    let mut p = crate::cost::project(
        assumptions,
        a.backend,
        std::time::Duration::from_millis(a.measure_ms),
    )?;
    p.coverage = coverage;
    p.field_rate = field_rate;
    if a.json {
        let j = serde_json::to_string_pretty(&p).map_err(|e| Error::misuse(e.to_string()))?;
        out(&format!("{j}\n"))?;
    } else {
        out(&crate::cost::render(&p))?;
    }
    Ok(exit_codes::OK)
}

/// Escrow fields per message of a simulated single-key world of `shape` under `protocol`,
/// seed 42: what `cost` projects the day's fields from.
fn measured_field_rate(
    shape: &Population,
    protocol: crate::world::Protocol,
    escrow: RatchetEscrowArg,
    backend: BackendKind,
) -> Result<crate::cost::MeasuredFieldRate> {
    let mut scheme = Scheme::load("single-key")?;
    scheme.field.ratchet_escrow = match escrow {
        RatchetEscrowArg::Chains => crate::config::scheme::RatchetEscrow::Chains,
        RatchetEscrowArg::Seed => crate::config::scheme::RatchetEscrow::Seed,
    };
    let seed = 42;
    let config = crate::world::WorldConfig {
        scheme,
        population: Population {
            protocol,
            ..shape.clone()
        },
        seed,
        backend,
    };
    let base = crate::runner::base_worlds(&config.scheme, &config)?;
    let mut ctx = crate::attack::context::AttackCtx::new(&base, "cost-field-rate")?;
    ctx.advance_to_end()?;
    let t = ctx.intercept();
    let (fields, field_bytes) = t
        .sessions
        .iter()
        .flat_map(|r| r.fields())
        .fold((0, 0), |(n, b), f| (n + 1, b + f.len()));
    Ok(crate::cost::MeasuredFieldRate {
        protocol: protocol.name().into(),
        ratchet_escrow: config.scheme.field.ratchet_escrow.name().into(),
        population: shape.model_summary(),
        users: shape.users,
        messages_per_session: shape.messages_per_session,
        seed,
        fields,
        field_bytes,
        messages: t.envelopes.len(),
    })
}

fn lawful_access(a: LawfulArgs) -> Result<i32> {
    let r = lawful::demonstrate(a.world.config(Scheme::load(&a.scheme)?)?)?;
    if a.json {
        let j = serde_json::to_string_pretty(&r).map_err(|e| Error::misuse(e.to_string()))?;
        out(&format!("{j}\n"))?;
        return Ok(exit_codes::OK);
    }
    let mut s = String::new();
    s.push_str(&format!(
        "scheme {} on {} (seed {}), {} × {}, {}\n",
        r.scheme,
        r.backend,
        r.seed,
        crate::text::count(r.users, "user", "users"),
        crate::text::count(r.epochs, "epoch", "epochs"),
        crate::text::count(r.messages_total, "message", "messages")
    ));
    if let (Some(t), Some(w)) = (r.target, r.window) {
        s.push_str(&format!(
            "warrant: target user {t}, epochs {}..={}\n",
            w[0], w[1]
        ));
    }
    s.push_str(&format!(
        "in scope: {} messages, decrypted and confirmed: {}\n",
        r.in_scope_messages, r.in_scope_decrypted
    ));
    s.push_str(&format!(
        "outside the warrant decrypted: {}\n",
        r.out_of_scope_decrypted
    ));
    for p in &r.probes {
        s.push_str(&format!(
            "probe {:<13} refused by {}, granted by {} ({}), messages read: {}\n",
            p.kind,
            crate::text::count(p.refused_by, "agent", "agents"),
            p.granted_by,
            if p.controls.is_empty() {
                "-".to_string()
            } else {
                p.controls.join(", ")
            },
            p.messages_read
        ));
    }
    if !r.rejected_share_agents.is_empty() {
        s.push_str(&format!(
            "combiner rejected shares from agents {:?}\n",
            r.rejected_share_agents
        ));
    }
    if r.family == crate::mechanism::SESSION_ESCROW {
        s.push_str(&format!(
            "audit: {} entries, verified: {}\n",
            r.audit_entries, r.audit_verified
        ));
    } else {
        s.push_str(&format!(
            "mechanism: {}; lawful access reads {}\n",
            r.family, r.reads
        ));
        for (k, v) in &r.mechanism_figures {
            s.push_str(&format!("measured: {k} = {v}\n"));
        }
        for e in &r.notices {
            s.push_str(&format!(
                "noticed by {} ({}): {}\n",
                e.control, e.source, e.detail
            ));
        }
        for e in &r.refusals {
            s.push_str(&format!(
                "refused by {} ({}): {}\n",
                e.control, e.source, e.detail
            ));
        }
    }
    if let Some(n) = &r.note {
        s.push_str(&format!("note: {n}\n"));
    }
    if let Some(k) = &r.kinds {
        s.push_str(&format!(
            "both kinds, as `compare` serves them ({} targets: {}), executed at the end:\n",
            k.targets.len(),
            k.targets
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
        for (name, l) in [
            (
                format!("prospective (issued at epoch {})", k.prospective_from_epoch),
                &k.prospective,
            ),
            (
                "retrospective (issued at the end)".to_string(),
                &k.retrospective,
            ),
        ] {
            s.push_str(&format!(
                "  {name}: read {} of {} warranted messages ({:.1}%); cost: {}\n",
                l.read,
                l.warranted,
                100.0 * l.fraction(),
                lawful::cost_words(&l.cost)
            ));
        }
        if let Some(a) = k.assumption {
            s.push_str(&format!("  {a}\n"));
        }
    }
    out(&s)?;
    Ok(exit_codes::OK)
}

/// `escrowlab mechanisms [--json]`.
fn mechanisms(json: bool) -> Result<i32> {
    let all = crate::mechanism::all();
    if json {
        let v: Vec<serde_json::Value> = all
            .iter()
            .map(|m| {
                let i = m.info();
                serde_json::json!({
                    "family": i.family,
                    "title": i.title,
                    "summary": i.summary.split_whitespace().collect::<Vec<_>>().join(" "),
                    "lawful_scope": i.lawful_scope.split_whitespace().collect::<Vec<_>>().join(" "),
                    "capabilities": i.capabilities.iter().map(|(c, what)| serde_json::json!({"name": c.name(), "here": what})).collect::<Vec<_>>(),
                    "params": i.params.iter().map(|p| serde_json::json!({"name": p.name, "default": p.default.value(), "doc": p.doc})).collect::<Vec<_>>(),
                    "references": i.references,
                    "defences": crate::controls::defences_of(i.family).map(|d| serde_json::json!({
                        "control": d.control,
                        "params": d.params.iter().map(|(n, v)| serde_json::json!({"name": n, "default": v})).collect::<Vec<_>>(),
                        "cited_default": d.cited,
                        "basis": crate::controls::ControlBasis::builtin(d.control),
                        "attacks": d.attacks,
                        "assumes": d.assumes,
                        "works": d.works,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&v).map_err(|e| crate::Error::misuse(e.to_string()))?
        ))?;
        return Ok(exit_codes::OK);
    }
    let mut s = String::new();
    for m in all {
        let i = m.info();
        let caps: Vec<&str> = i.capabilities.iter().map(|(c, _)| c.name()).collect();
        s.push_str(&format!("{:<16} {}\n", i.family, i.title));
        s.push_str(&format!(
            "{:<16} reads: {}\n",
            "",
            i.lawful_scope
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        ));
        s.push_str(&format!("{:<16} capabilities: {}\n", "", caps.join(", ")));
    }
    out(&s)?;
    Ok(exit_codes::OK)
}

/// Every scheme named on the command line (a built-in name or a file).
fn load_schemes(names: &[String]) -> Result<Vec<Scheme>> {
    names.iter().map(|s| Scheme::load(s)).collect()
}

/// Prints a measurement's report; exit 1 when one of its cells errored.
fn print_report(text: &str, has_errors: bool) -> Result<i32> {
    out(text)?;
    Ok(if has_errors {
        exit_codes::EXPECTATION_FAILED
    } else {
        exit_codes::OK
    })
}
