//! The shapes of the benchmark datasets (PRODUCT.md, "Scale the design must hold") and where
//! each kind of row sits in a generated database: id ranges, the accounts of the people whose
//! pages are measured.

/// Bump when the generator (`dataset.rs`) changes, so that cached databases are made again.
const DATASET_VERSION: u32 = 5;

/// How big a dataset is.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub name: &'static str,
    pub provinces: i64,
    pub prefectures: i64,
    pub counties: i64,
    /// Grassroots units below the counties (stored with the `county` kind, the deepest the
    /// schema has).
    pub townships: i64,
    pub functional_groups: i64,
    /// Departments under the functional groups; they lead pillars and tasks.
    pub member_units: i64,
    /// One campaign a year; the newest is the one measured.
    pub campaigns: i64,
    pub assignments_per_campaign: i64,
    /// On average; each assignment has between 0 and twice this many.
    pub events_per_assignment: i64,
}

impl Shape {
    /// The region row: the demo's region (7 prefectures, 74 counties), its organisation, and
    /// ten yearly campaigns: 20,000 assignments and 200,000 progress updates in all.
    pub fn region() -> Self {
        Self {
            name: "region",
            provinces: 1,
            prefectures: 7,
            counties: 74,
            townships: 0,
            functional_groups: 3,
            member_units: 63,
            campaigns: 10,
            assignments_per_campaign: 2_000,
            events_per_assignment: 10,
        }
    }

    /// The national row: 45,000 units, one campaign of 1,000,000 assignments and 5,000,000
    /// progress updates; `scale` shrinks every count (for a quick run while developing).
    pub fn national(scale: f64) -> Self {
        let scaled = |n: i64| ((n as f64 * scale).round() as i64).max(1);
        Self {
            name: "national",
            provinces: scaled(34),
            prefectures: scaled(333),
            counties: scaled(2_850),
            townships: scaled(40_000),
            functional_groups: 6,
            member_units: scaled(1_775),
            campaigns: 1,
            // Even, so that the event counts pair up exactly (see `events_sql`).
            assignments_per_campaign: scaled(1_000_000) / 2 * 2,
            events_per_assignment: 5,
        }
    }

    pub fn units(&self) -> i64 {
        2 + self.functional_groups + self.assignable_units()
    }

    /// Units a key task can be assigned to: departments and every territorial unit.
    pub(crate) fn assignable_units(&self) -> i64 {
        self.member_units + self.provinces + self.prefectures + self.counties + self.townships
    }

    /// Names the cached file: any change of shape or generator gives a new one.
    pub(crate) fn key(&self) -> String {
        format!(
            "{}-v{DATASET_VERSION}-{}u-{}c-{}a-{}e",
            self.name,
            self.units(),
            self.campaigns,
            self.assignments_per_campaign,
            self.events_per_assignment
        )
    }
}

/// Where each kind of unit and account sits in the id space: blocks in creation order, so
/// that ids are plain arithmetic on the row number.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub shape: Shape,
    pub office: i64,
    pub(crate) groups: i64,
    pub(crate) members: i64,
    pub(crate) provinces: i64,
    pub prefectures: i64,
    pub counties: i64,
    pub(crate) townships: i64,
}

impl Layout {
    pub fn new(shape: Shape) -> Self {
        let office = 2;
        let groups = office + 1;
        let members = groups + shape.functional_groups;
        let provinces = members + shape.member_units;
        let prefectures = provinces + shape.provinces;
        let counties = prefectures + shape.prefectures;
        let townships = counties + shape.counties;
        Self { shape, office, groups, members, provinces, prefectures, counties, townships }
    }

    /// The campaign office's coordinator.
    pub fn coordinator(&self) -> i64 {
        1
    }

    /// The liaison of the `n`th prefecture.
    pub fn prefecture_liaison(&self, n: i64) -> i64 {
        2 + n
    }

    /// The liaison of the `n`th county.
    pub fn county_liaison(&self, n: i64) -> i64 {
        2 + self.shape.prefectures + n
    }
}
