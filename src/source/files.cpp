#include "fleetcap/source/files.hpp"

#include "fleetcap/error.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fleetcap {
namespace {

[[noreturn]] void fail(std::string_view what, int error) {
  throw RuntimeError(fmt::format("cannot write {}: {}", what, std::strerror(error)));
}

// Every byte of `pieces` to `fd`, through short writes and EINTR; the errno of a failure, else 0.
int write_all(int fd, const std::vector<std::string_view>& pieces) {
  for (const std::string_view text : pieces) {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno;
      done += static_cast<std::size_t>(n);
    }
  }
  return 0;
}

bool special_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
}

} // namespace

void write_file(const std::string& path, const std::vector<std::string_view>& pieces, std::string_view what,
                bool replace) {
  const bool special = replace && special_file(path);
  const bool renamed = replace && !special;
  const std::string target = renamed ? path + ".tmp" : path;
  const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(what, errno);
  int error = write_all(fd, pieces);
  if (error == 0 && !special && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && renamed && std::rename(target.c_str(), path.c_str()) != 0) error = errno;
  if (error == 0) return;
  if (renamed) std::remove(target.c_str());
  fail(what, error);
}

} // namespace fleetcap
