//! The demo campaign's exhibition of photography, calligraphy and fine art (RW-05): four
//! categories of six works from the prefectures, each work with a picture, before a jury of five.
//! Tibetan and Chinese calligraphy are judged and published; photography is judged, not yet
//! published; fine art is being judged. The pictures are drawn here (a landscape in a few
//! colours), as the demo's other data is made up; everything goes through the app layer.

use pacesetter_domain::{
    UnitKind,
    contest::{Criterion, Kind, Rules, Stage},
    ids::{ContestId, ContestRoundId, PlanItemId},
};
use rust_decimal::Decimal;

use super::actor;
use crate::{
    Actor, App, AppError,
    contests::{self, ContestInput, EntryInput, Move, RoundInput, ScoreInput, Seated, UnitRef},
};

pub const EXHIBITION: &str = "摄影、书法、美术作品展";

const CATEGORIES: [&str; 4] = ["藏文书法", "汉文书法", "摄影", "美术"];
const TITLES: [&str; 12] = [
    "团结奋进",
    "守望相助",
    "雪域新貌",
    "牧场晨光",
    "圣湖之畔",
    "丰收的青稞",
    "石榴花开",
    "边境小学",
    "同心筑梦",
    "新居",
    "转场",
    "春到林芝",
];
const AUTHORS: [&str; 8] = ["次旦", "央宗", "格桑", "拉巴", "德庆", "边巴", "曲珍", "米玛"];

fn criteria() -> Vec<Criterion> {
    [("思想性", 30), ("艺术性", 40), ("技法", 30)]
        .into_iter()
        .map(|(name, max)| Criterion { code: name.into(), name: name.into(), max: Decimal::from(max) })
        .collect()
}

/// Loads the exhibition; returns it with its four categories.
pub async fn seed(app: &App) -> Result<(ContestId, Vec<ContestRoundId>), AppError> {
    let office = actor(app, "office").await?;
    let (campaign, prefectures) = super::campaign_and_units(app, &office, UnitKind::Prefecture).await?;
    let codes = crate::plans::item_codes(app, &office, campaign.id).await?;
    let task = codes.iter().find(|(_, c)| c == "RW-05").map(|(id, _)| PlanItemId(*id));
    let input = ContestInput {
        name: EXHIBITION,
        name_bo: "",
        kind: Kind::Exhibition,
        plan_item: task,
        rules: Rules::default(),
    };
    let exhibition = contests::create(app, &office, campaign.id, &input).await?;
    let mut jury = Vec::new();
    for n in 2..=6 {
        jury.push(actor(app, &format!("judge{n}")).await?);
    }
    let mut categories = Vec::new();
    for (c, category) in CATEGORIES.iter().enumerate() {
        let input = RoundInput {
            name: category,
            stage: Stage::Final,
            unit: None,
            advance: 0,
            criteria: criteria(),
            prizes: vec![1, 1, 2],
        };
        let round = contests::add_round(app, &office, exhibition.id, &input).await?;
        for judge in &jury {
            contests::seat_judge(app, &office, round.id, Seated::Id(judge.user.id)).await?;
        }
        for w in 0..6 {
            let n = c * 6 + w;
            let unit = &prefectures[(n * 3) % prefectures.len()];
            let author = AUTHORS[n % AUTHORS.len()];
            let entry = EntryInput {
                contestant: author,
                unit: UnitRef::Id(unit.id),
                title: TITLES[(n * 5) % TITLES.len()],
                image: Some(artwork(n as u32)),
            };
            contests::add_entry(app, &office, round.id, &entry).await?;
        }
        contests::advance(app, &office, round.id, round.version, Move::Open).await?;
        // Fine art is being judged: two of the jury are through.
        let judging: &[Actor] = if c == 3 { &jury[..2] } else { &jury };
        score_all(app, judging, round.id).await?;
        if c < 3 {
            let version = contests::board(app, &office, round.id).await?.round.version;
            let closed = contests::advance(app, &office, round.id, version, Move::Close).await?;
            if c < 2 {
                contests::publish(app, &office, round.id, closed.version).await?;
            }
        }
        categories.push(round.id);
    }
    Ok((exhibition.id, categories))
}

/// Each juror scores every work they may (not their own unit's), the same every load.
async fn score_all(app: &App, jury: &[Actor], round: ContestRoundId) -> Result<(), AppError> {
    for (seat, juror) in jury.iter().enumerate() {
        let desks = contests::desks(app, juror).await?;
        let Some(desk) = desks.iter().find(|d| d.round.id == round) else { continue };
        for (entry, _) in &desk.gallery {
            let quality = 70 + ((entry.id.0 as usize * 29) % 23) as i64;
            let nudge = ((entry.id.0 as usize + seat * 7) % 5) as i64 - 2;
            let total = Decimal::from(quality + nudge);
            let sheet = criteria()
                .into_iter()
                .map(|c| {
                    let share = (total * c.max / Decimal::from(100) * Decimal::TWO).round() / Decimal::TWO;
                    (c.code, share.min(c.max))
                })
                .collect();
            let key = format!("demo-exhibition-{}-{}", entry.id, juror.user.id);
            contests::submit_score(app, juror, entry.id, &ScoreInput { criteria: sheet, key: &key }).await?;
        }
    }
    Ok(())
}

/// A small landscape as a PNG: sky, a sun, mountains and a lake, in colours picked by `seed`.
pub fn artwork(seed: u32) -> Vec<u8> {
    const W: u32 = 240;
    const H: u32 = 160;
    let palette = [
        ([70, 130, 200], [245, 245, 250], [60, 110, 90]),
        ([230, 140, 80], [250, 220, 120], [110, 70, 60]),
        ([40, 60, 120], [240, 240, 200], [50, 80, 110]),
        ([150, 190, 230], [255, 200, 60], [90, 120, 60]),
        ([200, 90, 110], [255, 240, 200], [80, 50, 90]),
        ([120, 170, 150], [250, 250, 230], [40, 90, 70]),
    ];
    let (sky, sun, land) = palette[(seed as usize) % palette.len()];
    let peaks = 2.0 + f64::from(seed % 4);
    let (sun_x, sun_y) = (f64::from(40 + (seed * 37) % 160), f64::from(30 + (seed * 11) % 30));
    let mut raw = Vec::with_capacity(((W * 3 + 1) * H) as usize);
    for y in 0..H {
        raw.push(0); // no filter
        for x in 0..W {
            let (fx, fy) = (f64::from(x), f64::from(y));
            let ridge = 95.0 + 22.0 * (fx / f64::from(W) * peaks * std::f64::consts::PI + f64::from(seed)).sin();
            let shade = |c: [u8; 3], k: f64| c.map(|v| (f64::from(v) * k).clamp(0.0, 255.0) as u8);
            let pixel = if fy > 135.0 {
                shade(sky, 0.75 + 0.1 * ((fx + fy * 3.0) / 9.0).sin())
            } else if fy > ridge {
                shade(land, 1.1 - (fy - ridge) / 120.0)
            } else if (fx - sun_x).powi(2) + (fy - sun_y).powi(2) < 144.0 {
                sun
            } else {
                shade(sky, 0.8 + 0.4 * fy / 135.0)
            };
            raw.extend_from_slice(&pixel);
        }
    }
    png(W, H, &raw)
}

/// An RGB PNG of `raw` scanlines, deflated as stored blocks (no compression needed here).
fn png(width: u32, height: u32, raw: &[u8]) -> Vec<u8> {
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in raw {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", &header[..]), (b"IDAT", &zlib[..]), (b"IEND", &[][..])] {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
