#include "fleetcap/source/local_file.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/model/parse.hpp"
#include "fleetcap/secrets.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fleetcap {

std::string file_kind(unsigned mode) {
  switch (mode & S_IFMT) {
  case S_IFREG: return "a regular file";
  case S_IFDIR: return "a directory";
  case S_IFIFO: return "a FIFO";
  case S_IFCHR: return "a character device";
  case S_IFBLK: return "a block device";
  case S_IFSOCK: return "a socket";
  default: return "not a regular file";
  }
}

int open_local_file(const std::string& path, std::uint64_t limit, const std::string& limit_name, std::string& error,
                    bool* missing) {
  // O_NONBLOCK: opening a FIFO with no writer would wait for one; it is refused below anyway.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    const int e = errno;
    if (missing) *missing = e == ENOENT;
    error =
        e == ENOENT ? fmt::format("{}: no such file", path) : fmt::format("cannot read {}: {}", path, std::strerror(e));
    return -1;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    error = fmt::format("cannot read {}: {}", path, std::strerror(errno));
    ::close(fd);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    error = fmt::format("{} is {}, not a regular file", path, file_kind(st.st_mode));
    ::close(fd);
    return -1;
  }
  if (static_cast<std::uint64_t>(st.st_size) > limit) {
    error = fmt::format("{} is larger than {} ({} bytes)", path, limit_name, st.st_size);
    ::close(fd);
    return -1;
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return fd;
}

namespace {
// All of `text` to `fd`; false (errno set) on a write error.
bool write_all(int fd, std::string_view text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}
} // namespace

namespace {
bool special_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
}

// `pieces` through the SecretFilter to `fd`, a piece of at most 1 MiB at a time (the filter's
// memory stays this small), then fsynced when `fd` is a regular file: the errno of a failure, else 0.
int write_redacted(int fd, const std::vector<std::string_view>& pieces) {
  constexpr std::size_t kPiece = std::size_t{1} << 20;
  SecretFilter filter;
  for (const std::string_view text : pieces)
    for (std::size_t at = 0; at < text.size(); at += kPiece)
      if (!write_all(fd, filter.feed(text.substr(at, kPiece)))) return errno;
  if (!write_all(fd, filter.finish())) return errno;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ::fsync(fd) != 0) return errno;
  return 0;
}
} // namespace

void write_local_file(const std::string& path, const std::vector<std::string_view>& pieces, const std::string& what,
                      bool replace) {
  const bool renamed = replace && !special_file(path);
  const std::string target = renamed ? path + ".tmp" : path;
  const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw RuntimeError(fmt::format("cannot write {}: {}", what, std::strerror(errno)));
  int error = write_redacted(fd, pieces);
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error == 0 && renamed && std::rename(target.c_str(), path.c_str()) != 0) error = errno;
  if (error == 0) return;
  if (renamed) std::remove(target.c_str());
  throw RuntimeError(fmt::format("cannot write {}: {}", what, std::strerror(error)));
}

LocalRead read_local_file(const std::string& path, std::uint64_t limit, const std::string& limit_name) {
  LocalRead r;
  const int fd = open_local_file(path, limit, limit_name, r.error, &r.missing);
  if (fd < 0) return r;
  struct stat st {};
  const std::size_t size = ::fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<std::size_t>(st.st_size) : 0;
  std::string bytes;
  reserve_page(bytes, size);
  bytes.resize(size);
  std::size_t done = 0;
  for (;;) {
    if (done == bytes.size()) { // the file grew, or its size was unknown (/proc): grow, up to the limit + 1
      if (done > limit) {
        ::close(fd);
        r.error = fmt::format("{} is larger than {}", path, limit_name);
        return r;
      }
      const std::size_t want = std::min<std::uint64_t>(limit + 1, bytes.size() * 2 + 65536);
      bytes.reserve(want + kParsePadding);
      bytes.resize(want);
    }
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      r.error = fmt::format("cannot read {}: {}", path, std::strerror(e));
      return r;
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (done > limit) {
    r.error = fmt::format("{} is larger than {}", path, limit_name);
    return r;
  }
  bytes.resize(done);
  r.bytes = std::move(bytes);
  return r;
}

} // namespace fleetcap
