// Ctrl-C, SIGTERM and SIGHUP end fleetcap at once (main's handler writes "fleetcap:
// interrupted" and exits 128 + the signal), whatever it is doing: computing figures or writing
// them. Only code that must clean up first holds a DeferInterrupts while it runs; the signal
// then sets interrupt_requested() and that code stops at its next check: snapshot save removes
// its temporary folder, and a source's worker threads (source::Workers) stop their fetches and
// reads and are joined, so no thread is left behind. A second signal still ends the process.
#pragma once

namespace fleetcap {

class DeferInterrupts {
public:
  DeferInterrupts() noexcept;
  ~DeferInterrupts();
  DeferInterrupts(const DeferInterrupts&) = delete;
  DeferInterrupts& operator=(const DeferInterrupts&) = delete;
};

// Async-signal-safe: whether a DeferInterrupts is alive on any thread.
bool interrupts_deferred() noexcept;

} // namespace fleetcap
