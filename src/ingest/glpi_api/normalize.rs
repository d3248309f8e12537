//! GLPI's JSON → canonical records: a ticket and its sub-items go through the same row
//! mappings as the CSV readers (`glpi_logs` rows for the history, `glpi_itilfollowups` rows for
//! follow-ups), with the ticket's own fields checked here.

use serde_json::{Map, Value};

use super::client::Bundle;
use crate::ingest::glpi::{self, SOURCE};
use crate::ingest::limits;
use crate::ingest::load::{Record, Reject, TicketRow};
use crate::model::{Status, TicketType, parse_priority, priority_label_es};

/// Turns one ticket and its sub-items into canonical records, through the same mappings as the
/// CSV readers: `glpi_logs` rows for the history, `glpi_itilfollowups` rows for follow-ups.
pub(super) fn normalise(b: &Bundle, entity: Option<&str>, out: &mut Vec<Record>) {
    let ticket = ticket_row(b, entity);
    let Record::Ticket(t) = &ticket else {
        out.push(ticket);
        return;
    };
    let id = t.ticket_id.clone();
    let line = t.line;
    out.push(ticket);
    for log in &b.logs {
        let row = flatten(log, &id, &[]);
        out.push(glpi::log_row(&|c| lookup(&row, c), line));
    }
    let requesters = actors(&b.users, "users_id", 1);
    for fu in &b.followups {
        // The API has no `is_requester`: the author is the requester when GLPI names the same
        // user (both come expanded to names, or both as ids).
        let author = text(fu.get("users_id")).filter(|a| !a.is_empty());
        let by_requester = author.map(|a| if requesters.contains(&a) { "1" } else { "0" });
        let extra: Vec<(&str, String)> = by_requester
            .map(|f| ("is_requester", f.to_owned()))
            .into_iter()
            .collect();
        let row = flatten(fu, &id, &extra);
        out.push(glpi::followup_row(&|c| lookup(&row, c), line));
    }
}

fn ticket_row(b: &Bundle, entity: Option<&str>) -> Record {
    let t = &b.ticket;
    let get = |k: &str| {
        text(t.get(k))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let reject = |line: u64, column: &str, raw: Option<String>, reason: String| {
        Record::Reject(Reject {
            line,
            column: Some(column.to_owned()),
            raw,
            reason,
        })
    };
    let Some(id) = get("id").filter(|i| is_ticket_id(i)) else {
        return reject(0, "id", get("id"), "caso sin identificador válido".into());
    };
    let line = id.parse::<u64>().unwrap_or(0);
    let bad = |column: &str, raw: Option<String>, what: &str| {
        reject(line, column, raw, format!("caso {id}: {what}"))
    };
    let status = match get("status") {
        None => return bad("status", None, "falta el estado"),
        Some(raw) => match raw.parse::<i64>().ok().and_then(Status::from_glpi_code) {
            Some(s) => s,
            None => return bad("status", Some(raw), "código de estado desconocido"),
        },
    };
    let mut dates = [None; 4];
    for (k, field) in ["date", "solvedate", "closedate", "date_mod"]
        .into_iter()
        .enumerate()
    {
        if let Some(raw) = get(field) {
            match glpi::history_date(&raw) {
                Some(d) => dates[k] = Some(d),
                None => return bad(field, Some(raw), "fecha inválida"),
            }
        }
    }
    let [opened, solved, closed, date_mod] = dates;
    let Some(created_at) =
        opened.or_else(|| get("date_creation").and_then(|d| glpi::history_date(&d)))
    else {
        return bad("date", None, "falta la fecha de apertura");
    };
    for (d, field) in [(solved, "solvedate"), (closed, "closedate")] {
        if d.is_some_and(|d| d < created_at) {
            return bad(field, get(field), "fecha anterior a la apertura del caso");
        }
    }
    let ticket_type = match get("type").filter(|t| t != "0") {
        None => None,
        Some(raw) => match TicketType::parse(&raw) {
            Some(t) => Some(t),
            None => return bad("type", Some(raw), "tipo desconocido"),
        },
    };
    let priority = match get("priority").filter(|p| p != "0") {
        None => None,
        Some(raw) => match parse_priority(&raw) {
            Some(p) => Some(p),
            None => return bad("priority", Some(raw), "prioridad desconocida"),
        },
    };
    // GLPI's own take-into-account time, used only for tickets without any history; 0 means
    // "not taken yet" there. Beyond the domain limits it is refused, as in the files.
    let attention_source_seconds = match get("takeintoaccount_delay_stat")
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|s| *s > 0)
        .map(limits::duration)
    {
        None => None,
        Some(Ok(secs)) => Some(secs),
        Some(Err(v)) => {
            return bad(
                "takeintoaccount_delay_stat",
                get("takeintoaccount_delay_stat"),
                v.reason(),
            );
        }
    };
    let joined = |names: Vec<String>| Some(names.join(", ")).filter(|s| !s.is_empty());
    Record::Ticket(Box::new(TicketRow {
        source: SOURCE.to_owned(),
        ticket_id: id,
        entity: entity
            .map(str::to_owned)
            .or_else(|| dropdown(t.get("entities_id")))
            .unwrap_or_default(),
        title: get("name").map(|s| unescape(&s)),
        ticket_type,
        priority,
        priority_label: priority.map(|p| priority_label_es(p).to_owned()),
        category: dropdown(t.get("itilcategories_id")),
        service: None,
        technician: joined(actors(&b.users, "users_id", 2)),
        tech_group: joined(actors(&b.groups, "groups_id", 2)),
        requester: joined(actors(&b.users, "users_id", 1)),
        channel: dropdown(t.get("requesttypes_id")),
        status,
        status_label: Some(status.label_es().to_owned()),
        created_at,
        taken_at: None,
        solved_at: solved,
        closed_at: closed,
        last_update: date_mod,
        satisfaction: None,
        attention_source_seconds,
        line,
    }))
}

/// Names (or ids) of a ticket's actors of one role: `Ticket_User`/`Group_Ticket` rows with
/// `type` 1 requester, 2 assigned, 3 observer; in GLPI's order, without repeats.
fn actors(rows: &[Value], field: &str, role: i64) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for row in rows {
        let is_role = text(row.get("type")).and_then(|t| t.parse::<i64>().ok()) == Some(role);
        if let Some(name) = dropdown(row.get(field)).filter(|_| is_role)
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    names
}

/// A JSON object as `column → text`, the way the CSV readers see a row; `items_id` is the
/// ticket the sub-item was fetched for.
fn flatten(row: &Value, ticket_id: &str, extra: &[(&str, String)]) -> Vec<(String, String)> {
    let empty = Map::new();
    let obj = row.as_object().unwrap_or(&empty);
    let mut cols: Vec<(String, String)> = obj
        .iter()
        .filter(|(k, _)| k.as_str() != "items_id")
        .filter_map(|(k, v)| text(Some(v)).map(|t| (k.to_ascii_lowercase(), t)))
        .collect();
    cols.push(("items_id".into(), ticket_id.to_owned()));
    if !obj.contains_key("itemtype") {
        cols.push(("itemtype".into(), "Ticket".into()));
    }
    cols.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    cols
}

fn lookup<'a>(row: &'a [(String, String)], column: &str) -> Option<&'a str> {
    row.iter().find(|(k, _)| k == column).map(|(_, v)| v.trim())
}

/// A scalar JSON value as text (GLPI sends numbers as numbers or as strings, depending on the
/// database driver).
pub(super) fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.to_owned()),
        _ => None,
    }
}

/// An expanded dropdown (`expand_dropdowns=true` gives names; an empty one comes as `""`,
/// `"&nbsp;"` or `0`).
fn dropdown(v: Option<&Value>) -> Option<String> {
    let t = unescape(text(v)?.trim());
    let t = t.trim();
    (!t.is_empty() && t != "0").then(|| t.to_owned())
}

/// Undoes the HTML entities GLPI stores some texts with.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#039;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

pub(super) fn is_ticket_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 18 && id.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn api_tickets_normalise_like_the_list() {
        let b = Bundle {
            ticket: json!({
                "id": 42, "name": "Impresora &quot;HP&quot; sin tóner", "status": 5,
                "priority": "4", "type": 2, "date": "2025-03-03 08:15:00",
                "solvedate": "2025-03-03 09:00:10", "closedate": null,
                "date_mod": "2025-03-03 09:00:10", "itilcategories_id": "Hardware &gt; Impresoras",
                "entities_id": "Entidad Raíz > Alcaldía", "requesttypes_id": "&nbsp;",
                "takeintoaccount_delay_stat": 0
            }),
            users: vec![
                json!({"users_id": "Ana Pérez", "type": 1}),
                json!({"users_id": "Luis Gómez", "type": 2}),
                json!({"users_id": "Marta Ruiz", "type": "2"}),
                json!({"users_id": "Luis Gómez", "type": 2}),
            ],
            groups: vec![json!({"groups_id": "Soporte N1", "type": 2})],
            logs: vec![
                json!({"id": 7, "itemtype": "Ticket", "items_id": 42, "itemtype_link": "",
                       "linked_action": 0, "user_name": "Luis Gómez (5)",
                       "date_mod": "2025-03-03 08:20:00", "id_search_option": 12,
                       "old_value": "1", "new_value": "2"}),
                json!({"id": 8, "itemtype": "Ticket", "items_id": 42,
                       "itemtype_link": "ITILSolution", "linked_action": 17,
                       "date_mod": "2025-03-03 09:00:10", "id_search_option": 0,
                       "old_value": "", "new_value": ""}),
            ],
            followups: vec![
                json!({"id": 3, "itemtype": "Ticket", "items_id": 42, "users_id": "Ana Pérez",
                       "date": "2025-03-03 08:16:00", "is_private": 0}),
                json!({"id": 4, "itemtype": "Ticket", "items_id": 42, "users_id": "Luis Gómez",
                       "date": "2025-03-03 08:30:00", "is_private": 1}),
            ],
        };
        let mut out = Vec::new();
        normalise(&b, None, &mut out);
        let Record::Ticket(t) = &out[0] else {
            panic!("first record is the ticket: {:?}", out[0])
        };
        assert_eq!(t.ticket_id, "42");
        assert_eq!(t.title.as_deref(), Some("Impresora \"HP\" sin tóner"));
        assert_eq!(t.status, Status::Solved);
        assert_eq!(
            (t.priority, t.ticket_type),
            (Some(4), Some(TicketType::Request))
        );
        assert_eq!(t.category.as_deref(), Some("Hardware > Impresoras"));
        assert_eq!(t.technician.as_deref(), Some("Luis Gómez, Marta Ruiz"));
        assert_eq!(t.tech_group.as_deref(), Some("Soporte N1"));
        assert_eq!(t.requester.as_deref(), Some("Ana Pérez"));
        assert_eq!(t.channel, None);
        assert_eq!(t.attention_source_seconds, None);
        assert_eq!(t.closed_at, None);
        let Record::Event(status) = &out[1] else {
            panic!("status event: {:?}", out[1])
        };
        assert_eq!(
            (status.kind.as_str(), status.new_value.as_deref()),
            ("status", Some("assigned"))
        );
        assert_eq!(out[2], Record::Skip);
        let Record::Event(f1) = &out[3] else {
            panic!("follow-up: {:?}", out[3])
        };
        assert_eq!((f1.is_public, f1.by_requester), (Some(true), Some(true)));
        let Record::Event(f2) = &out[4] else {
            panic!("follow-up: {:?}", out[4])
        };
        assert_eq!((f2.is_public, f2.by_requester), (Some(false), Some(false)));

        let mut out = Vec::new();
        normalise(&b, Some("Otra"), &mut out);
        assert!(matches!(&out[0], Record::Ticket(t) if t.entity == "Otra"));
    }

    #[test]
    fn impossible_tickets_are_rejected_with_their_id() {
        let reason = |ticket: Value| {
            let mut out = Vec::new();
            normalise(
                &Bundle {
                    ticket,
                    ..Bundle::default()
                },
                None,
                &mut out,
            );
            match &out[..] {
                [Record::Reject(r)] => (r.line, r.reason.clone()),
                other => panic!("one reject expected: {other:?}"),
            }
        };
        let (line, why) = reason(json!({"id": 7, "status": 9, "date": "2025-01-01 08:00:00"}));
        assert_eq!(line, 7);
        assert!(why.contains("caso 7") && why.contains("estado"), "{why}");
        let (_, why) = reason(json!({"id": 7, "status": 1}));
        assert!(why.contains("apertura"), "{why}");
        let (_, why) = reason(json!({"id": 7, "status": 5, "date": "2025-01-02 08:00:00",
                                      "solvedate": "2025-01-01 08:00:00"}));
        assert!(why.contains("anterior a la apertura"), "{why}");
        let (_, why) = reason(json!({"id": 7, "status": 1, "date": "ayer"}));
        assert!(why.contains("fecha inválida"), "{why}");
        let (line, _) = reason(json!({"name": "sin id", "status": 1}));
        assert_eq!(line, 0);
    }

    #[test]
    fn extreme_api_values_are_rejected_at_the_door() {
        let one = |ticket: Value| {
            let mut out = Vec::new();
            normalise(
                &Bundle {
                    ticket,
                    ..Bundle::default()
                },
                None,
                &mut out,
            );
            out.into_iter().next().expect("one record")
        };
        let reason = |ticket: Value| match one(ticket) {
            Record::Reject(r) => r.reason,
            other => panic!("a reject expected: {other:?}"),
        };
        let big: Value = serde_json::from_str(
            r#"{"id": 123456789012345678901234567890123456789, "status": 1,
                "date": "2025-01-01 08:00:00"}"#,
        )
        .expect("json");
        assert!(reason(big).contains("sin identificador válido"));
        let why = reason(json!({"id": 8, "status": 1, "date": "2025-01-01 08:00:00",
                               "takeintoaccount_delay_stat": i64::MAX}));
        assert!(
            why.contains("caso 8") && why.contains("duración fuera de rango"),
            "{why}"
        );
        for date in ["9999-12-31 23:59:59", "0001-01-01 00:00:00"] {
            let why = reason(json!({"id": 9, "status": 1, "date": date}));
            assert!(why.contains("fecha inválida"), "{date}: {why}");
        }
        // Fifty years of 366 days is still a duration.
        let ok = one(json!({"id": 10, "status": 1, "date": "2025-01-01 08:00:00",
                            "takeintoaccount_delay_stat": 1_581_120_000i64}));
        assert!(
            matches!(&ok, Record::Ticket(t) if t.attention_source_seconds == Some(1_581_120_000)),
            "{ok:?}"
        );
    }

    #[test]
    fn glpi_dropdowns_are_read_defensively() {
        assert_eq!(dropdown(Some(&json!("&nbsp;"))), None);
        assert_eq!(dropdown(Some(&json!(0))), None);
        assert_eq!(dropdown(Some(&json!("A &amp; B"))), Some("A & B".into()));
    }
}
