//! argv to one Windows command line. A Windows program gets a single string
//! and splits it itself; the C runtime's (and Rust's) rules are: whitespace
//! separates arguments, `"` groups, backslashes are literal unless a run of
//! them is followed by `"`, where each pair gives one backslash and an odd
//! one escapes the quote. The program name is parsed more simply (up to the
//! next quote, no escapes), so it cannot contain a quote at all.

use crate::platform::SpawnError;

/// The NUL-terminated UTF-16 command line for `argv`.
pub fn build(argv: &[String]) -> Result<Vec<u16>, SpawnError> {
    let program = &argv[0];
    if program.contains('"') {
        return Err(SpawnError { errno: Some("EINVAL".into()), message: "a Windows program name cannot contain '\"'".into() });
    }
    let mut line = String::with_capacity(argv.iter().map(|a| a.len() + 3).sum());
    line.push('"');
    line.push_str(program);
    line.push('"');
    for arg in &argv[1..] {
        line.push(' ');
        quote(arg, &mut line);
    }
    Ok(line.encode_utf16().chain(Some(0)).collect())
}

fn quote(arg: &str, out: &mut String) {
    let plain = !arg.is_empty() && !arg.contains([' ', '\t', '\n', '\x0b', '"']);
    if plain {
        out.push_str(arg);
        return;
    }
    out.push('"');
    let mut backslashes = 0usize;
    for c in arg.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                // Double the run so it stays literal, then escape the quote.
                out.push_str(&"\\".repeat(backslashes * 2 + 1));
                out.push('"');
                backslashes = 0;
            }
            _ => {
                out.push_str(&"\\".repeat(backslashes));
                out.push(c);
                backslashes = 0;
            }
        }
    }
    // A run before the closing quote must not escape it.
    out.push_str(&"\\".repeat(backslashes * 2));
    out.push('"');
}
