//! The CSV files being written: one [`Table`] per file, counting its rows.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

use crate::GenerateError;

/// One CSV file being written.
pub(crate) struct Table {
    name: &'static str,
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
    rows: u64,
}

impl Table {
    /// Creates the file `name` in `folder` and writes its header.
    pub(crate) fn create(
        folder: &Path,
        name: &'static str,
        header: &[&str],
    ) -> Result<Table, GenerateError> {
        let path = folder.join(name);
        let file = File::create(&path).map_err(|source| write_error(&path, source))?;
        let writer = csv::WriterBuilder::new()
            .buffer_capacity(1 << 16)
            .from_writer(BufWriter::with_capacity(1 << 20, file));
        let mut table = Table { name, path, writer, rows: 0 };
        let result = table.writer.write_record(header);
        result.map_err(|error| csv_error(&table.path, error))?;
        Ok(table)
    }

    /// Writes one row.
    pub(crate) fn row<const COLUMNS: usize>(
        &mut self,
        cells: [&[u8]; COLUMNS],
    ) -> Result<(), GenerateError> {
        let result = self.writer.write_record(cells);
        result.map_err(|error| csv_error(&self.path, error))?;
        self.rows += 1;
        Ok(())
    }

    /// Flushes the file; its name and the rows written.
    pub(crate) fn finish(mut self) -> Result<(String, u64), GenerateError> {
        let result = self.writer.flush();
        result.map_err(|source| write_error(&self.path, source))?;
        Ok((self.name.to_string(), self.rows))
    }
}

fn write_error(path: &Path, source: io::Error) -> GenerateError {
    GenerateError::Write { path: path.display().to_string(), source }
}

fn csv_error(path: &Path, error: csv::Error) -> GenerateError {
    let source = match error.into_kind() {
        csv::ErrorKind::Io(source) => source,
        other => io::Error::other(format!("{other:?}")),
    };
    write_error(path, source)
}

/// The decimal digits of a number, written into `buffer`.
pub(crate) fn digits(mut value: u64, buffer: &mut [u8; 20]) -> &[u8] {
    let mut start = buffer.len();
    loop {
        start -= 1;
        buffer[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    &buffer[start..]
}

/// A person's id: `p` and the number, zero-padded to `width` digits.
pub(crate) fn person_id(number: u64, width: usize, buffer: &mut [u8; 24]) -> &[u8] {
    let mut digit_buffer = [0u8; 20];
    let number_digits = digits(number, &mut digit_buffer);
    let width = width.clamp(number_digits.len(), 20);
    buffer[0] = b'p';
    let padding = width - number_digits.len();
    buffer[1..=padding].fill(b'0');
    buffer[1 + padding..=width].copy_from_slice(number_digits);
    &buffer[..=width]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_ids_are_padded() {
        let mut buffer = [0u8; 24];
        assert_eq!(person_id(42, 7, &mut buffer), b"p0000042");
        assert_eq!(person_id(12_345_678, 8, &mut buffer), b"p12345678");
        let mut buffer = [0u8; 20];
        assert_eq!(digits(0, &mut buffer), b"0");
    }
}
