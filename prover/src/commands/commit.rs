//! `zkliq commit`: print a commitment.

use zkliq_circuits::{commitment, field};

use crate::cli::CommitArgs;
use crate::failure::Failure;
use crate::files;
use crate::output::say;

pub fn run(args: CommitArgs) -> Result<(), Failure> {
    let market = files::market(&args.market)?;
    let value = if let Some(path) = &args.prices {
        commitment::price_commitment(&market, &files::prices(path, &market)?)
    } else if let Some(path) = &args.account {
        commitment::account_commitment(&market, &files::account(path, &market)?)
    } else {
        commitment::market_commitment(&market)
    };
    say!("{}", field::to_hex(&value));
    Ok(())
}
