//! The text of alert and digest e-mails: Spanish subject, plain-text and HTML bodies (every
//! value HTML-escaped), written once when the alert is decided so that a late delivery still
//! tells what was true at the crossing.

use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveDateTime};

use super::decide::AlertLevel;
use crate::model::{Metric, Status, priority_label_es};

/// What an alert says about one clock of one ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    pub source: String,
    pub ticket_id: String,
    pub title: String,
    pub entity: String,
    pub priority: Option<u8>,
    pub category: String,
    pub group: String,
    pub technician: String,
    pub status: Option<Status>,
    pub metric: Metric,
    pub level: AlertLevel,
    /// Business seconds counted so far, and the target.
    pub business: i64,
    pub target: i64,
    /// When the target runs out (local time) if nothing pauses the clock.
    pub deadline: Option<NaiveDateTime>,
    /// The clock is paused (ticket waiting).
    pub paused: bool,
    /// Link to the ticket in GLPI.
    pub link: Option<String>,
}

/// A ready e-mail.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Escapes text for HTML element content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Business seconds as hours with a decimal comma: `1,75 h`, `8 h`.
pub fn hours_es(secs: i64) -> String {
    let h = format!("{:.2}", secs as f64 / 3600.0);
    let h = h.trim_end_matches('0').trim_end_matches('.');
    format!("{} h", h.replace('.', ","))
}

fn local(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn percent(f: &Facts) -> i64 {
    if f.target <= 0 {
        return 100;
    }
    ((f.business as f64 / f.target as f64) * 100.0).floor() as i64
}

fn metric_lower(m: Metric) -> &'static str {
    match m {
        Metric::Attention => "atención",
        Metric::Solution => "solución",
    }
}

/// The deadline line: when the target runs out, or why there is no such instant.
fn deadline_text(f: &Facts) -> String {
    match (f.level, f.paused, f.deadline) {
        (AlertLevel::Breached, _, _) => "vencida".to_owned(),
        (_, true, _) => {
            "en pausa: el reloj está detenido mientras el caso está en espera".to_owned()
        }
        (_, false, Some(d)) => format!("{} (hora local)", local(d)),
        (_, false, None) => "fuera del calendario configurado".to_owned(),
    }
}

fn elapsed_text(f: &Facts) -> String {
    format!(
        "{} hábiles de una meta de {} ({} %)",
        hours_es(f.business),
        hours_es(f.target),
        percent(f)
    )
}

/// The rows of the ticket table, label and value, shared by both bodies.
fn rows(f: &Facts) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("Caso", f.ticket_id.clone()),
        ("Título", f.title.clone()),
        ("Entidad", f.entity.clone()),
    ];
    if let Some(p) = f.priority {
        rows.push(("Prioridad", priority_label_es(p).to_owned()));
    }
    for (label, value) in [
        ("Categoría", &f.category),
        ("Grupo", &f.group),
        ("Técnico", &f.technician),
    ] {
        if !value.is_empty() {
            rows.push((label, value.clone()));
        }
    }
    if let Some(s) = f.status {
        rows.push(("Estado del caso", s.label_es().to_owned()));
    }
    rows.push(("Métrica", f.metric.label_es().to_owned()));
    let state = if f.paused {
        format!("{} (en pausa)", f.level.label_es())
    } else {
        f.level.label_es().to_owned()
    };
    rows.push(("Estado del ANS", state));
    rows.push(("Tiempo transcurrido", elapsed_text(f)));
    rows.push(("Vencimiento", deadline_text(f)));
    rows.push(("Origen", f.source.clone()));
    rows
}

fn headline(f: &Facts, warn_at: f64) -> String {
    match f.level {
        AlertLevel::AtRisk => format!(
            "El caso {} alcanzó el {} % de su meta de {} (umbral de alerta: {} %).",
            f.ticket_id,
            percent(f),
            metric_lower(f.metric),
            (warn_at * 100.0).round() as i64
        ),
        AlertLevel::Breached => format!(
            "El caso {} superó su meta de {}: lleva {} hábiles de {}.",
            f.ticket_id,
            metric_lower(f.metric),
            hours_es(f.business),
            hours_es(f.target)
        ),
    }
}

/// One alert: a ticket's clock crossed a threshold.
pub fn alert(f: &Facts, warn_at: f64, as_of: NaiveDateTime) -> Rendered {
    let subject = format!(
        "[ANS] {}: {} del caso {}{}",
        f.level.label_es(),
        metric_lower(f.metric),
        f.ticket_id,
        if f.title.is_empty() {
            String::new()
        } else {
            format!(" — {}", f.title)
        }
    );
    let head = headline(f, warn_at);
    let rows = rows(f);
    let footer = format!(
        "Medido por mesa-sla con el calendario hábil de la entidad, al {} (hora local).",
        local(as_of)
    );

    let mut text = format!("{head}\n\n");
    for (label, value) in &rows {
        let _ = writeln!(text, "{label}: {value}");
    }
    if let Some(link) = &f.link {
        let _ = writeln!(text, "Ver el caso en GLPI: {link}");
    }
    let _ = write!(text, "\n{footer}\n");

    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"es\"><head><meta charset=\"utf-8\"></head>\n\
         <body style=\"font-family: sans-serif\">\n",
    );
    let _ = writeln!(html, "<p><strong>{}</strong></p>", esc(&head));
    html.push_str("<table cellpadding=\"4\" style=\"border-collapse: collapse\">\n");
    for (label, value) in &rows {
        let _ = writeln!(
            html,
            "<tr><th align=\"left\">{}</th><td>{}</td></tr>",
            esc(label),
            esc(value)
        );
    }
    html.push_str("</table>\n");
    if let Some(link) = &f.link {
        let _ = writeln!(
            html,
            "<p><a href=\"{}\">Ver el caso {} en GLPI</a></p>",
            esc(link),
            esc(&f.ticket_id)
        );
    }
    let _ = writeln!(
        html,
        "<p><small>{}</small></p>\n</body></html>",
        esc(&footer)
    );
    Rendered {
        subject,
        text,
        html,
    }
}

/// The daily digest of one recipient: every open clock at risk or breached routed to them,
/// breached first.
pub fn digest(day: NaiveDate, items: &[&Facts], as_of: NaiveDateTime) -> Rendered {
    let mut items: Vec<&Facts> = items.to_vec();
    items.sort_by(|a, b| {
        b.level
            .cmp(&a.level)
            .then_with(|| a.source.cmp(&b.source))
            .then_with(|| a.ticket_id.cmp(&b.ticket_id))
            .then_with(|| a.metric.cmp(&b.metric))
    });
    let breached = items
        .iter()
        .filter(|f| f.level == AlertLevel::Breached)
        .count();
    let at_risk = items.len() - breached;
    let subject = format!(
        "[ANS] Resumen diario {day}: {breached} {} y {at_risk} en riesgo",
        if breached == 1 {
            "incumplido"
        } else {
            "incumplidos"
        }
    );
    let head = format!(
        "Casos abiertos con el ANS incumplido o en riesgo al {} (hora local).",
        local(as_of)
    );
    let columns = [
        "Caso",
        "Título",
        "Métrica",
        "Estado",
        "Tiempo transcurrido",
        "Vencimiento",
    ];
    let cells = |f: &Facts| {
        [
            f.ticket_id.clone(),
            f.title.clone(),
            f.metric.label_es().to_owned(),
            f.level.label_es().to_owned(),
            elapsed_text(f),
            deadline_text(f),
        ]
    };
    let mut text = format!("{head}\n\n");
    for f in &items {
        let c = cells(f);
        let _ = writeln!(
            text,
            "- Caso {} «{}»: {} {} — {}; vencimiento: {}{}",
            c[0],
            c[1],
            c[2].to_lowercase(),
            c[3].to_lowercase(),
            c[4],
            c[5],
            f.link
                .as_ref()
                .map(|l| format!(" — {l}"))
                .unwrap_or_default()
        );
    }
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"es\"><head><meta charset=\"utf-8\"></head>\n\
         <body style=\"font-family: sans-serif\">\n",
    );
    let _ = writeln!(html, "<p><strong>{}</strong></p>", esc(&head));
    html.push_str(
        "<table border=\"1\" cellpadding=\"4\" style=\"border-collapse: collapse\">\n<tr>",
    );
    for c in columns {
        let _ = write!(html, "<th>{}</th>", esc(c));
    }
    html.push_str("</tr>\n");
    for f in &items {
        let c = cells(f);
        html.push_str("<tr>");
        match &f.link {
            Some(l) => {
                let _ = write!(html, "<td><a href=\"{}\">{}</a></td>", esc(l), esc(&c[0]));
            }
            None => {
                let _ = write!(html, "<td>{}</td>", esc(&c[0]));
            }
        }
        for v in &c[1..] {
            let _ = write!(html, "<td>{}</td>", esc(v));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</table>\n</body></html>\n");
    Rendered {
        subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            source: "glpi".into(),
            ticket_id: "101".into(),
            title: "Impresora <HP> & \"tóner\"".into(),
            entity: "Alcaldía".into(),
            priority: Some(4),
            category: "Hardware > Impresoras".into(),
            group: "N1".into(),
            technician: String::new(),
            status: Some(Status::New),
            metric: Metric::Attention,
            level: AlertLevel::AtRisk,
            business: 6300,
            target: 7200,
            deadline: NaiveDate::from_ymd_opt(2025, 7, 8).and_then(|d| d.and_hms_opt(10, 0, 0)),
            paused: false,
            link: Some("https://glpi.example/front/ticket.form.php?id=101".into()),
        }
    }

    fn at() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2025, 7, 8)
            .and_then(|d| d.and_hms_opt(9, 45, 0))
            .expect("valid")
    }

    #[test]
    fn an_at_risk_alert_reads_well_in_both_bodies() {
        let r = alert(&facts(), 0.75, at());
        assert_eq!(
            r.subject,
            "[ANS] En riesgo: atención del caso 101 — Impresora <HP> & \"tóner\""
        );
        assert!(r.text.starts_with(
            "El caso 101 alcanzó el 87 % de su meta de atención (umbral de alerta: 75 %)."
        ));
        assert!(
            r.text
                .contains("Tiempo transcurrido: 1,75 h hábiles de una meta de 2 h (87 %)")
        );
        assert!(
            r.text
                .contains("Vencimiento: 2025-07-08 10:00 (hora local)")
        );
        assert!(r.text.contains("Prioridad: Alta"));
        assert!(!r.text.contains("Técnico"), "empty values are left out");
        assert!(
            r.text
                .contains("https://glpi.example/front/ticket.form.php?id=101")
        );
        // Values are escaped in the HTML body, never raw.
        assert!(
            r.html
                .contains("Impresora &lt;HP&gt; &amp; &quot;tóner&quot;")
        );
        assert!(!r.html.contains("<HP>"));
        assert!(r.html.contains(
            "<a href=\"https://glpi.example/front/ticket.form.php?id=101\">Ver el caso 101 en GLPI</a>"
        ));
    }

    #[test]
    fn breached_and_paused_clocks() {
        let mut f = facts();
        f.level = AlertLevel::Breached;
        f.metric = Metric::Solution;
        f.business = 30 * 3600;
        f.target = 8 * 3600;
        f.deadline = None;
        f.link = None;
        let r = alert(&f, 0.75, at());
        assert!(
            r.subject
                .starts_with("[ANS] Incumplido: solución del caso 101")
        );
        assert!(
            r.text
                .contains("superó su meta de solución: lleva 30 h hábiles de 8 h")
        );
        assert!(r.text.contains("Vencimiento: vencida"));
        assert!(!r.text.contains("GLPI"));
        let mut f = facts();
        f.paused = true;
        f.deadline = None;
        let r = alert(&f, 0.75, at());
        assert!(r.text.contains("Estado del ANS: En riesgo (en pausa)"));
        assert!(r.text.contains("Vencimiento: en pausa"));
    }

    #[test]
    fn a_digest_lists_breaches_first() {
        let a = facts();
        let mut b = facts();
        b.ticket_id = "99".into();
        b.level = AlertLevel::Breached;
        let day = at().date();
        let r = digest(day, &[&a, &b], at());
        assert_eq!(
            r.subject,
            "[ANS] Resumen diario 2025-07-08: 1 incumplido y 1 en riesgo"
        );
        let first = r.text.find("Caso 99").expect("listed");
        let second = r.text.find("Caso 101").expect("listed");
        assert!(first < second, "{}", r.text);
        assert!(r.html.contains("&lt;HP&gt;"));
    }

    #[test]
    fn hours_in_spanish() {
        assert_eq!(hours_es(6300), "1,75 h");
        assert_eq!(hours_es(7200), "2 h");
        assert_eq!(hours_es(2700), "0,75 h");
        assert_eq!(hours_es(0), "0 h");
        assert_eq!(hours_es(5400), "1,5 h");
    }
}
