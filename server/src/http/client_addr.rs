//! The client's address behind a reverse proxy.
//!
//! Sign-in throttling counts failures per client address, and every audit
//! event records one. Behind a proxy that terminates TLS
//! (`--insecure-http`), every TCP connection comes from the proxy: one
//! address for all clients, so one person mistyping a password twenty
//! times would lock everyone out, and the audit trail would name the proxy.
//!
//! With `--trusted-proxy CIDR` (repeatable), a request whose TCP peer is
//! in one of those networks is taken to come from the address that proxy
//! reports in `X-Forwarded-For`: the rightmost entry that is not itself a
//! trusted proxy (entries to its left were written by the client and can be
//! forged). A request from anywhere else, or whose header is missing or
//! malformed, keeps its TCP peer, so the header cannot be used to dodge
//! the throttle from outside. [`rewrite`] does this once per request, so
//! every handler's `ConnectInfo` is the client's address.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

/// An IP network, `ADDRESS/PREFIX` (a bare address is one host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network: IpAddr = address
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or network (e.g. 10.0.0.0/8)"))?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix must be 0 to {max}"))?,
        };
        Ok(Self { network, prefix })
    }
}

impl Cidr {
    /// Whether `ip` is in this network (an IPv4-mapped IPv6 address counts
    /// as its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<Cidr>);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client's address for a request from TCP peer `peer` with
    /// `headers`.
    pub fn client(&self, peer: SocketAddr, headers: &HeaderMap) -> SocketAddr {
        if !self.trusts(peer.ip()) {
            return peer;
        }
        let mut hops: Vec<&str> = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            let Ok(text) = value.to_str() else {
                return peer;
            };
            hops.extend(text.split(','));
        }
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                return peer;
            };
            if !self.trusts(ip) {
                return SocketAddr::new(ip, 0);
            }
        }
        peer
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port
/// (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    hop.parse::<SocketAddr>().ok().map(|a| a.ip())
}

/// Replaces the request's `ConnectInfo` with the client's address (see the
/// module docs).
pub(crate) async fn rewrite(
    State(proxies): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    if !proxies.0.is_empty()
        && let Some(ConnectInfo(peer)) = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
    {
        let client = proxies.client(peer, request.headers());
        request.extensions_mut().insert(ConnectInfo(client));
    }
    next.run(request).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies(list.iter().map(|c| c.parse().unwrap()).collect())
    }

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn peer(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_match() {
        let net: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(net.contains("::ffff:10.1.0.9".parse().unwrap()));
        let host: Cidr = "192.168.1.5".parse().unwrap();
        assert!(host.contains("192.168.1.5".parse().unwrap()));
        assert!(!host.contains("192.168.1.6".parse().unwrap()));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12::1".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
        for bad in ["10.0.0.0/33", "fd00::/129", "proxy", "10.0.0.0/x", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_header_is_believed_only_from_a_trusted_proxy() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let client = |p: &str, h: &[&str]| trusted.client(peer(p), &headers(h)).ip().to_string();
        // From the proxy: the rightmost untrusted hop.
        assert_eq!(client("10.0.0.2:5000", &["203.0.113.7"]), "203.0.113.7");
        assert_eq!(
            client("10.0.0.2:5000", &["198.51.100.1, 203.0.113.7, 10.0.0.9"]),
            "203.0.113.7"
        );
        // Several header lines are one list, in order.
        assert_eq!(
            client("10.0.0.2:5000", &["198.51.100.1", "203.0.113.7:4431"]),
            "203.0.113.7"
        );
        // From anywhere else the header is ignored.
        assert_eq!(client("203.0.113.50:7000", &["1.1.1.1"]), "203.0.113.50");
        // Missing or junk: the peer, never a guess.
        assert_eq!(client("10.0.0.2:5000", &[]), "10.0.0.2");
        assert_eq!(client("10.0.0.2:5000", &["1.1.1.1, not-an-ip"]), "10.0.0.2");
        assert_eq!(client("10.0.0.2:5000", &["10.0.0.3"]), "10.0.0.2");
        // Nobody trusted: always the peer.
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(peer("10.0.0.2:1"), &headers(&["1.1.1.1"]))
                .ip()
                .to_string(),
            "10.0.0.2"
        );
    }
}
