//! The OpenAPI 3.1 document of `/api/v1`, served at
//! `/api/v1/openapi.json`: the device endpoints routed beside it
//! ([`super::router`]) and the supervisors' data endpoints that
//! [`crate::console::api`] nests at the same prefix. Written by hand; a
//! test checks that every path it lists is routed.

use axum::Json;
use serde_json::{Value, json};

/// Every path the document describes (relative to `/api/v1`).
pub const PATHS: [&str; 10] = [
    "/devices",
    "/devices/rotate",
    "/me",
    "/changes",
    "/purges",
    "/review-queue",
    "/participants/{document}",
    "/participants/{document}/notes/{note}/reviews",
    "/team",
    "/accompaniments",
];

fn error_responses() -> Value {
    json!({
        "400": {"$ref": "#/components/responses/Error"},
        "401": {"$ref": "#/components/responses/Error"},
        "403": {"$ref": "#/components/responses/Error"},
        "404": {"$ref": "#/components/responses/Error"},
        "503": {"$ref": "#/components/responses/Error"}
    })
}

fn get(summary: &str, params: Value, ok: Value) -> Value {
    let mut responses = error_responses();
    responses["200"] =
        json!({"description": "OK", "content": {"application/json": {"schema": ok}}});
    json!({"get": {"summary": summary, "security": [{"bearer": []}], "parameters": params, "responses": responses}})
}

fn query(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}})
}

fn path(name: &str, description: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": {"type": "string"}})
}

/// The document.
pub fn spec() -> Value {
    let obj = json!({"type": "object"});
    let mut review_responses = error_responses();
    review_responses["201"] = json!({"description": "Written into the participant document; syncs to the worker's devices",
        "content": {"application/json": {"schema": {"type": "object", "properties": {"reviewId": {"type": "string", "format": "uuid"}}}}}});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Alongside API",
            "version": "1",
            "description": "Device enrolment and, for supervisors' devices, the merged caseloads of their teams. \
                Authenticate with a device token (`Authorization: Bearer als_…`) from POST /devices. \
                Errors are `{\"error\": code, \"message\": text}`. Times are milliseconds since the Unix epoch (UTC)."
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message"],
                    "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
                "ReviewState": {"type": "string", "enum": ["awaiting", "amended", "revised", "changes-requested", "approved", "draft"]}
            },
            "responses": {"Error": {"description": "A refusal", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
        },
        "paths": {
            "/devices": {"post": {
                "summary": "Sign in once from a device (peer or supervisor) and receive a device token",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
                    "required": ["username", "password", "deviceName"],
                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}, "deviceName": {"type": "string"},
                        "appVersion": {"type": "string", "pattern": "^[A-Za-z0-9._+/-]{1,64}$", "description": "the enrolling app's version, shown in the console"}}}}}},
                "responses": {"201": {"description": "Enrolled", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "deviceId": {"type": "string"}, "userId": {"type": "string"}, "token": {"type": "string"},
                    "expiresAt": {"type": "string"}, "caseloadIndex": {"type": "string"},
                    "idleLockMinutes": {"type": "integer", "minimum": 1, "maximum": 60, "description": "lock the app after this long without input"}}}}}},
                    "400": {"$ref": "#/components/responses/Error"},
                    "401": {"description": "Wrong username or password, or an account that may not enrol a device (one answer)",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    "429": {"$ref": "#/components/responses/Error"}}
            }},
            "/devices/rotate": {"post": {"summary": "Replace this device's token", "security": [{"bearer": []}],
                "responses": {"200": {"description": "New token", "content": {"application/json": {"schema": obj}}},
                    "401": {"$ref": "#/components/responses/Error"}}}},
            "/me": get("Who the token belongs to, and the idle lock (`idleLockMinutes`) the app obeys", json!([]), obj.clone()),
            "/changes": get(
                "The change feed: documents this user may read written since the cursor; `full` means sync every held document",
                json!([query("since", "the cursor of the last complete sync; omit for a first cursor")]),
                json!({"type": "object", "required": ["cursor", "full", "documents"], "properties": {
                    "cursor": {"type": "string", "description": "send as `since` after a sync that completed"},
                    "full": {"type": "boolean"},
                    "documents": {"type": "array", "items": {"type": "string", "description": "automerge: URL"}}}})),
            "/purges": {"post": {
                "summary": "Record that this device deletes a document it lost access to, handing over unsynced changes (kept in quarantine, never merged)",
                "security": [{"bearer": []}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
                    "required": ["document"], "properties": {
                        "document": {"type": "string", "description": "document id or automerge: URL"},
                        "unsynced": {"type": "string", "contentEncoding": "base64", "description": "Automerge change bytes the server never acknowledged"}}}}}},
                "responses": {
                    "200": {"description": "Recorded", "content": {"application/json": {"schema": {"type": "object",
                        "properties": {"quarantined": {"type": ["integer", "null"]}}}}}},
                    "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
                    "413": {"$ref": "#/components/responses/Error"}, "503": {"$ref": "#/components/responses/Error"}}
            }},
            "/review-queue": get(
                "Notes of the supervisor's teams by review state, oldest first (supervisors only)",
                json!([query("peer", "a peer's user id"), query("state", "needs-review (default), all, or a ReviewState")]),
                json!({"type": "object", "properties": {"notes": {"type": "array", "items": {"type": "object", "properties": {
                    "participant": {"type": "string"}, "participantName": {"type": "string"}, "noteId": {"type": "string"},
                    "authorId": {"type": "string"}, "authorName": {"type": ["string", "null"]}, "deviceId": {"type": "string"},
                    "status": {"type": "string"}, "part2": {"type": "boolean"}, "serviceDate": {"type": "string"},
                    "submittedAt": {"type": "integer"}, "state": {"$ref": "#/components/schemas/ReviewState"},
                    "latestReview": {"type": ["object", "null"]}}}}}})),
            "/participants/{document}": get(
                "One participant's merged record: profile, goals, notes with review state, sync time and changes since review, reviews, concurrent values (supervisors only)",
                json!([path("document", "the document id (bs58check, as in automerge: URLs) or a UUID")]),
                json!({"type": "object", "properties": {"document": {"type": "string"}, "heads": {"type": "array", "items": {"type": "string"}},
                    "profile": obj, "goals": {"type": "array"}, "notes": {"type": "array"}, "reviews": {"type": "array"}, "conflicts": {"type": "array"}}})),
            "/participants/{document}/notes/{note}/reviews": {"post": {
                "summary": "Approve a note or request changes (a comment is required), recording the heads reviewed",
                "security": [{"bearer": []}],
                "parameters": [path("document", "the participant record"), path("note", "the note id (UUID)")],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
                    "required": ["decision", "heads"], "properties": {
                        "decision": {"type": "string", "enum": ["approve", "request-changes"]},
                        "comment": {"type": "string", "maxLength": 4000},
                        "heads": {"type": "array", "items": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "description": "the record's heads as read"}}}}}},
                "responses": review_responses
            }},
            "/team": get("Caseload sizes, review counts, accompaniments this week and devices' last sync and app version (supervisors only)",
                json!([]), obj.clone()),
            "/accompaniments": get("Accompaniment logs of a week, with durations and open follow-ups (supervisors only)",
                json!([query("peer", "a peer's user id"), query("week", "any day of the week, YYYY-MM-DD (default: this week)")]), obj),
        }
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<Value> {
    Json(spec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_lists_every_path_once() {
        let spec = spec();
        let paths = spec["paths"].as_object().map(|p| p.len()).unwrap_or(0);
        assert_eq!(paths, PATHS.len());
        for p in PATHS {
            assert!(spec["paths"].get(p).is_some(), "{p}");
        }
        assert_eq!(spec["openapi"], "3.1.0");
    }
}
