//! Rolling progress up a plan (SCORING.md, PRODUCT.md C2): each level states its rule, and
//! the UI shows the rule next to every rolled-up number.

use crate::light::Light;

/// How a plan level combines its children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollupRule {
    /// Σ weight × percent / Σ weight.
    WeightedMean,
    /// The least advanced child.
    Minimum,
    /// The worst light among the children; progress as the weighted mean.
    WorstLight,
}

impl RollupRule {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WeightedMean => "weighted_mean",
            Self::Minimum => "minimum",
            Self::WorstLight => "worst_light",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::WeightedMean, Self::Minimum, Self::WorstLight].into_iter().find(|r| r.as_str() == text)
    }
}

/// One child's contribution: its weight (a positive integer), progress in tenths of a percent
/// (0..=1000) and light.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Child {
    pub weight: u32,
    pub permille: u32,
    pub light: Light,
}

/// A rolled-up value: progress in tenths of a percent and the light to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Rolled {
    pub permille: u32,
    pub light: Light,
}

/// Rolls children up by `rule`; `None` when there are no children (or all weights are zero
/// under a weighted rule), so that an empty branch shows "no data", not 0 %.
pub fn roll_up(rule: RollupRule, children: &[Child]) -> Option<Rolled> {
    if children.is_empty() {
        return None;
    }
    let worst = children.iter().map(|c| c.light).max()?;
    match rule {
        RollupRule::Minimum => {
            let least = children.iter().min_by_key(|c| c.permille)?;
            Some(Rolled { permille: least.permille, light: least.light })
        }
        RollupRule::WeightedMean | RollupRule::WorstLight => {
            let total_weight: u64 = children.iter().map(|c| u64::from(c.weight)).sum();
            if total_weight == 0 {
                return None;
            }
            let weighted: u64 = children.iter().map(|c| u64::from(c.weight) * u64::from(c.permille.min(1000))).sum();
            // Round half up, once, at the end.
            let permille = ((2 * weighted + total_weight) / (2 * total_weight)) as u32;
            let light = if rule == RollupRule::WorstLight { worst } else { mean_light(children) };
            Some(Rolled { permille, light })
        }
    }
}

/// The light of a weighted mean: the weight-majority colour, the worse one on a tie.
fn mean_light(children: &[Child]) -> Light {
    let mut weights = [0u64; 4];
    for child in children {
        weights[child.light as usize] += u64::from(child.weight.max(1));
    }
    majority(weights)
}

/// The colour with the most weight (`weights` indexed by `Light`), the worse one on a tie.
fn majority(weights: [u64; 4]) -> Light {
    let mut best = Light::Done;
    for light in [Light::Done, Light::Green, Light::Yellow, Light::Red] {
        if weights[light as usize] >= weights[best as usize] {
            best = light;
        }
    }
    best
}

/// Assignments of equal weight, counted rather than listed: how many have each light and their
/// progress added up. The dashboard keeps these per plan item and unit subtree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Indexed by `Light`.
    pub lights: [u64; 4],
    /// Σ progress in tenths of a percent.
    pub permille_sum: u64,
}

impl Tally {
    pub fn count(&self) -> u64 {
        self.lights.iter().sum()
    }

    pub fn add(&mut self, other: &Tally) {
        for (mine, theirs) in self.lights.iter_mut().zip(other.lights) {
            *mine += theirs;
        }
        self.permille_sum += other.permille_sum;
    }

    /// What remains of `self` without `part` (a subtree without some of its branches).
    pub fn without(&self, part: &Tally) -> Tally {
        let mut rest = *self;
        for (mine, theirs) in rest.lights.iter_mut().zip(part.lights) {
            *mine = mine.saturating_sub(theirs);
        }
        rest.permille_sum = rest.permille_sum.saturating_sub(part.permille_sum);
        rest
    }

    /// What `roll_up(RollupRule::WeightedMean, …)` gives for these assignments, each of
    /// weight 1; `None` for none.
    pub fn mean(&self) -> Option<Rolled> {
        let count = self.count();
        if count == 0 {
            return None;
        }
        let permille = ((2 * self.permille_sum + count) / (2 * count)) as u32;
        Some(Rolled { permille: permille.min(1000), light: majority(self.lights) })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn child(weight: u32, permille: u32, light: Light) -> Child {
        Child { weight, permille, light }
    }

    #[test]
    fn each_rule_on_a_small_plan() {
        let children = [child(3, 600, Light::Green), child(1, 200, Light::Red)];
        let mean = roll_up(RollupRule::WeightedMean, &children).unwrap();
        assert_eq!(mean.permille, 500, "(3×60% + 1×20%) / 4 = 50%");
        assert_eq!(mean.light, Light::Green, "three quarters of the weight is green");
        assert_eq!(roll_up(RollupRule::Minimum, &children).unwrap(), Rolled { permille: 200, light: Light::Red });
        assert_eq!(roll_up(RollupRule::WorstLight, &children).unwrap().light, Light::Red);
        assert_eq!(roll_up(RollupRule::WeightedMean, &[]), None);
        assert_eq!(roll_up(RollupRule::WeightedMean, &[child(0, 500, Light::Green)]), None);
    }

    #[test]
    fn rounding_is_half_up_once() {
        let children = [child(1, 333, Light::Green), child(1, 334, Light::Green)];
        assert_eq!(roll_up(RollupRule::WeightedMean, &children).unwrap().permille, 334, "333.5 → 334");
    }

    fn lights() -> impl Strategy<Value = Light> {
        prop_oneof![Just(Light::Done), Just(Light::Green), Just(Light::Yellow), Just(Light::Red)]
    }

    proptest! {
        /// A weighted mean lies between the least and the most advanced child.
        #[test]
        fn the_mean_stays_within_its_children(children in prop::collection::vec((1u32..100, 0u32..=1000, lights()), 1..20)) {
            let children: Vec<Child> = children.into_iter().map(|(w, p, l)| child(w, p, l)).collect();
            let rolled = roll_up(RollupRule::WeightedMean, &children).unwrap();
            let low = children.iter().map(|c| c.permille).min().unwrap();
            let high = children.iter().map(|c| c.permille).max().unwrap();
            prop_assert!(low <= rolled.permille && rolled.permille <= high);
            prop_assert_eq!(roll_up(RollupRule::Minimum, &children).unwrap().permille, low);
        }

        /// Counting assignments gives what listing them does.
        #[test]
        fn a_tally_rolls_up_as_its_children(children in prop::collection::vec((0u32..=1000, lights()), 0..40)) {
            let children: Vec<Child> = children.into_iter().map(|(p, l)| child(1, p, l)).collect();
            let mut tally = Tally::default();
            for c in &children {
                tally.lights[c.light as usize] += 1;
                tally.permille_sum += u64::from(c.permille);
            }
            prop_assert_eq!(tally.mean(), roll_up(RollupRule::WeightedMean, &children));
        }

        /// The worst light is never better than any child's.
        #[test]
        fn the_worst_light_is_the_worst(children in prop::collection::vec((1u32..100, 0u32..=1000, lights()), 1..20)) {
            let children: Vec<Child> = children.into_iter().map(|(w, p, l)| child(w, p, l)).collect();
            let rolled = roll_up(RollupRule::WorstLight, &children).unwrap();
            prop_assert!(children.iter().all(|c| c.light <= rolled.light));
        }
    }
}
