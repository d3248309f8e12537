//! The sync's high-water mark: the greatest `date_mod` seen and the tickets fetched at that
//! second, kept per API URL in `glpi_sync_state`.

use std::collections::BTreeSet;

use super::GlpiApiError;
use crate::store::Store;
use chrono::{Local, NaiveDateTime};

/// The high-water mark: the greatest `date_mod` seen and the tickets fetched at that second.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Mark {
    pub(super) at: NaiveDateTime,
    pub(super) ids: BTreeSet<String>,
}

pub(super) fn advance(mark: &mut Option<Mark>, id: String, date_mod: NaiveDateTime) {
    match mark {
        Some(m) if date_mod < m.at => {}
        Some(m) if date_mod == m.at => {
            m.ids.insert(id);
        }
        _ => {
            *mark = Some(Mark {
                at: date_mod,
                ids: BTreeSet::from([id]),
            });
        }
    }
}

pub(super) fn read_mark(store: &Store, url: &str) -> Result<Option<Mark>, GlpiApiError> {
    let row = store.glpi_sync_state().get(url)?;
    Ok(row.and_then(|row| {
        Some(Mark {
            at: row.high_water?,
            ids: row.ids_at_mark.into_iter().collect(),
        })
    }))
}

pub(super) fn write_mark(
    store: &Store,
    url: &str,
    mark: Option<&Mark>,
    run: Option<i64>,
) -> Result<(), GlpiApiError> {
    let ids: Vec<String> = mark
        .map(|m| m.ids.iter().cloned().collect())
        .unwrap_or_default();
    store.glpi_sync_state().put(
        url,
        mark.map(|m| m.at),
        &ids,
        Local::now().naive_local(),
        run,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_keeps_the_tickets_of_its_second() {
        let d = |s: &str| crate::ingest::parse_datetime(s).expect("date");
        let mut mark = None;
        advance(&mut mark, "1".into(), d("2025-01-01 10:00:00"));
        advance(&mut mark, "2".into(), d("2025-01-01 10:00:05"));
        advance(&mut mark, "3".into(), d("2025-01-01 10:00:05"));
        advance(&mut mark, "4".into(), d("2025-01-01 09:00:00"));
        let m = mark.expect("mark");
        assert_eq!(m.at, d("2025-01-01 10:00:05"));
        assert_eq!(m.ids, BTreeSet::from(["2".to_owned(), "3".to_owned()]));
    }
}
