#include "cli/prompt.h"

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <iterator>

namespace missive::cli {

Result<std::string> read_password(std::string_view prompt) {
  std::string line;
  if (::isatty(STDIN_FILENO) != 0) {
    fmt::print(stderr, "{}", prompt);
    std::fflush(stderr);
    termios saved{};
    const bool have_terminal = ::tcgetattr(STDIN_FILENO, &saved) == 0;
    if (have_terminal) {
      termios silent = saved;
      silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent);
    }
    std::getline(std::cin, line);
    if (have_terminal) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    fmt::print(stderr, "\n");
  } else {
    std::getline(std::cin, line);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return fail(ErrorCode::invalid, "no password given");
  return line;
}

std::string read_stdin(std::string_view what) {
  if (::isatty(STDIN_FILENO) != 0) {
    fmt::print(stderr, "Type the {}; end with Ctrl-D:\n", what);
  }
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

}  // namespace missive::cli
