//! The burden meter (PRODUCT.md B3, C6): what a unit received in a month — inspection visits,
//! requests for material (checklist points asking for evidence, rectification items) and forms
//! to fill (tasks to report on, evaluation sheets) — so the office sees who is asked too often
//! and can hold the line.

/// More inspection visits than this to one unit in one month is over the line the office holds.
pub const VISITS_PER_MONTH: i64 = 1;

/// What a unit received over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Load {
    pub inspections: i64,
    pub requests: i64,
    pub forms: i64,
}

impl Load {
    pub fn total(self) -> i64 {
        self.inspections + self.requests + self.forms
    }

    /// Whether a month with this load is over the line: more visits than [`VISITS_PER_MONTH`].
    pub fn over_line(self) -> bool {
        self.inspections > VISITS_PER_MONTH
    }

    pub fn is_empty(self) -> bool {
        self.total() == 0
    }
}

impl std::ops::AddAssign for Load {
    fn add_assign(&mut self, other: Self) {
        self.inspections += other.inspections;
        self.requests += other.requests;
        self.forms += other.forms;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_visit_in_a_month_is_over_the_line_however_few_forms() {
        let one = Load { inspections: 1, requests: 12, forms: 30 };
        assert!(!one.over_line());
        let two = Load { inspections: 2, requests: 0, forms: 0 };
        assert!(two.over_line());
        let mut sum = one;
        sum += two;
        assert_eq!(sum, Load { inspections: 3, requests: 12, forms: 30 });
        assert_eq!(sum.total(), 45);
        assert!(Load::default().is_empty());
    }
}
