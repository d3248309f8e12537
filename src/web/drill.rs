//! Drill-down lists: the cases behind each tile and chart bar of the overview, as a page
//! (`/casos`), JSON (`/api/v1/cases`) and downloads (`/descargas/casos.csv`, `.xlsx`), all
//! resolved from the same parameters (the page's view plus the list's own) and read through
//! `store::drill`, whose membership is the figures' own.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use minijinja::value::Serde;
use serde::{Deserialize, Serialize};

use super::api::{self, View, ViewQuery};
use super::extract::{PageQuery, Query};
use super::pages::{PageError, render, urlencode, view_query};
use super::{ApiError, AppState};
use crate::indicators::drill::Part;
use crate::indicators::{Definition, Quantity, Quarter, fmt_count, fmt_number};
use crate::model::{Status, TicketType, listing, priority_label_es};
use crate::report::workbook::{
    case_headings, source_label, state_label, version_label, write_case_list,
};
use crate::store::drill::{CaseRow, ListPage, ListSpec, SORT_KEYS, Sort};
use crate::store::indicators::HISTOGRAM_BINS;

/// Rows of a page unless `por_pagina` says otherwise, and the most it may ask for.
const PER_PAGE: u64 = 50;
const MAX_PER_PAGE: u64 = 500;

/// Parameters of a list: the view's (entity, quarter, filters) and the list's own, all text
/// so that a bad value gets a Spanish answer saying what is valid.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    pub entity: Option<String>,
    pub quarter: Option<String>,
    pub priority: Option<String>,
    pub category: Option<String>,
    pub group: Option<String>,
    pub technician: Option<String>,
    pub version: Option<String>,
    /// The indicator: a definition's `id` or a `medida`.
    pub indicador: Option<String>,
    /// `numerador`, `denominador` or `fuera` (the denominator without the numerator).
    pub parte: Option<String>,
    /// `AAAA-MM`, a month of the quarter.
    pub mes: Option<String>,
    /// A bin of the solution-time chart, 1 to 8.
    pub tramo: Option<String>,
    pub orden: Option<String>,
    /// `asc` or `desc`.
    pub sentido: Option<String>,
    pub pagina: Option<String>,
    pub por_pagina: Option<String>,
}

/// A list resolved against the store and the definitions.
#[derive(Debug, Clone)]
pub struct List {
    pub view: View,
    pub definition: Definition,
    pub part: Part,
    pub spec: ListSpec,
    pub page: u64,
    pub per_page: u64,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Checks every parameter (the view's through [`api::resolve`]) and fills the defaults.
pub async fn resolve(state: &Arc<AppState>, q: &ListQuery) -> Result<List, ApiError> {
    let view = api::resolve(
        state,
        &ViewQuery {
            entity: q.entity.clone(),
            quarter: q.quarter.clone(),
            priority: q.priority.clone(),
            category: q.category.clone(),
            group: q.group.clone(),
            technician: q.technician.clone(),
            version: q.version.clone(),
            limit: None,
        },
    )
    .await?;
    let definition = indicator(&state.definitions.indicators, q)?;
    let part = part(&definition, q)?;
    let month = month(view.quarter, q)?;
    let members = definition
        .quantity
        .members(part, month.is_some())
        .ok_or_else(|| ApiError::internal("parte sin lista"))?;
    let bin = bin(definition.quantity, q)?;
    let (page, per_page) = paging(q)?;
    let spec = ListSpec {
        entity: view.entity.clone(),
        quarter: view.quarter,
        filters: view.filters.clone(),
        closing_limit: crate::report::closing_limit(
            &state.engine,
            &state.definitions,
            &view.entity,
        ),
        members,
        month,
        bin,
        sort: sort(q)?,
    };
    Ok(List {
        view,
        definition,
        part,
        spec,
        page,
        per_page,
    })
}

/// The indicator named by `indicador` (a definition's id or its `medida`).
fn indicator(definitions: &[Definition], q: &ListQuery) -> Result<Definition, ApiError> {
    let ids: Vec<String> = definitions.iter().map(|d| d.id.clone()).collect();
    let Some(wanted) = given(&q.indicador) else {
        return Err(ApiError::BadRequest(format!(
            "falta el parámetro indicador. {}",
            listing("Indicadores", &ids, "ninguno")
        )));
    };
    let by_quantity = {
        use serde::de::IntoDeserializer;
        let text: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
            wanted.into_deserializer();
        Quantity::deserialize(text).ok()
    };
    definitions
        .iter()
        .find(|d| d.id == wanted)
        .or_else(|| definitions.iter().find(|d| Some(d.quantity) == by_quantity))
        .cloned()
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no existe el indicador «{wanted}». {}",
                listing("Indicadores", &ids, "ninguno")
            ))
        })
}

/// The part asked for, one the indicator has; by default its first (the numerator of a
/// ratio or a count, the measured cases of a time).
fn part(definition: &Definition, q: &ListQuery) -> Result<Part, ApiError> {
    let parts = definition.quantity.parts();
    let valid: Vec<String> = parts.iter().map(|p| p.code().to_owned()).collect();
    match given(&q.parte) {
        None => Ok(parts[0]),
        Some(text) => Part::parse(text)
            .filter(|p| parts.contains(p))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "el indicador «{}» no tiene la parte «{text}». {}",
                    definition.id,
                    listing("Partes", &valid, "ninguna")
                ))
            }),
    }
}

/// The month (`AAAA-MM`) asked for, one of the quarter's.
fn month(quarter: Quarter, q: &ListQuery) -> Result<Option<String>, ApiError> {
    let Some(text) = given(&q.mes) else {
        return Ok(None);
    };
    let months: Vec<String> = quarter
        .months()
        .iter()
        .map(|m| m.format("%Y-%m").to_string())
        .collect();
    if months.iter().any(|m| m == text) {
        Ok(Some(text.to_owned()))
    } else {
        Err(ApiError::BadRequest(format!(
            "el mes «{text}» no es del trimestre {quarter}. {}",
            listing("Meses", &months, "ninguno")
        )))
    }
}

/// The solution-time bin (1–8, as the chart shows them) asked for; only lists of solved
/// cases have one.
fn bin(quantity: Quantity, q: &ListQuery) -> Result<Option<u8>, ApiError> {
    let Some(text) = given(&q.tramo) else {
        return Ok(None);
    };
    let valid: Vec<String> = HISTOGRAM_BINS
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{} ({l})", i + 1))
        .collect();
    let solved = matches!(
        quantity,
        Quantity::Solved
            | Quantity::SolutionMean
            | Quantity::SolutionMedian
            | Quantity::SolutionP90
    );
    match text.parse::<usize>() {
        Ok(n) if solved && (1..=HISTOGRAM_BINS.len()).contains(&n) => Ok(u8::try_from(n - 1).ok()),
        _ if !solved => Err(ApiError::BadRequest(
            "el parámetro tramo solo aplica a los casos solucionados (indicador=solucionados)"
                .into(),
        )),
        _ => Err(ApiError::BadRequest(format!(
            "tramo «{text}» no válido. {}",
            listing("Tramos", &valid, "ninguno")
        ))),
    }
}

/// The sort asked for: a key of [`SORT_KEYS`] and `asc` or `desc`.
fn sort(q: &ListQuery) -> Result<Sort, ApiError> {
    let descending = match given(&q.sentido).map(str::to_lowercase).as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(ApiError::BadRequest(format!(
                "sentido «{other}» no válido: use asc (ascendente) o desc (descendente)"
            )));
        }
    };
    let Some(key) = given(&q.orden) else {
        return Ok(Sort {
            descending,
            ..Sort::default()
        });
    };
    Sort::parse(key, descending).ok_or_else(|| {
        let valid: Vec<String> = SORT_KEYS.iter().map(|(k, _)| (*k).to_owned()).collect();
        ApiError::BadRequest(format!(
            "no se puede ordenar por «{key}». {}",
            listing("Columnas", &valid, "ninguna")
        ))
    })
}

/// The page (from 1) and its size.
fn paging(q: &ListQuery) -> Result<(u64, u64), ApiError> {
    let number = |v: &Option<String>, name: &str, default: u64, max: u64| match given(v) {
        None => Ok(default),
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "{name} «{text}» no válido: use un número entero entre 1 y {}",
                    fmt_count(max)
                ))
            }),
    };
    Ok((
        number(&q.pagina, "pagina", 1, u64::from(u32::MAX))?,
        number(&q.por_pagina, "por_pagina", PER_PAGE, MAX_PER_PAGE)?,
    ))
}

impl List {
    /// What the list holds, as its title says: "Casos solucionados fuera del ANS".
    pub fn title(&self) -> String {
        format!("Casos {}", self.spec.members.words)
    }

    /// Its scope: quarter, month or bin, filters ("2025-Q3 · Julio 2025 · Prioridad: Alta").
    pub fn scope(&self) -> Vec<String> {
        let mut out = vec![self.view.quarter.to_string()];
        if let Some(m) = &self.spec.month
            && let Some(d) = self
                .view
                .quarter
                .months()
                .into_iter()
                .find(|d| d.format("%Y-%m").to_string() == *m)
        {
            use chrono::Datelike;
            out.push(format!(
                "{} {}",
                crate::indicators::month_name_es(d.month()),
                d.year()
            ));
        }
        if let Some(b) = self
            .spec
            .bin
            .and_then(|b| HISTOGRAM_BINS.get(usize::from(b)))
        {
            out.push(format!("solución en {b}"));
        }
        out.extend(self.view.filters.describe());
        out
    }

    /// The query string of this list with another part, sort or page.
    pub fn query(&self, part: Part, sort: Sort, page: u64) -> String {
        let mut q = format!(
            "{}&indicador={}&parte={}",
            view_query(&self.view),
            urlencode(&self.definition.id),
            part.code()
        );
        if let Some(m) = &self.spec.month {
            q.push_str(&format!("&mes={}", urlencode(m)));
        }
        if let Some(b) = self.spec.bin {
            q.push_str(&format!("&tramo={}", u16::from(b) + 1));
        }
        if sort != Sort::default() {
            q.push_str(&format!("&orden={}", sort.key));
            if sort.descending {
                q.push_str("&sentido=desc");
            }
        }
        if self.per_page != PER_PAGE {
            q.push_str(&format!("&por_pagina={}", self.per_page));
        }
        if page > 1 {
            q.push_str(&format!("&pagina={page}"));
        }
        q
    }

    /// Pages of `total` rows (at least one, even empty).
    pub fn pages(&self, total: u64) -> u64 {
        total.div_ceil(self.per_page).max(1)
    }
}

/// Reads the list's page.
async fn read_page(state: &Arc<AppState>, list: &List) -> Result<ListPage, ApiError> {
    let spec = list.spec.clone();
    let (limit, offset) = (list.per_page, (list.page - 1).saturating_mul(list.per_page));
    let admitted = state.admit()?;
    state
        .with_store(move |_, store| {
            let _admitted = admitted;
            Ok(crate::store::drill::page(store, &spec, limit, offset)?)
        })
        .await
}

/// The JSON of a list page.
#[derive(Serialize)]
struct ListJson<'a> {
    entity: &'a str,
    quarter: String,
    indicador: &'a str,
    parte: &'static str,
    descripcion: String,
    alcance: Vec<String>,
    orden: &'static str,
    sentido: &'static str,
    pagina: u64,
    por_pagina: u64,
    paginas: u64,
    total: u64,
    casos: Vec<CaseRow>,
}

pub async fn api(
    State(state): State<Arc<AppState>>,
    Query(q): Query<ListQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let list = resolve(&state, &q).await?;
    let page = read_page(&state, &list).await?;
    let json = ListJson {
        entity: &list.view.entity,
        quarter: list.view.quarter.to_string(),
        indicador: &list.definition.id,
        parte: list.part.code(),
        descripcion: list.title(),
        alcance: list.scope(),
        orden: list.spec.sort.key,
        sentido: if list.spec.sort.descending {
            "desc"
        } else {
            "asc"
        },
        pagina: list.page,
        por_pagina: list.per_page,
        paginas: list.pages(page.total),
        total: page.total,
        casos: page.rows,
    };
    Ok(Json(
        serde_json::to_value(json).map_err(ApiError::internal)?,
    ))
}

/// A case as shown (page and CSV): Spanish labels, es-CO numbers, DD/MM/AAAA dates.
#[derive(Serialize)]
struct Shown {
    url: String,
    cells: Vec<String>,
}

fn date(t: Option<chrono::NaiveDateTime>) -> String {
    t.map(|t| t.format("%d/%m/%Y %H:%M").to_string())
        .unwrap_or_default()
}

fn hours(h: Option<f64>) -> String {
    h.map(|h| fmt_number(h, 2)).unwrap_or_default()
}

/// The cells of a case in the columns of the workbook's *Casos* sheet ([`case_headings`]).
fn cells(r: &CaseRow) -> Vec<String> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let state = |v: &Option<String>| v.as_deref().map(state_label).unwrap_or("").to_owned();
    vec![
        source_label(&r.source).to_owned(),
        r.ticket_id.clone(),
        text(&r.title),
        r.r#type
            .as_deref()
            .map(|t| TicketType::parse(t).map_or(t, |t| t.label_es()).to_owned())
            .unwrap_or_default(),
        r.priority
            .and_then(|p| u8::try_from(p).ok())
            .map_or("", priority_label_es)
            .to_owned(),
        text(&r.category),
        text(&r.service),
        text(&r.technician),
        text(&r.group),
        Status::parse(&r.status).map_or(r.status.clone(), |s| s.label_es().to_owned()),
        date(r.created_at),
        date(r.attended_at),
        date(r.solved_at),
        date(r.closed_at),
        hours(r.attention_hours),
        hours(r.attention_target_hours),
        state(&r.attention_state),
        hours(r.solution_hours),
        hours(r.paused_hours),
        hours(r.solution_target_hours),
        state(&r.solution_state),
        text(&r.rule),
        r.reopened.map(|n| n.to_string()).unwrap_or_default(),
        match r.no_history {
            Some(true) => "Sí".into(),
            Some(false) => "No".into(),
            None => String::new(),
        },
        // A measured ticket without a version was measured by the unversioned [policy].
        match (&r.policy_version, &r.calendar) {
            (Some(v), _) => v.clone(),
            (None, Some(_)) => version_label("").to_owned(),
            (None, None) => String::new(),
        },
        text(&r.calendar),
        text(&r.attention_calendar),
    ]
}

fn ticket_url(r: &CaseRow) -> String {
    format!(
        "/casos/{}/{}",
        urlencode(&r.source),
        urlencode(&r.ticket_id)
    )
}

/// The columns the page shows: index in [`cells`] and sort key.
/// (Type, group, service, rule… are in the downloads: the page keeps to what fits a screen.)
const PAGE_COLUMNS: [(usize, &str); 13] = [
    (1, "caso"),
    (2, "titulo"),
    (4, "prioridad"),
    (5, "categoria"),
    (7, "tecnico"),
    (9, "estado"),
    (10, "creado"),
    (14, "atencion"),
    (16, "ans_atencion"),
    (12, "solucionado"),
    (17, "solucion"),
    (20, "ans_solucion"),
    (13, "cerrado"),
];

/// The page's column headings, each a link that sorts by it (again: the other way).
fn column_links(list: &List) -> Vec<minijinja::Value> {
    let headings: Vec<&str> = case_headings().collect();
    let sort = list.spec.sort;
    PAGE_COLUMNS
        .iter()
        .map(|&(i, key)| {
            let active = sort.key == key;
            let next = Sort {
                key: SORT_KEYS
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map_or("creado", |k| k.0),
                descending: active && !sort.descending,
            };
            context! {
                label => headings.get(i).copied().unwrap_or(key),
                key,
                url => format!("/casos?{}", list.query(list.part, next, 1)),
                mark => if !active { "" } else if sort.descending { "▼" } else { "▲" },
            }
        })
        .collect()
}

pub async fn page(
    State(state): State<Arc<AppState>>,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Html<String>, PageError> {
    let list = resolve(&state, &q).await?;
    let data = read_page(&state, &list).await?;
    let sort = list.spec.sort;
    let columns = column_links(&list);
    let rows: Vec<Shown> = data
        .rows
        .iter()
        .map(|r| {
            let all = cells(r);
            Shown {
                url: ticket_url(r),
                cells: PAGE_COLUMNS.iter().map(|&(i, _)| all[i].clone()).collect(),
            }
        })
        .collect();
    let pages = list.pages(data.total);
    let link = |page: u64| format!("/casos?{}", list.query(list.part, sort, page));
    let parts: Vec<_> = list
        .definition
        .quantity
        .parts()
        .iter()
        .filter_map(|&p| {
            let m = list
                .definition
                .quantity
                .members(p, list.spec.month.is_some())?;
            Some(context! {
                url => format!("/casos?{}", list.query(p, sort, 1)),
                label => format!("Casos {}", m.words),
                current => p == list.part,
            })
        })
        .collect();
    let download = list.query(list.part, sort, 1);
    let first = (list.page - 1) * list.per_page + 1;
    render(
        "cases.html",
        context! {
            title => list.title(),
            indicator => list.definition.name.clone(),
            formula => list.definition.formula.clone(),
            entity_name => state.engine.display_name(&list.view.entity),
            scope => list.scope().join(" · "),
            total => data.total,
            total_text => fmt_count(data.total),
            shown_from => fmt_count(first.min(data.total)),
            shown_to => fmt_count((first + rows.len() as u64).saturating_sub(1)),
            page => list.page,
            pages,
            pages_text => fmt_count(pages),
            previous => (list.page > 1).then(|| link(list.page - 1)),
            next => (list.page < pages).then(|| link(list.page + 1)),
            columns,
            rows => minijinja::Value::from(Serde(&rows)),
            parts,
            overview_url => format!("/?{}", view_query(&list.view)),
            csv_url => format!("/descargas/casos.csv?{download}"),
            xlsx_url => format!("/descargas/casos.xlsx?{download}"),
        },
    )
}

/// The file name of a list's download: entity, quarter, indicator, part and filters.
async fn file_name(state: &Arc<AppState>, list: &List, ext: &str) -> Result<String, ApiError> {
    let entity = list.view.entity.clone();
    let slug = state
        .with_store(move |s, store| Ok(crate::report::entity_slug(store, &s.engine, &entity)?))
        .await?;
    let mut stem = format!(
        "casos_{slug}_{}_{}_{}",
        list.view.quarter,
        list.definition.id,
        list.part.code()
    );
    let scope = list.scope();
    if scope.len() > 1 {
        stem = format!("{stem}_{}", crate::report::slug(&scope[1..].join(" ")));
    }
    Ok(format!("{stem}.{ext}"))
}

fn attachment(kind: &str, name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The whole list as CSV for a spreadsheet in Spanish: UTF-8 with BOM, `;` between fields,
/// the *Casos* sheet's headings, decimal comma, DD/MM/AAAA dates.
pub async fn csv(
    State(state): State<Arc<AppState>>,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    let list = resolve(&state, &q).await?;
    let name = file_name(&state, &list, "csv").await?;
    let spec = list.spec.clone();
    let admitted = state.admit()?;
    let body = state
        .with_store(move |_, store| {
            let _admitted = admitted;
            let mut out = ::csv::WriterBuilder::new()
                .delimiter(b';')
                .from_writer(b"\xEF\xBB\xBF".to_vec());
            out.write_record(case_headings())
                .map_err(ApiError::internal)?;
            crate::store::drill::stream(store, &spec, |batch| -> Result<(), ApiError> {
                let mut part = ListPage {
                    total: 0,
                    rows: Vec::new(),
                };
                crate::store::drill::read_rows(batch, &mut part)?;
                for r in &part.rows {
                    out.write_record(cells(r)).map_err(ApiError::internal)?;
                }
                Ok(())
            })?;
            out.into_inner().map_err(ApiError::internal)
        })
        .await?;
    Ok(attachment("text/csv; charset=utf-8", &name, body))
}

/// The whole list as a workbook: the *Casos* sheet of the quarter's workbook and a *Lista*
/// sheet saying what it holds.
pub async fn xlsx(
    State(state): State<Arc<AppState>>,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    let list = resolve(&state, &q).await?;
    let name = file_name(&state, &list, "xlsx").await?;
    let about = vec![
        ("Lista", list.title()),
        ("Indicador", list.definition.name.clone()),
        ("Entidad", state.engine.display_name(&list.view.entity)),
        ("Alcance", list.scope().join(" · ")),
        ("Fórmula", list.definition.formula.clone()),
    ];
    let spec = list.spec.clone();
    let admitted = state.admit()?;
    let body = state
        .with_store(move |s, store| {
            let _admitted = admitted;
            let file = tempfile::Builder::new()
                .suffix(".xlsx")
                .tempfile_in(s.downloads.path())
                .map_err(ApiError::internal)?;
            write_case_list(file.path(), &about, s.glpi_base_url.as_deref(), |w| {
                crate::store::drill::stream(store, &spec, w)
            })
            .map_err(ApiError::internal)?;
            std::fs::read(file.path()).map_err(ApiError::internal)
        })
        .await?;
    Ok(attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &name,
        body,
    ))
}
