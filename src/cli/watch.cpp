// --watch DURATION (issue 13, docs/output.md): the command again and again, like watch(1) or
// sinfo -i. Each round loads the source again, computes and renders to a buffer; on a terminal
// the frame replaces the last one in one write, fitted to the window as it is now; to a file
// or pipe the outputs follow one another. Ctrl-C ends it with exit 0.
#include "context.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/render/table.hpp"
#include "fleetcap/source/source.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace fleetcap::cli {

namespace {

constexpr Duration kLongestWatch = 86400;

std::atomic<bool> g_stop{false};
std::atomic<bool> g_resized{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

// Ctrl-C: end the watch, and the fetch under way (request_interrupt is async-signal-safe).
// SA_RESETHAND: a second Ctrl-C ends the process at once.
void on_sigint(int) {
  g_stop.store(true);
  request_interrupt();
}
void on_sigwinch(int) { g_resized.store(true); }

// The watch's own SIGINT and SIGWINCH handlers while it runs; the ones before come back after.
class WatchSignals {
public:
  WatchSignals() {
    g_stop.store(false);
    g_resized.store(false);
    install(SIGINT, on_sigint, SA_RESETHAND, old_int_);
    install(SIGWINCH, on_sigwinch, 0, old_winch_);
  }
  ~WatchSignals() {
    ::sigaction(SIGWINCH, &old_winch_, nullptr);
    ::sigaction(SIGINT, &old_int_, nullptr);
  }
  WatchSignals(const WatchSignals&) = delete;
  WatchSignals& operator=(const WatchSignals&) = delete;

private:
  static void install(int sig, void (*handler)(int), int flags, struct sigaction& old) {
    struct sigaction sa {};
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART | flags;
    ::sigaction(sig, &sa, &old);
  }
  struct sigaction old_int_ {};
  struct sigaction old_winch_ {};
};

// A duration from 1s to a day; a bare number is a usage error that suggests seconds. Every
// refusal names the range --watch takes (not the 100 years other durations may reach).
Duration watch_interval(const std::string& text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }))
    throw UsageError(fmt::format("--watch \"{}\" needs a unit: {}s? {}m?", text, text, text));
  const auto d = parse_duration(text);
  if (!d)
    throw UsageError(fmt::format("--watch \"{}\" is not a duration such as 5s or 1m; give 1s to 24h",
                                 escape_control(text.substr(0, 80))));
  if (*d < 1) throw UsageError(fmt::format("--watch \"{}\" is no time at all; give 1s to 24h", escape_control(text)));
  if (*d > kLongestWatch)
    throw UsageError(fmt::format("--watch \"{}\" is longer than a day; give 1s to 24h", escape_control(text)));
  return *d;
}

// Sleeps `every`: false when Ctrl-C ends the watch. A resize ends the wait early, once the
// window has been still for 200 ms, so that the next frame fits it.
bool wait_for(Duration every) {
  using namespace std::chrono;
  const auto end = steady_clock::now() + seconds(every);
  std::optional<steady_clock::time_point> resized;
  while (!g_stop.load()) {
    const auto now = steady_clock::now();
    if (g_resized.exchange(false)) resized = now;
    if (now >= end || (resized && now - *resized >= milliseconds(200))) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

// The first line, as watch(1) has it: the interval and command on the left, when the data
// was fetched (and the snapshot's own time, when it says one) on the right.
std::string header_line(const Context& ctx, bool ok, int width) {
  const Context::Loaded& l = ctx.loaded;
  const std::string left = fmt::format("Every {}: fleetcap {} on {}", escape_control(ctx.global.watch), ctx.command,
                                       escape_control(l.source));
  const std::string when = ok ? fmt::format("fetched {}", format_rfc3339(l.fetched_at))
                              : fmt::format("failed {}", format_rfc3339(wall_clock_now()));
  std::string right = ok && l.taken_at ? fmt::format("snapshot {}, {}", format_rfc3339(*l.taken_at), when) : when;
  if (width <= 0) return left + "  " + right;
  const std::size_t w = static_cast<std::size_t>(width);
  if (right.size() + 2 + 16 > w) right = when; // narrow: the interval first, then when it was fetched
  if (right.size() + 2 >= w) return right.substr(0, w);
  const std::size_t room = w - right.size() - 2;
  std::string shown = left.size() <= room ? left : left.substr(0, room >= 3 ? room - 3 : 0) + "...";
  return shown + std::string(w - shown.size() - right.size(), ' ') + right;
}

// How many rows of a `width`-column terminal a line takes (escape sequences take none).
std::size_t rows_of(std::string_view line, int width) {
  std::string visible;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\x1b' && i + 1 < line.size() && line[i + 1] == '[') {
      i += 2;
      while (i < line.size() && !(line[i] >= 0x40 && line[i] <= 0x7e)) ++i;
      continue;
    }
    visible += line[i];
  }
  const std::size_t w = display_width(visible);
  return width > 0 && w > 0 ? (w + static_cast<std::size_t>(width) - 1) / static_cast<std::size_t>(width) : 1;
}

// One screen: cursor home, each line cleared to its end, the rest of the screen cleared, so
// the last frame is replaced without a blank moment and nothing scrolls. Lines that do not fit
// the window are cut, with a last line that says so; the bottom row stays free for the cursor.
std::string screen(const std::string& head, std::string_view body, const Style& style) {
  std::vector<std::string_view> lines;
  for (std::size_t at = 0; at < body.size();) {
    const std::size_t nl = std::min(body.find('\n', at), body.size());
    lines.push_back(body.substr(at, nl - at));
    at = nl + 1;
  }
  const std::size_t room = static_cast<std::size_t>(std::max(1, style.height - 3)); // head, blank, cursor
  std::size_t used = 0, shown = 0;
  for (; shown < lines.size(); ++shown) {
    const std::size_t rows = rows_of(lines[shown], style.width);
    if (used + rows > room) break;
    used += rows;
  }
  if (shown < lines.size()) // make room for the note
    while (shown > 0 && used + 1 > room) used -= rows_of(lines[--shown], style.width);
  std::string out = "\x1b[H" + head + "\x1b[K\n\x1b[K\n";
  for (std::size_t i = 0; i < shown; ++i) {
    out += lines[i];
    out += "\x1b[K\n";
  }
  if (shown < lines.size())
    out += fmt::format("... {} more lines: a taller window shows them\x1b[K\n", lines.size() - shown);
  return out + "\x1b[J";
}

} // namespace

void watch(Context& ctx, std::ostream& out) {
  const Duration every = watch_interval(ctx.global.watch);
  const bool redraw = detect_style(ColorMode::never, STDOUT_FILENO).redraw;
  const bool table = ctx.table_output();
  WatchSignals signals;
  ctx.watching = true;
  for (int round = 1;; ++round) {
    std::ostringstream frame; // maintenance plan writes to ctx.out itself
    std::string warnings;
    std::string body;
    bool ok = true;
    ctx.out = &frame;
    ctx.warnings = redraw ? &warnings : nullptr;
    try {
      std::string text = ctx.action(ctx);
      body = frame.str() + text;
    } catch (const InterruptedError&) {
      break;
    } catch (const Error& e) {
      // The first round fails as a run without --watch does; later ones show the error and
      // try again next round, as watch(1) does (a file half-written, the API restarting).
      if (round == 1 || g_stop.load()) throw;
      ok = false;
      body = error_lines(e);
    }
    ctx.out = &out;
    ctx.warnings = nullptr;
    if (g_stop.load()) break;
    g_resized.store(false); // the size is asked now
    const Style style = detect_style(ColorMode::never, STDOUT_FILENO);
    if (redraw) {
      out << screen(header_line(ctx, ok, style.width), body + warnings, style);
    } else if (!ok) {
      *ctx.err << body;
    } else if (table) {
      out << (round > 1 ? "\n" : "") << header_line(ctx, ok, 0) << "\n\n" << body;
    } else {
      out << body; // JSON, CSV, names, Prometheus: one output after another, nothing between
    }
    out.flush();
    if (!out || !wait_for(every)) break; // a closed pipe, or Ctrl-C
  }
  ctx.out = &out;
  ctx.warnings = nullptr;
  if (redraw && g_stop.load()) {
    out << '\n'; // after the "^C" the terminal echoed: the prompt starts a fresh line
    out.flush();
  }
  if (g_stop.load()) clear_interrupt();
}

} // namespace fleetcap::cli
