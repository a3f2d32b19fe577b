//! `zkliq new-account`: an account file with a fresh salt from the operating system.

use serde_json::{Map, Value, json};
use zkliq_circuits::{Account, field};

use crate::cli::NewAccountArgs;
use crate::failure::{Failure, internal};
use crate::files;

pub fn run(args: NewAccountArgs) -> Result<(), Failure> {
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
    files::write_atomically(&args.out, &format!("{account:#}\n"), args.force)?;
    println!(
        "wrote {} with a fresh salt; keep it private: the salt hides the account",
        args.out.display()
    );
    Ok(())
}
