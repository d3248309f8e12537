//! Drill-down lists (issue 12): the cases behind every tile hold exactly what the tile counts
//! (over the hand-computed quarter of `tests/fixtures/report`, whose README works every case
//! out, and over the GLPI samples), paginated, sorted by whitelisted keys, downloadable as CSV
//! and XLSX with the same rows, and linked from the overview's tiles and chart bars.

use calamine::{Data, Reader, Xlsx};

use crate::http::encode;
use crate::web::{
    App, sample_engine, sample_fill, spawn_app, spawn_app_over, table_rows, unescape,
};
use mesa_sla::web::WebConfig;

const VIEW: &str = "entity=Prueba&quarter=2025-Q3";

/// The list's JSON (status 200 required).
async fn list(app: &App, query: &str) -> serde_json::Value {
    let r = app.get(&format!("/api/v1/cases?{query}")).await;
    assert_eq!(r.status, 200, "{query}: {}", r.text());
    r.json()
}

/// The ticket ids of a list page, in order.
fn ids(json: &serde_json::Value) -> Vec<String> {
    json["casos"]
        .as_array()
        .expect("casos")
        .iter()
        .map(|c| c["ticket_id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// For every indicator of the view, the totals of its lists against its numerator and
/// denominator in `/api/v1/indicators` (the rest is their difference). Returns how many
/// lists were compared.
async fn totals_match_the_tiles(app: &App, view: &str) -> usize {
    let set = app.get(&format!("/api/v1/indicators?{view}")).await.json();
    let mut compared = 0;
    for ind in set["indicators"].as_array().expect("indicators") {
        let id = ind["definition"]["id"].as_str().expect("id");
        let (num, den) = (ind["numerator"].as_f64(), ind["denominator"].as_f64());
        for (part, want) in [
            ("numerador", num),
            ("denominador", den),
            ("fuera", den.zip(num).map(|(d, n)| d - n)),
        ] {
            let Some(want) = want else { continue };
            let q = format!("{view}&indicador={id}&parte={part}&por_pagina=500");
            let got = list(app, &q).await;
            assert_eq!(got["total"].as_f64(), Some(want), "{q}");
            // The page holds the whole list, each case once.
            let listed = ids(&got);
            assert_eq!(listed.len() as f64, want, "{q}");
            let mut unique = listed.clone();
            unique.dedup();
            assert_eq!(sorted(unique).len(), listed.len(), "{q}");
            compared += 1;
        }
    }
    compared
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_list_total_is_its_tiles_numerator_or_denominator() {
    let app = spawn_app(WebConfig::default()).await;
    // Seven ratios (three lists each) and three counts on the builtin definitions.
    for view in [
        VIEW.to_owned(),
        format!("{VIEW}&priority=Alta"),
        format!("{VIEW}&category=Software"),
        "entity=Prueba&quarter=2025-Q2".to_owned(),
    ] {
        assert_eq!(totals_match_the_tiles(&app, &view).await, 24, "{view}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_totals_match_the_tiles_over_the_samples() {
    let app = spawn_app_over(WebConfig::default(), sample_engine, sample_fill).await;
    let entity = encode("Entidad Raíz > Alcaldía de Villa Esperanza");
    for view in [
        format!("entity={entity}&quarter=2025-Q4"),
        format!("entity={entity}&quarter=2025-Q4&priority=Mediana"),
        format!("entity={entity}&quarter=2025-Q4&category=Hardware"),
    ] {
        assert!(totals_match_the_tiles(&app, &view).await >= 24, "{view}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_hold_the_cases_the_readme_works_out() {
    let app = spawn_app(WebConfig::default()).await;
    // (list, tickets) by tests/fixtures/report/README.md, 2025-Q3.
    let cases: [(&str, &[&str]); 17] = [
        ("indicador=registrados", &["1", "2", "3"]),
        ("indicador=solucionados", &["1", "2", "4"]),
        ("indicador=pendientes", &["3"]),
        ("indicador=atencion_en_meta&parte=fuera", &["2"]),
        ("indicador=atencion_en_meta&parte=numerador", &["1", "3"]),
        ("indicador=solucion_en_meta&parte=fuera", &["2", "4"]),
        ("indicador=solucion_en_meta&parte=numerador", &["1"]),
        ("indicador=resolucion&parte=fuera", &["3"]),
        ("indicador=cierre_oportuno&parte=numerador", &["1", "4"]),
        ("indicador=cierre_oportuno&parte=fuera", &["2"]),
        ("indicador=reapertura&parte=numerador", &["2"]),
        ("indicador=satisfaccion&parte=denominador", &["1", "4"]),
        ("indicador=satisfaccion&parte=numerador", &["1"]),
        ("indicador=respuesta_encuesta&parte=fuera", &["2"]),
        // Times are measured on: attention of 1, 2, 3; solution of 1, 2, 4.
        ("indicador=atencion_media", &["1", "2", "3"]),
        ("indicador=solucion_p90", &["1", "2", "4"]),
        // Alta: tickets 1 and 3.
        ("indicador=registrados&priority=Alta", &["1", "3"]),
    ];
    for (q, want) in cases {
        let got = list(&app, &format!("{VIEW}&{q}")).await;
        assert_eq!(sorted(ids(&got)), strings(want), "{q}");
    }
    // A month of the quarter: July registered 1 and 2; the backlog at the end of each month
    // (3 at the end of September only); the monthly chart's attention list for July.
    for (q, want) in [
        ("indicador=registrados&mes=2025-07", &["1", "2"][..]),
        ("indicador=pendientes&mes=2025-09", &["3"]),
        ("indicador=pendientes&mes=2025-08", &[]),
        ("indicador=atencion_en_meta&parte=fuera&mes=2025-07", &["2"]),
    ] {
        let got = list(&app, &format!("{VIEW}&{q}")).await;
        assert_eq!(sorted(ids(&got)), strings(want), "{q}");
    }
    // Solution-time bins (1–8): 1 took 4 h (2–4 h, bin 3); 2 (10 h) and 4 (9 h) are in 8–16 h.
    for (bin, want) in [("3", &["1"][..]), ("5", &["2", "4"]), ("1", &[])] {
        let got = list(&app, &format!("{VIEW}&indicador=solucionados&tramo={bin}")).await;
        assert_eq!(sorted(ids(&got)), strings(want), "tramo {bin}");
    }
    // The rows carry the clocks: ticket 2's solution took 10 h against 8 h, breached.
    let two = list(
        &app,
        &format!("{VIEW}&indicador=reapertura&parte=numerador"),
    )
    .await;
    let row = &two["casos"][0];
    assert_eq!(row["solution_hours"].as_f64(), Some(10.0), "{row}");
    assert_eq!(row["solution_state"], "breached");
    assert_eq!(row["reopened"], 1);
    assert_eq!(two["descripcion"], "Casos solucionados y reabiertos");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_are_paginated_and_sorted_by_whitelisted_keys() {
    let app = spawn_app_over(WebConfig::default(), sample_engine, sample_fill).await;
    let entity = encode("Entidad Raíz > Alcaldía de Villa Esperanza");
    let base = format!("entity={entity}&quarter=2025-Q4&indicador=registrados");
    let whole = list(&app, &format!("{base}&por_pagina=500")).await;
    let total = whole["total"].as_u64().expect("total");
    assert!(total > 20, "{total}");
    let all = ids(&whole);
    // Pages of 7: every page but the last full, the last holds the remainder, all of them
    // together the whole list in the same order.
    let per = 7;
    let pages = total.div_ceil(per);
    let mut joined = Vec::new();
    for page in 1..=pages {
        let got = list(&app, &format!("{base}&por_pagina={per}&pagina={page}")).await;
        assert_eq!(got["total"].as_u64(), Some(total));
        assert_eq!(got["paginas"].as_u64(), Some(pages));
        let rows = ids(&got);
        let want = if page < pages {
            per
        } else {
            total - per * (pages - 1)
        };
        assert_eq!(rows.len() as u64, want, "page {page}");
        joined.extend(rows);
    }
    assert_eq!(joined, all);
    // Past the last page: no rows, the total still said.
    let past = list(
        &app,
        &format!("{base}&por_pagina={per}&pagina={}", pages + 1),
    )
    .await;
    assert_eq!(ids(&past).len(), 0);
    assert_eq!(past["total"].as_u64(), Some(total));

    // The default order is by creation; by number ascending and descending.
    let created: Vec<String> = whole["casos"]
        .as_array()
        .expect("casos")
        .iter()
        .map(|c| c["created_at"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(created.windows(2).all(|w| w[0] <= w[1]), "{created:?}");
    let number = |json: &serde_json::Value| -> Vec<u64> {
        ids(json)
            .iter()
            .map(|i| i.parse().expect("numeric id"))
            .collect()
    };
    let up = number(&list(&app, &format!("{base}&por_pagina=500&orden=caso")).await);
    let down = number(
        &list(
            &app,
            &format!("{base}&por_pagina=500&orden=caso&sentido=desc"),
        )
        .await,
    );
    let mut want = up.clone();
    want.sort_unstable();
    assert_eq!(up, want);
    want.reverse();
    assert_eq!(down, want);
    // By solution time, longest first; unmeasured (open) cases last.
    let by_time = list(
        &app,
        &format!("{base}&por_pagina=500&orden=solucion&sentido=desc"),
    )
    .await;
    let hours: Vec<Option<f64>> = by_time["casos"]
        .as_array()
        .expect("casos")
        .iter()
        .map(|c| c["solution_hours"].as_f64())
        .collect();
    let measured: Vec<f64> = hours.iter().map_while(|h| *h).collect();
    assert!(measured.windows(2).all(|w| w[0] >= w[1]), "{hours:?}");
    assert!(
        hours[measured.len()..].iter().all(Option::is_none),
        "{hours:?}"
    );
    // The second page continues the sorted order.
    let first = list(
        &app,
        &format!("{base}&por_pagina=5&orden=caso&sentido=desc"),
    )
    .await;
    let second = list(
        &app,
        &format!("{base}&por_pagina=5&orden=caso&sentido=desc&pagina=2"),
    )
    .await;
    assert_eq!(
        [number(&first), number(&second)].concat(),
        down[..10].to_vec()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_list_parameters_are_answered_in_spanish() {
    let app = spawn_app(WebConfig::default()).await;
    let base = format!("{VIEW}&indicador=registrados");
    for (q, status, says) in [
        (
            format!("{base}&orden=created_at"),
            400,
            "no se puede ordenar por «created_at»",
        ),
        (
            format!("{base}&orden=1;DROP%20TABLE%20tickets"),
            400,
            "no se puede ordenar por",
        ),
        (
            format!("{base}&sentido=arriba"),
            400,
            "sentido «arriba» no válido",
        ),
        (format!("{base}&pagina=0"), 400, "pagina «0» no válido"),
        (
            format!("{base}&por_pagina=100000"),
            400,
            "por_pagina «100000» no válido",
        ),
        (
            format!("{base}&mes=2025-10"),
            400,
            "el mes «2025-10» no es del trimestre 2025-Q3",
        ),
        (
            format!("{base}&tramo=2"),
            400,
            "solo aplica a los casos solucionados",
        ),
        (
            format!("{base}&parte=fuera"),
            400,
            "no tiene la parte «fuera»",
        ),
        (
            format!("{VIEW}&indicador=solucionados&tramo=9"),
            400,
            "tramo «9» no válido",
        ),
        (
            format!("{VIEW}&indicador=nada"),
            404,
            "no existe el indicador «nada»",
        ),
        (VIEW.to_owned(), 400, "falta el parámetro indicador"),
        (
            format!("{base}&priority=5"),
            404,
            "no tiene casos de prioridad",
        ),
    ] {
        let r = app.get(&format!("/api/v1/cases?{q}")).await;
        assert_eq!(r.status, status, "{q}: {}", r.text());
        assert!(r.text().contains(says), "{q}: {}", r.text());
        // The page and the downloads answer the same, as the error page.
        for path in ["/casos", "/descargas/casos.csv", "/descargas/casos.xlsx"] {
            let page = app.get(&format!("{path}?{q}")).await;
            assert_eq!(page.status, status, "{path}?{q}");
            assert!(unescape(&page.text()).contains(says), "{path}?{q}");
        }
    }
    // The valid keys are listed.
    let r = app.get(&format!("/api/v1/cases?{base}&orden=x")).await;
    assert!(
        r.text().contains("creado") && r.text().contains("solucion"),
        "{}",
        r.text()
    );
}

/// `(ticket ids, row count)` of the Casos sheet, and the Lista sheet's text.
fn workbook_list(bytes: &[u8]) -> (Vec<String>, String) {
    let mut wb = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    let cases = wb.worksheet_range("Casos").expect("Casos");
    let ids = cases
        .rows()
        .skip(1)
        .filter_map(|row| match row.get(1) {
            Some(Data::Float(n)) => Some(format!("{n}")),
            Some(Data::Int(n)) => Some(n.to_string()),
            Some(Data::String(s)) => Some(s.clone()),
            _ => None,
        })
        .collect();
    let about = wb.worksheet_range("Lista").expect("Lista");
    let text = about
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(": ")
        })
        .collect::<Vec<_>>()
        .join("\n");
    (ids, text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_hold_the_same_cases_as_the_list() {
    let app = spawn_app_over(WebConfig::default(), sample_engine, sample_fill).await;
    let entity = encode("Entidad Raíz > Alcaldía de Villa Esperanza");
    for q in [
        format!("entity={entity}&quarter=2025-Q4&indicador=solucion_en_meta&parte=denominador"),
        format!("entity={entity}&quarter=2025-Q4&indicador=registrados&priority=Mediana"),
        format!(
            "entity={entity}&quarter=2025-Q4&indicador=atencion_en_meta&parte=fuera&orden=caso"
        ),
    ] {
        // Every case on one page at most 500 (the samples hold about 300).
        let json = list(&app, &format!("{q}&por_pagina=500")).await;
        let want = ids(&json);
        assert!(!want.is_empty(), "{q}");
        assert_eq!(json["total"].as_u64(), Some(want.len() as u64));

        let csv = app.get(&format!("/descargas/casos.csv?{q}")).await;
        assert_eq!(csv.status, 200, "{q}");
        assert!(
            csv.header("content-type")
                .is_some_and(|t| t.starts_with("text/csv"))
        );
        assert!(
            csv.header("content-disposition")
                .is_some_and(|d| d.contains("attachment; filename=\"casos_") && d.contains(".csv")),
            "{:?}",
            csv.header("content-disposition")
        );
        assert!(csv.body.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM");
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(&csv.body[3..]);
        let headers = reader.headers().expect("headers").clone();
        assert_eq!(&headers[1], "Caso");
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        let got: Vec<String> = rows.iter().map(|r| r[1].to_owned()).collect();
        assert_eq!(got, want, "{q}: CSV in the list's order");

        let xlsx = app.get(&format!("/descargas/casos.xlsx?{q}")).await;
        assert_eq!(xlsx.status, 200, "{q}");
        let (got, about) = workbook_list(&xlsx.body);
        assert_eq!(got, want, "{q}: Casos sheet in the list's order");
        assert!(
            about.contains(json["descripcion"].as_str().expect("descripcion")),
            "{about}"
        );
    }
    // Spanish cells: dates DD/MM/AAAA, hours with a decimal comma, state labels.
    let q = format!("entity={entity}&quarter=2025-Q4&indicador=solucion_en_meta&parte=numerador");
    let csv = app.get(&format!("/descargas/casos.csv?{q}")).await;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&csv.body[3..]);
    let headers = reader.headers().expect("headers").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (created, hours, state) = (
        column("Creado"),
        column("Solución (h hábiles)"),
        column("ANS solución"),
    );
    let first = reader.records().next().expect("a case").expect("row");
    let date = first[created].as_bytes();
    assert!(
        date.len() == 16 && date[2] == b'/' && date[5] == b'/' && date[13] == b':',
        "{first:?}"
    );
    let h = &first[hours];
    assert!(
        h.contains(',') && h.replace(',', ".").parse::<f64>().is_ok(),
        "{first:?}"
    );
    assert_eq!(&first[state], "Cumplido");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_links_every_tile_and_bar_to_its_list() {
    let app = spawn_app(WebConfig::default()).await;
    let page = unescape(&app.get(&format!("/?{VIEW}&priority=4")).await.text());
    // Attention in time for Alta: 2 of 2; each count a link to its list, the filters kept.
    let tile = page
        .split("data-id=\"atencion_en_meta\"")
        .nth(1)
        .and_then(|t| t.split("</div>\n  </div>").next())
        .unwrap_or_default()
        .to_owned();
    let list = "/casos?entity=Prueba&quarter=2025-Q3&priority=4&indicador=atencion_en_meta";
    for (part, label) in [
        ("numerador", "2"),
        ("denominador", "2"),
        ("fuera", "0 restantes"),
    ] {
        let link = format!("<a href=\"{list}&parte={part}\" data-parte=\"{part}\"");
        assert!(tile.contains(&link), "{part}: {tile}");
        assert!(tile.contains(&format!(">{label}</a>")), "{label}: {tile}");
    }
    // Chart bars: July's attention (1 of 2 in the unfiltered view), the Hardware category and
    // the 8–16 h bin of solution times.
    let page = unescape(&app.get(&format!("/?{VIEW}")).await.text());
    for href in [
        "/casos?entity=Prueba&quarter=2025-Q3&indicador=atencion_en_meta&parte=denominador&mes=2025-07",
        "/casos?entity=Prueba&quarter=2025-Q3&category=Hardware&indicador=registrados&parte=numerador",
        "/casos?entity=Prueba&quarter=2025-Q3&indicador=solucionados&parte=numerador&tramo=5",
        "/casos?entity=Prueba&quarter=2025-Q3&priority=4&indicador=solucion_en_meta&parte=numerador",
    ] {
        assert!(page.contains(&format!("href=\"{href}\"")), "{href}");
    }

    // The list page: title, scope, the tile's count, rows linked to the ticket page.
    let html = unescape(&app.get(&format!("{list}&parte=denominador")).await.text());
    assert!(
        html.contains("Casos registrados con ANS de atención medido"),
        "{html}"
    );
    assert!(html.contains("2025-Q3 · Prioridad: Alta"), "{html}");
    assert!(html.contains("data-total=\"2\">2 casos</strong>"), "{html}");
    let rows = table_rows(&html, "casos");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows[0].starts_with("<a href=\"/casos/glpi/1\">1</a> |"),
        "{rows:?}"
    );
    assert!(
        rows[1].starts_with("<a href=\"/casos/glpi/3\">3</a> |"),
        "{rows:?}"
    );
    // Sorting links on the headings, downloads with the same view.
    assert!(html.contains("&orden=caso\" data-orden=\"caso\""), "{html}");
    assert!(html.contains(&format!(
        "href=\"/descargas/casos.csv?{}&parte=denominador\"",
        &list["/casos?".len()..]
    )));
    // An empty list says so.
    let none = unescape(&app.get(&format!("{list}&parte=fuera")).await.text());
    assert!(none.contains("Ningún caso en esta lista."), "{none}");
}
