//! The strength chart: an SVG line chart of headcount and technicians
//! against what the site's campaigns require, with the shortfall marked.

use plotters::prelude::*;

use crate::views::StrengthMonth as Strength;

/// The names of the series, as the legend shows them.
pub const SERIES: [&str; 6] = [
    "headcount",
    "required",
    "technicians",
    "required technicians",
    "shortfall",
    "technician shortfall",
];

const HEADCOUNT: RGBColor = RGBColor(31, 90, 160);
const TECHNICIANS: RGBColor = RGBColor(35, 130, 70);
const SHORTFALL: RGBColor = RGBColor(200, 40, 40);
const TECHNICIAN_SHORTFALL: RGBColor = RGBColor(230, 140, 20);

/// Draws the chart as SVG text.
pub fn strength_svg(title: &str, counts: &[Strength]) -> Result<String, crate::ServiceError> {
    let mut svg = String::new();
    draw(&mut svg, title, counts).map_err(|error| {
        crate::ServiceError::Internal(format!("cannot draw the chart: {error}"))
    })?;
    Ok(svg)
}

fn draw(
    svg: &mut String,
    title: &str,
    counts: &[Strength],
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, (960, 540)).into_drawing_area();
    root.fill(&WHITE)?;
    let top = counts
        .iter()
        .map(|count| {
            count
                .headcount
                .max(count.required)
                .max(count.technicians)
                .max(count.required_technicians)
        })
        .max()
        .unwrap_or(0);
    // Whole people on the axis: as many labels as there are whole numbers
    // up to the top (at most 10), so that none is shown twice.
    let labels = (top as usize + 1).clamp(2, 11);
    let top = f64::from(top.max(1)) * 1.15;
    let last = counts.len().saturating_sub(1) as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(-0.5..last + 0.5, 0.0..top)?;
    chart
        .configure_mesh()
        .x_labels(counts.len().clamp(1, 12))
        .x_label_formatter(&|x| {
            let index = x.round();
            if (x - index).abs() > 0.01 || index < 0.0 {
                return String::new();
            }
            counts.get(index as usize).map(|count| count.month.to_string()).unwrap_or_default()
        })
        .y_labels(labels)
        .y_label_formatter(&|y| {
            if (y - y.round()).abs() > 0.01 { String::new() } else { format!("{y:.0}") }
        })
        .x_desc("month (counted on its first day)")
        .y_desc("people")
        .light_line_style(WHITE.mix(0.0))
        .draw()?;

    let at = |index: usize| index as f64;
    // The shortfalls first, so that the lines are drawn over them.
    chart
        .draw_series(
            counts.iter().enumerate().filter(|(_, count)| count.headcount < count.required).map(
                |(index, count)| {
                    Rectangle::new(
                        [
                            (at(index) - 0.3, f64::from(count.headcount)),
                            (at(index) + 0.3, f64::from(count.required)),
                        ],
                        SHORTFALL.mix(0.25).filled(),
                    )
                },
            ),
        )?
        .label(SERIES[4])
        .legend(|(x, y)| {
            Rectangle::new([(x, y - 6), (x + 20, y + 6)], SHORTFALL.mix(0.25).filled())
        });
    chart
        .draw_series(
            counts
                .iter()
                .enumerate()
                .filter(|(_, count)| count.technicians < count.required_technicians)
                .map(|(index, count)| {
                    Rectangle::new(
                        [
                            (at(index) - 0.15, f64::from(count.technicians)),
                            (at(index) + 0.15, f64::from(count.required_technicians)),
                        ],
                        TECHNICIAN_SHORTFALL.mix(0.35).filled(),
                    )
                }),
        )?
        .label(SERIES[5])
        .legend(|(x, y)| {
            Rectangle::new([(x, y - 6), (x + 20, y + 6)], TECHNICIAN_SHORTFALL.mix(0.35).filled())
        });

    let line = |value: fn(&Strength) -> u32| -> Vec<(f64, f64)> {
        counts
            .iter()
            .enumerate()
            .map(|(index, count)| (at(index), f64::from(value(count))))
            .collect()
    };
    chart
        .draw_series(LineSeries::new(line(|count| count.headcount), HEADCOUNT.stroke_width(3)))?
        .label(SERIES[0])
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], HEADCOUNT.stroke_width(3)));
    chart.draw_series(
        line(|count| count.headcount)
            .into_iter()
            .map(|point| Circle::new(point, 4, HEADCOUNT.filled())),
    )?;
    chart
        .draw_series(LineSeries::new(
            line(|count| count.required),
            HEADCOUNT.mix(0.6).stroke_width(1),
        ))?
        .label(SERIES[1])
        .legend(|(x, y)| {
            PathElement::new(vec![(x, y), (x + 20, y)], HEADCOUNT.mix(0.6).stroke_width(1))
        });
    chart
        .draw_series(LineSeries::new(line(|count| count.technicians), TECHNICIANS.stroke_width(3)))?
        .label(SERIES[2])
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], TECHNICIANS.stroke_width(3)));
    chart.draw_series(
        line(|count| count.technicians)
            .into_iter()
            .map(|point| Circle::new(point, 4, TECHNICIANS.filled())),
    )?;
    chart
        .draw_series(LineSeries::new(
            line(|count| count.required_technicians),
            TECHNICIANS.mix(0.6).stroke_width(1),
        ))?
        .label(SERIES[3])
        .legend(|(x, y)| {
            PathElement::new(vec![(x, y), (x + 20, y)], TECHNICIANS.mix(0.6).stroke_width(1))
        });

    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// The most issuers one rate chart draws: those whose papers are the
/// furthest above what their peers predict (the report's table has them
/// all).
pub const MOST_ISSUERS: usize = 30;

const OBSERVED: RGBColor = RGBColor(31, 90, 160);
const FOUND: RGBColor = RGBColor(200, 40, 40);

/// The rate chart of one scope: for each issuer tested, its papers (a
/// bar, red when the report finds it) beside the number its peers' rate
/// predicts (a black mark), the furthest above first.
pub fn rates_svg(
    title: &str,
    rates: &[&muster_orders::rates::IssuerRate],
) -> Result<String, crate::ServiceError> {
    let mut shown: Vec<&muster_orders::rates::IssuerRate> = rates.to_vec();
    let ratio = |rate: &muster_orders::rates::IssuerRate| {
        (rate.observed as f64 + 1.0) / (rate.expected + 1.0)
    };
    shown.sort_by(|a, b| ratio(b).total_cmp(&ratio(a)).then_with(|| a.issuer.cmp(&b.issuer)));
    shown.truncate(MOST_ISSUERS);
    // Drawn from the bottom up: the furthest above at the top.
    shown.reverse();
    let mut svg = String::new();
    draw_rates(&mut svg, title, &shown).map_err(|error| {
        crate::ServiceError::Internal(format!("cannot draw the chart: {error}"))
    })?;
    Ok(svg)
}

fn draw_rates(
    svg: &mut String,
    title: &str,
    rates: &[&muster_orders::rates::IssuerRate],
) -> Result<(), Box<dyn std::error::Error>> {
    let rows = rates.len().max(1);
    let height = 120 + 26 * rows as u32;
    let root = SVGBackend::with_string(svg, (960, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let top =
        rates.iter().map(|rate| (rate.observed as f64).max(rate.expected)).fold(1.0_f64, f64::max)
            * 1.1;
    let last = rows as f64 - 0.5;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(20)
        .x_label_area_size(40)
        .y_label_area_size(160)
        .build_cartesian_2d(0.0..top, -0.5..last)?;
    chart
        .configure_mesh()
        .y_labels(rows)
        .y_label_formatter(&|y| {
            let index = y.round();
            if (y - index).abs() > 0.01 || index < 0.0 {
                return String::new();
            }
            rates.get(index as usize).map(|rate| rate.issuer.clone()).unwrap_or_default()
        })
        .x_desc("papers in the window")
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let at = |index: usize| index as f64;
    chart
        .draw_series(rates.iter().enumerate().filter(|(_, rate)| !rate.found).map(
            |(index, rate)| {
                Rectangle::new(
                    [(0.0, at(index) - 0.35), (rate.observed as f64, at(index) + 0.35)],
                    OBSERVED.mix(0.7).filled(),
                )
            },
        ))?
        .label("papers")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], OBSERVED.mix(0.7).filled()));
    chart
        .draw_series(rates.iter().enumerate().filter(|(_, rate)| rate.found).map(
            |(index, rate)| {
                Rectangle::new(
                    [(0.0, at(index) - 0.35), (rate.observed as f64, at(index) + 0.35)],
                    FOUND.mix(0.8).filled(),
                )
            },
        ))?
        .label("papers, found far above its peers")
        .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 20, y + 6)], FOUND.mix(0.8).filled()));
    chart
        .draw_series(rates.iter().enumerate().map(|(index, rate)| {
            PathElement::new(
                vec![(rate.expected, at(index) - 0.45), (rate.expected, at(index) + 0.45)],
                BLACK.stroke_width(3),
            )
        }))?
        .label("what its peers' rate predicts")
        .legend(|(x, y)| {
            PathElement::new(vec![(x + 10, y - 7), (x + 10, y + 7)], BLACK.stroke_width(3))
        });
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}
