//! Metaservices in X-Road's JSON shapes, answered from the registry: `GET /listClients` (every member and
//! subsystem of the instance), and under `/r1/{instance}/{class}/{member}/{subsystem}/`: `listMethods` (the
//! subsystem's services and their operations), `allowedMethods` (what the calling client may call there,
//! from its live grants; paths may contain `*`) and `getOpenAPI?serviceCode=` (the registered document
//! with each server URL cut down to its path). Also the public face of this node's log: its latest signed
//! checkpoint and its verifier key.

use std::sync::LazyLock;

use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use egov_core::SubsystemId;
use egov_core::clock::Millis;
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::access::{self, internal};
use crate::errors::{ErrorType, GatewayError, xml_escape};
use crate::{Gateway, PeerCertificate};

const METASERVICES: &[&str] = &["listMethods", "allowedMethods", "getOpenAPI"];

pub fn is_metaservice(name: &str) -> bool {
    METASERVICES.contains(&name)
}

fn json_answer(v: &Value) -> (Response, String) {
    let body = v.to_string();
    let sha = hex::encode(Sha256::digest(body.as_bytes()));
    (
        ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
        sha,
    )
}

fn service_json(id: &SubsystemId, code: &str, endpoints: Vec<Value>) -> Value {
    json!({
        "object_type": "SERVICE",
        "service_type": "OPENAPI",
        "xroad_instance": id.member.instance.as_str(),
        "member_class": id.member.class.as_str(),
        "member_code": id.member.code.as_str(),
        "subsystem_code": id.code.as_str(),
        "service_code": code,
        "endpoint_list": endpoints,
    })
}

/// A metaservice call (`segments` = instance, class, member, subsystem, name). The caller authenticates
/// like any client; `client` is set to its id for the log.
pub async fn answer(
    gw: &Gateway,
    req: Request,
    segments: &[&str],
    client: &mut String,
) -> Result<(Response, String), GatewayError> {
    let provider_id = SubsystemId::from_path_segments(&segments[..4])
        .map_err(|e| GatewayError::new(ErrorType::BadRequest, e.to_string()))?;
    let headers = req.headers().clone();
    let claimed = access::client_header(&headers)?;
    *client = claimed.to_string();
    let peer = req.extensions().get::<PeerCertificate>().cloned();
    let caller = access::authenticate(gw, &headers, peer.as_ref(), &claimed).await?;
    let unknown = || {
        GatewayError::new(
            ErrorType::UnknownService,
            format!("no subsystem {provider_id} in the registry"),
        )
    };
    let provider = gw
        .store()
        .subsystem_by_client(&provider_id)
        .await
        .map_err(internal)?
        .ok_or_else(unknown)?;
    let services = gw
        .store()
        .services(Some(provider.id))
        .await
        .map_err(internal)?;
    match segments[4] {
        "listMethods" => {
            let list: Vec<Value> = services
                .iter()
                .map(|s| {
                    let eps = s
                        .endpoints
                        .iter()
                        .map(|e| json!({"method": e.method, "path": e.path}))
                        .collect();
                    service_json(&provider_id, s.code.as_str(), eps)
                })
                .collect();
            Ok(json_answer(&json!({ "service": list })))
        }
        "allowedMethods" => {
            let mut list = Vec::new();
            for s in &services {
                let grants = gw
                    .store()
                    .live_grants(caller.id, s.id, Millis::now())
                    .await
                    .map_err(internal)?;
                let mut eps: Vec<Value> = grants
                    .iter()
                    .flat_map(|g| g.endpoints.iter())
                    .map(|e| {
                        let text = e.to_string();
                        let (m, p) = text.split_once(' ').unwrap_or(("*", text.as_str()));
                        json!({"method": m, "path": p})
                    })
                    .collect();
                eps.dedup();
                if !eps.is_empty() {
                    list.push(service_json(&provider_id, s.code.as_str(), eps));
                }
            }
            Ok(json_answer(&json!({ "service": list })))
        }
        _ => {
            #[derive(Deserialize, Default)]
            struct Q {
                #[serde(rename = "serviceCode")]
                service_code: Option<String>,
            }
            let q: Q =
                serde_urlencoded::from_str(req.uri().query().unwrap_or("")).unwrap_or_default();
            let code = q.service_code.unwrap_or_default();
            let service = services
                .iter()
                .find(|s| s.code.as_str() == code)
                .ok_or_else(|| {
                    GatewayError::new(
                        ErrorType::UnknownService,
                        format!("no service {code:?} in {provider_id}: give ?serviceCode="),
                    )
                })?;
            let mut doc = service.openapi.clone().ok_or_else(|| {
                GatewayError::new(
                    ErrorType::UnknownService,
                    "the service has no OpenAPI document",
                )
            })?;
            if let Some(servers) = doc.get_mut("servers").and_then(Value::as_array_mut) {
                for s in servers {
                    if let Some(url) = s.get("url").and_then(Value::as_str) {
                        let path = url_path(url);
                        s["url"] = Value::String(path);
                    }
                }
            }
            Ok(json_answer(&doc))
        }
    }
}

/// `https://host:8443/api/v1` → `/api/v1`; a relative URL stays as it is.
fn url_path(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => rest
            .find('/')
            .map_or_else(|| "/".to_owned(), |i| rest[i..].to_owned()),
        None => url.to_owned(),
    }
}

#[derive(Deserialize, Default)]
pub struct ClientsQuery {
    #[serde(rename = "xRoadInstance")]
    instance: Option<String>,
}

/// X-Road's XML `clientList` from the JSON form's members.
fn client_list_xml(members: &[Value]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xrd:clientList xmlns:xrd=\"http://x-road.eu/xsd/xroad.xsd\" xmlns:id=\"http://x-road.eu/xsd/identifiers\">\n",
    );
    let text = |v: &Value| xml_escape(v.as_str().unwrap_or(""));
    for m in members {
        let id = &m["id"];
        out.push_str(&format!(
            "  <xrd:member>\n    <xrd:id id:objectType=\"{}\">\n      <id:xRoadInstance>{}</id:xRoadInstance>\n      <id:memberClass>{}</id:memberClass>\n      <id:memberCode>{}</id:memberCode>\n",
            text(&id["object_type"]),
            text(&id["xroad_instance"]),
            text(&id["member_class"]),
            text(&id["member_code"])
        ));
        if id["subsystem_code"].is_string() {
            out.push_str(&format!(
                "      <id:subsystemCode>{}</id:subsystemCode>\n",
                text(&id["subsystem_code"])
            ));
        }
        out.push_str(&format!(
            "    </xrd:id>\n    <xrd:name>{}</xrd:name>\n  </xrd:member>\n",
            text(&m["name"])
        ));
    }
    out.push_str("</xrd:clientList>\n");
    out
}

/// `GET /listClients`: every member and subsystem of this instance, as JSON when the client accepts
/// `application/json` and as X-Road's XML `clientList` otherwise (X-Road's own rule).
pub async fn list_clients(
    State(gw): State<Gateway>,
    Query(q): Query<ClientsQuery>,
    headers: axum::http::HeaderMap,
) -> Response {
    let json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.to_ascii_lowercase().contains("application/json"));
    let instance = gw.config().instance.clone();
    if q.instance.as_deref().is_some_and(|i| i != instance) {
        return if json {
            json_answer(&json!({"member": []})).0
        } else {
            xml_answer(client_list_xml(&[]))
        };
    }
    let store = gw.store();
    let (orgs, systems) = match (store.organizations().await, store.subsystems(None).await) {
        (Ok(o), Ok(s)) => (o, s),
        (Err(e), _) | (_, Err(e)) => return internal(e).into_response_for(None),
    };
    static LANG: LazyLock<egov_core::Lang> =
        LazyLock::new(|| egov_core::Lang::parse("en").unwrap_or_else(|_| unreachable!()));
    let name = |l: &egov_core::Localized| {
        l.get(*LANG)
            .or_else(|| l.langs().next().and_then(|x| l.get(x)))
            .unwrap_or("")
            .to_owned()
    };
    let mut members = Vec::new();
    for o in &orgs {
        let member = json!({"object_type": "MEMBER", "xroad_instance": instance, "member_class": o.member_class.as_str(), "member_code": o.legal_id.as_str()});
        members.push(json!({"id": member, "name": name(&o.name)}));
        for s in systems.iter().filter(|s| s.org == o.id) {
            let id = json!({"object_type": "SUBSYSTEM", "xroad_instance": instance, "member_class": o.member_class.as_str(),
                "member_code": o.legal_id.as_str(), "subsystem_code": s.code.as_str()});
            members.push(json!({"id": id, "name": name(&o.name), "subsystem_name": name(&s.name)}));
        }
    }
    if json {
        json_answer(&json!({ "member": members })).0
    } else {
        xml_answer(client_list_xml(&members))
    }
}

fn xml_answer(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/xml; charset=utf-8")], body).into_response()
}

#[derive(Deserialize, Default)]
pub struct NodeQuery {
    node: Option<String>,
}

/// `GET /gateway/checkpoint[?node=]`: the latest signed checkpoint of this node's log (or another's).
pub async fn checkpoint(State(gw): State<Gateway>, Query(q): Query<NodeQuery>) -> Response {
    let node = q.node.unwrap_or_else(|| gw.node().to_owned());
    match gw.store().latest_checkpoint(&node).await {
        Ok(latest) => match latest {
            Some(c) => (
                [
                    (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                c.note.clone(),
            )
                .into_response(),
            None => (StatusCode::NOT_FOUND, "no checkpoint yet\n").into_response(),
        },
        Err(e) => internal(e).into_response_for(None),
    }
}

/// `GET /gateway/key`: this node's verifier key, for checking checkpoints and proofs offline.
pub async fn key(State(gw): State<Gateway>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{}\n", gw.0.verifier_key),
    )
        .into_response()
}
