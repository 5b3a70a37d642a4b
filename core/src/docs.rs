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
            let accepted = match p.kind {
                ParamKind::Int { min, max } | ParamKind::Bounded { min, max, .. } => {
                    format!("{min}..={max}")
                }
                ParamKind::Bool => "true, false".into(),
                ParamKind::Choice(c) => c.join(", "),
            };
            s.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                p.name,
                p.default.value(),
                accepted,
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

/// The whole attack catalogue (docs/ATTACKS.md).
pub fn attacks_markdown(registry: &crate::attack::Registry) -> String {
    let mut s = String::from(
        "# Attack catalogue\n\n<!-- Generated from the attack registry (attacks/lib.rs). Do not edit: run\n     `ESCROWLAB_BLESS=1 cargo test --test docs` to regenerate. -->\n\n",
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
