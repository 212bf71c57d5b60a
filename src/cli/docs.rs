//! What the command line says about itself: shell completion scripts and the man page, both
//! generated from the same clap parser that reads the arguments, so they cannot drift from it.

use std::io::Write;

use clap::CommandFactory;
use clap_complete::Shell;

use super::Cli;

/// The name the scripts complete and the man page documents.
const BIN_NAME: &str = "codex-threads";

/// Writes the completion script for `shell` to `out`.
pub fn write_completions(shell: Shell, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, BIN_NAME, out);
    Ok(())
}

/// Writes the man page (roff, section 1) to `out`: the top-level page, then a section per
/// subcommand, so that `man codex-threads` is the whole reference.
pub fn write_man_page(out: &mut dyn Write) -> anyhow::Result<()> {
    let command = Cli::command().name(BIN_NAME);
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    man.render_subcommands_section(out)?;
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        let name = sub.get_name();
        writeln!(
            out,
            ".SH \"{}\"",
            format!("{BIN_NAME} {name}").to_uppercase()
        )?;
        let sub_man = clap_mangen::Man::new(sub.clone().bin_name(format!("{BIN_NAME} {name}")));
        let mut section = Vec::new();
        sub_man.render_synopsis_section(&mut section)?;
        sub_man.render_description_section(&mut section)?;
        sub_man.render_options_section(&mut section)?;
        // Its parts are subsections of the command's section, not pages of their own.
        let section = String::from_utf8(section)?.replace(".SH ", ".SS ");
        out.write_all(section.as_bytes())?;
    }
    man.render_version_section(out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(write: impl FnOnce(&mut Vec<u8>) -> anyhow::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn each_script_names_the_binary_and_every_subcommand() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let script = text(|out| write_completions(shell, out));
            assert!(script.contains(BIN_NAME), "{shell}");
            for sub in Cli::command().get_subcommands() {
                assert!(
                    script.contains(sub.get_name()),
                    "{shell}: {}",
                    sub.get_name()
                );
            }
        }
    }

    #[test]
    fn the_man_page_documents_every_subcommand_and_its_options() {
        let page = text(|out| write_man_page(out));
        assert!(page.starts_with(".ie"), "roff: {}", &page[..40]);
        assert!(page.contains(".TH codex-threads 1"), "{page}");
        for sub in Cli::command().get_subcommands() {
            let heading = format!(".SH \"CODEX-THREADS {}\"", sub.get_name().to_uppercase());
            assert!(page.contains(&heading), "{heading}");
        }
        assert!(page.contains("\\-\\-archived"), "options are listed");
    }
}
