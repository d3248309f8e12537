//! Print setup of the workbook's sheets: Letter (Carta) paper, the Colombian default, an
//! orientation, one page wide, and the header rows repeated on every printed page.

use rust_xlsxwriter::{RowNum, Worksheet, XlsxError};

/// Excel's paper code of US Letter (Carta), 8,5 × 11 in.
pub const LETTER: u8 = 1;

/// Landscape or portrait Letter, fitted to one page wide (as many pages long as needed), with
/// rows `repeat` (first, last) printed at the top of every page.
pub fn table_print(
    ws: &mut Worksheet,
    landscape: bool,
    repeat: (RowNum, RowNum),
) -> Result<(), XlsxError> {
    ws.set_paper_size(LETTER);
    if landscape {
        ws.set_landscape();
    } else {
        ws.set_portrait();
    }
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(repeat.0, repeat.1)?;
    ws.set_footer("&CPágina &P de &N");
    Ok(())
}
