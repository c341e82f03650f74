//! Notifications: what reaches a person's inbox, and what each person chooses to receive.

use crate::Timestamp;

/// A notification in someone's inbox.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Notification {
    pub id: crate::ids::NotificationId,
    pub kind: String,
    pub assignment_id: Option<crate::ids::AssignmentId>,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: Timestamp,
    pub read: bool,
}

/// Every kind of notification: the reminder job's three (due soon, overdue, escalated), a report
/// sent back, and a chase by the office.
pub const KINDS: [&str; 5] = ["due_soon", "overdue", "escalation", "returned", "reminder"];

/// What a person chose to receive (everything unless they said otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Prefs {
    pub due_soon: bool,
    pub overdue: bool,
    pub escalation: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Self { due_soon: true, overdue: true, escalation: true }
    }
}

impl Prefs {
    pub fn wants(&self, kind: &str) -> bool {
        match kind {
            "due_soon" => self.due_soon,
            "overdue" => self.overdue,
            // A report sent back, or a chase by the office, is about the unit's own work:
            // always told.
            "returned" | "reminder" => true,
            _ => self.escalation,
        }
    }
}

/// Where a person wants reminders besides the inbox: an email address and a chat-bot webhook
/// (a group robot of WeCom, DingTalk or Feishu). Either may be absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Channels {
    pub email: Option<String>,
    pub webhook_url: Option<String>,
}

/// Longest address SMTP carries (RFC 5321 path limit).
const EMAIL_MAX: usize = 254;

impl Channels {
    /// Checks what a person typed. A webhook must be `https://` to one of `allowed_hosts`
    /// (the server only calls the chat services the operator listed, never an address of the
    /// internal network a user chose); `http://` is accepted for a loopback host only.
    pub fn parse(email: &str, webhook_url: &str, allowed_hosts: &[String]) -> Result<Self, crate::ValidationError> {
        let mut errors = crate::ValidationError::new();
        let email = email.trim();
        let email = if email.is_empty() {
            None
        } else if is_email(email) {
            Some(email.to_owned())
        } else {
            errors.push("email", "invalid_email");
            None
        };
        let url = webhook_url.trim();
        let webhook_url = if url.is_empty() {
            None
        } else {
            match webhook_host(url) {
                None => {
                    errors.push("webhook_url", "invalid_webhook_url");
                    None
                }
                Some(host) if !allowed_hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) => {
                    errors.push("webhook_url", "webhook_host_not_allowed");
                    None
                }
                Some(_) => Some(url.to_owned()),
            }
        };
        errors.into_result().map(|()| Self { email, webhook_url })
    }
}

/// `local@domain.tld`, printable, no spaces, within the SMTP limit. Deliverability is the
/// mail server's business; this only keeps out what cannot be an address.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else { return false };
    text.len() <= EMAIL_MAX
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && text.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '(' | ')' | ',' | ';' | '"' | '\\'))
}

/// The host of a webhook URL, if the URL is one the server may call at all.
pub fn webhook_host(url: &str) -> Option<&str> {
    if url.len() > 2000 || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    if authority.contains('@') {
        return None;
    }
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    };
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Some(host),
        "http" if loopback => Some(host),
        _ => None,
    }
    .filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts() -> Vec<String> {
        vec!["qyapi.weixin.qq.com".into(), "open.feishu.cn".into(), "127.0.0.1".into()]
    }

    #[test]
    fn channels_accept_addresses_and_listed_hooks_only() {
        let ok = Channels::parse(
            " liaison@lhasa.gov.cn ",
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            &hosts(),
        )
        .unwrap();
        assert_eq!(ok.email.as_deref(), Some("liaison@lhasa.gov.cn"));
        assert!(ok.webhook_url.is_some());
        assert_eq!(Channels::parse("", "", &hosts()).unwrap(), Channels::default());
        let code = |email: &str, url: &str| Channels::parse(email, url, &hosts()).unwrap_err().fields[0].code;
        assert_eq!(code("not an address", ""), "invalid_email");
        assert_eq!(code("a@b", ""), "invalid_email");
        assert_eq!(code("", "https://169.254.169.254/latest/meta-data"), "webhook_host_not_allowed");
        assert_eq!(code("", "http://qyapi.weixin.qq.com/x"), "invalid_webhook_url", "plain http only to loopback");
        assert_eq!(code("", "https://user@qyapi.weixin.qq.com/x"), "invalid_webhook_url");
        assert!(Channels::parse("", "http://127.0.0.1:9000/hook", &hosts()).is_ok());
    }
}
