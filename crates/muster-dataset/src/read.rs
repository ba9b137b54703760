//! Reading the files of a dataset into typed rows, catching what one cell
//! or one row can show.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use muster_core::model::UnknownWord;
use muster_core::{
    Assignment, Branch, Calendar, Campaign, Deployed, Deployment, Event, EventKind, Grounds,
    MonthDay, Organisation, OrganisationKind, Paper, Person, Sex, Site, Unit, parse_date,
};

use crate::{Dataset, DatasetError, Errors, ImportError, Located, Unread};

/// The files of a dataset, in the order they are read and reported.
pub const FILES: &[&str] = &[
    "calendar.toml",
    "organisations.csv",
    "units.csv",
    "sites.csv",
    "campaigns.csv",
    "people.csv",
    "service.csv",
    "deployments.csv",
    "events.csv",
    "exemptions.csv",
];

/// Reads the dataset in `dir`: the rows that could be read, with the errors
/// found in the others (`Dataset::errors`); an error only when a file cannot
/// be read at all.
pub fn read_dataset(dir: &Path) -> Result<Dataset, ImportError> {
    read_dataset_with_progress(dir, &mut |_, _| {})
}

/// Reads the dataset in `dir`, telling `progress` the bytes read so far and
/// the bytes in all.
pub fn read_dataset_with_progress(
    dir: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Dataset, ImportError> {
    let io_error = |path: &Path, source: io::Error| ImportError::Io {
        path: path.display().to_string(),
        source,
    };
    let metadata = std::fs::metadata(dir).map_err(|source| io_error(dir, source))?;
    if !metadata.is_dir() {
        return Err(io_error(dir, io::Error::other("not a folder")));
    }
    let people = dir.join("people.csv");
    if !people.exists() {
        return Err(io_error(&people, io::Error::other("a dataset needs people.csv")));
    }
    let mut total = 0;
    for name in FILES {
        if let Ok(metadata) = std::fs::metadata(dir.join(name)) {
            total += metadata.len();
        }
    }
    let mut done = 0u64;
    let mut dataset = Dataset::default();

    let calendar_path = dir.join("calendar.toml");
    if calendar_path.exists() {
        let text = std::fs::read_to_string(&calendar_path)
            .map_err(|source| io_error(&calendar_path, source))?;
        done += text.len() as u64;
        progress(done, total);
        match read_calendar(&text) {
            Ok(calendar) => dataset.calendar = Some(calendar),
            Err(error) => dataset.errors.push(error),
        }
    }

    macro_rules! table {
        ($file:literal, $field:ident, $parse:ident, $unread:expr) => {{
            let path = dir.join($file);
            if path.exists() {
                let file = File::open(&path).map_err(|source| io_error(&path, source))?;
                let size = file.metadata().map(|metadata| metadata.len()).unwrap_or(0);
                let mut counting =
                    Counting { inner: file, done: &mut done, total, progress: &mut *progress };
                dataset.$field =
                    read_table(&mut counting, size, $file, &mut dataset.errors, $unread, $parse)
                        .map_err(|source| io_error(&path, source))?;
            }
        }};
    }
    // Nothing refers to a history row: what is left out of those files is
    // not remembered.
    let mut history = Unread::default();
    table!("organisations.csv", organisations, ORGANISATIONS, &mut dataset.left_out.organisations);
    table!("units.csv", units, UNITS, &mut dataset.left_out.units);
    table!("sites.csv", sites, SITES, &mut dataset.left_out.sites);
    table!("campaigns.csv", campaigns, CAMPAIGNS, &mut dataset.left_out.campaigns);
    table!("people.csv", people, PEOPLE, &mut dataset.left_out.people);
    table!("service.csv", assignments, SERVICE, &mut history);
    table!("deployments.csv", deployments, DEPLOYMENTS, &mut history);
    table!("events.csv", events, EVENTS, &mut history);
    table!("exemptions.csv", papers, PAPERS, &mut history);

    dataset.errors.sort();
    Ok(dataset)
}

/// Reads rows of one of the dataset's files from their cells, each row
/// given as `(column, value)` pairs, exactly as the import reads the rows of
/// that file: an act's fields checked by the import's rules, in its words.
/// The rows are numbered from line 2, as in a file.
pub fn read_rows(file: &str, rows: &[Vec<(&str, &str)>]) -> Result<Dataset, Errors> {
    let mut dataset = Dataset::default();
    let mut errors = Errors::default();
    let columns: Vec<&str> =
        rows.iter().flatten().map(|(column, _)| *column).fold(Vec::new(), |mut columns, column| {
            if !columns.contains(&column) {
                columns.push(column);
            }
            columns
        });
    let mut text = csv::Writer::from_writer(Vec::new());
    let written = (|| {
        text.write_record(&columns)?;
        for row in rows {
            let cells = columns.iter().map(|column| {
                row.iter().find(|(name, _)| name == column).map_or("", |(_, value)| *value)
            });
            text.write_record(cells)?;
        }
        text.into_inner().map_err(|error| csv::Error::from(error.into_error()))
    })();
    let text = match written {
        Ok(text) => text,
        Err(error) => {
            errors.push(DatasetError {
                file: file.to_string(),
                line: 1,
                column: None,
                message: format!("cannot write the row: {error}"),
            });
            return Err(errors);
        }
    };
    let reader = text.as_slice();
    let size = text.len() as u64;
    let mut unread = Unread::default();
    macro_rules! rows {
        ($file:literal, $field:ident, $parse:ident) => {
            read_table(reader, size, $file, &mut errors, &mut unread, $parse)
                .map(|rows| dataset.$field = rows)
        };
    }
    let read: io::Result<()> = match file {
        "organisations.csv" => rows!("organisations.csv", organisations, ORGANISATIONS),
        "units.csv" => rows!("units.csv", units, UNITS),
        "sites.csv" => rows!("sites.csv", sites, SITES),
        "campaigns.csv" => rows!("campaigns.csv", campaigns, CAMPAIGNS),
        "people.csv" => rows!("people.csv", people, PEOPLE),
        "service.csv" => rows!("service.csv", assignments, SERVICE),
        "deployments.csv" => rows!("deployments.csv", deployments, DEPLOYMENTS),
        "events.csv" => rows!("events.csv", events, EVENTS),
        "exemptions.csv" => rows!("exemptions.csv", papers, PAPERS),
        other => {
            errors.push(DatasetError {
                file: other.to_string(),
                line: 1,
                column: None,
                message: format!("no file of a dataset is named `{other}`"),
            });
            Ok(())
        }
    };
    if let Err(error) = read {
        errors.push(DatasetError {
            file: file.to_string(),
            line: 1,
            column: None,
            message: format!("cannot read the row: {error}"),
        });
    }
    if errors.is_empty() { Ok(dataset) } else { Err(errors) }
}

/// A reader that tells how far it has read.
struct Counting<'a, R> {
    inner: R,
    done: &'a mut u64,
    total: u64,
    progress: &'a mut dyn FnMut(u64, u64),
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buffer)?;
        *self.done += count as u64;
        (self.progress)(*self.done, self.total);
        Ok(count)
    }
}

/// Reads `calendar.toml`.
fn read_calendar(text: &str) -> Result<Calendar, DatasetError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct CalendarFile {
        spring: Option<toml::Spanned<String>>,
        autumn: Option<toml::Spanned<String>>,
    }
    let located = |offset: usize, message: String| {
        let (line, column) = line_and_column(text, offset);
        DatasetError {
            file: "calendar.toml".to_string(),
            line,
            column: Some(column.to_string()),
            message,
        }
    };
    let file: CalendarFile = toml::from_str(text).map_err(|error| {
        let offset = error.span().map(|span| span.start).unwrap_or(0);
        located(offset, error.message().trim().to_string())
    })?;
    let defaults = Calendar::default();
    let read = |value: Option<toml::Spanned<String>>, default: MonthDay| match value {
        None => Ok(default),
        Some(value) => value
            .get_ref()
            .parse::<MonthDay>()
            .map_err(|error| located(value.span().start, error.to_string())),
    };
    let spring = read(file.spring, defaults.spring)?;
    let autumn = read(file.autumn, defaults.autumn)?;
    Calendar::new(spring, autumn).map_err(|error| located(0, error.to_string()))
}

/// The 1-based line and column (in characters) of a byte offset.
fn line_and_column(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().unwrap_or_default().chars().count() as u64 + 1;
    (line, column)
}

/// The columns of one file: their names, and which must be in the header.
struct Columns {
    names: &'static [&'static str],
    required: &'static [&'static str],
}

/// One row being read, with the cells found by column name.
struct Row<'a> {
    file: &'static str,
    line: u64,
    record: &'a csv::StringRecord,
    positions: &'a [Option<usize>],
    names: &'static [&'static str],
    errors: &'a mut Errors,
    ok: bool,
}

impl Row<'_> {
    fn error(&mut self, column: &str, message: impl Into<String>) {
        self.ok = false;
        self.errors.push(DatasetError::at(self.file, self.line, column, message));
    }

    /// The cell of a column, trimmed; "" when the column is absent.
    fn text(&self, column: &str) -> &str {
        let index = self.names.iter().position(|name| *name == column);
        index
            .and_then(|index| self.positions[index])
            .and_then(|position| self.record.get(position))
            .map(str::trim)
            .unwrap_or_default()
    }

    fn owned(&self, column: &str) -> String {
        self.text(column).to_string()
    }

    fn optional(&self, column: &str) -> Option<String> {
        let text = self.text(column);
        (!text.is_empty()).then(|| text.to_string())
    }

    fn required(&mut self, column: &str) -> String {
        let text = self.owned(column);
        if text.is_empty() {
            self.error(column, "missing value");
        }
        text
    }

    fn optional_date(&mut self, column: &str) -> Option<chrono::NaiveDate> {
        let text = self.text(column);
        if text.is_empty() {
            return None;
        }
        let date = parse_date(text);
        if date.is_none() {
            let message = format!("`{text}` is not a date of the form YYYY-MM-DD");
            self.error(column, message);
        }
        date
    }

    fn date(&mut self, column: &str) -> chrono::NaiveDate {
        if self.text(column).is_empty() {
            self.error(column, "missing value");
            return chrono::NaiveDate::MIN;
        }
        self.optional_date(column).unwrap_or(chrono::NaiveDate::MIN)
    }

    fn optional_number(&mut self, column: &str) -> Option<u32> {
        let text = self.text(column);
        if text.is_empty() {
            return None;
        }
        let number = text.parse::<u32>().ok();
        if number.is_none() {
            let message = format!("`{text}` is not a whole number");
            self.error(column, message);
        }
        number
    }

    fn number(&mut self, column: &str) -> u32 {
        if self.text(column).is_empty() {
            self.error(column, "missing value");
            return 0;
        }
        self.optional_number(column).unwrap_or(0)
    }

    fn word<T: std::str::FromStr<Err = UnknownWord>>(&mut self, column: &str) -> Option<T> {
        let text = self.text(column);
        if text.is_empty() {
            self.error(column, "missing value");
            return None;
        }
        self.optional_word(column)
    }

    fn optional_word<T: std::str::FromStr<Err = UnknownWord>>(
        &mut self,
        column: &str,
    ) -> Option<T> {
        let text = self.text(column);
        if text.is_empty() {
            return None;
        }
        match text.parse::<T>() {
            Ok(value) => Some(value),
            Err(error) => {
                let message = error.to_string();
                self.error(column, message);
                None
            }
        }
    }
}

/// How one file's rows are read.
struct Parser<T> {
    columns: Columns,
    parse: fn(&mut Row<'_>) -> Option<T>,
}

/// Reads every row of one CSV file, reporting errors into `errors` and
/// leaving out the rows that hold them (their ids go to `unread`).
fn read_table<T>(
    reader: impl Read,
    size: u64,
    file: &'static str,
    errors: &mut Errors,
    unread: &mut Unread,
    parser: Parser<T>,
) -> io::Result<Vec<Located<T>>> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(buffer_capacity(size))
        .from_reader(reader);
    let mut rows = Vec::new();
    // The buffer of one row, read as bytes and then checked as UTF-8 in
    // place, so that a row that is not UTF-8 still shows its id.
    let mut buffer = Some(csv::ByteRecord::new());
    let header = match read_record(&mut csv, &mut buffer, file, 1, errors)? {
        Record::Text(record) => record,
        Record::NotText(_) | Record::Unreadable => {
            unread.rest();
            return Ok(rows);
        }
        Record::End => {
            errors.push(DatasetError {
                file: file.to_string(),
                line: 1,
                column: None,
                message: "the file is empty: it needs a header row".to_string(),
            });
            unread.rest();
            return Ok(rows);
        }
    };
    let Some(positions) = read_header(&header, file, &parser.columns, errors) else {
        unread.rest();
        return Ok(rows);
    };
    let key = parser
        .columns
        .names
        .iter()
        .position(|name| *name == "id")
        .and_then(|index| positions[index]);
    let width = header.len();
    let mut line = 1u64;
    loop {
        line += 1;
        let record = match read_record(&mut csv, &mut buffer, file, line, errors)? {
            Record::Text(record) => record,
            Record::End => break,
            Record::Unreadable => {
                unread.rest();
                break;
            }
            Record::NotText(raw) => {
                let id = match key {
                    Some(key) => raw.get(key).and_then(|cell| std::str::from_utf8(cell).ok()),
                    None => Some(""),
                };
                unread.insert(id.map(str::trim));
                buffer = Some(raw);
                continue;
            }
        };
        // A blank line is skipped, as a spreadsheet would.
        if record.len() == 1 && record.get(0).is_some_and(|cell| cell.trim().is_empty()) {
            buffer = Some(record.into_byte_record());
            continue;
        }
        if record.len() != width {
            let message = if record.len() < width {
                let column = header.get(record.len()).unwrap_or_default();
                DatasetError::at(
                    file,
                    line,
                    column,
                    format!("missing: the row has {} fields, the header {width}", record.len()),
                )
            } else {
                DatasetError::at(
                    file,
                    line,
                    &(width + 1).to_string(),
                    format!(
                        "extra field: the header has {width} columns, the row {}",
                        record.len()
                    ),
                )
            };
            errors.push(message);
            unread.insert(row_id(key, &record));
            buffer = Some(record.into_byte_record());
            continue;
        }
        let mut row = Row {
            file,
            line,
            record: &record,
            positions: &positions,
            names: parser.columns.names,
            errors,
            ok: true,
        };
        let value = (parser.parse)(&mut row);
        match (row.ok, value) {
            (true, Some(value)) => rows.push(Located { line, record: value }),
            _ => unread.insert(row_id(key, &record)),
        }
        buffer = Some(record.into_byte_record());
    }
    Ok(rows)
}

/// The read buffer for a file of `size` bytes: a mebibyte for a large
/// file, no more than the file needs for a small one.
fn buffer_capacity(size: u64) -> usize {
    const LARGEST: u64 = 1 << 20;
    const SMALLEST: u64 = 8 << 10;
    size.clamp(SMALLEST, LARGEST) as usize
}

/// The id of a row left out, when its file has ids: `None` when the row
/// has no cell in the id's column.
fn row_id(key: Option<usize>, record: &csv::StringRecord) -> Option<&str> {
    match key {
        Some(key) => record.get(key).map(str::trim),
        None => Some(""),
    }
}

/// One record as read.
enum Record {
    /// A record of UTF-8 text.
    Text(csv::StringRecord),
    /// A record that is not UTF-8 (reported), as bytes.
    NotText(csv::ByteRecord),
    /// A record that cannot be read (reported): the rest of the file is
    /// not read either.
    Unreadable,
    /// The end of the file.
    End,
}

/// Reads the next record into the buffer (taken from `buffer`; the caller
/// puts it back).
fn read_record<R: Read>(
    csv: &mut csv::Reader<R>,
    buffer: &mut Option<csv::ByteRecord>,
    file: &str,
    line: u64,
    errors: &mut Errors,
) -> io::Result<Record> {
    let mut raw = buffer.take().unwrap_or_default();
    match csv.read_byte_record(&mut raw) {
        Ok(true) => {}
        Ok(false) => {
            *buffer = Some(raw);
            return Ok(Record::End);
        }
        Err(error) => {
            *buffer = Some(raw);
            return match error.into_kind() {
                csv::ErrorKind::Io(error) => Err(error),
                other => {
                    errors.push(DatasetError {
                        file: file.to_string(),
                        line,
                        column: None,
                        message: format!("cannot read the row: {other:?}"),
                    });
                    Ok(Record::Unreadable)
                }
            };
        }
    }
    match csv::StringRecord::from_byte_record(raw) {
        Ok(record) => Ok(Record::Text(record)),
        Err(error) => {
            let field = error.utf8_error().field();
            let raw = error.into_byte_record();
            let line = raw.position().map(|pos| pos.line()).unwrap_or(line);
            errors.push(DatasetError {
                file: file.to_string(),
                line,
                column: Some((field + 1).to_string()),
                message: "the text is not valid UTF-8".to_string(),
            });
            Ok(Record::NotText(raw))
        }
    }
}

/// Maps the header to the known columns; `None` when the header is unusable
/// (errors reported).
fn read_header(
    header: &csv::StringRecord,
    file: &str,
    columns: &Columns,
    errors: &mut Errors,
) -> Option<Vec<Option<usize>>> {
    let mut positions = vec![None; columns.names.len()];
    let mut ok = true;
    for (position, name) in header.iter().enumerate() {
        let name = name.trim().trim_start_matches('\u{feff}');
        match columns.names.iter().position(|known| *known == name) {
            Some(index) if positions[index].is_some() => {
                ok = false;
                errors.push(DatasetError::at(file, 1, name, "the column is given twice"));
            }
            Some(index) => positions[index] = Some(position),
            None => {
                ok = false;
                let expected = muster_core::model::one_of(columns.names.iter().copied());
                let shown = if name.is_empty() { "(empty)" } else { name };
                errors.push(DatasetError::at(
                    file,
                    1,
                    shown,
                    format!("unknown column: the columns of {file} are {expected}"),
                ));
            }
        }
    }
    for required in columns.required {
        let index = columns.names.iter().position(|known| known == required);
        if index.is_some_and(|index| positions[index].is_none()) {
            ok = false;
            errors.push(DatasetError::at(file, 1, required, "missing required column"));
        }
    }
    ok.then_some(positions)
}

const ORGANISATIONS: Parser<Organisation> = Parser {
    columns: Columns {
        names: &["id", "name", "kind", "parent"],
        required: &["id", "name", "kind"],
    },
    parse: |row| {
        let id = row.required("id");
        let name = row.required("name");
        let kind = row.word::<OrganisationKind>("kind");
        let parent = row.optional("parent");
        Some(Organisation { id, name, kind: kind?, parent })
    },
};
const UNITS: Parser<Unit> = Parser {
    columns: Columns {
        names: &["id", "name", "parent", "branch", "tags", "administration"],
        required: &["id", "name", "branch"],
    },
    parse: |row| {
        let id = row.required("id");
        let name = row.required("name");
        let parent = row.optional("parent");
        let branch = row.word::<Branch>("branch");
        let tags = row
            .text("tags")
            .split(';')
            .map(str::trim)
            .filter(|tag| !tag.is_empty())
            .map(str::to_string)
            .collect();
        let administration = row.optional("administration");
        Some(Unit { id, name, parent, branch: branch?, tags, administration })
    },
};

const SITES: Parser<Site> = Parser {
    columns: Columns { names: &["id", "name", "province", "kind"], required: &["id", "name"] },
    parse: |row| {
        Some(Site {
            id: row.required("id"),
            name: row.required("name"),
            province: row.owned("province"),
            kind: row.owned("kind"),
        })
    },
};

const CAMPAIGNS: Parser<Campaign> = Parser {
    columns: Columns {
        names: &["id", "site", "from", "to", "required", "required_technicians"],
        required: &["id", "site", "from", "to", "required"],
    },
    parse: |row| {
        let id = row.required("id");
        let site = row.required("site");
        let from = row.date("from");
        let to = row.date("to");
        let required = row.number("required");
        let required_technicians = row.optional_number("required_technicians");
        if row.ok && to < from {
            row.error("to", format!("the campaign ends on {to}, before it begins on {from}"));
        }
        if let Some(technicians) = required_technicians
            && row.ok
            && technicians > required
        {
            row.error(
                "required_technicians",
                format!("{technicians} technicians are more than the {required} people required"),
            );
        }
        Some(Campaign { id, site, from, to, required, required_technicians })
    },
};

const PEOPLE: Parser<Person> = Parser {
    columns: Columns {
        names: &[
            "id",
            "name",
            "born",
            "sex",
            "home_province",
            "home_county",
            "branch",
            "rank",
            "specialty",
            "enlisted",
            "term_months",
        ],
        required: &["id", "name", "born", "sex", "home_province"],
    },
    parse: |row| {
        let id = row.required("id");
        let name = row.required("name");
        let born = row.date("born");
        let sex = row.word::<Sex>("sex");
        let home_province = row.required("home_province");
        let branch = row.optional_word::<Branch>("branch");
        let enlisted = row.optional_date("enlisted");
        let term_months = row.optional_number("term_months");
        if !row.text("enlisted").is_empty() && row.text("term_months").is_empty() {
            row.error("term_months", "missing value: required when `enlisted` is set");
        }
        if row.text("enlisted").is_empty() && !row.text("term_months").is_empty() {
            row.error("term_months", "given for one who never enlisted (`enlisted` is empty)");
        }
        if term_months == Some(0) {
            row.error("term_months", "a term must last at least one month");
        }
        if let Some(enlisted) = enlisted
            && row.ok
            && enlisted <= born
        {
            row.error("enlisted", format!("enlisted on {enlisted}, not after birth on {born}"));
        }
        Some(Person {
            id,
            name,
            born,
            sex: sex?,
            home_province,
            home_county: row.owned("home_county"),
            branch,
            rank: row.owned("rank"),
            specialty: row.owned("specialty"),
            enlisted,
            term_months,
        })
    },
};

const SERVICE: Parser<Assignment> = Parser {
    columns: Columns {
        names: &["person", "unit", "from", "to"],
        required: &["person", "unit", "from"],
    },
    parse: |row| {
        let person = row.required("person");
        let unit = row.required("unit");
        let from = row.date("from");
        let to = row.optional_date("to");
        if let Some(to) = to
            && row.ok
            && to < from
        {
            row.error("to", format!("the assignment ends on {to}, before it begins on {from}"));
        }
        Some(Assignment { person, unit, from, to })
    },
};

const DEPLOYMENTS: Parser<Deployment> = Parser {
    columns: Columns {
        names: &["unit", "person", "site", "campaign", "from", "to"],
        required: &["site", "from"],
    },
    parse: |row| {
        let unit = row.optional("unit");
        let person = row.optional("person");
        let site = row.required("site");
        let campaign = row.owned("campaign");
        let from = row.date("from");
        let to = row.optional_date("to");
        if let Some(to) = to
            && row.ok
            && to < from
        {
            row.error("to", format!("the deployment ends on {to}, before it begins on {from}"));
        }
        let deployed = match (unit, person) {
            (Some(unit), None) => Deployed::Unit(unit),
            (None, Some(person)) => Deployed::Person(person),
            (Some(_), Some(_)) => {
                row.error("unit", "both `unit` and `person` are set: exactly one of them must be");
                return None;
            }
            (None, None) => {
                row.error(
                    "unit",
                    "neither `unit` nor `person` is set: exactly one of them must be",
                );
                return None;
            }
        };
        Some(Deployment { deployed, site, campaign, from, to })
    },
};

const EVENTS: Parser<Event> = Parser {
    columns: Columns {
        names: &["person", "date", "kind", "ref", "detail"],
        required: &["person", "date", "kind"],
    },
    parse: |row| {
        let person = row.required("person");
        let date = row.date("date");
        let kind = row.word::<EventKind>("kind")?;
        let reference = row.owned("ref");
        let detail = row.owned("detail");
        match kind {
            EventKind::Discharged if !reference.is_empty() => {
                row.error("ref", "a `discharged` event refers to nothing: leave `ref` empty");
            }
            EventKind::Admitted | EventKind::Posted | EventKind::Returned | EventKind::Exempted
                if reference.is_empty() =>
            {
                row.error("ref", format!("missing value: a `{kind}` event names an organisation"));
            }
            _ => {}
        }
        if kind == EventKind::Exempted {
            let scope = detail.split_once(':').map(|(scope, _)| scope.trim());
            if scope.is_none_or(str::is_empty) {
                row.error(
                    "detail",
                    format!("`{detail}` is not of the form `SCOPE: grounds`: an exemption carries its scope and grounds"),
                );
            }
        }
        Some(Event { person, date, kind, reference, detail })
    },
};

const PAPERS: Parser<Paper> = Parser {
    columns: Columns {
        names: &[
            "document",
            "person",
            "scope",
            "grounds",
            "text",
            "issuer",
            "official",
            "issued_on",
            "valid_from",
            "valid_until",
        ],
        required: &["document", "person", "scope", "grounds", "issuer", "issued_on"],
    },
    parse: |row| {
        let document = row.required("document");
        let person = row.required("person");
        let scope = row.required("scope");
        if !scope.is_empty()
            && !scope
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte == b'-' || byte.is_ascii_digit())
        {
            row.error(
                "scope",
                format!("`{scope}` is not a scope: lowercase words joined by `-`, such as `redeployment`"),
            );
        }
        let grounds = row.word::<Grounds>("grounds");
        let text = row.owned("text");
        let issuer = row.required("issuer");
        let official = row.owned("official");
        let issued_on = row.date("issued_on");
        let valid_from = row.optional_date("valid_from").unwrap_or(issued_on);
        let valid_until = row.optional_date("valid_until");
        if let Some(until) = valid_until
            && row.ok
            && until < valid_from
        {
            row.error(
                "valid_until",
                format!("the paper is valid until {until}, before it is valid from {valid_from}"),
            );
        }
        Some(Paper {
            document,
            person,
            scope,
            grounds: grounds?,
            text,
            issuer,
            official,
            issued_on,
            valid_from,
            valid_until,
        })
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_errors_have_line_and_column() {
        let error = read_calendar("spring = \"02-01\"\nautumn = \"13-01\"\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "calendar.toml:2: column 10: `13-01` is not a month and day of the form MM-DD"
        );
        let error = read_calendar("summer = \"06-01\"\n").unwrap_err();
        assert!(
            error.to_string().starts_with("calendar.toml:1: column 1: unknown field `summer`"),
            "{error}"
        );
        let calendar = read_calendar("autumn = \"11-01\"\n").unwrap();
        assert_eq!(calendar.autumn.to_string(), "11-01");
        assert_eq!(calendar.spring.to_string(), "02-01");
    }
}
