#pragma once
// Reading secrets and text from the terminal.

#include <string>
#include <string_view>

#include "core/error.h"

namespace missive::cli {

// Asks on the terminal without echo. When stdin is not a terminal, reads one line from it.
// invalid when nothing could be read.
Result<std::string> read_password(std::string_view prompt);

// Everything on stdin (a message body). Prints a hint on stderr when stdin is a terminal.
std::string read_stdin(std::string_view what);

}  // namespace missive::cli
