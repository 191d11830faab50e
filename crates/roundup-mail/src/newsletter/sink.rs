//! A loopback SMTP server that captures what it receives: the test double of the relay for
//! the delivery tests, the kill test and the send benchmark.
//!
//! It speaks enough RFC 5321 for a real client: greeting, `EHLO`/`HELO` (advertising
//! `PIPELINING`, `8BITMIME`, `SMTPUTF8`, `SIZE` and `AUTH PLAIN LOGIN`), `AUTH PLAIN`/`LOGIN`,
//! `MAIL FROM`, `RCPT TO`, `DATA` with dot-unstuffing, `RSET`, `NOOP`, `QUIT`. Faults can be
//! injected: a reply code for the greeting of the next N connections (e.g. `421`), for `RCPT
//! TO` of given addresses (e.g. `550`), or for the first N `DATA` of given addresses (e.g.
//! `451` once, then accept). With [`SinkTls`] it speaks TLS, either from the first byte
//! (implicit TLS, "smtps") or after `STARTTLS` (then it refuses `MAIL` before the upgrade, so
//! a client that skips it fails loudly). Messages are captured in memory (or only counted, for the
//! benchmark) and optionally appended to a spool file, one record per accepted message, so a
//! separate process can serve as the sink.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Any byte stream a session runs over (TCP, or TLS over TCP).
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// One accepted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// Envelope sender.
    pub mail_from: String,
    /// Envelope recipients.
    pub rcpt_to: Vec<String>,
    /// The message as transmitted (CRLF line ends, dot-unstuffed).
    pub data: Vec<u8>,
    /// Whether the session was encrypted when the message was accepted.
    pub tls: bool,
}

/// Faults to inject.
#[derive(Debug, Default)]
pub struct Faults {
    /// Greet the next N connections with this reply and close (e.g. `(2, "421 busy")`).
    pub greeting: Option<(usize, String)>,
    /// Reply to `RCPT TO` of these (lowercase) addresses.
    pub rcpt: HashMap<String, String>,
    /// Reply to the `DATA` payload of a transaction to these addresses, the first N times.
    pub data: HashMap<String, (usize, String)>,
}

#[derive(Debug, Default)]
struct State {
    messages: Vec<Captured>,
    faults: Faults,
    auth: Option<(String, String)>,
}

/// A running sink. Dropping it stops accepting connections.
#[derive(Debug)]
pub struct Sink {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    accepted: Arc<AtomicUsize>,
    keep: bool,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How a sink is set up.
#[derive(Debug, Clone, Default)]
pub struct SinkOptions {
    /// Keep message bodies (false: count only, for benchmarks).
    pub keep_bodies: bool,
    /// Require AUTH with this user name and password before MAIL.
    pub auth: Option<(String, String)>,
    /// Append every accepted message to this file (`RCPT`/`SIZE` records; see
    /// [`read_spool`]).
    pub spool: Option<std::path::PathBuf>,
    /// Port to bind on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// Speak TLS (implicit or STARTTLS) with this certificate.
    pub tls: Option<SinkTls>,
}

/// The sink's TLS setup.
#[derive(Debug, Clone)]
pub struct SinkTls {
    /// PEM certificate chain.
    pub cert_pem: Vec<u8>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key_pem: Vec<u8>,
    /// `true`: TLS from the first byte (smtps); `false`: offer and require `STARTTLS`.
    pub implicit: bool,
}

impl SinkTls {
    fn acceptor(&self) -> std::io::Result<tokio_rustls::TlsAcceptor> {
        use rustls_pki_types::pem::PemObject;
        use rustls_pki_types::{CertificateDer, PrivateKeyDer};
        let bad = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
        let certs = CertificateDer::pem_slice_iter(&self.cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(format!("sink certificate: {e}")))?;
        let key = PrivateKeyDer::from_pem_slice(&self.key_pem)
            .map_err(|e| bad(format!("sink key: {e}")))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let cfg = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| bad(format!("sink certificate/key: {e}")))?;
        Ok(tokio_rustls::TlsAcceptor::from(Arc::new(cfg)))
    }
}

impl Sink {
    /// Starts a sink on 127.0.0.1 keeping bodies.
    pub async fn start() -> std::io::Result<Sink> {
        Self::start_with(SinkOptions {
            keep_bodies: true,
            ..Default::default()
        })
        .await
    }

    /// Starts a sink with `opts`.
    pub async fn start_with(opts: SinkOptions) -> std::io::Result<Sink> {
        let listener = TcpListener::bind(("127.0.0.1", opts.port)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State {
            auth: opts.auth.clone(),
            ..Default::default()
        }));
        let accepted = Arc::new(AtomicUsize::new(0));
        let spool = match &opts.spool {
            Some(p) => Some(Arc::new(tokio::sync::Mutex::new(
                tokio::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .await?,
            ))),
            None => None,
        };
        let tls = match &opts.tls {
            Some(t) => Some((Arc::new(t.acceptor()?), t.implicit)),
            None => None,
        };
        let (st, acc, keep) = (state.clone(), accepted.clone(), opts.keep_bodies);
        let task = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    continue;
                };
                let _ = sock.set_nodelay(true);
                let (st, acc, spool, tls) = (st.clone(), acc.clone(), spool.clone(), tls.clone());
                tokio::spawn(async move {
                    let conn = Conn {
                        st,
                        acc,
                        keep,
                        spool,
                    };
                    let _ = match tls {
                        Some((acceptor, true)) => match acceptor.accept(sock).await {
                            Ok(s) => conn.session(Box::new(s), None, true).await,
                            Err(_) => Ok(()),
                        },
                        Some((acceptor, false)) => {
                            conn.session(Box::new(sock), Some(acceptor), false).await
                        }
                        None => conn.session(Box::new(sock), None, false).await,
                    };
                });
            }
        });
        Ok(Sink {
            addr,
            state,
            accepted,
            keep: opts.keep_bodies,
            task,
        })
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Messages accepted so far.
    pub fn count(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// The captured messages (empty when bodies are not kept).
    pub fn messages(&self) -> Vec<Captured> {
        if !self.keep {
            return Vec::new();
        }
        self.state.lock().expect("sink state").messages.clone()
    }

    /// Changes the injected faults.
    pub fn set_faults(&self, f: impl FnOnce(&mut Faults)) {
        f(&mut self.state.lock().expect("sink state").faults)
    }
}

fn reply_of(s: &str) -> String {
    format!("{}\r\n", s.trim_end())
}

/// What every session of one sink shares.
struct Conn {
    st: Arc<Mutex<State>>,
    acc: Arc<AtomicUsize>,
    keep: bool,
    spool: Option<Arc<tokio::sync::Mutex<tokio::fs::File>>>,
}

impl Conn {
    /// One SMTP session over `io`; `starttls`: offer and require the upgrade; `tls`: already
    /// encrypted.
    async fn session(
        self,
        io: Box<dyn Io>,
        mut starttls: Option<Arc<tokio_rustls::TlsAcceptor>>,
        mut tls: bool,
    ) -> std::io::Result<()> {
        let Conn {
            st,
            acc,
            keep,
            spool,
        } = self;
        let mut r = BufReader::new(io);
        let greeting = {
            let mut s = st.lock().expect("sink state");
            match &mut s.faults.greeting {
                Some((n, reply)) if *n > 0 => {
                    *n -= 1;
                    Some(reply.clone())
                }
                _ => None,
            }
        };
        if let Some(g) = greeting {
            r.write_all(reply_of(&g).as_bytes()).await?;
            return Ok(());
        }
        r.write_all(b"220 sink.localhost ESMTP ready\r\n").await?;
        let need_auth = st.lock().expect("sink state").auth.clone();
        let mut authed = need_auth.is_none();
        let mut from: Option<String> = None;
        let mut rcpts: Vec<String> = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end_matches(['\r', '\n']).to_string();
            let upper = cmd.to_ascii_uppercase();
            let out: String = if upper.starts_with("EHLO") {
                let offer = if starttls.is_some() {
                    "250-STARTTLS\r\n"
                } else {
                    ""
                };
                format!("250-sink.localhost\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n{offer}250-SIZE 52428800\r\n250 AUTH PLAIN LOGIN\r\n")
            } else if upper == "STARTTLS" {
                match starttls.take() {
                    Some(acceptor) => {
                        r.write_all(b"220 2.0.0 ready to start TLS\r\n").await?;
                        if !r.buffer().is_empty() {
                            // RFC 3207: nothing may be pipelined after STARTTLS.
                            return Ok(());
                        }
                        let inner = r.into_inner();
                        let Ok(s) = acceptor.accept(inner).await else {
                            return Ok(());
                        };
                        r = BufReader::new(Box::new(s) as Box<dyn Io>);
                        tls = true;
                        // The client starts over with EHLO; earlier state is forgotten.
                        from = None;
                        rcpts.clear();
                        authed = need_auth.is_none();
                        continue;
                    }
                    None => "454 4.7.0 TLS not available\r\n".into(),
                }
            } else if upper.starts_with("HELO") {
                "250 sink.localhost\r\n".into()
            } else if upper.starts_with("AUTH PLAIN") {
                let arg = cmd[10..].trim().to_string();
                let arg = if arg.is_empty() {
                    r.write_all(b"334 \r\n").await?;
                    let mut l = String::new();
                    r.read_line(&mut l).await?;
                    l.trim().to_string()
                } else {
                    arg
                };
                let ok = check_plain(&arg, need_auth.as_ref());
                authed |= ok;
                if ok {
                    "235 2.7.0 ok\r\n".into()
                } else {
                    "535 5.7.8 bad credentials\r\n".into()
                }
            } else if upper.starts_with("AUTH LOGIN") {
                use base64::Engine;
                let b64 = base64::engine::general_purpose::STANDARD;
                r.write_all(b"334 VXNlcm5hbWU6\r\n").await?;
                let mut u = String::new();
                r.read_line(&mut u).await?;
                r.write_all(b"334 UGFzc3dvcmQ6\r\n").await?;
                let mut p = String::new();
                r.read_line(&mut p).await?;
                let dec = |s: &str| {
                    b64.decode(s.trim())
                        .ok()
                        .and_then(|v| String::from_utf8(v).ok())
                };
                let ok = match (&need_auth, dec(&u), dec(&p)) {
                    (Some((eu, ep)), Some(u), Some(p)) => *eu == u && *ep == p,
                    (None, _, _) => true,
                    _ => false,
                };
                authed |= ok;
                if ok {
                    "235 2.7.0 ok\r\n".into()
                } else {
                    "535 5.7.8 bad credentials\r\n".into()
                }
            } else if upper.starts_with("MAIL FROM:") {
                if starttls.is_some() && !tls {
                    "530 5.7.0 must issue a STARTTLS command first\r\n".into()
                } else if !authed {
                    "530 5.7.0 authentication required\r\n".into()
                } else {
                    from = Some(angle(&cmd[10..]));
                    rcpts.clear();
                    "250 2.1.0 ok\r\n".into()
                }
            } else if upper.starts_with("RCPT TO:") {
                let a = angle(&cmd[8..]).to_lowercase();
                if from.is_none() {
                    "503 5.5.1 need MAIL first\r\n".into()
                } else if let Some(rep) = st.lock().expect("sink state").faults.rcpt.get(&a) {
                    reply_of(rep)
                } else {
                    rcpts.push(a);
                    "250 2.1.5 ok\r\n".into()
                }
            } else if upper == "DATA" {
                if rcpts.is_empty() {
                    "554 5.5.1 no valid recipients\r\n".into()
                } else {
                    r.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                    let mut data = Vec::with_capacity(8192);
                    let mut l = Vec::new();
                    loop {
                        l.clear();
                        if r.read_until(b'\n', &mut l).await? == 0 {
                            return Ok(());
                        }
                        if l == b".\r\n" || l == b".\n" {
                            break;
                        }
                        if l.starts_with(b"..") {
                            data.extend_from_slice(&l[1..]);
                        } else {
                            data.extend_from_slice(&l);
                        }
                    }
                    let fault = {
                        let mut s = st.lock().expect("sink state");
                        let mut hit = None;
                        for a in &rcpts {
                            if let Some((n, rep)) = s.faults.data.get_mut(a) {
                                if *n > 0 {
                                    *n -= 1;
                                    hit = Some(rep.clone());
                                    break;
                                }
                            }
                        }
                        hit
                    };
                    let f = from.take().unwrap_or_default();
                    let to = std::mem::take(&mut rcpts);
                    match fault {
                        Some(rep) => reply_of(&rep),
                        None => {
                            if let Some(sp) = &spool {
                                let mut rec =
                                    format!("RCPT {}\nSIZE {}\n", to.join(","), data.len())
                                        .into_bytes();
                                rec.extend_from_slice(&data);
                                rec.extend_from_slice(b"\n");
                                let mut file = sp.lock().await;
                                file.write_all(&rec).await?;
                                file.flush().await?;
                            }
                            if keep {
                                st.lock().expect("sink state").messages.push(Captured {
                                    mail_from: f,
                                    rcpt_to: to,
                                    data,
                                    tls,
                                });
                            }
                            acc.fetch_add(1, Ordering::SeqCst);
                            "250 2.0.0 queued\r\n".into()
                        }
                    }
                }
            } else if upper == "RSET" {
                from = None;
                rcpts.clear();
                "250 2.0.0 ok\r\n".into()
            } else if upper == "NOOP" {
                "250 2.0.0 ok\r\n".into()
            } else if upper == "QUIT" {
                r.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            } else {
                "502 5.5.2 command not recognized\r\n".into()
            };
            r.write_all(out.as_bytes()).await?;
        }
    }
}

fn check_plain(arg: &str, want: Option<&(String, String)>) -> bool {
    use base64::Engine;
    let Some((u, p)) = want else { return true };
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(arg.trim()) else {
        return false;
    };
    let parts: Vec<&[u8]> = raw.split(|b| *b == 0).collect();
    parts.len() == 3 && parts[1] == u.as_bytes() && parts[2] == p.as_bytes()
}

fn angle(s: &str) -> String {
    let s = s.trim();
    let inner = match (s.find('<'), s.find('>')) {
        (Some(a), Some(b)) if b > a => &s[a + 1..b],
        _ => s.split_whitespace().next().unwrap_or(""),
    };
    inner.to_string()
}

/// One record of a spool file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolRecord {
    /// Envelope recipients.
    pub rcpt_to: Vec<String>,
    /// The message.
    pub data: Vec<u8>,
}

/// Reads a spool file written by a sink (a truncated last record is ignored).
pub fn read_spool(bytes: &[u8]) -> Vec<SpoolRecord> {
    let mut out = Vec::new();
    let mut i = 0;
    let line = |i: usize| -> Option<(&[u8], usize)> {
        let end = bytes[i..].iter().position(|b| *b == b'\n')? + i;
        Some((&bytes[i..end], end + 1))
    };
    while i < bytes.len() {
        let Some((r, n)) = line(i) else { break };
        let Some((s, n2)) = line(n) else { break };
        let (Some(r), Some(s)) = (r.strip_prefix(b"RCPT "), s.strip_prefix(b"SIZE ")) else {
            break;
        };
        let Some(size) = std::str::from_utf8(s)
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            break;
        };
        if n2 + size + 1 > bytes.len() {
            break;
        }
        out.push(SpoolRecord {
            rcpt_to: String::from_utf8_lossy(r)
                .split(',')
                .map(|s| s.to_string())
                .collect(),
            data: bytes[n2..n2 + size].to_vec(),
        });
        i = n2 + size + 1;
    }
    out
}
