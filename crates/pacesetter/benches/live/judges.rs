//! The judges' phones of the live benchmark: each signs in for an API token on a connection of
//! its own, and all send their scores of the contestant on stage at once.

use std::{sync::Arc, time::Instant};

use pacesetter_domain::ids::ContestEntryId;
use reqwest::{StatusCode, header::CONTENT_TYPE};
use rust_decimal::Decimal;
use serde_json::json;
use tokio::{sync::Barrier, task::JoinSet};

use crate::{BoxError, CRITERIA, serve};

/// Judge `seat`'s score: within the maxima, a little different from seat to seat.
pub fn sheet(seat: usize) -> Vec<(String, Decimal)> {
    CRITERIA.iter().map(|(code, max)| ((*code).to_owned(), Decimal::from(*max / 2 + (seat % 20) as u32))).collect()
}

/// A judge's phone: its own connection to the server and its API token.
pub struct Phone {
    pub seat: usize,
    client: reqwest::Client,
    token: String,
}

/// Each judge's phone asks for a token (`POST /api/v1/auth/token`) and reads `/api/v1/me` with
/// it, so that its connection is open before anything is timed.
pub async fn sign_in(base: &str, judges: usize) -> Result<Vec<Phone>, BoxError> {
    let mut tasks = JoinSet::new();
    for seat in 0..judges {
        let base = base.to_owned();
        tasks.spawn(async move {
            let client = reqwest::Client::builder().build()?;
            let token = serve::token(&client, &base, &format!("bench-judge{}", seat + 1)).await?;
            Ok::<_, BoxError>(Phone { seat, client, token })
        });
    }
    let mut phones: Vec<Phone> = tasks.join_all().await.into_iter().collect::<Result<_, _>>()?;
    phones.sort_by_key(|p| p.seat);
    Ok(phones)
}

/// One score sent over HTTP: the judge's seat, when it was sent and when the answer was read.
pub struct Sent {
    pub seat: usize,
    pub sent: Instant,
    pub acked: Instant,
}

/// Every phone sends its judge's score of `entry` at once
/// (`POST /api/v1/contest-entries/{id}/scores`, each with its own idempotency key).
pub async fn submit(phones: &[Phone], base: &str, entry: ContestEntryId) -> Result<Vec<Sent>, BoxError> {
    let barrier = Arc::new(Barrier::new(phones.len()));
    let mut tasks = JoinSet::new();
    for phone in phones {
        let (client, token, seat, barrier) = (phone.client.clone(), phone.token.clone(), phone.seat, barrier.clone());
        let url = format!("{base}/api/v1/contest-entries/{entry}/scores");
        let criteria: Vec<_> =
            sheet(seat).into_iter().map(|(code, points)| json!({"code": code, "points": points.to_string()})).collect();
        let body = json!({"criteria": criteria, "idempotency_key": format!("http-{entry}-{seat}")}).to_string();
        tasks.spawn(async move {
            barrier.wait().await;
            let sent = Instant::now();
            let response = client
                .post(&url)
                .bearer_auth(&token)
                .header(CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await?;
            let status = response.status();
            let text = response.text().await?;
            let acked = Instant::now();
            if status != StatusCode::CREATED {
                return Err(format!("judge {} was refused: {status} {text}", seat + 1).into());
            }
            Ok::<_, BoxError>(Sent { seat, sent, acked })
        });
    }
    tasks.join_all().await.into_iter().collect()
}
