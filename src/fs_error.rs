//! Spanish wording of the operating system's errors on files the user names (ingest files,
//! `--config`, `--export`, `report --out`), so no English OS text reaches the user.

use std::io::{Error, ErrorKind};

/// What went wrong with a file, in Spanish, from the error's kind (the OS text, English and
/// with its error number, is of no use to the user). Kinds without a wording of their own keep
/// the OS text after a Spanish lead-in.
pub fn describe(e: &Error) -> String {
    match e.kind() {
        ErrorKind::NotFound => "no existe el archivo o la carpeta".to_owned(),
        ErrorKind::PermissionDenied => "no hay permiso para usar el archivo".to_owned(),
        ErrorKind::AlreadyExists => "el archivo ya existe".to_owned(),
        ErrorKind::IsADirectory => "es una carpeta, no un archivo".to_owned(),
        ErrorKind::NotADirectory => "una parte de la ruta no es una carpeta".to_owned(),
        ErrorKind::InvalidData => "el contenido no es texto UTF-8 válido".to_owned(),
        ErrorKind::StorageFull => "no queda espacio en el disco".to_owned(),
        ErrorKind::ReadOnlyFilesystem => "el disco es de solo lectura".to_owned(),
        ErrorKind::BrokenPipe => "la salida se cerró antes de terminar".to_owned(),
        _ => format!("error del sistema ({e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_forbidden_files_are_described_in_spanish() {
        let missing = std::fs::read("/no/existe/este/archivo").expect_err("missing");
        assert_eq!(describe(&missing), "no existe el archivo o la carpeta");
        let dir = std::fs::read_to_string(std::env::temp_dir()).expect_err("a directory");
        assert!(!describe(&dir).contains("os error"), "{}", describe(&dir));
    }
}
