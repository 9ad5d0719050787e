//! A building controller for tests: a Modbus TCP server (tokio-modbus's
//! server side) whose holding registers are a shared map the test changes.
//! Used by ingest's poller tests and, by path, the server's end-to-end test.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio_modbus::server::tcp::{Server, accept_tcp_connection};
use tokio_modbus::{ExceptionCode, Request, Response};

/// The controller's holding registers, by address.
pub type Registers = Arc<Mutex<HashMap<u16, u16>>>;

struct Plc {
    holding: Registers,
}

impl tokio_modbus::server::Service for Plc {
    type Request = Request<'static>;
    type Response = Response;
    type Exception = ExceptionCode;
    type Future = std::future::Ready<Result<Response, ExceptionCode>>;

    fn call(&self, req: Self::Request) -> Self::Future {
        let registers = self.holding.lock().unwrap();
        std::future::ready(match req {
            Request::ReadHoldingRegisters(first, count) => (first..first + count)
                .map(|a| registers.get(&a).copied().ok_or(ExceptionCode::IllegalDataAddress))
                .collect::<Result<Vec<u16>, _>>()
                .map(Response::ReadHoldingRegisters),
            _ => Err(ExceptionCode::IllegalFunction),
        })
    }
}

/// Starts a controller serving `holding` on a free loopback port.
pub async fn controller(holding: Registers) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = Server::new(listener);
    tokio::spawn(async move {
        let on_connected = |stream, socket_addr| {
            let holding = holding.clone();
            async move { accept_tcp_connection(stream, socket_addr, move |_| Ok(Some(Plc { holding: holding.clone() }))) }
        };
        let _ = server.serve(&on_connected, |err| eprintln!("test controller: {err}")).await;
    });
    addr
}
