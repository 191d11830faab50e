//! A pool of long-lived SMTP sessions for bulk sending.
//!
//! lettre's own pooled transport opens its sockets without `TCP_NODELAY`. lettre writes the
//! message body and the `<CRLF>.<CRLF>` terminator as two writes, so with Nagle's algorithm the
//! terminator waits for the server's (delayed) acknowledgement of the body: about 40 ms per
//! message on Linux, which capped a sender at `concurrency / 40 ms` (16 connections → ~330
//! messages/s) whatever the CPU. This pool opens the TCP connection itself, sets
//! `TCP_NODELAY`, does implicit TLS with tokio-rustls when configured, and hands the stream to
//! lettre's [`AsyncSmtpConnection`] (greeting, EHLO, STARTTLS, AUTH, MAIL/RCPT/DATA).
//!
//! A session that saw any error is dropped (lettre aborts it with `QUIT`); healthy sessions
//! go back to the idle list, at most `pool_size` of them. Every exchange runs under the
//! configured timeout, so a relay that stops answering costs a timeout, not a hung sender.

use super::smtp::{Security, SmtpConfig};
use super::{NewsletterError, Result};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// What one SMTP attempt came to, as the send ledger needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted.
    Sent,
    /// 4xx: retry later.
    Transient(String),
    /// 5xx: do not retry; `suppress` when the mailbox itself was refused.
    Permanent {
        /// Error text.
        error: String,
        /// Whether the subscriber should be suppressed.
        suppress: bool,
    },
    /// No SMTP answer about this message (connection refused, TLS failure, timeout, greeting
    /// or AUTH refused): the relay's fault, not the reader's.
    Connection(String),
}

/// Classifies a lettre SMTP error from a message transaction.
pub fn classify_error(e: &lettre::transport::smtp::Error) -> Outcome {
    let code = e.status().map(|c| c.to_string());
    let text = e.to_string();
    // AUTH refusals are the relay's configuration, not the reader's.
    if matches!(code.as_deref(), Some("530" | "534" | "535" | "538")) {
        return Outcome::Connection(text);
    }
    if e.is_permanent() {
        let suppress = matches!(code.as_deref(), Some("550" | "551" | "553"));
        Outcome::Permanent {
            error: text,
            suppress,
        }
    } else if e.is_transient() {
        Outcome::Transient(text)
    } else {
        Outcome::Connection(text)
    }
}

/// A byte stream lettre can drive: plain TCP or TLS over TCP, remembering the peer address.
#[derive(Debug)]
struct Stream<S> {
    inner: S,
    peer: SocketAddr,
}

impl<S: AsyncRead + Unpin> AsyncRead for Stream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Stream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<S> AsyncTokioStream for Stream<S>
where
    S: AsyncRead + AsyncWrite + Send + Sync + Unpin + std::fmt::Debug,
{
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.peer)
    }
}

/// Pooled SMTP sessions to the configured relay (see the module docs).
pub struct SmtpPool {
    cfg: SmtpConfig,
    hello: ClientId,
    starttls: Option<TlsParameters>,
    implicit_tls: Option<tokio_rustls::TlsConnector>,
    credentials: Option<Credentials>,
    idle: Mutex<Vec<AsyncSmtpConnection>>,
    max_idle: usize,
}

impl std::fmt::Debug for SmtpPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpPool")
            .field("host", &self.cfg.host)
            .field("port", &self.cfg.effective_port())
            .field("security", &self.cfg.security)
            .finish_non_exhaustive()
    }
}

impl SmtpPool {
    /// A pool for `cfg` (TLS settings and the CA file are loaded now, so a bad file is an
    /// error here rather than on the first message).
    pub fn new(cfg: &SmtpConfig) -> Result<Arc<SmtpPool>> {
        let hello = match &cfg.hello_name {
            Some(h) => ClientId::Domain(h.clone()),
            None => ClientId::default(),
        };
        let (starttls, implicit_tls) = match cfg.security {
            Security::Plain => (None, None),
            Security::Starttls => (Some(cfg.tls_parameters()?), None),
            Security::Tls => (None, Some(tls_connector(cfg)?)),
        };
        let credentials = cfg
            .username
            .as_ref()
            .map(|u| Credentials::new(u.clone(), cfg.password.clone().unwrap_or_default()));
        Ok(Arc::new(SmtpPool {
            cfg: cfg.clone(),
            hello,
            starttls,
            implicit_tls,
            credentials,
            idle: Mutex::new(Vec::new()),
            max_idle: cfg.pool_size.max(1) as usize,
        }))
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.cfg.timeout_secs.max(1))
    }

    /// Sends one message (`raw`: the formatted message) to the envelope's recipients.
    pub async fn send(&self, envelope: &Envelope, raw: &[u8]) -> Outcome {
        let conn = self.idle.lock().expect("pool lock").pop();
        let mut conn = match conn {
            Some(c) => c,
            None => match tokio::time::timeout(self.timeout(), self.connect()).await {
                Ok(Ok(c)) => c,
                Ok(Err(o)) => return o,
                Err(_) => {
                    return Outcome::Connection(format!(
                        "connecting to {}:{}: timed out",
                        self.cfg.host,
                        self.cfg.effective_port()
                    ))
                }
            },
        };
        match tokio::time::timeout(self.timeout(), conn.send(envelope, raw)).await {
            Ok(Ok(_)) => {
                if !conn.has_broken() {
                    let mut idle = self.idle.lock().expect("pool lock");
                    if idle.len() < self.max_idle {
                        idle.push(conn);
                    }
                }
                Outcome::Sent
            }
            Ok(Err(e)) => classify_error(&e),
            Err(_) => Outcome::Connection(format!(
                "no answer from {}:{} within {} s",
                self.cfg.host,
                self.cfg.effective_port(),
                self.cfg.timeout_secs
            )),
        }
    }

    /// Opens and prepares one session: TCP (no Nagle), TLS, greeting + EHLO, STARTTLS, AUTH.
    async fn connect(&self) -> std::result::Result<AsyncSmtpConnection, Outcome> {
        let relay = format!("{}:{}", self.cfg.host, self.cfg.effective_port());
        let conn_err = |what: &str, e: &dyn std::fmt::Display| {
            Outcome::Connection(format!("{what} {relay}: {e}"))
        };
        let tcp = TcpStream::connect((self.cfg.host.as_str(), self.cfg.effective_port()))
            .await
            .map_err(|e| conn_err("connecting to", &e))?;
        tcp.set_nodelay(true)
            .map_err(|e| conn_err("setting TCP_NODELAY on", &e))?;
        let peer = tcp.peer_addr().map_err(|e| conn_err("connecting to", &e))?;
        let stream: Box<dyn AsyncTokioStream> = match &self.implicit_tls {
            None => Box::new(Stream { inner: tcp, peer }),
            Some(tls) => {
                let name = rustls_pki_types::ServerName::try_from(self.cfg.host.clone())
                    .map_err(|e| conn_err("TLS server name for", &e))?;
                let s = tls
                    .connect(name, tcp)
                    .await
                    .map_err(|e| conn_err("TLS handshake with", &e))?;
                Box::new(Stream { inner: s, peer })
            }
        };
        let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &self.hello)
            .await
            .map_err(|e| conn_err("greeting from", &e))?;
        if let Some(tp) = &self.starttls {
            conn.starttls(tp.clone(), &self.hello)
                .await
                .map_err(|e| conn_err("STARTTLS with", &e))?;
        }
        if let Some(c) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], c)
                .await
                .map_err(|e| conn_err("AUTH at", &e))?;
        }
        Ok(conn)
    }

    /// Closes the idle sessions politely (`QUIT`).
    pub async fn shutdown(&self) {
        let conns: Vec<_> = std::mem::take(&mut *self.idle.lock().expect("pool lock"));
        for mut c in conns {
            let _ = tokio::time::timeout(Duration::from_secs(2), c.quit()).await;
        }
    }
}

/// The rustls connector for implicit TLS: the webpki roots plus the configured CA file.
fn tls_connector(cfg: &SmtpConfig) -> Result<tokio_rustls::TlsConnector> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(ca) = &cfg.ca_file {
        let pem = std::fs::read(ca).map_err(|source| NewsletterError::Io {
            path: ca.display().to_string(),
            source,
        })?;
        let mut n = 0;
        for cert in rustls_pki_types::CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| {
                NewsletterError::Config(format!("smtp ca_file {}: {e}", ca.display()))
            })?;
            roots.add(cert).map_err(|e| {
                NewsletterError::Config(format!("smtp ca_file {}: {e}", ca.display()))
            })?;
            n += 1;
        }
        if n == 0 {
            return Err(NewsletterError::Config(format!(
                "smtp ca_file {}: no PEM certificate in it",
                ca.display()
            )));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| NewsletterError::Config(format!("smtp TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}
