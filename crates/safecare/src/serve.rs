//! `safecare serve`: run until interrupted, then stop gracefully.

use safecare_server::Config;

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let server = safecare_server::start(config).await?;
    println!("SafeCare is running at {}  (Ctrl-C to stop)", server.url());
    shutdown_signal().await;
    tracing::info!("shutting down: finishing requests in flight");
    server.stop().await?;
    Ok(())
}

/// Ctrl-C, or SIGTERM from a service manager.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
