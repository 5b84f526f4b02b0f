// Text that came from outside (a server, a file) on its way to a terminal, a CSV file or a
// message: one escaping for every line fleetcap writes, and one way to quote what a server sent.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace fleetcap {

// True when `text` holds a byte a terminal acts on: C0 controls (ESC, BEL, CR, LF, ...), DEL,
// or a C1 control encoded as UTF-8 (U+0080 to U+009F: U+009B is a one-character CSI).
bool has_control(std::string_view text);

// `text` with each such byte shown as \xNN (ESC as \x1b, a line break as \x0a), so it reaches a
// terminal as text: tables, CSV, names, warnings and errors all use this.
std::string escape_control(std::string_view text);

// What a server sent (an error body, a Status message, slurmrestd's errors[], a field value),
// made fit to quote in one line of a message: secrets redacted first (fleetcap/secrets.hpp),
// then blank runs (spaces, tabs, line breaks) turned into one space and other control characters
// escaped, then cut to at most `max_bytes` (on a UTF-8 boundary, "..." added when cut). In
// this order, a secret that straddles the cut is still redacted whole.
std::string quote_from_server(std::string_view text, std::size_t max_bytes = 200);

// A word as a POSIX shell reads it back: itself when it holds only letters, digits and
// -_./=:,+@%, else in single quotes (a ' as '\''). For the command lines fleetcap sends over
// ssh and prints for a user to run (sbatch, sacctmgr).
std::string shell_quote(std::string_view word);

} // namespace fleetcap
