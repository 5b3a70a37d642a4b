//! Documentation generated from the attack registry: `escrowlab info` and docs/ATTACKS.md
//! come from the same metadata, and a test fails when the committed file is stale.

use crate::attack::{AttackMeta, ParamKind};

/// One attack's section: metadata, parameters with defaults and ranges, references.
pub fn attack_section(m: &AttackMeta) -> String {
    let caps: Vec<&str> = m.capabilities.iter().map(|c| c.name()).collect();
    let mut s = format!("## `{}` — {}\n\n", m.id, m.title);
    s.push_str(&format!(
        "- **Actor:** {}\n- **Capabilities:** {}\n\n",
        m.actor,
        caps.join(", ")
    ));
    s.push_str(&format!(
        "{}\n\n",
        m.description
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    ));
    if m.params.is_empty() {
        s.push_str("Parameters: none.\n\n");
    } else {
        s.push_str("| parameter | default | accepted | meaning |\n|---|---|---|---|\n");
        for p in m.params {
            s.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                p.name,
                p.default.value(),
                accepted(p.kind),
                p.doc
            ));
        }
        s.push('\n');
    }
    s.push_str("References:\n");
    for r in m.references {
        s.push_str(&format!("- {r}\n"));
    }
    s.push('\n');
    s
}

/// What a parameter accepts, in words: `0..=64`, `true, false`, `a, b`.
fn accepted(kind: ParamKind) -> String {
    match kind {
        ParamKind::Int { min, max } | ParamKind::Bounded { min, max, .. } => {
            format!("{min}..={max}")
        }
        ParamKind::Bool => "true, false".into(),
        ParamKind::Choice(c) => c.join(", "),
    }
}

/// One attack's description for a terminal (`escrowlab info`): the same content as
/// [`attack_section`] without Markdown, paragraphs wrapped to `width` columns and the
/// parameters as aligned columns, their meaning wrapped under its own column.
pub fn attack_text(m: &AttackMeta, width: usize) -> String {
    use crate::text::wrap;
    let caps: Vec<&str> = m.capabilities.iter().map(|c| c.name()).collect();
    let mut s = format!(
        "{}\n",
        wrap(&format!("{} — {}", m.id, m.title), width, "", "  ")
    );
    s.push_str(&format!("{}\n", wrap(m.actor, width, "actor: ", "  ")));
    s.push_str(&format!(
        "{}\n\n",
        wrap(&caps.join(", "), width, "capabilities: ", "  ")
    ));
    s.push_str(&format!("{}\n\n", wrap(m.description, width, "", "")));
    if m.params.is_empty() {
        s.push_str("parameters: none\n\n");
    } else {
        let rows: Vec<[String; 4]> = m
            .params
            .iter()
            .map(|p| {
                [
                    p.name.to_string(),
                    p.default.value().to_string(),
                    accepted(p.kind),
                    p.doc.to_string(),
                ]
            })
            .collect();
        let head = ["parameter", "default", "accepted", "meaning"];
        let w: Vec<usize> = (0..3)
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].chars().count())
                    .chain([head[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let indent = " ".repeat(2 + w[0] + 2 + w[1] + 2 + w[2] + 2);
        // The meaning wraps in its own column when that keeps 24 columns; on a narrower
        // terminal it goes under each row, indented.
        let beside = indent.len() + 24 <= width;
        for r in std::iter::once(head.map(String::from)).chain(rows) {
            let lead = format!(
                "  {:<w0$}  {:<w1$}  {:<w2$}",
                r[0],
                r[1],
                r[2],
                w0 = w[0],
                w1 = w[1],
                w2 = w[2]
            );
            if beside {
                s.push_str(&wrap(&r[3], width, &format!("{lead}  "), &indent));
            } else {
                s.push_str(lead.trim_end());
                s.push('\n');
                s.push_str(&wrap(&r[3], width, "      ", "      "));
            }
            s.push('\n');
        }
        s.push('\n');
    }
    s.push_str("references:\n");
    for r in m.references {
        s.push_str(&wrap(r, width, "  - ", "    "));
        s.push('\n');
    }
    s
}

/// The whole attack catalogue (docs/ATTACKS.md).
pub fn attacks_markdown(registry: &crate::attack::Registry) -> String {
    let mut s = String::from(
        "# Attack catalogue\n\n<!-- Generated from the attack registry (attacks/lib.rs). Do not edit: run\n     `ESCROWLAB_BLESS=1 cargo test --test integration docs::` to regenerate. -->\n\n",
    );
    s.push_str("| id | title | actor |\n|---|---|---|\n");
    for a in registry.iter() {
        let m = a.meta();
        s.push_str(&format!(
            "| [`{}`](#{}) | {} | {} |\n",
            m.id,
            anchor(m),
            m.title,
            m.actor
        ));
    }
    s.push('\n');
    for a in registry.iter() {
        s.push_str(&attack_section(a.meta()));
    }
    s
}

fn anchor(m: &AttackMeta) -> String {
    format!("{} — {}", m.id, m.title)
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// `| key | type | default | accepted | meaning |` sections, one per table of `keys`, in
/// the order the tables first appear.
fn key_tables(keys: &[crate::config::KeyDoc], header: impl Fn(&str) -> String) -> String {
    let mut tables: Vec<&str> = Vec::new();
    for k in keys {
        if !tables.contains(&k.table) {
            tables.push(k.table);
        }
    }
    let mut s = String::new();
    for t in tables {
        s.push_str(&format!("## {}\n\n", header(t)));
        s.push_str("| key | type | default | accepted | meaning |\n|---|---|---|---|---|\n");
        for k in keys.iter().filter(|k| k.table == t) {
            s.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                k.key,
                k.ty,
                k.default,
                k.allowed.replace('|', "\\|"),
                k.doc.replace('|', "\\|")
            ));
        }
        s.push('\n');
    }
    s
}

const GENERATED: &str = "<!-- Generated from the key tables next to the parsers (core/src/config/). Do not edit:\n     run `ESCROWLAB_BLESS=1 cargo test --test integration docs::` to regenerate. -->\n\n";

/// The scheme file reference (docs/SCHEMES.md): every key of every table, and the
/// built-in schemes.
pub fn schemes_markdown() -> String {
    use crate::config::scheme::{Scheme, SCHEME_KEYS};
    let mut s = String::from("# Scheme files\n\n");
    s.push_str(GENERATED);
    s.push_str(
        "A scheme is a TOML file saying which lawful-access mechanism is built, every control a \
         switch. Give a built-in's name or a file's path wherever a scheme is asked for \
         (`--scheme`, a suite's `schemes`). Every table rejects unknown keys; a value out of \
         range is an error naming the file, line and column. Only `name`, `summary` and \
         `[custody] kind` are required.\n\n",
    );
    s.push_str(
        "Built-in schemes (fixtures/schemes/):\n\n| name | family | summary |\n|---|---|---|\n",
    );
    for sc in Scheme::builtins() {
        s.push_str(&format!(
            "| `{}` | `{}` | {} |\n",
            sc.name,
            sc.family(),
            sc.summary
        ));
    }
    s.push('\n');
    s.push_str(&key_tables(SCHEME_KEYS, |t| match t {
        "" => "Top level".to_string(),
        "warrant.court" => {
            "`[warrant.court]` (usually inline: `court = { kind = \"threshold\", k = 2, n = 3 }`)"
                .to_string()
        }
        t => format!("`[{t}]`"),
    }));
    s
}

/// The mechanism-family reference (docs/MECHANISMS.md): every family with what lawful
/// access reads under it, the capabilities that exist in it, its parameters and the
/// built-in schemes of it.
pub fn mechanisms_markdown() -> String {
    use crate::config::scheme::Scheme;
    let mut s = String::from(
        "# Mechanism families

",
    );
    s.push_str(GENERATED);
    s.push_str(
        "Every lawful-access mechanism sits on the same messaging world (users, \
         conversations, sessions, hash-ratchet messages, the relay's transcript, ground \
         truth) behind one trait, `escrowlab::mechanism::Mechanism`. A scheme names its \
         family in `[mechanism]` (session escrow when it names none). An attack that needs \
         a capability missing from the family, or reaches for another family's machinery, is \
         `not applicable`: it is reported as such, never as a block. A family of your own: \
         `examples/own-mechanism/`.\n\n",
    );
    for m in crate::mechanism::all() {
        let i = m.info();
        s.push_str(&format!("## `{}` — {}\n\n", i.family, i.title));
        s.push_str(&format!("{}\n\n", one_line(i.summary)));
        s.push_str(&format!(
            "**Lawful access reads:** {}.\n\n",
            one_line(i.lawful_scope)
        ));
        s.push_str("| capability | what it is here |\n|---|---|\n");
        for (c, what) in i.capabilities {
            s.push_str(&format!("| `{}` | {} |\n", c.name(), what));
        }
        s.push_str(&format!("\nAbsent: {}.\n\n", one_line(i.absent)));
        if i.params.is_empty() {
            s.push_str("Parameters: none (its controls are the scheme's tables).\n\n");
        } else {
            s.push_str("| parameter | default | accepted | meaning |\n|---|---|---|---|\n");
            for p in i.params {
                s.push_str(&format!(
                    "| `{}` | {} | {} | {} |\n",
                    p.name,
                    p.default.value(),
                    accepted(p.kind),
                    one_line(p.doc)
                ));
            }
            s.push('\n');
        }
        let schemes: Vec<String> = Scheme::builtins()
            .into_iter()
            .filter(|sc| sc.family() == i.family)
            .map(|sc| format!("`{}`", sc.name))
            .collect();
        s.push_str(&format!("Built-in schemes: {}.\n\n", schemes.join(", ")));
        s.push_str("References:\n");
        for r in i.references {
            s.push_str(&format!("- {r}\n"));
        }
        s.push('\n');
    }
    s.push_str(&controls_markdown());
    s.push_str("## What each defence assumes, and with what probability it works\n\n");
    s.push_str(&defences_markdown());
    s
}

/// Where THREAT-MODEL.md's generated defence table starts and ends.
pub const DEFENCES_BEGIN: &str = "<!-- BEGIN generated from controls::DEFENCES (docs::defences_markdown): do not edit; regenerate with `ESCROWLAB_BLESS=1 cargo test --test integration docs::` -->";
/// See [`DEFENCES_BEGIN`].
pub const DEFENCES_END: &str = "<!-- END generated from controls::DEFENCES -->";

/// Every built-in family's defences (`controls::DEFENCES`): the parameters that switch and
/// tune each, what it assumes, and with what probability it works (measured, a parameter,
/// or certain by construction). MECHANISMS.md ends with it and THREAT-MODEL.md carries it
/// between [`DEFENCES_BEGIN`] and [`DEFENCES_END`].
pub fn defences_markdown() -> String {
    let mut s = String::from(
        "One row per defence a built-in family offers (`escrowlab mechanisms --json` lists the \
         same, with the attacks that target each). *Certain by construction* means the model \
         makes it work every time (an assumption, or a cryptographic assumption whose failure \
         is negligible, or a fact of the design); *a parameter* and *measured* give the \
         probability a report prints with each block or detection.\n\n\
         | family | control | parameters (default) | assumes | works |\n|---|---|---|---|---|\n",
    );
    for d in crate::controls::DEFENCES {
        let params = if d.params.is_empty() {
            "none".to_string()
        } else {
            d.params
                .iter()
                .map(|(n, v)| format!("`{n}` ({v})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        s.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} |\n",
            d.family,
            d.control,
            params,
            d.assumes.replace('|', "\\|"),
            d.works.replace('|', "\\|")
        ));
    }
    s.push('\n');
    s
}

/// Every control the built-in mechanisms report, with what a block or detection by it
/// rests on (`escrowlab::controls::ControlBasis`): the table MECHANISMS.md ends with.
fn controls_markdown() -> String {
    let mut s = String::from(
        "## What each control rests on\n\n\
         Every `blocked_by` and `detected_by` in a report carries its basis (JSON `basis`, CSV \
         `basis`, the Markdown report's last table, the HTML cell's tooltip; the terminal \
         matrix marks an assumption `assumed` or `*a`). An *assumption* is certain by \
         construction: the model makes the control work every time and at once, so its \
         probability 1 is not a measurement. *Cryptographic* holds unless a cryptographic \
         assumption fails (negligible probability). *Design*: the design has nothing to take. \
         *Measured*: the mechanism gives the probability (and delay) with each block, \
         computed from its parameters and a cited distribution, with what the cell saw.\n\n\
         | control | basis | probability | rests on |\n|---|---|---|---|\n",
    );
    for c in crate::controls::BUILTIN {
        let Some(b) = crate::controls::ControlBasis::builtin(c) else {
            continue;
        };
        let p = match b.kind {
            crate::controls::BasisKind::Assumption => "1 (assumed)".to_string(),
            crate::controls::BasisKind::Design => "1 (design)".to_string(),
            crate::controls::BasisKind::Cryptographic => "1 − negligible".to_string(),
            crate::controls::BasisKind::Measured => match b.probability {
                Some(p) => format!("{p:.6} per try"),
                None => "given with each block".to_string(),
            },
        };
        s.push_str(&format!(
            "| `{c}` | {} | {p} | {} |\n",
            b.kind.word(),
            b.rests_on
        ));
    }
    s.push('\n');
    s
}

fn one_line(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The suite file reference (docs/SUITES.md): every key of every table, the comparison
/// syntax of expectations.
pub fn suites_markdown() -> String {
    use crate::runner::suite_file::{COMPARISON_SYNTAX, SUITE_KEYS};
    let mut s = String::from("# Suite files\n\n");
    s.push_str(GENERATED);
    s.push_str(
        "A suite is a TOML file: a seed, a population, schemes (columns), attacks (rows), \
         parameters fixed or swept per attack, and expectations judged on the cells they \
         match. `escrowlab suite FILE` runs one; without a file it runs the built-in \
         fixtures/suites/default.toml. Every key is optional; every table rejects unknown \
         keys.\n\n",
    );
    s.push_str(&key_tables(SUITE_KEYS, |t| match t {
        "" => "Top level".to_string(),
        "params.*" => "`[params.ATTACK]` (one table per attack id)".to_string(),
        "sweep.*" => "`[sweep.ATTACK]` (one table per attack id)".to_string(),
        "expect" => "`[[expect]]` (one table per expectation)".to_string(),
        t => format!("`[{t}]`"),
    }));
    s.push_str("## Comparisons\n\n");
    s.push_str(COMPARISON_SYNTAX);
    s.push_str(
        "\n\n```toml\n[[expect]]\nscheme = \"single-key\"\nattack = \"field-forgery\"\n\
         exposure = 0.0\ndetected = false\nusers = \"<= 3\"\n\
         figures = { \"cost.tries_mean\" = \"== 65536 ± 50%\", before_compromise = \"== 0\" }\n\
         comment = \"a 16-bit LEAF check falls to about 2^16 chip queries (Blaze 1994)\"\n```\n",
    );
    s
}
