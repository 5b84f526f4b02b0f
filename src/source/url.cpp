#include "url.hpp"

#include "fleetcap/error.hpp"
#include "fleetcap/source/source.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace fleetcap::url {
namespace {

bool host_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Four decimal parts 0-255, no leading zeros beyond "0": what inet_pton(AF_INET) accepts.
bool ipv4_literal(std::string_view host, unsigned char out[4]) {
  const std::string text(host);
  in_addr a{};
  if (::inet_pton(AF_INET, text.c_str(), &a) != 1) return false;
  std::memcpy(out, &a, 4);
  return true;
}

bool ipv6_literal(std::string_view host, in6_addr& a) {
  const std::string text(host);
  return ::inet_pton(AF_INET6, text.c_str(), &a) == 1;
}

bool ipv6_loopback(const in6_addr& a) {
  static const unsigned char kOne[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  if (std::memcmp(a.s6_addr, kOne, 16) == 0) return true;
  // ::ffff:127.x.y.z, an IPv4-mapped loopback address
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a.s6_addr, kMapped, 12) == 0 && a.s6_addr[12] == 127;
}

// The part after ':' in an authority, which must not be empty: why not, or "".
std::string port_after(std::string_view colon_on, std::string_view& port) {
  port = colon_on.substr(1);
  return port.empty() ? "the port after ':' is empty" : "";
}

// "[IPv6]" and its port text: why not, or "".
std::string ipv6_host(std::string_view authority, Url& u, std::string_view& port) {
  const auto close = authority.find(']');
  if (close == std::string_view::npos) return "its IPv6 address has no closing ]";
  in6_addr a{};
  if (!ipv6_literal(authority.substr(1, close - 1), a))
    return fmt::format("{} is not an IPv6 address", authority.substr(0, close + 1));
  u.host = std::string(authority.substr(0, close + 1));
  const std::string_view after = authority.substr(close + 1);
  if (after.empty()) return "";
  if (after[0] != ':') return "unexpected text after the IPv6 address";
  return port_after(after, port);
}

// A host name or IPv4 address and its port text: why not, or "".
std::string named_host(std::string_view authority, Url& u, std::string_view& port) {
  const auto colon = authority.find(':');
  u.host = std::string(authority.substr(0, colon));
  if (colon != std::string_view::npos)
    if (auto why = port_after(authority.substr(colon), port); !why.empty()) return why;
  if (u.host.empty()) return "it has no host";
  if (!std::all_of(u.host.begin(), u.host.end(), host_char) || u.host.starts_with('.') ||
      u.host.find("..") != std::string::npos)
    return fmt::format("host \"{}\" is not a host name or address", u.host);
  return "";
}

// The port text as u.port, 1 to 65535: why not, or "".
std::string read_port(std::string_view port, Url& u) {
  if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return fmt::format("port \"{}\" is not a number between 1 and 65535", port.substr(0, 20));
  int n = 0;
  for (char c : port) n = n * 10 + (c - '0');
  if (n < 1 || n > 65535) return fmt::format("port {} is not between 1 and 65535", port);
  u.port = n;
  return "";
}

// USER@HOST:PORT (the part between :// and the path) into u: why not, or "".
std::string read_authority(std::string_view authority, Url& u) {
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    u.userinfo = std::string(authority.substr(0, at));
    authority = authority.substr(at + 1);
  }
  std::string_view port;
  std::string why = authority.starts_with('[') ? ipv6_host(authority, u, port) : named_host(authority, u, port);
  if (why.empty() && !port.empty()) why = read_port(port, u);
  return why;
}

} // namespace

Parsed parse(std::string_view text, std::string_view only) {
  Parsed p;
  const std::string expected = only.empty() ? std::string("http:// or https://") : fmt::format("{}://", only);
  for (unsigned char c : text)
    if (c <= 0x20 || c == 0x7f) {
      p.why = c == ' ' ? "it contains a space" : "it contains a control character";
      return p;
    }
  Url u;
  const auto sep = text.find("://");
  if (sep != std::string_view::npos) u.scheme = lower(text.substr(0, sep));
  if (sep == std::string_view::npos || (only.empty() ? u.scheme != "http" && u.scheme != "https" : u.scheme != only)) {
    p.why = "it does not start with " + expected;
    return p;
  }
  const std::string_view rest = text.substr(sep + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    p.why = "a base URL takes no query (?) or fragment (#): fleetcap appends /v1/RESOURCE to it";
    return p;
  }
  const auto slash = rest.find('/');
  if (slash != std::string_view::npos) u.path = std::string(rest.substr(slash));
  p.why = read_authority(rest.substr(0, slash), u);
  if (p.why.empty()) p.url = std::move(u);
  return p;
}

bool loopback_host(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    in6_addr a{};
    return ipv6_literal(host.substr(1, host.size() - 2), a) && ipv6_loopback(a);
  }
  if (lower(host) == "localhost") return true;
  unsigned char v4[4];
  return ipv4_literal(host, v4) && v4[0] == 127;
}

bool loopback_address(std::string_view address) {
  unsigned char v4[4];
  if (ipv4_literal(address, v4)) return v4[0] == 127;
  in6_addr a{};
  return ipv6_literal(address, a) && ipv6_loopback(a);
}

} // namespace fleetcap::url

namespace fleetcap {

// The source URL's rules shown to the rest of fleetcap (fleetcap/source/source.hpp), from the
// strict parse above.
bool is_url(std::string_view s) { return s.starts_with("http://") || s.starts_with("https://"); }

std::string display_source(std::string_view s) {
  // Any URL: the fleet API's, and an adapter's (slurm+https://user:pw@head:6820).
  const auto scheme = s.find("://");
  if (scheme == std::string_view::npos || scheme == 0 || s.substr(0, scheme).find('/') != std::string_view::npos)
    return std::string(s);
  const auto scheme_end = scheme + 3;
  const auto host_end = s.find_first_of("/?#", scheme_end);
  const auto at = s.rfind('@', host_end == std::string_view::npos ? s.size() : host_end);
  if (at == std::string_view::npos || at < scheme_end) return std::string(s);
  // ssh's USER@ names whom to log in as, and is no secret (a password is never in it).
  if (s.starts_with("slurm+ssh://") && s.substr(scheme_end, at - scheme_end).find(':') == std::string_view::npos)
    return std::string(s);
  return std::string(s.substr(0, scheme_end)) + std::string(s.substr(at + 1));
}

// From the strict parse (url.hpp): a literal loopback address or `localhost`, never a prefix.
bool token_in_clear(std::string_view source) {
  if (source.starts_with("slurm+")) source.remove_prefix(6);
  const url::Parsed p = url::parse(source);
  if (!p.url) return source.starts_with("http://");
  return p.url->scheme == "http" && !url::loopback_host(p.url->host);
}

void check_source_url(std::string_view source) {
  if (source.starts_with("slurm+")) source.remove_prefix(6);
  const url::Parsed p = url::parse(source);
  if (!p.url) throw UsageError(fmt::format("--source \"{}\" is not a usable URL: {}", display_source(source), p.why));
}

} // namespace fleetcap
