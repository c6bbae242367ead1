//! A JSON Schema (2020-12) checker for exactly the keywords the crate's
//! generated schemas use. A keyword it does not know fails the check, so a
//! schema that grows a new keyword cannot pass unchecked.

use serde_json::{Map, Value};

/// Checks `instance` against `root`; the errors, each with a JSON pointer.
pub fn validate(root: &Value, instance: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    check(root, root, instance, "", &mut errors);
    errors
}

fn check(root: &Value, schema: &Value, instance: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = match schema {
        Value::Bool(true) => return,
        Value::Bool(false) => {
            errors.push(format!("{at}: no value is allowed here"));
            return;
        }
        Value::Object(map) => map,
        other => {
            errors.push(format!("{at}: schema is not an object: {other}"));
            return;
        }
    };
    for (keyword, arg) in schema {
        match keyword.as_str() {
            "$schema" | "$defs" | "title" | "description" | "default" => {}
            "$ref" => {
                let target = resolve(root, arg.as_str().unwrap_or_default());
                match target {
                    Some(target) => check(root, target, instance, at, errors),
                    None => errors.push(format!("{at}: unresolvable $ref {arg}")),
                }
            }
            "type" => {
                let allowed: Vec<&str> = match arg {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                    _ => vec![],
                };
                if !allowed.iter().any(|t| has_type(instance, t)) {
                    errors.push(format!("{at}: {instance} is not of type {arg}"));
                }
            }
            "const" => {
                if !json_eq(instance, arg) {
                    errors.push(format!("{at}: {instance} is not {arg}"));
                }
            }
            "enum" => {
                let options = arg.as_array().map(Vec::as_slice).unwrap_or_default();
                if !options.iter().any(|o| json_eq(instance, o)) {
                    errors.push(format!("{at}: {instance} is not one of {arg}"));
                }
            }
            "minimum" => {
                if let (Some(v), Some(min)) = (instance.as_f64(), arg.as_f64())
                    && v < min
                {
                    errors.push(format!("{at}: {v} is under the minimum {min}"));
                }
            }
            "maximum" => {
                if let (Some(v), Some(max)) = (instance.as_f64(), arg.as_f64())
                    && v > max
                {
                    errors.push(format!("{at}: {v} is over the maximum {max}"));
                }
            }
            "format" => check_format(arg.as_str().unwrap_or_default(), instance, at, errors),
            "required" => {
                if let Value::Object(object) = instance {
                    for name in arg.as_array().into_iter().flatten() {
                        let name = name.as_str().unwrap_or_default();
                        if !object.contains_key(name) {
                            errors.push(format!("{at}: required property {name:?} is missing"));
                        }
                    }
                }
            }
            "properties" | "additionalProperties" => {
                // Both read together below, once.
            }
            "items" => {
                if let Value::Array(items) = instance {
                    for (i, item) in items.iter().enumerate() {
                        check(root, arg, item, &format!("{at}/{i}"), errors);
                    }
                }
            }
            "anyOf" => {
                let passes = branches(arg)
                    .iter()
                    .filter(|b| passes(root, b, instance, at))
                    .count();
                if passes == 0 {
                    errors.push(format!("{at}: {instance} matches no anyOf branch"));
                }
            }
            "oneOf" => {
                let passes = branches(arg)
                    .iter()
                    .filter(|b| passes(root, b, instance, at))
                    .count();
                if passes != 1 {
                    errors.push(format!(
                        "{at}: {instance} matches {passes} oneOf branches, not exactly 1"
                    ));
                }
            }
            "allOf" => {
                for branch in branches(arg) {
                    check(root, branch, instance, at, errors);
                }
            }
            unknown => errors.push(format!(
                "{at}: the checker does not know the keyword {unknown:?}; teach it"
            )),
        }
    }
    if let Value::Object(object) = instance {
        check_properties(root, schema, object, at, errors);
    }
}

fn check_properties(
    root: &Value,
    schema: &Map<String, Value>,
    object: &Map<String, Value>,
    at: &str,
    errors: &mut Vec<String>,
) {
    let properties = schema.get("properties").and_then(Value::as_object);
    for (name, value) in object {
        let here = format!("{at}/{name}");
        match properties.and_then(|p| p.get(name)) {
            Some(sub) => check(root, sub, value, &here, errors),
            None => {
                if let Some(extra) = schema.get("additionalProperties") {
                    check(root, extra, value, &here, errors);
                }
            }
        }
    }
}

fn passes(root: &Value, schema: &Value, instance: &Value, at: &str) -> bool {
    let mut errors = Vec::new();
    check(root, schema, instance, at, &mut errors);
    errors.is_empty()
}

fn branches(arg: &Value) -> &[Value] {
    arg.as_array().map(Vec::as_slice).unwrap_or_default()
}

fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    root.pointer(pointer)
}

fn has_type(instance: &Value, name: &str) -> bool {
    match name {
        "null" => instance.is_null(),
        "boolean" => instance.is_boolean(),
        "object" => instance.is_object(),
        "array" => instance.is_array(),
        "string" => instance.is_string(),
        "number" => instance.is_number(),
        "integer" => {
            instance.is_i64()
                || instance.is_u64()
                || instance.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

/// JSON equality where 1 and 1.0 are the same number.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn check_format(format: &str, instance: &Value, at: &str, errors: &mut Vec<String>) {
    match format {
        "date-time" => {
            if let Some(text) = instance.as_str()
                && chrono::DateTime::parse_from_rfc3339(text).is_err()
            {
                errors.push(format!("{at}: {text:?} is not an RFC 3339 date-time"));
            }
        }
        "uuid" => {
            if let Some(text) = instance.as_str()
                && uuid::Uuid::parse_str(text).is_err()
            {
                errors.push(format!("{at}: {text:?} is not a UUID"));
            }
        }
        "uint32" => {
            if instance.is_number() && instance.as_u64().is_none_or(|v| v > u64::from(u32::MAX)) {
                errors.push(format!("{at}: {instance} is not a uint32"));
            }
        }
        "float" | "double" => {}
        unknown => errors.push(format!(
            "{at}: the checker does not know the format {unknown:?}; teach it"
        )),
    }
}
