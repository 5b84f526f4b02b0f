// One error family for fleetcap; main maps each to its exit status (docs/cli.md).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace fleetcap {

enum class ExitCode : int {
  ok = 0,
  runtime = 1,      // network, HTTP, I/O
  usage = 2,        // bad command line
  invalid_data = 3, // the snapshot breaks docs/fleet-api.md
  partial = 4,      // --partial: answered without a source that failed (docs/sources.md)
  interrupted = 130,
};

class Error : public std::runtime_error {
public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const noexcept { return code_; }

private:
  ExitCode code_;
};

class RuntimeError : public Error {
public:
  explicit RuntimeError(const std::string& message) : Error(ExitCode::runtime, message) {}
};

class UsageError : public Error {
public:
  explicit UsageError(const std::string& message) : Error(ExitCode::usage, message) {}
};

class InterruptedError : public Error {
public:
  InterruptedError() : Error(ExitCode::interrupted, "interrupted") {}
};

// Every violation found in a snapshot, in resource order; main prints the first 20.
class DataError : public Error {
public:
  explicit DataError(std::vector<std::string> messages);
  const std::vector<std::string>& messages() const noexcept { return messages_; }

private:
  std::vector<std::string> messages_;
};

// The lines that report `e`: "fleetcap: error: ..." each, and for a DataError its first 20
// messages and how many more there are. Used by main, and by --watch on its frame.
std::string error_lines(const Error& e);

} // namespace fleetcap
