//! `depgate token`: client tokens for the proxy's teams. A token is printed once and
//! never stored; the configuration keeps only its SHA-256.

use std::io::{Read as _, Write as _};

use crate::cli::{TokenArgs, TokenCommand};
use crate::exit::{CommandError, ExitStatus};
use crate::proxy::access::{new_token, token_hash};

pub(super) fn run(args: &TokenArgs) -> Result<ExitStatus, CommandError> {
    match &args.command {
        TokenCommand::New { team } => {
            if team.is_empty() || !team.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                return Err(CommandError::usage(format!(
                    "error: team name `{team}` is not a valid name\n  help: use letters, digits, `-` and `_` only"
                )));
            }
            let (token, hash) =
                new_token().map_err(|e| CommandError::failure(format!("error: cannot make a token: {e}")))?;
            eprintln!(
                "depgate: a new token for team `{team}` is on stdout: give it to the team's CI as a secret (it is not kept anywhere).\nAdd its hash to depgate.toml and reload the proxy (SIGHUP):\n\n[teams.{team}]\ntokens = [\"{hash}\"]\n"
            );
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", token.expose())
                .and_then(|()| out.flush())
                .map_err(|e| CommandError::failure(format!("error: cannot write the token: {e}")))?;
        }
        TokenCommand::Hash => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| CommandError::usage(format!("error: cannot read the token from stdin: {e}")))?;
            let token = text.trim();
            if token.is_empty() {
                return Err(CommandError::usage(
                    "error: no token on stdin\n  help: printf %s \"$TOKEN\" | depgate token hash",
                ));
            }
            println!("{}", token_hash(token));
        }
    }
    Ok(ExitStatus::Allowed)
}
