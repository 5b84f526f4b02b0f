// fleetcap's entry point: run the command, print its output, map errors to exit codes.
#include "fleetcap/cli/run.hpp"
#include "fleetcap/error.hpp"
#include "fleetcap/interrupt.hpp"
#include "fleetcap/model/model.hpp"
#include "fleetcap/secrets.hpp"
#include "fleetcap/source/source.hpp"
#include "fleetcap/text.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <mutex>
#include <new>
#include <streambuf>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

volatile std::sig_atomic_t g_signal = SIGINT;

const char* signal_message(int sig) {
  return sig == SIGTERM ? "fleetcap: terminated\n" : sig == SIGHUP ? "fleetcap: hangup\n" : "fleetcap: interrupted\n";
}

// Ends the run at once (exit 128 + the signal), unless code that must clean up first holds a
// DeferInterrupts (fleetcap/interrupt.hpp): then it sees interrupt_requested() and stops.
void on_interrupt(int sig) {
  g_signal = sig;
  fleetcap::request_interrupt();
  std::signal(sig, SIG_DFL); // a second Ctrl-C ends at once
  if (fleetcap::interrupts_deferred()) return;
  const char* text = signal_message(sig);
  [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, text, std::strlen(text));
  ::_exit(128 + sig);
}

// A streambuf with no buffer of its own: every character goes to xsputn, where the sinks below
// keep what they are given.
class UnbufferedSink : public std::streambuf {
protected:
  int_type overflow(int_type c) override {
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      const char ch = traits_type::to_char_type(c);
      xsputn(&ch, 1);
    }
    return traits_type::not_eof(c);
  }
};

// stdout for the command's output. What it is given goes out in pieces of about 1 MiB on a
// thread of its own, so a long output (maintenance plan --json: 18 MB at a million GPUs) is
// written to a file or pipe while the rest is still being rendered; nothing goes out before
// the first piece is full, a flush or finish(), and a run that fails before then prints
// nothing. A flush (--watch, after each frame) writes all it was given in one piece and waits
// until it is out. A closed pipe ends quietly (docs/cli.md).
class StdoutSink : public UnbufferedSink {
public:
  // Without finish() (an error, an interrupt), what is still queued is dropped.
  ~StdoutSink() override {
    discard_ = true;
    stop();
  }

  // Writes what is left and waits for it: 0, or the exit status of a write error (reported).
  int finish() {
    stop();
    if (error_ == 0) {
      std::string last = filter_.feed(pending_); // before finish(): the order matters
      last += filter_.finish();
      write_all(last);
    }
    pending_.clear();
    if (error_ == 0 || error_ == EPIPE) return 0;
    std::cerr << "fleetcap: error: cannot write output: " << std::strerror(error_) << '\n';
    return static_cast<int>(fleetcap::ExitCode::runtime);
  }

protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    // Room for a whole piece at once: a string grown from empty to 1 MiB copies itself at each
    // doubling. Written pieces come back as spares (drain), so their pages are not faulted in again.
    if (pending_.capacity() < kPiece) pending_.reserve(std::max(2 * kPiece, static_cast<std::size_t>(n)));
    pending_.append(s, static_cast<std::size_t>(n));
    if (pending_.size() >= kPiece) hand_over(false);
    return n;
  }
  // -1 after a write error (a closed pipe), so the stream's badbit ends a --watch.
  int sync() override {
    hand_over(true);
    return error_ == 0 ? 0 : -1;
  }

private:
  static constexpr std::size_t kPiece = std::size_t{1} << 20;
  static constexpr std::size_t kQueued = 4; // pieces waiting at most: memory stays small

  // `whole`: what was given so far is complete (a flush): the filter lets out what it held
  // back, and this waits until the writer has written it.
  void hand_over(bool whole) {
    std::unique_lock lock(mutex_);
    if (!writer_.joinable()) writer_ = std::thread([this] { drain(); });
    changed_.wait(lock, [this] { return queue_.size() < kQueued; });
    std::string piece = filter_.feed(std::move(pending_)); // redacted: no secret goes out (fleetcap/secrets.hpp)
    if (whole) piece += filter_.finish();
    queue_.push_back(std::move(piece));
    pending_ = std::string();
    if (!spares_.empty()) {
      pending_ = std::move(spares_.back());
      spares_.pop_back();
    }
    changed_.notify_all();
    if (whole) changed_.wait(lock, [this] { return queue_.empty(); });
  }

  void drain() {
    std::unique_lock lock(mutex_);
    for (;;) {
      changed_.wait(lock, [this] { return !queue_.empty() || done_; });
      if (queue_.empty()) return;
      std::string piece = std::move(queue_.front());
      lock.unlock();
      if (error_ == 0 && !discard_) write_all(piece);
      lock.lock();
      queue_.pop_front();
      if (spares_.size() < kQueued) { // its buffer is the next piece's
        piece.clear();
        spares_.push_back(std::move(piece));
      }
      changed_.notify_all();
    }
  }

  // Called by one thread at a time: the writer while it runs, then finish().
  void write_all(const std::string& text) {
    std::size_t done = 0;
    while (done < text.size() && error_ == 0) {
      const ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
      if (n < 0 && errno != EINTR) error_ = errno;
      if (n > 0) done += static_cast<std::size_t>(n);
    }
  }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
      changed_.notify_all();
    }
    if (writer_.joinable()) writer_.join();
  }

  std::string pending_;
  fleetcap::SecretFilter filter_;
  std::deque<std::string> queue_;
  std::vector<std::string> spares_; // written pieces' buffers, for the next pieces
  std::mutex mutex_;
  std::condition_variable changed_;
  std::thread writer_;
  bool done_ = false;
  std::atomic<bool> discard_{false};
  std::atomic<int> error_{0};
};

// stderr, line by line through redact(), then escape_control(): every message, warning and
// --verbose line, whatever it quotes, reaches the terminal as one line of text (messages are
// escaped when they are made, so a line break inside one is \x0a; this catches what else writes
// to std::cerr). Lines are written whole with one write(2), so lines from several threads never mix.
class StderrSink : public UnbufferedSink {
public:
protected:
  // A line goes out when it is whole, or when flushed: the progress line redraws itself with
  // "\r" and no newline (each piece is one whole message, so a secret is never cut in two).
  int sync() override {
    std::lock_guard lock(mutex_);
    if (!line_.empty()) write_line(safe(line_));
    line_.clear();
    return 0;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::lock_guard lock(mutex_);
    line_.append(s, static_cast<std::size_t>(n));
    for (std::size_t nl; (nl = line_.find('\n')) != std::string::npos;) {
      write_line(safe(std::string_view(line_).substr(0, nl)) + '\n');
      line_.erase(0, nl + 1);
    }
    return n;
  }

private:
  // The only terminal control fleetcap itself writes to stderr: the progress line's "go to the
  // line's start and clear it", at the start of a piece (cli/context.cpp).
  static constexpr std::string_view kClearLine = "\r\x1b[K";
  static std::string safe(std::string_view line) {
    std::string out;
    while (line.starts_with(kClearLine)) {
      out += kClearLine;
      line.remove_prefix(kClearLine.size());
    }
    return out + fleetcap::escape_control(fleetcap::redact(line));
  }
  static void write_line(const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }
  std::mutex mutex_;
  std::string line_;
};

} // namespace

int main(int argc, char** argv) {
  using fleetcap::ExitCode;
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  std::signal(SIGHUP, on_interrupt); // a closed terminal: snapshot save still removes its temporary folder
  fleetcap::keep_snapshots_until_exit();
  // Never destroyed: std::cerr may be flushed after main returns.
  std::cerr.rdbuf(new StderrSink);
  StdoutSink sink;
  try {
    int status = 0;
    try {
      std::ostream out(&sink);
      status = fleetcap::cli::run(argc, argv, out, std::cerr);
    } catch (...) {
      // A signal that came while threads were joined (fleetcap/interrupt.hpp) may have ended
      // a fetch or read with an error of its own: the interrupt is what happened.
      if (fleetcap::interrupt_requested()) throw fleetcap::InterruptedError();
      throw;
    }
    if (fleetcap::interrupt_requested()) throw fleetcap::InterruptedError();
    const int written = sink.finish();
    return written != 0 ? written : status;
  } catch (const fleetcap::InterruptedError&) {
    // The shell's convention: 128 + the signal (130 for Ctrl-C, 143 for SIGTERM).
    std::cerr << signal_message(g_signal);
    return 128 + static_cast<int>(g_signal);
  } catch (const fleetcap::Error& e) {
    std::cerr << fleetcap::error_lines(e);
    return static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    std::cerr << "fleetcap: error: out of memory\n";
    return static_cast<int>(ExitCode::runtime);
  } catch (const std::exception& e) {
    std::cerr << "fleetcap: error: internal error: " << e.what() << '\n';
    return static_cast<int>(ExitCode::runtime);
  }
}
