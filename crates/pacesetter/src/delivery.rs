//! The courier that takes reminders out of the inbox: email through the configured SMTP server
//! and JSON to chat-bot webhooks (WeCom and DingTalk group robots take a text message; Feishu
//! and Lark their own shape). Links become absolute with `public_url`.

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};
use pacesetter_app::reminders::{Courier, Outgoing, Sent};
use pacesetter_domain::notification::webhook_host;

/// How long one webhook call may take.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// The SMTP side, present when the operator configured a server.
struct Mail {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

pub struct RealCourier {
    mail: Option<Mail>,
    http: reqwest::Client,
    public_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CourierError {
    #[error("smtp_url: {0}")]
    SmtpUrl(String),
    #[error("mail_from is not an address: {0}")]
    From(String),
    #[error("webhook client: {0}")]
    Http(String),
}

impl RealCourier {
    /// `smtp_url` as lettre reads it (`smtps://user:pass@host:465`,
    /// `smtp://host:587?tls=required`, `smtp://127.0.0.1:2525` for a local relay).
    pub fn new(smtp_url: Option<&str>, mail_from: &str, public_url: Option<&str>) -> Result<Self, CourierError> {
        let mail = match smtp_url {
            Some(url) => Some(Mail {
                transport: AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| CourierError::SmtpUrl(e.to_string()))?
                    .timeout(Some(Duration::from_secs(30)))
                    .build(),
                from: mail_from.parse().map_err(|_| CourierError::From(mail_from.to_owned()))?,
            }),
            None => None,
        };
        let http = reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            // A webhook that redirects elsewhere is not followed: the allowed host is the one
            // the operator listed, not wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| CourierError::Http(e.to_string()))?;
        Ok(Self { mail, http, public_url: public_url.map(|u| u.trim_end_matches('/').to_owned()) })
    }

    fn link(&self, path: &str) -> String {
        match &self.public_url {
            Some(base) => format!("{base}{path}"),
            None => path.to_owned(),
        }
    }

    async fn email(&self, message: Outgoing<'_>) -> Result<(), String> {
        let Some(mail) = &self.mail else {
            return Err("no SMTP server is configured".to_owned());
        };
        let to: Mailbox = message.target.parse().map_err(|_| format!("not an address: {}", message.target))?;
        let email = Message::builder()
            .from(mail.from.clone())
            .to(to)
            .subject(message.title)
            .header(ContentType::TEXT_PLAIN)
            .body(format!("{}\n\n{}\n\n— Pacesetter", message.body, self.link(message.link)))
            .map_err(|e| e.to_string())?;
        mail.transport.send(email).await.map(|_| ()).map_err(|e| e.to_string())
    }

    async fn webhook(&self, message: Outgoing<'_>) -> Result<(), String> {
        let text = format!("{}\n{}\n{}", message.title, message.body, self.link(message.link));
        let body = webhook_body(message.target, &text);
        let response = self
            .http
            .post(message.target)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if response.status().is_success() { Ok(()) } else { Err(format!("webhook answered {}", response.status())) }
    }
}

impl Courier for RealCourier {
    fn send<'a>(&'a self, message: Outgoing<'a>) -> Sent<'a> {
        Box::pin(async move {
            match message.channel {
                "email" => self.email(message).await,
                "webhook" => self.webhook(message).await,
                other => Err(format!("unknown channel {other}")),
            }
        })
    }
}

/// What a chat-bot webhook receives: the text message of WeCom and DingTalk group robots, or
/// Feishu's own shape for Feishu and Lark hosts.
pub fn webhook_body(url: &str, text: &str) -> serde_json::Value {
    let feishu = webhook_host(url).is_some_and(|h| h.ends_with("feishu.cn") || h.ends_with("larksuite.com"));
    if feishu {
        serde_json::json!({ "msg_type": "text", "content": { "text": text } })
    } else {
        serde_json::json!({ "msgtype": "text", "text": { "content": text } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_bodies_follow_the_service() {
        let wecom = webhook_body("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "提醒");
        assert_eq!(wecom["msgtype"], "text");
        assert_eq!(wecom["text"]["content"], "提醒");
        let feishu = webhook_body("https://open.feishu.cn/open-apis/bot/v2/hook/x", "提醒");
        assert_eq!(feishu["content"]["text"], "提醒");
    }
}
