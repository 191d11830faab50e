//! Adapters from the mail crate's double opt-in service to the web's sign-up and email-link
//! hooks (the web crate does not depend on the mail crate; the binary joins them).

use futures_util::future::BoxFuture;
use roundup_mail::newsletter::optin::{Optin, OptinError, Subscription};
use roundup_mail::newsletter::ListConfig;
use roundup_store::SubscriberState;
use roundup_web::{
    LinkError, ListChoice, Preferences, SignupError, SignupHandler, SubscriptionLinks,
};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;

/// The opt-in service behind the site's sign-up form and email links.
#[derive(Clone)]
pub struct OptinHooks(pub Optin);

/// The key of the per-IP sign-up limit: IPv4 addresses as they are, IPv6 addresses by their
/// /64 network (one customer line usually gets a whole /64, so per-address counting would let
/// one client rotate through billions of addresses).
pub fn rate_limit_ip(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

impl SignupHandler for OptinHooks {
    fn signup(
        &self,
        email: &str,
        list: &str,
        ip: Option<IpAddr>,
    ) -> BoxFuture<'_, Result<(), SignupError>> {
        let (email, list) = (email.to_string(), list.to_string());
        let ip = ip.map(rate_limit_ip);
        Box::pin(async move {
            match self.0.signup(&email, &[list.as_str()], ip).await {
                Ok(()) => Ok(()),
                Err(OptinError::Invalid(m)) => Err(SignupError::Invalid(m)),
                Err(OptinError::RateLimited(m)) => Err(SignupError::RateLimited(m)),
                // Everything else is logged by the web layer; the visitor sees the same page.
                Err(e) => Err(SignupError::Failed(e.to_string())),
            }
        })
    }
}

/// "Next issue Wed 2 Dec, 07:00 CET", in the list's own time zone; empty when the schedule
/// does not parse (the config check reports that).
fn schedule_text(l: &ListConfig, now: chrono::DateTime<chrono::Utc>) -> String {
    let (Ok(tz), Ok(next)) = (
        l.timezone.parse::<chrono_tz::Tz>(),
        roundup_mail::newsletter::next_run(l, now),
    ) else {
        return String::new();
    };
    format!(
        "Next issue {}",
        next.with_timezone(&tz).format("%a %-d %b, %H:%M %Z")
    )
}

impl OptinHooks {
    fn preferences_of(&self, s: Subscription) -> Preferences {
        let now = chrono::Utc::now();
        Preferences {
            lists: self
                .0
                .config()
                .lists
                .iter()
                .map(|l| ListChoice {
                    id: l.id.clone(),
                    name: l.name.clone(),
                    description: l.description.clone(),
                    schedule: schedule_text(l, now),
                    subscribed: s.lists.contains(&l.id),
                })
                .collect(),
            suppressed: s.state == SubscriberState::Suppressed,
            email: s.email,
        }
    }
}

fn link_error(e: OptinError) -> LinkError {
    match e {
        OptinError::Internal(inner) => {
            tracing::error!(error = %inner, "newsletter preferences failed");
            LinkError::Failed(
                "Something went wrong on our side; please try the link again later.".into(),
            )
        }
        OptinError::Invalid(m) | OptinError::RateLimited(m) => LinkError::Invalid(m),
        other => LinkError::BadLink(format!("This link is not valid any more ({other}).")),
    }
}

fn visible(e: OptinError) -> String {
    match e {
        OptinError::Internal(inner) => {
            tracing::error!(error = %inner, "newsletter link failed");
            "Something went wrong on our side; please try the link again later.".to_string()
        }
        other => format!("This link is not valid any more ({other})."),
    }
}

impl SubscriptionLinks for OptinHooks {
    fn confirm(&self, token: &str) -> BoxFuture<'_, Result<String, String>> {
        let token = token.to_string();
        Box::pin(async move {
            match self.0.confirm(&token).await {
                Ok(s) => Ok(format!(
                    "Thank you. {} will receive: {}.",
                    s.email,
                    s.lists.join(", ")
                )),
                Err(e) => Err(visible(e)),
            }
        })
    }

    fn unsubscribe(&self, token: &str) -> BoxFuture<'_, Result<String, String>> {
        let token = token.to_string();
        Box::pin(async move {
            match self.0.unsubscribe(&token).await {
                Ok(s) => Ok(format!(
                    "{} will not receive this newsletter any more.",
                    s.email
                )),
                Err(e) => Err(visible(e)),
            }
        })
    }

    fn preferences(&self, token: &str) -> BoxFuture<'_, Result<Preferences, LinkError>> {
        let token = token.to_string();
        Box::pin(async move {
            match self.0.preferences(&token).await {
                Ok(s) => Ok(self.preferences_of(s)),
                Err(e) => Err(link_error(e)),
            }
        })
    }

    fn change_lists<'a>(
        &'a self,
        token: &'a str,
        lists: &'a [String],
    ) -> BoxFuture<'a, Result<Preferences, LinkError>> {
        Box::pin(async move {
            let refs: Vec<&str> = lists.iter().map(String::as_str).collect();
            match self.0.change_lists(token, &refs).await {
                Ok(s) => Ok(self.preferences_of(s)),
                Err(e) => Err(link_error(e)),
            }
        })
    }
}

/// Subscriber counts per list for the admin page, straight from the store.
pub struct StoreSubscriberStats {
    /// The store.
    pub store: roundup_store::Store,
    /// List ids to report.
    pub lists: Vec<String>,
}

impl roundup_web::SubscriberStats for StoreSubscriberStats {
    fn counts(&self) -> BoxFuture<'_, Result<Vec<roundup_web::ListCount>, String>> {
        Box::pin(async move {
            let mut out = Vec::new();
            for list in &self.lists {
                let by_state = self
                    .store
                    .subscriber_counts(list)
                    .await
                    .map_err(|e| e.to_string())?;
                let n = |states: &[&str]| -> u64 {
                    by_state
                        .iter()
                        .filter(|(s, _)| states.contains(&s.as_str()))
                        .map(|(_, n)| *n as u64)
                        .sum()
                };
                out.push(roundup_web::ListCount {
                    list: list.clone(),
                    confirmed: n(&["confirmed"]),
                    pending: n(&["pending"]),
                    unsubscribed: n(&["unsubscribed", "suppressed"]),
                });
            }
            Ok(out)
        })
    }
}

/// The sign-up and link hooks for `WebConfig`.
pub fn hooks(optin: Optin) -> (Arc<dyn SignupHandler>, Arc<dyn SubscriptionLinks>) {
    let h = Arc::new(OptinHooks(optin));
    (h.clone(), h)
}

/// The inbound-mail processor behind the site's `POST /hooks/inbound`.
pub struct InboundHooks(pub roundup_mail::newsletter::inbound::Inbound);

impl roundup_web::InboundMail for InboundHooks {
    fn process(&self, raw: Vec<u8>) -> BoxFuture<'_, Result<serde_json::Value, String>> {
        Box::pin(async move {
            let rep = self.0.process(&raw).await.map_err(|e| e.to_string())?;
            serde_json::to_value(&rep).map_err(|e| e.to_string())
        })
    }
}
