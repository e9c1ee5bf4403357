//! Portable signal names. The protocol speaks names, never numbers, so a
//! client never has to know the platform's numbering; each platform maps the
//! names it can deliver (`platform::supported_signals`).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    Hup,
    Int,
    Quit,
    Kill,
    Usr1,
    Usr2,
    Term,
    Cont,
    Stop,
    Tstp,
    Winch,
    Alrm,
    Abrt,
    /// Windows' CTRL_BREAK_EVENT; no Unix equivalent.
    Break,
}

impl Signal {
    pub const ALL: [Signal; 14] = [
        Signal::Hup,
        Signal::Int,
        Signal::Quit,
        Signal::Kill,
        Signal::Usr1,
        Signal::Usr2,
        Signal::Term,
        Signal::Cont,
        Signal::Stop,
        Signal::Tstp,
        Signal::Winch,
        Signal::Alrm,
        Signal::Abrt,
        Signal::Break,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Signal::Hup => "SIGHUP",
            Signal::Int => "SIGINT",
            Signal::Quit => "SIGQUIT",
            Signal::Kill => "SIGKILL",
            Signal::Usr1 => "SIGUSR1",
            Signal::Usr2 => "SIGUSR2",
            Signal::Term => "SIGTERM",
            Signal::Cont => "SIGCONT",
            Signal::Stop => "SIGSTOP",
            Signal::Tstp => "SIGTSTP",
            Signal::Winch => "SIGWINCH",
            Signal::Alrm => "SIGALRM",
            Signal::Abrt => "SIGABRT",
            Signal::Break => "SIGBREAK",
        }
    }

    /// Accepts `SIGTERM` and `TERM`; names are case-sensitive like kill(1)'s.
    pub fn parse(name: &str) -> Option<Signal> {
        let full = if name.starts_with("SIG") { name.to_owned() } else { format!("SIG{name}") };
        Signal::ALL.into_iter().find(|s| s.name() == full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Signal::ALL {
            assert_eq!(Signal::parse(s.name()), Some(s));
        }
        assert_eq!(Signal::parse("INT"), Some(Signal::Int));
        assert_eq!(Signal::parse("sigint"), None);
        assert_eq!(Signal::parse("SIGNOPE"), None);
    }
}
