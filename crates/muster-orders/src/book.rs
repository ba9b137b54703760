//! The order book: every order issued, every revocation, and which rules
//! are in force on a day as known on another.

use chrono::NaiveDate;

use crate::document::Order;

/// An order as issued: its document, the day of the act that issued it,
/// and the place of that act in the record.
#[derive(Clone, Debug)]
pub struct IssuedOrder {
    pub order: Order,
    /// The day the `order issue` act took effect.
    pub issued_on: NaiveDate,
    /// The number of the act: orders issued the same day count in this
    /// order.
    pub sequence: i64,
    /// Issued with `--override`: its delays apply to protected persons too.
    pub overridden: bool,
}

/// The revocation of an order, from the day `on`.
#[derive(Clone, Debug)]
pub struct Revocation {
    pub order: String,
    pub on: NaiveDate,
    /// The day the revocation act took effect.
    pub made_on: NaiveDate,
    pub reason: String,
}

/// Every issued order and revocation.
#[derive(Clone, Debug, Default)]
pub struct OrderBook {
    /// In the order of issue: by day of issue, then by act.
    orders: Vec<IssuedOrder>,
    revocations: Vec<Revocation>,
}

impl OrderBook {
    /// A book of these orders and revocations.
    pub fn new(mut orders: Vec<IssuedOrder>, revocations: Vec<Revocation>) -> OrderBook {
        orders.sort_by_key(|issued| (issued.issued_on, issued.sequence));
        OrderBook { orders, revocations }
    }

    /// Every order, in the order of issue.
    pub fn all(&self) -> &[IssuedOrder] {
        &self.orders
    }

    /// Every revocation, in the order recorded.
    pub fn revocations(&self) -> &[Revocation] {
        &self.revocations
    }

    /// The order with this id, if issued at all.
    pub fn get(&self, id: &str) -> Option<&IssuedOrder> {
        self.orders.iter().find(|issued| issued.order.id == id)
    }

    /// The orders issued by `as_of`, in the order of issue.
    pub fn issued_by(&self, as_of: NaiveDate) -> impl Iterator<Item = &IssuedOrder> {
        self.orders.iter().filter(move |issued| issued.issued_on <= as_of)
    }

    /// The first day an order is no longer in force, as known on `as_of`:
    /// the day of a revocation, or the day a superseding order takes
    /// effect.
    pub fn force_ends(&self, order: &IssuedOrder, as_of: NaiveDate) -> Option<NaiveDate> {
        let revoked = self
            .revocations
            .iter()
            .filter(|revocation| revocation.order == order.order.id && revocation.made_on <= as_of)
            .map(|revocation| revocation.on);
        let superseded = self
            .issued_by(as_of)
            .filter(|other| other.order.supersedes.contains(&order.order.id))
            .map(|other| other.order.effective_from);
        revoked.chain(superseded).min()
    }

    /// Whether an order's rules are in force on `day`, as known on `as_of`.
    pub fn in_force(&self, order: &IssuedOrder, day: NaiveDate, as_of: NaiveDate) -> bool {
        let document = &order.order;
        order.issued_on <= as_of
            && document.effective_from <= day
            && document.effective_until.is_none_or(|until| day <= until)
            && self.force_ends(order, as_of).is_none_or(|end| day < end)
    }

    /// The book as known on `day`: the orders issued and the revocations
    /// made by then.
    pub fn known_on(&self, day: NaiveDate) -> OrderBook {
        let orders = self.issued_by(day).cloned().collect();
        let revocations = self
            .revocations
            .iter()
            .filter(|revocation| revocation.made_on <= day)
            .cloned()
            .collect();
        OrderBook::new(orders, revocations)
    }

    /// This book with a draft order added, as if issued on `issued_on`
    /// after every order already in the book.
    pub fn with_draft(&self, order: Order, issued_on: NaiveDate, overridden: bool) -> OrderBook {
        let sequence = self.orders.iter().map(|issued| issued.sequence).max().unwrap_or(0) + 1;
        let mut orders = self.orders.clone();
        orders.push(IssuedOrder { order, issued_on, sequence, overridden });
        OrderBook::new(orders, self.revocations.clone())
    }

    /// This book without one order, as if it had never been issued.
    pub fn without(&self, id: &str) -> OrderBook {
        let orders = self.orders.iter().filter(|issued| issued.order.id != id).cloned().collect();
        let revocations =
            self.revocations.iter().filter(|revocation| revocation.order != id).cloned().collect();
        OrderBook::new(orders, revocations)
    }
}
