//! Adapters from the mail crate's double opt-in service to the web's sign-up and email-link
//! hooks (the web crate does not depend on the mail crate; the binary joins them).

use futures_util::future::BoxFuture;
use roundup_mail::newsletter::optin::{Optin, OptinError};
use roundup_web::{SignupError, SignupHandler, SubscriptionLinks};
use std::sync::Arc;

/// The opt-in service behind the site's sign-up form and email links.
#[derive(Clone)]
pub struct OptinHooks(pub Optin);

impl SignupHandler for OptinHooks {
    fn signup(&self, email: &str, list: &str) -> BoxFuture<'_, Result<(), SignupError>> {
        let (email, list) = (email.to_string(), list.to_string());
        Box::pin(async move {
            match self.0.signup(&email, &[list.as_str()], None).await {
                Ok(()) => Ok(()),
                Err(OptinError::Invalid(m)) | Err(OptinError::RateLimited(m)) => {
                    Err(SignupError::Invalid(m))
                }
                // Everything else is logged by the web layer; the visitor sees the same page.
                Err(e) => Err(SignupError::Failed(e.to_string())),
            }
        })
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
