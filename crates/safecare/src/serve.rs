//! `safecare serve`: run until interrupted, then stop gracefully.

use safecare_server::Config;

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let server = safecare_server::start(config).await?;
    // Listening for the signal before announcing the address: a service
    // manager (or a test) may send SIGTERM as soon as it reads it.
    let stopped = shutdown_signal();
    println!("SafeCare is running at {}  (Ctrl-C to stop)", server.url());
    if server.state.accounts.list_users().await.map(|users| users.is_empty()).unwrap_or(false) {
        // In the log, not on standard output: whoever reads the address
        // line may close the pipe after it.
        tracing::warn!(
            "no one can log in yet: create the first administrator with \
             `safecare init --admin NAME` (with the same --data or --config)"
        );
    }
    stopped.await;
    tracing::info!("shutting down: finishing requests in flight");
    server.stop().await?;
    Ok(())
}

/// Ctrl-C, or SIGTERM from a service manager. SIGTERM is caught from the
/// call on, not from the first poll.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        #[cfg(unix)]
        if let Some(mut term) = term {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}
