//! The register of exemption papers as a caller may read and change it,
//! for the API's handlers (`handlers::exemptions`) and the console's pages
//! (`console::exemptions`) alike: which papers he may read, one paper, the
//! anomaly report, and the acts on papers, each decided by the policies on
//! the paper as its transaction reads it (`context::paper_act`).

use muster_access::{Action, Resource};
use muster_service::exemptions::{self, AnomalyReport, NewPaper, PaperAct, PaperDetail, Papers};
use muster_store::PaperFilter;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::context::{Context, paper_act};
use crate::error::ApiError;
use crate::limits;
use crate::params::{day_or_today, parse_day};
use crate::state::AppState;

/// Which papers of the register to show.
#[derive(Clone, Debug, Default, Deserialize, IntoParams)]
pub struct RegisterParams {
    /// Only the papers of this person.
    pub person: Option<String>,
    /// Only the papers of this issuer.
    pub issuer: Option<String>,
    /// Only the papers of this scope (`redeployment`, a list kind).
    pub scope: Option<String>,
    /// Only the papers on these grounds (`medical`, `family`, ...).
    pub grounds: Option<String>,
    /// Only the papers bearing this document number.
    pub document: Option<String>,
    /// Skip this many papers (in the order of their ids).
    pub offset: Option<usize>,
    /// At most this many papers (default 1000, at most 10000).
    pub limit: Option<usize>,
}

/// The most papers one page holds.
pub const MAX_PAGE: usize = 10_000;

impl RegisterParams {
    /// The filter, its values bounded.
    pub fn filter(&self) -> Result<PaperFilter, ApiError> {
        let id = |what: &str, value: &Option<String>| match value {
            Some(value) if !value.is_empty() => limits::check_id(what, value),
            _ => Ok(()),
        };
        id("a person id", &self.person)?;
        id("an organisation id", &self.issuer)?;
        id("a scope", &self.scope)?;
        id("grounds", &self.grounds)?;
        if let Some(document) = &self.document {
            limits::check_chars("document", document, limits::MAX_TITLE)?;
        }
        let blank = |value: &Option<String>| value.clone().filter(|value| !value.is_empty());
        Ok(PaperFilter {
            person: blank(&self.person),
            issuer: blank(&self.issuer),
            scope: blank(&self.scope),
            grounds: blank(&self.grounds),
            document: blank(&self.document),
        })
    }

    /// The page: how many to skip, how many at most.
    pub fn page(&self) -> Result<(usize, usize), ApiError> {
        let limit = self.limit.unwrap_or(1000);
        if limit > MAX_PAGE {
            return Err(ApiError::bad_request(format!(
                "`limit={limit}`: a page holds at most {MAX_PAGE} papers"
            )));
        }
        Ok((self.offset.unwrap_or(0), limit))
    }
}

/// The papers of the register the caller may read, filtered and paged: the
/// whole register to those who may read it whole (the auditor, the
/// ministry), to a unit administration the papers of its own people.
pub fn readable_papers(
    context: &Context,
    params: &RegisterParams,
    day: chrono::NaiveDate,
) -> Result<Papers, ApiError> {
    let filter = params.filter()?;
    let (offset, limit) = params.page()?;
    let mut papers = exemptions::list(context.store(), &filter)?;
    if !context.may(Action::ReadPapers, &Resource::Store) {
        papers.papers.retain(|paper| {
            let resource = context.paper_resource(&paper.id, &paper.person, &paper.issuer, day);
            context.may(Action::ReadPapers, &resource)
        });
    }
    let papers = papers.papers.into_iter().skip(offset).take(limit).collect();
    Ok(Papers { papers })
}

/// One paper with its history, if the caller may read it; a paper the
/// register does not hold is answered as one he may not read, unless he
/// may read the whole register.
pub fn readable_paper(context: &mut Context, id: &str) -> Result<PaperDetail, ApiError> {
    limits::check_id("a paper id", id)?;
    let day = chrono::Local::now().date_naive();
    let detail = match exemptions::show(context.store(), id) {
        Ok(detail) => detail,
        Err(muster_service::ServiceError::NotFound(message)) => {
            let absent = Resource::Paper {
                id: id.to_string(),
                administrations: Vec::new(),
                issuer: String::new(),
            };
            return Err(context.absent(Action::ReadPapers, &absent, message));
        }
        Err(error) => return Err(error.into()),
    };
    let paper = &detail.paper;
    let resource = context.paper_resource(&paper.id, &paper.person, &paper.issuer, day);
    context.require(Action::ReadPapers, &resource)?;
    Ok(detail)
}

/// The window of the anomaly report.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct AnomalyParams {
    /// The first day papers bear, `YYYY-MM-DD`; default ten years before `to`.
    pub from: Option<String>,
    /// The last day, `YYYY-MM-DD`; default today.
    pub to: Option<String>,
    /// Only papers of this scope.
    pub scope: Option<String>,
}

impl AnomalyParams {
    /// The window and the scope, checked.
    pub fn window(
        &self,
    ) -> Result<(chrono::NaiveDate, chrono::NaiveDate, Option<String>), ApiError> {
        let to = day_or_today(self.to.as_deref(), "to")?;
        let from = match self.from.as_deref().filter(|from| !from.is_empty()) {
            Some(from) => parse_day(from, "from")?,
            None => to - chrono::Months::new(120),
        };
        let scope = self.scope.clone().filter(|scope| !scope.is_empty());
        if let Some(scope) = &scope {
            limits::check_id("a scope", scope)?;
        }
        Ok((from, to, scope))
    }
}

/// The anomaly report over the papers bearing a day of the window, if the
/// caller may read the whole register.
pub fn report(context: &mut Context, params: &AnomalyParams) -> Result<AnomalyReport, ApiError> {
    let (from, to, scope) = params.window()?;
    context.require(Action::ReadPapers, &Resource::Store)?;
    let (store, army) = context.store_and_army();
    let engine = Some(army.engine());
    Ok(exemptions::anomalies(&*store, army.rules(), engine, from, to, scope.as_deref())?)
}

/// A paper to enter, its fields bounded (the API's body and the console's
/// form alike).
pub fn bounded(paper: NewPaper) -> Result<NewPaper, ApiError> {
    let title = |field: &str, text: &str| limits::check_chars(field, text, limits::MAX_TITLE);
    title("document", &paper.document)?;
    limits::check_id("a person id", &paper.person)?;
    limits::check_id("a scope", &paper.scope)?;
    limits::check_id("grounds", &paper.grounds)?;
    limits::check_chars("text", &paper.text, limits::MAX_REASON)?;
    limits::check_id("an organisation id", &paper.issuer)?;
    title("official", &paper.official)?;
    title("issued_on", &paper.issued_on)?;
    for (field, value) in [("valid_from", &paper.valid_from), ("valid_until", &paper.valid_until)] {
        if let Some(value) = value {
            title(field, value)?;
        }
    }
    Ok(NewPaper {
        valid_from: paper.valid_from.filter(|value| !value.is_empty()),
        valid_until: paper.valid_until.filter(|value| !value.is_empty()),
        ..paper
    })
}

/// Enters a paper as the caller (the console's form and the API's).
pub fn issue_as(
    state: &AppState,
    caller: &crate::auth::Caller,
    paper: &NewPaper,
    day: chrono::NaiveDate,
) -> Result<PaperAct, ApiError> {
    let mut store = state.store()?;
    let rules = state.rules(&*store)?;
    let actor = caller.actor();
    paper_act(state, &mut *store, caller, Action::IssuePaper, &mut |store, authorize| {
        exemptions::issue(store, &rules, paper, day, &actor, authorize)
    })
}

/// An act on one paper with a text: its revocation (the reason) or an
/// auditor's note.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnPaper {
    Revoke,
    Review,
}

impl OnPaper {
    /// The action the policies decide.
    pub fn action(self) -> Action {
        match self {
            OnPaper::Revoke => Action::RevokePaper,
            OnPaper::Review => Action::ReviewPaper,
        }
    }

    /// The name of its text, as the API's body names it.
    pub fn field(self) -> &'static str {
        match self {
            OnPaper::Revoke => "reason",
            OnPaper::Review => "note",
        }
    }
}

/// Revokes a paper (from `day` on) or keeps a note with it, as the caller.
pub fn on_paper_as(
    state: &AppState,
    caller: &crate::auth::Caller,
    what: OnPaper,
    id: &str,
    text: &str,
    day: chrono::NaiveDate,
) -> Result<PaperAct, ApiError> {
    limits::check_id("a paper id", id)?;
    limits::check_chars(what.field(), text, limits::MAX_REASON)?;
    let mut store = state.store()?;
    let rules = state.rules(&*store)?;
    let actor = caller.actor();
    paper_act(state, &mut *store, caller, what.action(), &mut |store, authorize| match what {
        OnPaper::Revoke => exemptions::revoke(store, &rules, id, text, day, &actor, authorize),
        OnPaper::Review => exemptions::review(store, &rules, id, text, day, &actor, authorize),
    })
}
