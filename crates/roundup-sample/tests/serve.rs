//! The loopback server answers the site's paths (feature `serve`).
#![cfg(feature = "serve")]

use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn get(addr: std::net::SocketAddr, path: &str, extra: &str) -> (u16, String, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    let text = String::from_utf8_lossy(&buf).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

#[tokio::test]
async fn serves_feeds_pages_and_404() {
    let server = roundup_sample::serve::spawn("127.0.0.1:0")
        .await
        .expect("bind");
    let outlets = roundup_sample::outlets_at(&server.base_url);
    let o = &outlets[0];
    let (status, head, body) = get(server.addr, &o.feed_path, "").await;
    assert_eq!(status, 200, "{head}");
    assert!(
        head.to_lowercase().contains("content-type: application/"),
        "{head}"
    );
    assert!(body.contains(&server.base_url), "links point at the server");
    let etag = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("etag: ")
                .or_else(|| l.strip_prefix("ETag: "))
        })
        .expect("etag")
        .to_string();
    let (status, _, _) = get(
        server.addr,
        &o.feed_path,
        &format!("If-None-Match: {etag}\r\n"),
    )
    .await;
    assert_eq!(status, 304);
    let a = roundup_sample::world().articles.last().unwrap();
    let (status, _, body) = get(server.addr, &format!("{}?utm_source=rss", a.path), "").await;
    assert_eq!(status, 200);
    assert!(body.contains("<html"));
    let (status, _, _) = get(server.addr, "/nope", "").await;
    assert_eq!(status, 404);
    let (status, _, body) = get(server.addr, "/robots.txt", "").await;
    assert_eq!(status, 200);
    assert!(body.contains("Allow: /"));
    server.shutdown();
}
