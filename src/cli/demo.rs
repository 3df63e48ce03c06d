//! `paved demo`: the main job end to end, on the example platform repo with the local forge.

use super::output::Printer;
use crate::ops;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to lay out the demo (a new or empty directory).
    #[arg(long, default_value = "paved-demo", value_parser = crate::abspath::parse_arg)]
    out: PathBuf,
}

pub fn run(args: DemoArgs, p: &Printer) -> anyhow::Result<()> {
    p.progress("laying out the demo and reconciling");
    let demo = ops::demo::demo(&args.out)?;
    p.demo(&demo);
    Ok(())
}
