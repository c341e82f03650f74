//! Traffic lights (红黄绿灯) for assignments, SCORING.md §4: the gap between time-proportional
//! progress and reported progress, in exact integer arithmetic.

use time::Date;

/// The colour of an assignment, worst last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// Closed (办结): shown as done, never red.
    Done,
    Green,
    Yellow,
    Red,
}

impl Light {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Green => "green",
            Self::Yellow => "yellow",
            Self::Red => "red",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Done, Self::Green, Self::Yellow, Self::Red].into_iter().find(|light| light.as_str() == text)
    }
}

/// A campaign's thresholds, in percentage points of gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Thresholds {
    pub yellow_at: u32,
    pub red_at: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self { yellow_at: 10, red_at: 30 }
    }
}

impl Thresholds {
    /// Thresholds must be ordered and within 0..=100.
    pub fn new(yellow_at: u32, red_at: u32) -> Option<Self> {
        (yellow_at <= red_at && red_at <= 100).then_some(Self { yellow_at, red_at })
    }
}

/// What the light rule needs to know about one assignment on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub start: Date,
    pub deadline: Date,
    /// Reported progress, 0..=100.
    pub percent: u8,
    pub closed: bool,
}

/// Days from `start` to `today`, clamped to `0..=total`, and `total` (at least 1 so that a
/// task due the day it starts is fully elapsed from that day on).
fn elapsed_and_total(progress: &Progress, today: Date) -> (i64, i64) {
    let total = (progress.deadline - progress.start).whole_days();
    if total <= 0 {
        let elapsed = i64::from(today >= progress.start);
        return (elapsed, 1);
    }
    let elapsed = (today - progress.start).whole_days().clamp(0, total);
    (elapsed, total)
}

/// The gap τ×100 − percent, in tenths of a percentage point, rounded half away from zero
/// (for display; the light itself is decided exactly).
pub fn gap_tenths(progress: &Progress, today: Date) -> i64 {
    let (elapsed, total) = elapsed_and_total(progress, today);
    let numerator = 1000 * elapsed - 10 * i64::from(progress.percent) * total;
    let rounded = (2 * numerator.abs() + total) / (2 * total);
    if numerator < 0 { -rounded } else { rounded }
}

/// The light of an assignment on `today`.
pub fn light(progress: &Progress, today: Date, thresholds: Thresholds) -> Light {
    if progress.closed {
        return Light::Done;
    }
    if today > progress.deadline {
        return Light::Red;
    }
    let (elapsed, total) = elapsed_and_total(progress, today);
    // gap = (100·elapsed − percent·total) / total, compared without dividing.
    let gap_times_total = 100 * elapsed - i64::from(progress.percent.min(100)) * total;
    if gap_times_total < i64::from(thresholds.yellow_at) * total {
        Light::Green
    } else if gap_times_total <= i64::from(thresholds.red_at) * total {
        Light::Yellow
    } else {
        Light::Red
    }
}

/// The days an open assignment's light turns, as time passes with its progress unchanged:
/// yellow (or worse) from `yellow_from`, red from `red_from`. `Date::MIN` means "from the
/// outset". Stored roll-ups keep these, not today's colour, so that a dashboard can count the
/// lights of any day without rereading the assignments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turns {
    pub yellow_from: Date,
    pub red_from: Date,
}

impl Turns {
    /// The light on `today`, the same as `light` gives for the assignment.
    pub fn light_on(self, today: Date) -> Light {
        if today >= self.red_from {
            Light::Red
        } else if today >= self.yellow_from {
            Light::Yellow
        } else {
            Light::Green
        }
    }
}

/// When the light of an open assignment turns; `None` for a closed one (done for good).
///
/// The light never improves as days pass (`time_never_helps`), and it is red from the day after
/// the deadline, so the first day of each colour is found by bisection between the last day
/// before anything is elapsed and that day.
pub fn turns(progress: &Progress, thresholds: Thresholds) -> Option<Turns> {
    if progress.closed {
        return None;
    }
    // Before both the start and the deadline nothing is elapsed nor overdue: the light is the
    // same on every earlier day.
    let outset = progress.start.min(progress.deadline).previous_day().unwrap_or(Date::MIN);
    let overdue = progress.deadline.next_day().unwrap_or(Date::MAX);
    let first_day = |colour: Light| {
        if light(progress, outset, thresholds) >= colour {
            return Date::MIN;
        }
        // light(low) < colour <= light(high)
        let (mut low, mut high) = (outset, overdue);
        while (high - low).whole_days() > 1 {
            let middle = low + time::Duration::days((high - low).whole_days() / 2);
            if light(progress, middle, thresholds) >= colour {
                high = middle;
            } else {
                low = middle;
            }
        }
        high
    };
    Some(Turns { yellow_from: first_day(Light::Yellow), red_from: first_day(Light::Red) })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::date;

    use super::*;

    fn task(percent: u8) -> Progress {
        Progress { start: date!(2023 - 03 - 01), deadline: date!(2023 - 05 - 31), percent, closed: false }
    }

    #[test]
    fn the_worked_example_of_scoring_md_is_yellow() {
        let today = date!(2023 - 04 - 15);
        assert_eq!(gap_tenths(&task(30), today), 195, "τ = 45/91 = 49.45%, gap 19.45");
        assert_eq!(light(&task(30), today, Thresholds::default()), Light::Yellow);
        assert_eq!(light(&task(45), today, Thresholds::default()), Light::Green);
        assert_eq!(light(&task(10), today, Thresholds::default()), Light::Red);
    }

    #[test]
    fn boundaries_are_inclusive_for_yellow() {
        // 100 days, day 50: τ = 50%; gap 10 is yellow, gap 30 is yellow, gap 30.something red.
        let p = |percent| Progress {
            start: date!(2023 - 01 - 01),
            deadline: date!(2023 - 04 - 11),
            percent,
            closed: false,
        };
        let today = date!(2023 - 02 - 20);
        assert_eq!(light(&p(40), today, Thresholds::default()), Light::Yellow);
        assert_eq!(light(&p(41), today, Thresholds::default()), Light::Green);
        assert_eq!(light(&p(20), today, Thresholds::default()), Light::Yellow);
        assert_eq!(light(&p(19), today, Thresholds::default()), Light::Red);
    }

    #[test]
    fn overdue_is_red_unless_closed() {
        let late = date!(2023 - 06 - 01);
        assert_eq!(light(&task(99), late, Thresholds::default()), Light::Red);
        assert_eq!(light(&task(100), date!(2023 - 05 - 31), Thresholds::default()), Light::Green);
        let closed = Progress { closed: true, ..task(20) };
        assert_eq!(light(&closed, late, Thresholds::default()), Light::Done);
    }

    #[test]
    fn a_task_due_the_day_it_starts() {
        let same =
            Progress { start: date!(2023 - 04 - 02), deadline: date!(2023 - 04 - 02), percent: 0, closed: false };
        assert_eq!(light(&same, date!(2023 - 04 - 01), Thresholds::default()), Light::Green);
        assert_eq!(light(&same, date!(2023 - 04 - 02), Thresholds::default()), Light::Red);
    }

    fn day(offset: i64) -> Date {
        date!(2023 - 01 - 01) + time::Duration::days(offset)
    }

    proptest! {
        /// More reported progress never makes the light worse.
        #[test]
        fn more_progress_never_worsens(len in 0i64..400, at in -30i64..450, a in 0u8..=100, b in 0u8..=100, y in 0u32..=50, r in 0u32..=50) {
            let thresholds = Thresholds::new(y.min(r), y.max(r)).unwrap();
            let (low, high) = (a.min(b), a.max(b));
            let base = Progress { start: day(0), deadline: day(len), percent: low, closed: false };
            let better = Progress { percent: high, ..base };
            prop_assert!(light(&better, day(at), thresholds) <= light(&base, day(at), thresholds));
        }

        /// With the same progress, a later day never makes the light better.
        #[test]
        fn time_never_helps(len in 0i64..400, a in -30i64..450, b in -30i64..450, percent in 0u8..=100) {
            let (early, late) = (a.min(b), a.max(b));
            let p = Progress { start: day(0), deadline: day(len), percent, closed: false };
            prop_assert!(light(&p, day(early), Thresholds::default()) <= light(&p, day(late), Thresholds::default()));
        }

        /// The turning days give the light of every day.
        #[test]
        fn turns_give_the_light_of_every_day(start in -5i64..40, len in -5i64..400, at in -30i64..450, percent in 0u8..=100, y in 0u32..=50, r in 0u32..=50) {
            let thresholds = Thresholds::new(y.min(r), y.max(r)).unwrap();
            let p = Progress { start: day(start), deadline: day(start + len), percent, closed: false };
            let turns = turns(&p, thresholds).unwrap();
            prop_assert!(turns.yellow_from <= turns.red_from);
            prop_assert_eq!(turns.light_on(day(at)), light(&p, day(at), thresholds));
        }

        /// A closed assignment is done whatever the dates.
        #[test]
        fn closed_is_done(len in 0i64..400, at in -30i64..450, percent in 0u8..=100) {
            let p = Progress { start: day(0), deadline: day(len), percent, closed: true };
            prop_assert_eq!(light(&p, day(at), Thresholds::default()), Light::Done);
            prop_assert_eq!(turns(&p, Thresholds::default()), None);
        }
    }
}
