//! `muster serve`: the HTTP API.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use muster_access::Policies;
use muster_server::{AppState, Settings};

use crate::cli::ServeArgs;

/// Validates the policies, opens the store, and serves until stopped.
pub fn serve(db: &str, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let policies = match &args.policies {
        None => Policies::default_policies()?,
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read `{}`", path.display()))?;
            Policies::new(&text).with_context(|| format!("the policies in `{}`", path.display()))?
        }
    };
    // Fail now, not on the first request, if the store cannot be opened.
    drop(muster_store::open(db)?);
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MUSTER_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let settings = Settings {
        behind_tls_proxy: args.behind_tls_proxy,
        signing_key: args.key.clone(),
        ..Settings::default()
    };
    let state = AppState::configured(db, policies, settings);
    // The records are read and the engine built before the first request.
    let started = std::time::Instant::now();
    let bar = crate::progress::bar("records", false);
    state
        .warm(&mut crate::progress::steps(&bar))
        .map_err(|error| anyhow::anyhow!("cannot read the store: {}", error.message))?;
    bar.finish_and_clear();
    tracing::info!(seconds = started.elapsed().as_secs_f64(), "records read, engine built");
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .with_context(|| format!("cannot listen on {}", args.addr))?;
        let address = listener.local_addr()?;
        writeln!(
            std::io::stdout(),
            "muster serves the console at http://{address}/ and the API at http://{address}/api/v1 (the routes: /api/v1/openapi.json)"
        )?;
        std::io::stdout().flush()?;
        tracing::info!(%address, "serving");
        muster_server::serve(listener, state).await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
