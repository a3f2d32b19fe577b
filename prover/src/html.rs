//! `report.html`: a round report as one self-contained page (inline style and SVG, no script, a
//! content security policy that forbids every fetch), so it opens from disk with no network.
//! Each figure carries a `data-figure`, `data-total` or `data-bucket` attribute, which the
//! browser test reads back and compares with `verify-report --json`.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use zkliq_circuits::field::{self, Fp};
use zkliq_circuits::{Market, PriceRound};
use zkliq_verifier::ReportFile;

/// What the page shows besides the report file.
pub struct Page<'a> {
    /// The market.
    pub market: &'a Market,
    /// The price round.
    pub prices: &'a PriceRound,
    /// The published root the report is about.
    pub root: Fp,
    /// The market and price commitments.
    pub commitments: (Fp, Fp),
    /// The report file (figures, edges, pieces).
    pub report: &'a ReportFile,
    /// Every liquidatable leaf, increasing.
    pub liquidatable: &'a [u64],
    /// A stress report's `--shock` (the round's prices shocked so): the page says the prices
    /// are hypothetical.
    pub shock: Option<&'a str>,
}

/// Buckets in display order: `(label, from_bps, to_bps, accounts)`.
fn buckets(report: &ReportFile) -> Vec<(String, String, u64)> {
    let e = report.edges.as_slice();
    let ratio = |bps: u32| format!("{:.2}", f64::from(bps) / 1e4);
    let mut out = vec![
        (
            "no debt".to_owned(),
            "none".to_owned(),
            report.book.no_debt(),
        ),
        (
            format!("< {}", ratio(e[0])),
            format!("0-{}", e[0]),
            report.book.liquidatable,
        ),
    ];
    for (k, n) in report.book.buckets.iter().enumerate() {
        let (label, key) = match e.get(k + 1) {
            Some(to) => (
                format!("{} – {}", ratio(e[k]), ratio(*to)),
                format!("{}-{to}", e[k]),
            ),
            None => (format!(">= {}", ratio(e[k])), format!("{}-", e[k])),
        };
        out.push((label, key, *n));
    }
    out
}

/// The histogram as an inline SVG bar chart.
fn chart(rows: &[(String, String, u64)]) -> Markup {
    let (width, bar, gap, left) = (640.0, 28.0, 10.0, 120.0);
    let max = rows.iter().map(|r| r.2).max().unwrap_or(0).max(1) as f64;
    let height = rows.len() as f64 * (bar + gap) + gap;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(width) height=(height) role="img"
            aria-label="accounts per ratio bucket" {
            @for (i, (label, key, n)) in rows.iter().enumerate() {
                @let y = gap + i as f64 * (bar + gap);
                @let w = (width - left - 80.0) * (*n as f64) / max;
                text x=(left - 8.0) y=(y + bar * 0.7) text-anchor="end" { (label) }
                rect x=(left) y=(y) width=(w.max(1.0)) height=(bar)
                    class=(if i == 1 { "bar liquidatable" } else { "bar" }) data-bar=(key) {}
                text x=(left + w + 6.0) y=(y + bar * 0.7) { (n) }
            }
        }
    }
}

/// The page.
pub fn render(page: &Page<'_>) -> String {
    let r = page.report;
    let rows = buckets(r);
    let heading = match page.shock {
        Some(shock) => format!(
            "Stress report: {}, round {} shocked ({shock})",
            page.market.name(),
            page.prices.round()
        ),
        None => format!(
            "Round report: {}, round {}",
            page.market.name(),
            page.prices.round()
        ),
    };
    let style = "body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:52em;color:#1b1f23}\
        table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{padding:.25em .8em;border-bottom:1px solid #ddd;text-align:right}\
        th:first-child,td:first-child{text-align:left}code{font-size:.85em;word-break:break-all}\
        .bar{fill:#3b6ea8}.liquidatable{fill:#c0392b}svg text{font-size:13px}.note{color:#555}";
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:";
                title { (heading) }
                style { (PreEscaped(style)) }
            }
            body {
                h1 { (heading) }
                @if let Some(shock) = page.shock {
                    p.note data-figure="shock" {
                        "A stress report: the prices are hypothetical, round " (page.prices.round())
                        "'s with " code { (shock) } " applied (shocked-prices.json in this directory). "
                        "The figures below are what the book would look like at those prices, not at the published round."
                    }
                }
                p {
                    "A chain of " strong data-figure="pieces" { (r.pieces) } " pieces of "
                    (r.positions) " leaves, each proven in zero knowledge (several to a proof), covers every leaf of the state tree with root "
                    code data-figure="root" { (field::to_hex(&page.root)) }
                    " (depth " (r.depth) ") at price round " (page.prices.round())
                    " (timestamp " (page.prices.timestamp()) "). Only the whole-book figures below are public: no account's balances, and no per-piece sums."
                }
                h2 { "What the proofs establish" }
                ul {
                    li { "the number of accounts, every other leaf being empty;" }
                    li { "the exact set of liquidatable leaves: every other account is healthy;" }
                    li { "per asset, the total collateral and the total debt over all accounts;" }
                    li { "how many accounts sit in each bucket of the ratio lhs/rhs (weighted collateral over threshold × debt)." }
                }
                p.note {
                    "This page was written by the prover. To trust it, verify the proofs in this directory: "
                    code { "zkliq verify-report DIR --market MARKET.json --prices PRICES.json --root "
                        (field::to_hex(&page.root)) " --depth " (r.depth) }
                    " (market commitment " code { (field::to_hex(&page.commitments.0)) }
                    ", price commitment " code { (field::to_hex(&page.commitments.1)) } ")."
                }
                h2 { "Accounts" }
                table {
                    tr { th { "accounts" } td data-figure="accounts" { (r.book.accounts) } }
                    tr { th { "liquidatable" } td data-figure="liquidatable-count" { (r.book.liquidatable) } }
                    tr { th { "no debt" } td data-figure="no-debt" { (r.book.no_debt()) } }
                }
                h2 { "Accounts per ratio bucket" }
                (chart(&rows))
                table {
                    tr { th { "ratio" } th { "accounts" } }
                    @for (label, key, n) in &rows {
                        tr { td { (label) } td data-bucket=(key) { (n) } }
                    }
                }
                h2 { "Totals (base units)" }
                table {
                    tr { th { "asset" } th { "collateral" } th { "debt" } }
                    @for (i, asset) in page.market.assets().iter().enumerate() {
                        tr {
                            td { (asset.symbol) }
                            td data-total={ (asset.symbol) ":collateral" } { (r.book.collateral[i]) }
                            td data-total={ (asset.symbol) ":debt" } { (r.book.debt[i]) }
                        }
                    }
                }
                h2 { "Liquidatable leaves (" (page.liquidatable.len()) ")" }
                p data-figure="liquidatable" {
                    @for (i, leaf) in page.liquidatable.iter().enumerate() {
                        @if i > 0 { ", " }
                        (leaf)
                    }
                }
            }
        }
    };
    markup.into_string()
}
