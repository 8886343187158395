//! The `standardiste` binary: parse the command line, call into the library.

use clap::Parser;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use standardiste::cli::{self, Cli, Command, EXIT_AUTH, EXIT_CONFIG};
use standardiste::config::Config;
use standardiste::service::{self, ServeError};

fn main() {
    let cli = Cli::parse();
    // `serve` logs as its configuration says, once it is read.
    if !matches!(cli.command, Command::Serve) {
        standardiste::logs::init(standardiste::config::LogFormat::Text);
    }
    std::process::exit(match run(cli) {
        Ok(()) => 0,
        Err(f) => {
            eprintln!("standardiste: {}", f.message);
            f.code
        }
    });
}

fn run(cli: Cli) -> Result<(), cli::Failure> {
    match cli.command {
        Command::CheckConfig { file } => match Config::load(&file) {
            Ok(config) => {
                for w in config.warnings() {
                    println!("warning: {w}");
                }
                println!("{}: OK", file.display());
                Ok(())
            }
            Err(e) => Err(cli::Failure { code: EXIT_CONFIG, message: e.to_string() }),
        },
        Command::Serve => {
            let config = cli::load_config(cli.config.as_ref())?;
            standardiste::logs::init(config.log.format);
            let rt = runtime()?;
            rt.block_on(service::run(config)).map_err(|e| match e {
                ServeError::Inbound(_) => cli::Failure { code: EXIT_AUTH, message: e.to_string() },
                other => cli::Failure { code: 1, message: other.to_string() },
            })
        }
        Command::Sounds { out } => {
            let config = cli::load_config(cli.config.as_ref())?;
            let rt = runtime()?;
            let n = rt.block_on(cli::render_sounds(&config, out))?;
            println!("{n} sentences rendered");
            Ok(())
        }
        Command::Transcribe { file, language } => {
            let config = cli::load_config(cli.config.as_ref())?;
            whisper_rs::install_logging_hooks();
            let (text, took) = cli::transcribe_file(&config, &file, &language)?;
            eprintln!("transcribed in {took:.2?}");
            println!("{text}");
            Ok(())
        }
        Command::Try { practice, caller } => {
            let config = cli::load_config(cli.config.as_ref())?;
            let rt = runtime()?;
            eprintln!("standardiste try: les rendez-vous et messages faits ici sont réels (base {}).", config.database.path.display());
            let input = tokio::io::BufReader::new(tokio::io::stdin());
            rt.block_on(cli::try_dialogue(&config, &practice, &caller, input, std::io::stdout())).map(|_| ())
        }
        Command::CheckFreeswitch => {
            let config = cli::load_config(cli.config.as_ref())?;
            let rt = runtime()?;
            rt.block_on(cli::check_freeswitch(&config, &mut std::io::stdout()))
        }
        Command::Agent(c) => cli::agents::agent(&cli::load_config(cli.config.as_ref())?, cli.token.as_deref(), c, &mut std::io::stdout()),
        Command::Queue(c) => cli::agents::queue(&cli::load_config(cli.config.as_ref())?, cli.token.as_deref(), c, &mut std::io::stdout()),
        Command::Callback(c) => cli::agents::callback(&cli::load_config(cli.config.as_ref())?, cli.token.as_deref(), c, &mut std::io::stdout()),
        other => {
            let config = cli::load_config(cli.config.as_ref())?;
            cli::run_admin(&config, other, &mut std::io::stdout())
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, cli::Failure> {
    tokio::runtime::Runtime::new().map_err(cli::failed)
}
