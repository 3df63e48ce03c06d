//! The `paved` binary: everything is in the library; see `paved::cli`.

fn main() -> std::process::ExitCode {
    paved::cli::main()
}
