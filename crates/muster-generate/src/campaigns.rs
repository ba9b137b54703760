//! The campaigns of the sites over the years, and the units deployed to
//! them.
//!
//! Each campaign asks for a share of the corps' leaf units; units (whole
//! subtrees) are drawn until the share is met, engineering units first for
//! restoration and construction, never a unit already away (itself, a
//! sub-unit or a parent) in the same period. How many people a campaign
//! requires is only known once the people are drawn, so `campaigns.csv` is
//! written last, from the people counted on each campaign's middle day.
//!
//! Two campaigns are always there, for the orders and lists that speak of
//! them: the Gomdok restoration of 2020 and a campaign at the Daehung mine
//! that runs across the horizon, its units still there on the last day.

use rand::Rng;

use crate::army::Army;
use crate::days::{Day, autumn_cycle, ymd};
use crate::geography::{DAEHUNG, GOMDOK, SITES, SiteKind};
use crate::random::{Random, pick_uniform};

/// The first year of campaigns, unless the horizon is earlier.
const FIRST_CAMPAIGN_YEAR: i32 = 2012;

/// The year of the Gomdok restoration the reference orders are about.
const GOMDOK_RESTORATION_YEAR: i32 = 2020;

/// The days the Daehung campaign of the horizon's year starts before the
/// horizon and is planned to last after it.
const DAEHUNG_AT_HORIZON: (Day, Day) = (150, 180);

/// The share of the corps' leaves sent to the Daehung campaign at the
/// horizon.
const DAEHUNG_SHARE: f64 = 0.012;

/// A campaign of a site.
pub(crate) struct Campaign {
    pub(crate) id: String,
    /// The index of its site in [`SITES`].
    pub(crate) site: usize,
    pub(crate) from: Day,
    pub(crate) to: Day,
    /// The day its people are counted on, to set what it requires.
    pub(crate) counted_on: Day,
}

/// A whole unit sent to a site for a campaign.
pub(crate) struct UnitDeployment {
    pub(crate) unit: u32,
    pub(crate) site: usize,
    pub(crate) campaign: u32,
    pub(crate) from: Day,
    /// `None` while it lasts at the horizon.
    pub(crate) to: Option<Day>,
}

/// The soldiers of the Gomdok restoration who reach their discharge cycle
/// during it.
pub(crate) struct GomdokRestoration {
    /// The index of Gomdok in [`SITES`].
    pub(crate) site: usize,
    /// The autumn cycle day in the middle of the restoration.
    pub(crate) cycle: Day,
    /// The leaf units of the units deployed there.
    pub(crate) leaves: Vec<u32>,
}

/// The campaigns and unit deployments, with what the people need to know
/// of them.
pub(crate) struct Plan {
    pub(crate) campaigns: Vec<Campaign>,
    pub(crate) deployments: Vec<UnitDeployment>,
    /// For each unit, the deployments of itself or one of its parents.
    pub(crate) covering: Vec<Vec<u32>>,
    /// The campaigns at mines.
    pub(crate) mine_campaigns: Vec<u32>,
    /// Every campaign, by index, for labourers.
    pub(crate) all_campaigns: Vec<u32>,
    pub(crate) gomdok: Option<GomdokRestoration>,
}

impl Plan {
    /// The campaigns up to `horizon` and the units deployed to them.
    pub(crate) fn new(army: &Army, horizon: Day, random: &mut Random) -> Plan {
        let horizon_year = crate::days::year_of(horizon);
        let first_year = FIRST_CAMPAIGN_YEAR.min(horizon_year - 13);
        let mut plan = Plan {
            campaigns: Vec::new(),
            deployments: Vec::new(),
            covering: vec![Vec::new(); army.units.len()],
            mine_campaigns: Vec::new(),
            all_campaigns: Vec::new(),
            gomdok: None,
        };
        // What each unit is away for, itself or through a parent or a
        // sub-unit: the periods a new deployment may not overlap.
        let mut away: Vec<Vec<(Day, Day)>> = vec![Vec::new(); army.units.len()];
        let mut scratch = Vec::new();
        let mut gomdok_deployments = Vec::new();
        let mut gomdok_site = 0;
        for (site_index, site) in SITES.iter().enumerate() {
            for year in first_year..=horizon_year {
                let gomdok_restoration = site.id == GOMDOK && year == GOMDOK_RESTORATION_YEAR;
                let daehung_at_horizon = site.id == DAEHUNG && year == horizon_year;
                let (word, from, to, share) = if gomdok_restoration {
                    ("restoration", ymd(year, 9, 5), ymd(year + 1, 5, 31), 0.025)
                } else if daehung_at_horizon {
                    let (before, after) = DAEHUNG_AT_HORIZON;
                    ("mining", horizon - before, horizon + after, DAEHUNG_SHARE)
                } else {
                    let chance = match site.kind {
                        SiteKind::Mine => 0.4,
                        SiteKind::Restoration => 0.3,
                        SiteKind::Construction => 0.45,
                        SiteKind::Farm => 0.55,
                    };
                    if !random.random_bool(chance) {
                        continue;
                    }
                    let (from, length, share) = match site.kind {
                        SiteKind::Mine => (
                            ymd(year, random.random_range(1..=10), random.random_range(1..=28)),
                            random.random_range(120..=365),
                            random.random_range(3..=8),
                        ),
                        SiteKind::Restoration => (
                            ymd(year, random.random_range(7..=9), random.random_range(1..=28)),
                            random.random_range(120..=270),
                            random.random_range(5..=15),
                        ),
                        SiteKind::Construction => (
                            ymd(year, random.random_range(3..=5), random.random_range(1..=28)),
                            random.random_range(180..=365),
                            random.random_range(5..=15),
                        ),
                        SiteKind::Farm => {
                            let month = if random.random_bool(0.5) { 5 } else { 9 };
                            (
                                ymd(year, month, 1),
                                random.random_range(45..=60),
                                random.random_range(3..=10),
                            )
                        }
                    };
                    (site.kind.campaign_word(), from, from + length, f64::from(share) / 1000.0)
                };
                if from > horizon {
                    continue;
                }
                let index = plan.campaigns.len() as u32;
                plan.campaigns.push(Campaign {
                    id: format!("{}-{word}-{year}", site.id),
                    site: site_index,
                    from,
                    to,
                    counted_on: (from + (to - from) / 2).min(horizon),
                });
                plan.all_campaigns.push(index);
                if site.kind == SiteKind::Mine {
                    plan.mine_campaigns.push(index);
                }
                let first_deployment = plan.deployments.len();
                plan.deploy_units(army, index, share, horizon, &mut away, &mut scratch, random);
                if gomdok_restoration {
                    gomdok_site = site_index;
                    gomdok_deployments.extend(first_deployment..plan.deployments.len());
                }
            }
        }
        for (index, deployment) in plan.deployments.iter().enumerate() {
            army.subtree(deployment.unit, &mut scratch);
            for &unit in &scratch {
                plan.covering[unit as usize].push(index as u32);
            }
        }
        if !gomdok_deployments.is_empty() {
            let mut leaves = Vec::new();
            for &deployment in &gomdok_deployments {
                army.subtree(plan.deployments[deployment].unit, &mut scratch);
                leaves.extend(
                    scratch
                        .iter()
                        .copied()
                        .filter(|&unit| army.units[unit as usize].children.is_empty()),
                );
            }
            plan.gomdok = Some(GomdokRestoration {
                site: gomdok_site,
                cycle: autumn_cycle(GOMDOK_RESTORATION_YEAR),
                leaves,
            });
        }
        plan
    }

    /// Deploys units of the corps to a campaign until they hold `share` of
    /// the corps' leaves, at least one unit.
    #[expect(clippy::too_many_arguments, reason = "the state of the plan being drawn")]
    fn deploy_units(
        &mut self,
        army: &Army,
        campaign: u32,
        share: f64,
        horizon: Day,
        away: &mut [Vec<(Day, Day)>],
        scratch: &mut Vec<u32>,
        random: &mut Random,
    ) {
        let (site, campaign_from, campaign_to) = {
            let campaign = &self.campaigns[campaign as usize];
            (campaign.site, campaign.from, campaign.to)
        };
        let prefers_engineering =
            matches!(SITES[site].kind, SiteKind::Restoration | SiteKind::Construction);
        let mut remaining = share * f64::from(army.regular_leaves);
        let mut deployed = 0;
        for attempt in 0..400 {
            if remaining <= 0.0 && deployed > 0 {
                break;
            }
            let candidates = if prefers_engineering
                && !army.deployable_engineering.is_empty()
                && random.random_bool(0.6)
            {
                &army.deployable_engineering
            } else {
                &army.deployable
            };
            let Some(unit) = pick_uniform(candidates, random) else {
                return;
            };
            let from = (campaign_from + random.random_range(-10..=20)).min(horizon);
            let to = (campaign_to + random.random_range(-20..=10)).max(from);
            let leaves = army.units[unit as usize].leaves_below;
            let desperate = deployed == 0 && attempt >= 300;
            let too_big = f64::from(leaves) > (remaining * 1.5).max(1.0);
            let busy = away[unit as usize].iter().any(|&(start, end)| start <= to && from <= end);
            if !desperate && (too_big || busy) {
                continue;
            }
            army.subtree(unit, scratch);
            scratch.extend(army.ancestors_and_self(unit).skip(1));
            for &other in scratch.iter() {
                away[other as usize].push((from, to));
            }
            self.deployments.push(UnitDeployment {
                unit,
                site,
                campaign,
                from,
                to: (to <= horizon).then_some(to),
            });
            remaining -= f64::from(leaves);
            deployed += 1;
        }
    }
}
