//! List statuses and discharge dates kept up to date.
