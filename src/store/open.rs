//! Why a store file cannot be opened, told in Spanish with what to do: the path is checked
//! before DuckDB sees it (a parent that is a file, a folder, no permission, not a DuckDB file),
//! and DuckDB's own failures (a lock held by another process, a damaged file) are recognised.
//! DuckDB's English text goes to the debug log (`-vv`), not to the user.

use std::io::Read;
use std::path::Path;

use super::StoreError;

/// Bytes 8–11 of every DuckDB database file (after the header's checksum).
const DUCKDB_MAGIC: &[u8; 4] = b"DUCK";

const CHOOSE_ANOTHER: &str = "indique otra con --db";

fn open_error(path: &Path, reason: String) -> StoreError {
    StoreError::Open {
        path: path.display().to_string(),
        reason,
    }
}

/// An I/O failure in words (`std::io::Error` speaks English).
fn io_reason(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind::*;
    match e.kind() {
        PermissionDenied => "no tiene permiso",
        NotFound => "no existe",
        AlreadyExists | NotADirectory => "una parte de la ruta es un archivo, no una carpeta",
        IsADirectory => "es una carpeta",
        ReadOnlyFilesystem => "el disco es de solo lectura",
        StorageFull => "el disco está lleno",
        _ => "error de entrada y salida",
    }
}

/// Checks the path before DuckDB opens it, creating its folder if needed. Returns whether the
/// file existed.
pub(super) fn check_path(path: &Path) -> Result<bool, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The first ancestor that exists must be a folder.
        if let Some(file) = dir.ancestors().find(|a| a.exists()).filter(|a| !a.is_dir()) {
            return Err(open_error(
                path,
                format!(
                    "{} es un archivo, no una carpeta; {CHOOSE_ANOTHER} dentro de una carpeta",
                    file.display()
                ),
            ));
        }
        std::fs::create_dir_all(dir).map_err(|e| {
            open_error(
                path,
                format!(
                    "no se pudo crear la carpeta {} ({}); créela usted o {CHOOSE_ANOTHER}",
                    dir.display(),
                    io_reason(&e)
                ),
            )
        })?;
    }
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(open_error(
                path,
                format!(
                    "no se puede consultar ({}); {CHOOSE_ANOTHER}",
                    io_reason(&e)
                ),
            ));
        }
    };
    if meta.is_dir() {
        return Err(open_error(
            path,
            format!(
                "es una carpeta, no un archivo; {CHOOSE_ANOTHER} (por ejemplo {})",
                path.join("mesa-sla.duckdb").display()
            ),
        ));
    }
    if !meta.is_file() {
        return Err(open_error(
            path,
            format!("no es un archivo normal (¿una tubería o un dispositivo?); {CHOOSE_ANOTHER}"),
        ));
    }
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| {
            open_error(
                path,
                format!(
                    "no se puede abrir para lectura y escritura ({}); pida acceso a quien \
                     administra el equipo o {CHOOSE_ANOTHER}",
                    io_reason(&e)
                ),
            )
        })?;
    if meta.len() == 0 {
        return Err(open_error(
            path,
            format!(
                "el archivo está vacío, no es una base de datos; bórrelo para crear una nueva o \
                 {CHOOSE_ANOTHER}"
            ),
        ));
    }
    let mut header = [0u8; 12];
    let whole = file.read_exact(&mut header).is_ok();
    if !whole || &header[8..] != DUCKDB_MAGIC {
        return Err(open_error(
            path,
            format!(
                "no es una base de datos de mesa-sla (DuckDB) o está dañado; restaure una copia \
                 de respaldo o {CHOOSE_ANOTHER}"
            ),
        ));
    }
    Ok(true)
}

/// DuckDB's failure to open `path`, recognised.
pub(super) fn failure(path: &Path, e: &duckdb::Error) -> StoreError {
    let text = e.to_string();
    tracing::debug!("DuckDB no abrió {}: {text}", path.display());
    if text.contains("Could not set lock") || text.contains("Conflicting lock") {
        let pid = text
            .split_once("(PID ")
            .and_then(|(_, rest)| rest.split_once(')'))
            .map(|(pid, _)| pid)
            .filter(|pid| !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()))
            .map_or_else(String::new, |pid| format!(" (PID {pid})"));
        return open_error(
            path,
            format!(
                "la está usando otro proceso{pid}, por ejemplo `mesa-sla serve` u otro comando \
                 en curso; espere a que termine o deténgalo y vuelva a intentarlo"
            ),
        );
    }
    if text.contains("Permission denied") {
        return open_error(
            path,
            format!(
                "no tiene permiso sobre el archivo o su carpeta; pida acceso a quien administra \
                 el equipo o {CHOOSE_ANOTHER}"
            ),
        );
    }
    if path.exists() {
        return damaged(path, e);
    }
    open_error(
        path,
        format!(
            "DuckDB no pudo crearla; revise el espacio libre y los permisos de la carpeta, o \
             {CHOOSE_ANOTHER} (detalle con -vv)"
        ),
    )
}

/// An existing file that DuckDB cannot read: damaged, cut short or of another version.
pub(super) fn damaged(path: &Path, e: &duckdb::Error) -> StoreError {
    tracing::debug!("DuckDB no pudo leer {}: {e}", path.display());
    let version = e.to_string().contains("version number");
    open_error(
        path,
        if version {
            format!(
                "la creó otra versión de DuckDB; ábrala con la versión de mesa-sla que la creó o \
                 {CHOOSE_ANOTHER}"
            )
        } else {
            format!(
                "el archivo está dañado o incompleto; restaure una copia de respaldo o \
                 {CHOOSE_ANOTHER}"
            )
        },
    )
}
