//! Reading a service's OpenAPI 3 document: validation on upload, the operations that become the service's
//! endpoints (method + path), and a readable reference for its passport page (operations, parameters,
//! bodies, responses, schemas, examples). Pure: the text comes in, a description comes out.

use serde::Serialize;
use serde_json::Value;

use crate::ParseError;

/// Largest document accepted, in bytes.
pub const MAX_OPENAPI_BYTES: usize = 1024 * 1024;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

#[derive(Debug, Clone, Serialize)]
pub struct ApiDescription {
    pub title: String,
    pub version: String,
    pub description: Option<String>,
    pub operations: Vec<Operation>,
    pub schemas: Vec<SchemaDoc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// Upper case: `GET`.
    pub method: String,
    pub path: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub parameters: Vec<Parameter>,
    pub request_body: Option<Payload>,
    pub responses: Vec<Reply>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Parameter {
    pub name: String,
    /// `path`, `query`, `header` or `cookie`.
    pub location: String,
    pub required: bool,
    pub description: Option<String>,
    pub type_name: String,
    pub example: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Payload {
    pub content_type: String,
    pub type_name: String,
    /// Pretty-printed JSON.
    pub example: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reply {
    pub status: String,
    pub description: Option<String>,
    pub body: Option<Payload>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SchemaDoc {
    pub name: String,
    pub description: Option<String>,
    pub properties: Vec<Property>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Property {
    pub name: String,
    pub type_name: String,
    pub required: bool,
    pub description: Option<String>,
    pub example: Option<String>,
}

fn bad(why: impl Into<String>) -> ParseError {
    ParseError::new("OpenAPI document", why)
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn example_of(v: &Value) -> Option<String> {
    let e = v.get("example")?;
    Some(match e {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    })
}

/// Parses a document sent as JSON text and describes it.
pub fn parse(textual: &str) -> Result<(Value, ApiDescription), ParseError> {
    if textual.len() > MAX_OPENAPI_BYTES {
        return Err(bad(format!(
            "is larger than {} KiB",
            MAX_OPENAPI_BYTES / 1024
        )));
    }
    let doc: Value = if textual.trim_start().starts_with('{') {
        serde_json::from_str(textual).map_err(|e| {
            bad(format!(
                "is not JSON (line {}, column {}: {})",
                e.line(),
                e.column(),
                e.classify_name()
            ))
        })?
    } else {
        // YAML: read into the same JSON value, so one description serves both forms. Anchors and
        // aliases are expanded by the reader; the size ceiling above bounds what they can cost.
        serde_norway::from_str(textual).map_err(|e| match e.location() {
            Some(l) => bad(format!(
                "is neither JSON nor YAML (line {}, column {})",
                l.line(),
                l.column()
            )),
            None => bad("is neither JSON nor YAML".to_owned()),
        })?
    };
    let d = describe(&doc)?;
    Ok((doc, d))
}

trait Classify {
    fn classify_name(&self) -> &'static str;
}

impl Classify for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected data",
            serde_json::error::Category::Eof => "the text ends too early",
        }
    }
}

/// Checks a document and describes it: OpenAPI 3.x, an `info` with title and version, `paths` whose keys
/// start with `/`, operations as objects, every path template parameter declared, every local `$ref` defined.
pub fn describe(doc: &Value) -> Result<ApiDescription, ParseError> {
    let root = doc.as_object().ok_or_else(|| bad("is not a JSON object"))?;
    let version = root.get("openapi").and_then(Value::as_str).ok_or_else(|| {
        bad("has no \"openapi\" version (Swagger 2.0 documents are not accepted)")
    })?;
    if !version.starts_with("3.") {
        return Err(bad(format!(
            "is OpenAPI {version:?}; version 3.x is required"
        )));
    }
    let info = root.get("info").ok_or_else(|| bad("has no \"info\""))?;
    let title = text(info, "title").ok_or_else(|| bad("has no info.title"))?;
    let api_version = text(info, "version").ok_or_else(|| bad("has no info.version"))?;
    let schemas_v = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    check_refs(doc, &mut Vec::new(), doc)?;
    let paths = root
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("has no \"paths\" object"))?;
    let mut operations = Vec::new();
    for (path, item) in paths {
        if !path.starts_with('/') {
            return Err(bad(format!("path {path:?} does not start with /")));
        }
        let item = item
            .as_object()
            .ok_or_else(|| bad(format!("path {path:?} is not an object")))?;
        let shared: Vec<&Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        for (key, op) in item {
            if !METHODS.contains(&key.as_str()) {
                continue;
            }
            let op_obj = op
                .as_object()
                .ok_or_else(|| bad(format!("{} {path} is not an object", key.to_uppercase())))?;
            let mut params: Vec<Parameter> = Vec::new();
            let own: Vec<&Value> = op_obj
                .get("parameters")
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            for p in shared.iter().chain(own.iter()) {
                let p = resolve(doc, p);
                let name = text(p, "name")
                    .ok_or_else(|| bad(format!("a parameter of {path} has no name")))?;
                let location = text(p, "in")
                    .ok_or_else(|| bad(format!("parameter {name} of {path} has no \"in\"")))?;
                let schema = p.get("schema").cloned().unwrap_or(Value::Null);
                params.retain(|q: &Parameter| !(q.name == name && q.location == location));
                params.push(Parameter {
                    required: p
                        .get("required")
                        .and_then(Value::as_bool)
                        .unwrap_or(location == "path"),
                    description: text(p, "description"),
                    type_name: type_name(&schema),
                    example: example_of(p).or_else(|| example_of(&schema)),
                    name,
                    location,
                });
            }
            for declared in template_names(path) {
                if !params
                    .iter()
                    .any(|p| p.location == "path" && p.name == declared)
                {
                    return Err(bad(format!(
                        "{} {path}: the path parameter {{{declared}}} is not declared",
                        key.to_uppercase()
                    )));
                }
            }
            let responses = op_obj
                .get("responses")
                .and_then(Value::as_object)
                .map(|r| {
                    r.iter()
                        .map(|(status, resp)| {
                            let resp = resolve(doc, resp);
                            Reply {
                                status: status.clone(),
                                description: text(resp, "description"),
                                body: payload(resp),
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            operations.push(Operation {
                method: key.to_uppercase(),
                path: path.clone(),
                operation_id: text(op, "operationId"),
                summary: text(op, "summary"),
                description: text(op, "description"),
                parameters: params,
                request_body: op_obj
                    .get("requestBody")
                    .map(|b| resolve(doc, b))
                    .and_then(payload),
                responses,
            });
        }
    }
    if operations.is_empty() {
        return Err(bad("describes no operation"));
    }
    let schemas = schemas_v
        .map(|m| {
            m.iter()
                .map(|(name, s)| {
                    let required: Vec<&str> = s
                        .get("required")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    SchemaDoc {
                        name: name.clone(),
                        description: text(s, "description"),
                        properties: s
                            .get("properties")
                            .and_then(Value::as_object)
                            .map(|props| {
                                props
                                    .iter()
                                    .map(|(pn, pv)| Property {
                                        name: pn.clone(),
                                        type_name: type_name(pv),
                                        required: required.contains(&pn.as_str()),
                                        description: text(pv, "description"),
                                        example: example_of(pv),
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(ApiDescription {
        title,
        version: api_version,
        description: text(info, "description"),
        operations,
        schemas,
    })
}

/// The (method, path) pairs a service's grants and the gateway speak of.
pub fn endpoints(d: &ApiDescription) -> Vec<(String, String)> {
    d.operations
        .iter()
        .map(|o| (o.method.clone(), o.path.clone()))
        .collect()
}

fn template_names(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_owned()))
        .collect()
}

/// Follows a local `$ref` one step (parameters, responses, bodies); anything else is returned as it is.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    v.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|p| doc.pointer(p))
        .unwrap_or(v)
}

fn payload(v: &Value) -> Option<Payload> {
    let (ctype, media) = v.get("content")?.as_object()?.iter().next()?;
    let schema = media.get("schema").cloned().unwrap_or(Value::Null);
    Some(Payload {
        content_type: ctype.clone(),
        type_name: type_name(&schema),
        example: example_of(media).or_else(|| example_of(&schema)),
    })
}

fn type_name(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => format!(
            "array of {}",
            type_name(schema.get("items").unwrap_or(&Value::Null))
        ),
        Some(t) => match schema.get("format").and_then(Value::as_str) {
            Some(f) => format!("{t} ({f})"),
            None => t.to_owned(),
        },
        None => "any".to_owned(),
    }
}

/// Every `$ref` must be local (`#/…`) and point at something that exists.
fn check_refs(doc: &Value, at: &mut Vec<String>, v: &Value) -> Result<(), ParseError> {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref") {
                let r = r.as_str().ok_or_else(|| bad("a $ref is not a string"))?;
                let target = r
                    .strip_prefix('#')
                    .ok_or_else(|| bad(format!("$ref {r:?} points outside the document")))?;
                if doc.pointer(target).is_none() {
                    return Err(bad(format!("$ref {r:?} points at nothing")));
                }
            }
            for (k, child) in m {
                at.push(k.clone());
                check_refs(doc, at, child)?;
                at.pop();
            }
            Ok(())
        }
        Value::Array(a) => a.iter().try_for_each(|c| check_refs(doc, at, c)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r##"{
      "openapi": "3.0.3",
      "info": {"title": "Person lookup", "version": "1.0.0"},
      "paths": {
        "/persons/{id}": {
          "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "example": "123"}],
          "get": {"operationId": "getPerson", "summary": "One person",
                  "responses": {"200": {"description": "Found", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Person"}, "example": {"name": "Ali"}}}},
                                "404": {"description": "Not found"}}}
        },
        "/persons": {"get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}], "responses": {"200": {"description": "ok"}}},
                     "post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Person"}}}}, "responses": {"201": {"description": "made"}}}}
      },
      "components": {"schemas": {"Person": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "example": "Ali"}, "born": {"type": "string", "format": "date"}}}}}
    }"##;

    #[test]
    fn a_document_becomes_operations_and_schemas() {
        let (_, d) = parse(GOOD).unwrap();
        assert_eq!(d.title, "Person lookup");
        let eps = endpoints(&d);
        assert!(eps.contains(&("GET".into(), "/persons/{id}".into())));
        assert!(eps.contains(&("POST".into(), "/persons".into())));
        assert_eq!(eps.len(), 3);
        let one = d
            .operations
            .iter()
            .find(|o| o.path == "/persons/{id}")
            .unwrap();
        assert_eq!(one.parameters[0].name, "id");
        assert!(one.parameters[0].required);
        assert_eq!(one.parameters[0].example.as_deref(), Some("123"));
        let ok = &one
            .responses
            .iter()
            .find(|r| r.status == "200")
            .unwrap()
            .body
            .as_ref()
            .unwrap();
        assert_eq!(ok.type_name, "Person");
        assert!(ok.example.as_ref().unwrap().contains("\"Ali\""));
        let list = d
            .operations
            .iter()
            .find(|o| o.method == "GET" && o.path == "/persons")
            .unwrap();
        assert_eq!(list.parameters[0].type_name, "array of string");
        let p = &d.schemas[0];
        assert_eq!(p.name, "Person");
        assert!(
            p.properties
                .iter()
                .any(|x| x.name == "born" && x.type_name == "string (date)" && !x.required)
        );
    }

    #[test]
    fn yaml_reads_like_json() {
        let yaml = "openapi: 3.0.3\ninfo:\n  title: Person lookup\n  version: '1'\npaths:\n  /persons/{id}:\n    get:\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n      responses:\n        '200': {description: ok}\n";
        let (doc, d) = parse(yaml).unwrap();
        assert_eq!(doc["info"]["title"], "Person lookup");
        assert_eq!(endpoints(&d), vec![("GET".into(), "/persons/{id}".into())]);
        // An alias bomb is refused, not expanded without end.
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..9 {
            let prev = if i == 0 {
                "a".to_owned()
            } else {
                format!("l{}", i - 1)
            };
            bomb.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(parse(&bomb).is_err());
    }

    #[test]
    fn invalid_documents_are_refused_with_the_reason() {
        let why = |t: &str| parse(t).unwrap_err().to_string();
        assert!(why("{not json").contains("not JSON"));
        assert!(why("a: [unclosed").contains("neither JSON nor YAML"));
        assert!(why("just words").contains("not a JSON object"));
        assert!(why("[]").contains("not a JSON object"));
        assert!(why(r#"{"swagger": "2.0"}"#).contains("Swagger 2.0"));
        assert!(why(r#"{"openapi": "2.0", "info": {}}"#).contains("3.x"));
        assert!(why(r#"{"openapi": "3.0.0", "info": {"title": "x"}}"#).contains("info.version"));
        assert!(
            why(r#"{"openapi": "3.0.0", "info": {"title": "x", "version": "1"}}"#)
                .contains("paths")
        );
        assert!(
            why(r#"{"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": {}}"#)
                .contains("no operation")
        );
        assert!(why(r#"{"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": {"a": {"get": {}}}}"#).contains("start with /"));
        assert!(why(r#"{"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": {"/a/{id}": {"get": {}}}}"#).contains("{id}"));
        let dangling = GOOD.replace(
            "#/components/schemas/Person\"}, \"example\"",
            "#/components/schemas/Nobody\"}, \"example\"",
        );
        assert!(why(&dangling).contains("points at nothing"));
        let remote = GOOD.replace(
            "\"#/components/schemas/Person\"}}}}, \"responses\"",
            "\"https://evil.example/x.json\"}}}}, \"responses\"",
        );
        assert!(why(&remote).contains("outside the document"));
        assert!(why(&" ".repeat(MAX_OPENAPI_BYTES + 1)).contains("larger"));
    }
}
