//! The ticket page and its JSON show what measured each clock (calendar, policy version, pauses
//! per status) and the OLA per group, over `tests/fixtures/ticket_model` evaluated on
//! 31/03/2025 23:59:59 with its policy (two versions, a 24x7 calendar, OLA rules).
//!
//! Calendars: `general` is Monday–Friday 08:00–17:00 with Colombian holidays (Monday 24/03/2025
//! is one); `continuo` is 24x7. v04 (from 01/03/2025): attention 2 h, solution 8 h, pauses on
//! waiting. v05 (from 10/03/2025): Infraestructura solution 24 h on `continuo`, otherwise
//! attention 1 h and solution 4 h; pauses on waiting and planned. OLA: Mesa N1 2 h, Redes Core
//! 4 h.
//!
//! Ticket 1 (v05, Software), opened Tuesday 11/03 09:00: Mesa N1 from 09:00, assigned 09:10,
//! Redes Core from 10:00, waiting 11:00–13:00, Mesa N1 again from 15:00, planned 16:00–16:30,
//! solved Wednesday 12/03 10:00.
//! - attention: 09:00 → 09:10 = 600 s ≤ 3 600: met.
//! - solution: 8 h (11/03 09–17) + 2 h (12/03 08–10) = 36 000 s open, minus 7 200 waiting and
//!   1 800 planned = 27 000 s > 14 400: breached; paused 9 000.
//! - OLA: Mesa N1 1 h (09–10) + 1,5 h (15–17 less the planned half hour) + 2 h (12/03 08–10)
//!   = 16 200 s > 7 200: breached, 60 % of 27 000; Redes Core 5 h (10–15) − 2 h waiting =
//!   10 800 s ≤ 14 400: met, 40 %. 16 200 + 10 800 = 27 000.
//!
//! Ticket 2 (v05, Infraestructura, list group Redes Core, no group history), opened Friday
//! 21/03 16:00, assigned 16:30, solved Tuesday 25/03 10:00.
//! - attention (general): 1 800 s: met.
//! - solution on `continuo`: 8 h Fri + 24 h × 3 + 10 h Tue = 90 h = 324 000 s > 86 400:
//!   breached; from opening to solution every second is open on `continuo`. On the general
//!   calendar the same span would count 1 h Fri + 2 h Tue = 10 800 s open.
//! - OLA: Redes Core holds it all, 324 000 s > 14 400: breached, 100 %.
//!
//! Ticket 3 (Software, no group), opened Friday 28/02 10:00, before v04's `from`: measured by
//! v04 and flagged; assigned 10:30, solved 14:00.
//! - attention: 1 800 s ≤ 7 200: met; solution: 4 h = 14 400 s ≤ 28 800: met.
//! - OLA: «(sin grupo)» 14 400 s, no target, 100 %.

use mesa_sla::config::Config;
use mesa_sla::engine::Engine;
use mesa_sla::evaluation::evaluate_store;
use mesa_sla::ingest;
use mesa_sla::store::Store;
use mesa_sla::web::WebConfig;
use serde_json::{Value, json};

use crate::helpers::{fixtures, load_canonical};
use crate::report::hand_engine;
use crate::web::{spawn_app_over, table_rows, unescape};

fn model_engine() -> Engine {
    Config::load(&fixtures().join("ticket_model/policy.toml"))
        .expect("policy loads")
        .engine()
        .expect("engine")
}

/// The three tickets, evaluated on 31/03/2025 23:59:59 with the model policy.
fn model_store(store: &mut Store) {
    load_canonical(store, &fixtures().join("ticket_model"));
    let at = ingest::parse_datetime("2025-03-31 23:59:59").expect("instant");
    evaluate_store(store, &model_engine(), at, at).expect("evaluates");
}

/// `(metric, policy_version, calendar, before_first_version, business, state)` of each clock.
fn clocks(ticket: &Value) -> Vec<Value> {
    ticket["clocks"]
        .as_array()
        .expect("clocks")
        .iter()
        .map(|c| {
            json!([
                c["metric"],
                c["policy_version"],
                c["calendar"],
                c["before_first_version"],
                c["business_seconds"],
                c["state"]
            ])
        })
        .collect()
}

fn ola(ticket: &Value) -> Vec<Value> {
    ticket["ola"]
        .as_array()
        .expect("ola")
        .iter()
        .map(|o| {
            json!([
                o["group"],
                o["business_seconds"],
                o["target_seconds"],
                o["state"],
                o["share"]
            ])
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_json_names_version_calendar_pauses_and_ola_per_group() {
    let app = spawn_app_over(WebConfig::default(), model_engine, model_store).await;
    let one = app.get("/api/v1/tickets/glpi/1").await.json();
    assert_eq!(
        clocks(&one),
        vec![
            json!(["attention", "v05", "general", false, 600, "met"]),
            json!(["solution", "v05", "general", false, 27_000, "breached"]),
        ]
    );
    let solution = &one["clocks"][1];
    assert_eq!(solution["paused_seconds"], 9000);
    assert_eq!(
        solution["paused_by"],
        json!({"waiting": 7200, "planned": 1800, "solved": 0})
    );
    assert_eq!(one["clocks"][0]["paused_by"], Value::Null);
    // The fields that were there before stay.
    assert_eq!(solution["target_seconds"], 14_400);
    assert_eq!(solution["counted"]["open"], 36_000);
    assert_eq!(
        ola(&one),
        vec![
            json!(["Mesa N1", 16_200, 7200, "breached", 60.0]),
            json!(["Redes Core", 10_800, 14_400, "met", 40.0]),
        ]
    );
    let held: i64 = one["ola"]
        .as_array()
        .expect("ola")
        .iter()
        .map(|o| o["business_seconds"].as_i64().expect("seconds"))
        .sum();
    assert_eq!(Some(held), solution["business_seconds"].as_i64());

    let two = app.get("/api/v1/tickets/glpi/2").await.json();
    assert_eq!(
        clocks(&two),
        vec![
            json!(["attention", "v05", "general", false, 1800, "met"]),
            json!(["solution", "v05", "continuo", false, 324_000, "breached"]),
        ]
    );
    // Explained on its own 24x7 calendar: nothing outside hours, on weekends or holidays.
    assert_eq!(
        two["clocks"][1]["counted"],
        json!({"open": 324_000, "outside_hours": 0, "non_working_day": 0, "holiday": 0,
               "closure": 0})
    );
    assert_eq!(
        ola(&two),
        vec![json!(["Redes Core", 324_000, 14_400, "breached", 100.0])]
    );

    let three = app.get("/api/v1/tickets/glpi/3").await.json();
    assert_eq!(
        clocks(&three),
        vec![
            json!(["attention", "v04", "general", true, 1800, "met"]),
            json!(["solution", "v04", "general", true, 14_400, "met"]),
        ]
    );
    assert_eq!(
        three["clocks"][1]["paused_by"],
        json!({"waiting": 0, "planned": 0, "solved": 0})
    );
    assert_eq!(
        ola(&three),
        vec![json!(["(sin grupo)", 14_400, null, "no_target", 100.0])]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_page_shows_version_calendar_pauses_and_the_ola_table() {
    let app = spawn_app_over(WebConfig::default(), model_engine, model_store).await;
    let page = unescape(&app.get("/casos/glpi/1").await.text());
    assert!(
        page.contains(
            "<strong>Solución</strong> · Calendario: general · Versión de la política: v05 · \
             Pausas: En espera 2,0 h; Planificado 0,5 h</li>"
        ),
        "{page}"
    );
    assert!(
        page.contains(
            "<strong>Atención</strong> · Calendario: general · Versión de la política: v05</li>"
        ),
        "{page}"
    );
    assert!(page.contains("<h2>OLA por grupo</h2>"), "{page}");
    assert_eq!(
        table_rows(&page, "ola"),
        vec![
            "Mesa N1 | 4,5 | 2,0 | Incumplido | 60,0 %",
            "Redes Core | 3,0 | 4,0 | Cumplido | 40,0 %",
        ]
    );

    let page = unescape(&app.get("/casos/glpi/2").await.text());
    assert!(
        page.contains("Calendario: continuo · Versión de la política: v05</li>"),
        "{page}"
    );
    let page = unescape(&app.get("/casos/glpi/3").await.text());
    assert!(
        page.contains("Versión de la política: v04 (abierto antes de la primera versión)</li>"),
        "{page}"
    );
    assert_eq!(
        table_rows(&page, "ola"),
        vec!["(sin grupo) | 4,0 | — | Sin meta | 100,0 %"]
    );
}

/// Served with a configuration that no longer has `continuo` (the hand policy: general calendar
/// only), ticket 2's solution clock keeps its stored name but is explained on the entity's
/// calendar: 1 h on Friday 21/03 (16–17) and 2 h on Tuesday 25/03 (08–10) open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_calendar_gone_from_the_configuration_falls_back_to_the_entitys() {
    let app = spawn_app_over(WebConfig::default(), hand_engine, model_store).await;
    let two = app.get("/api/v1/tickets/glpi/2").await.json();
    let solution = &two["clocks"][1];
    assert_eq!(solution["calendar"], "continuo");
    assert_eq!(solution["counted"]["open"], 10_800);
    assert!(
        solution["counted"]["holiday"].as_i64().expect("seconds") > 0,
        "{solution}"
    );
}
