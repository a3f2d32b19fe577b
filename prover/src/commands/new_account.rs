//! `zkliq new-account`: an account file with a fresh salt from the operating system.

use std::path::Path;

use serde_json::{Map, Value, json};
use zkliq_circuits::{Account, field};

use crate::cli::NewAccountArgs;
use crate::failure::{Failure, internal};
use crate::files::{self, Visibility};
use crate::output::say;

pub fn run(args: NewAccountArgs) -> Result<(), Failure> {
    let inputs: Vec<&Path> = args.market.as_deref().into_iter().collect();
    files::check_output(&args.out, &inputs, args.force)?;
    let market = args.market.as_deref().map(files::market).transpose()?;
    let salt = Account::random_salt().map_err(internal)?;
    let zeros = |market: &Option<zkliq_circuits::Market>| {
        let mut map = Map::new();
        for asset in market.iter().flat_map(|m| m.assets()) {
            map.insert(asset.symbol.clone(), Value::String("0".into()));
        }
        Value::Object(map)
    };
    let account = json!({
        "salt": field::to_hex(&salt),
        "collateral": zeros(&market),
        "debt": zeros(&market),
    });
    files::write_atomically(
        &args.out,
        &format!("{account:#}\n"),
        &inputs,
        args.force,
        Visibility::Private,
    )?;
    say!(
        "wrote {} with a fresh salt; keep it private: the salt hides the account",
        args.out.display()
    );
    Ok(())
}
