//! The JSON report's schema (`docs/report.schema.json`), generated from the report types
//! with `schemars` (JSON Schema 2020-12, describing what escrowlab writes).
//!
//! Every object the report types define is closed (`additionalProperties: false`), so a
//! field added to a type without regenerating the schema makes real reports fail to
//! validate; `cost` stays an open map of figures.

use super::{Report, SCHEMA};
use schemars::generate::SchemaSettings;
use serde_json::Value;

/// The JSON Schema of [`Report`] as pretty-printed JSON with a final newline: the contents
/// of `docs/report.schema.json`. Deterministic (keys sorted).
pub fn json_schema() -> String {
    let generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let schema = generator.into_root_schema_for::<Report>();
    let mut v = schema.to_value();
    close_objects(&mut v);
    if let Value::Object(root) = &mut v {
        root.insert("title".into(), Value::from(SCHEMA));
        root.insert(
            "$comment".into(),
            Value::from(
                "Generated from the report types by escrowlab_core::report::json_schema(); \
                 regenerate with `ESCROWLAB_BLESS=1 cargo test --test integration report_schema::`.",
            ),
        );
        // The `schema` member is always this one string.
        if let Some(Value::Object(p)) = root.get_mut("properties").and_then(|p| p.get_mut("schema"))
        {
            p.insert("const".into(), Value::from(SCHEMA));
        }
    }
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// Adds `additionalProperties: false` to every object schema that lists its properties and
/// says nothing about others.
fn close_objects(v: &mut Value) {
    match v {
        Value::Object(m) => {
            let is_struct = m.get("type") == Some(&Value::from("object"))
                && m.get("properties").is_some_and(Value::is_object);
            if is_struct && !m.contains_key("additionalProperties") {
                m.insert("additionalProperties".into(), Value::Bool(false));
            }
            for (_, child) in m.iter_mut() {
                close_objects(child);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(close_objects),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_is_closed_and_names_the_report_members() {
        let v: Value = serde_json::from_str(&json_schema()).unwrap();
        assert_eq!(v["additionalProperties"], Value::Bool(false));
        assert_eq!(v["properties"]["schema"]["const"], Value::from(SCHEMA));
        for k in ["provenance", "results", "tally", "schemes"] {
            assert!(v["properties"].get(k).is_some(), "no property {k}");
        }
        // `cost` is an open map of figures.
        let cell = &v["$defs"]["CellResult"]["properties"]["cost"];
        assert_eq!(cell["type"], Value::from("object"));
        assert!(cell.get("additionalProperties") != Some(&Value::Bool(false)));
    }
}
