#include "fleetcap/render/terminal.hpp"

#include <cstdlib>
#include <cstring>
#include <sys/ioctl.h>
#include <unistd.h>

namespace fleetcap {

Style detect_style(ColorMode mode, int fd) {
  Style s;
  const bool tty = ::isatty(fd) == 1;
  const char* term = std::getenv("TERM");
  const bool dumb = term && std::strcmp(term, "dumb") == 0;
  const char* no_color = std::getenv("NO_COLOR");
  const char* force = std::getenv("CLICOLOR_FORCE");
  switch (mode) {
  case ColorMode::always: s.color = true; break;
  case ColorMode::never: s.color = false; break;
  case ColorMode::automatic:
    if (no_color && *no_color)
      s.color = false;
    else if (force && *force && std::strcmp(force, "0") != 0)
      s.color = true;
    else
      s.color = tty && !dumb;
    break;
  }
  if (tty) {
    winsize ws{};
    const bool sized = ::ioctl(fd, TIOCGWINSZ, &ws) == 0;
    auto from_env = [](const char* name, int fallback) {
      const char* v = std::getenv(name);
      const int n = v ? std::atoi(v) : 0;
      return n > 0 ? n : fallback;
    };
    s.width = sized && ws.ws_col > 0 ? ws.ws_col : from_env("COLUMNS", 80);
    s.height = sized && ws.ws_row > 0 ? ws.ws_row : from_env("LINES", 24);
    s.redraw = !dumb;
  }
  return s;
}

const Palette& Palette::of(const Style& style) {
  static const Palette plain{"", "", "", "", "", ""};
  static const Palette ansi{"\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[32m", "\x1b[2m", "\x1b[0m"};
  return style.color ? ansi : plain;
}

} // namespace fleetcap
