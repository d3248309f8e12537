//! Typed access to the columns of Arrow batches returned by DuckDB, whatever integer or string
//! layout DuckDB chose for them.

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use arrow::record_batch::RecordBatch;

use super::StoreError;

fn column(batch: &RecordBatch, i: usize, to: &DataType) -> Result<ArrayRef, StoreError> {
    let col = batch.columns().get(i).ok_or_else(|| {
        StoreError::Arrow(arrow::error::ArrowError::InvalidArgumentError(format!(
            "falta la columna {i}"
        )))
    })?;
    if col.data_type() == to {
        return Ok(col.clone());
    }
    Ok(cast(col, to)?)
}

/// Column `i` as 64-bit integers (nulls kept).
pub fn i64s(batch: &RecordBatch, i: usize) -> Result<Int64Array, StoreError> {
    Ok(column(batch, i, &DataType::Int64)?
        .as_primitive::<Int64Type>()
        .clone())
}

/// Column `i` as 64-bit floats (nulls kept).
pub fn f64s(batch: &RecordBatch, i: usize) -> Result<Float64Array, StoreError> {
    Ok(column(batch, i, &DataType::Float64)?
        .as_primitive::<Float64Type>()
        .clone())
}

/// The float at `row`, or `None` when null.
pub fn opt_f64(a: &Float64Array, row: usize) -> Option<f64> {
    (!a.is_null(row)).then(|| a.value(row))
}

/// Column `i` as UTF-8 strings (nulls kept).
pub fn strs(batch: &RecordBatch, i: usize) -> Result<StringArray, StoreError> {
    Ok(column(batch, i, &DataType::Utf8)?
        .as_string::<i32>()
        .clone())
}

/// Column `i` as booleans (nulls kept).
pub fn bools(batch: &RecordBatch, i: usize) -> Result<BooleanArray, StoreError> {
    Ok(column(batch, i, &DataType::Boolean)?.as_boolean().clone())
}

/// The value at `row`, or `None` when null.
pub fn opt_i64(a: &Int64Array, row: usize) -> Option<i64> {
    (!a.is_null(row)).then(|| a.value(row))
}

/// The string at `row`, or `None` when null.
pub fn opt_str(a: &StringArray, row: usize) -> Option<&str> {
    (!a.is_null(row)).then(|| a.value(row))
}

/// The string at `row`, empty when null.
pub fn str_or_empty(a: &StringArray, row: usize) -> &str {
    if a.is_null(row) { "" } else { a.value(row) }
}
