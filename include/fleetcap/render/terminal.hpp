// How output may look: colour and width, decided once by the caller and passed in.
#pragma once

#include <string_view>

namespace fleetcap {

enum class ColorMode { automatic, always, never };

struct Style {
  bool color = false;
  int width = 0;       // 0 = unlimited (not a terminal)
  int height = 0;      // rows; 0 when not a terminal
  bool redraw = false; // a terminal that moves its cursor (not TERM=dumb): --watch redraws in place
};

// The one place that asks the terminal: isatty, NO_COLOR, CLICOLOR_FORCE, TERM=dumb, the
// window size (ioctl, then $COLUMNS and $LINES).
Style detect_style(ColorMode mode, int fd);

// Semantic colours; every field is empty when colour is off.
struct Palette {
  std::string_view header, bad, warn, good, dim, reset;
  static const Palette& of(const Style& style);
};

} // namespace fleetcap
