//! Figures: what the receptionist did for the practice over the last 30
//! days — calls per day (finished alone, handed over, hung up), the share
//! finished without a human, urgent calls, the waits for the secretaries,
//! the busiest hours, and the euros saved at a télésecrétariat's price per
//! call. The charts are SVG drawn here, no script.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::Utc;

use super::{Frame, Nav, PageQuery};
use crate::store::PracticeStats;
use crate::web::auth::Access;
use crate::web::words::Words;
use crate::web::{ApiError, Web, render};

/// Days shown.
pub const DAYS: u32 = 30;

/// Width and height of a chart's drawing area (the SVG's own units; the
/// labels go below it).
const CHART_W: f64 = 600.0;
const CHART_H: f64 = 110.0;

/// One bar of a chart: up to three stacked parts (bottom first).
pub struct Bar {
    /// Left edge.
    pub x: f64,
    /// Width.
    pub w: f64,
    /// (top, height) of each part: alone, handed over, hung up.
    pub parts: Vec<(f64, f64, &'static str)>,
    /// What a pointer over it says.
    pub title: String,
    /// A label under it (a day of the month, an hour), or nothing.
    pub label: String,
}

/// A column to draw: its parts (count, class) bottom first, its title, its label.
type Column = (Vec<(i64, &'static str)>, String, String);

fn bars(columns: &[Column]) -> Vec<Bar> {
    let max = columns.iter().map(|(parts, _, _)| parts.iter().map(|p| p.0).sum::<i64>()).max().unwrap_or(0).max(1) as f64;
    let step = CHART_W / columns.len().max(1) as f64;
    columns
        .iter()
        .enumerate()
        .map(|(i, (parts, title, label))| {
            let mut bottom = CHART_H;
            let parts = parts
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, class)| {
                    let h = CHART_H * *n as f64 / max;
                    bottom -= h;
                    (bottom, h, *class)
                })
                .collect();
            Bar { x: i as f64 * step + step * 0.1, w: step * 0.8, parts, title: title.clone(), label: label.clone() }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "figures.html")]
struct FiguresPage<'a> {
    t: &'static Words,
    who: Option<&'a str>,
    nav: Option<Nav>,
    csrf: &'a str,
    practice: &'a str,
    s: PracticeStats,
    share: String,
    saved: String,
    price: String,
    wait: String,
    longest: String,
    days: Vec<Bar>,
    hours: Vec<Bar>,
    busiest: String,
    /// Why calls were handed over: the words and the calls, most first.
    reasons: Vec<(String, i64)>,
}

/// `GET /figures?p=`
pub async fn show(State(web): State<Web>, access: Access, Query(q): Query<PageQuery>) -> Result<Response, ApiError> {
    let frame = Frame::new(&web, access, q.p, "/figures").await?;
    let (p, tz, price) = (frame.practice_id, frame.tz, web.doctor.price_per_call);
    let today = Utc::now().with_timezone(&tz).date_naive();
    let s = web.store.run(move |db| db.practice_stats(p, tz, today, DAYS, price)).await?;
    frame.audit(&web, "figures.read", "").await?;
    let t = frame.t;
    let day_columns: Vec<_> = s
        .days
        .iter()
        .map(|d| {
            // A label every fifth day: thirty would overlap.
            let label = if (d.day - s.from).num_days() % 5 == 0 { d.day.format("%d/%m").to_string() } else { String::new() };
            let title = format!(
                "{} — {} {}: {} {}, {} {}, {} {}",
                d.day.format("%d/%m"),
                d.calls,
                t.calls.to_lowercase(),
                d.without_human,
                t.figures_alone,
                d.handed_over,
                t.figures_handed,
                d.abandoned,
                t.figures_abandoned
            );
            (vec![(d.without_human, "alone"), (d.handed_over, "handed"), (d.abandoned, "hung-up")], title, label)
        })
        .collect();
    let hour_columns: Vec<_> = s
        .by_hour
        .iter()
        .enumerate()
        .map(|(h, n)| (vec![(*n, "alone")], format!("{h} h: {n} {}", t.calls.to_lowercase()), if h % 3 == 0 { format!("{h}h") } else { String::new() }))
        .collect();
    let euros = |v: f64| format!("{v:.2} €").replace('.', ",");
    let page = FiguresPage {
        t,
        who: Some(&frame.access.login),
        csrf: frame.csrf(),
        practice: &frame.practice_name,
        share: format!("{:.0} %", 100.0 * s.share_without_human),
        saved: euros(s.saved),
        price: euros(s.price_per_call),
        wait: format!("{:.0} s", s.total.average_wait_secs),
        longest: format!("{:.0} s", s.total.longest_wait_secs),
        busiest: s.busiest_hours.iter().map(|h| format!("{h} h–{} h", h + 1)).collect::<Vec<_>>().join(", "),
        reasons: {
            let mut r: Vec<_> = s.total.by_handover.iter().map(|(why, n)| (crate::words::outcome(t.handovers, why).to_string(), *n)).collect();
            r.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            r
        },
        days: bars(&day_columns),
        hours: bars(&hour_columns),
        nav: Some(frame.nav.clone()),
        s,
    };
    Ok(render(&page))
}
