// The strict --source URL parser (src/source/url.hpp): one place decides what a URL is and
// whether its host is loopback, never by a prefix.
#include "source/url.hpp"

#include <catch2/catch.hpp>

using namespace fleetcap;

TEST_CASE("good base URLs parse into their parts") {
  auto p = url::parse("https://user:pw@fleet.example:8443/api/");
  REQUIRE(p.url);
  CHECK(p.url->scheme == "https");
  CHECK(p.url->userinfo == "user:pw");
  CHECK(p.url->host == "fleet.example");
  CHECK(p.url->port == 8443);
  CHECK(p.url->path == "/api/");
  p = url::parse("http://[::1]:80");
  REQUIRE(p.url);
  CHECK(p.url->host == "[::1]");
  CHECK(p.url->port == 80);
  CHECK(url::parse("http://127.0.0.1").url);
  CHECK(url::parse("HTTP://Fleet.Example/").url);
}

TEST_CASE("bad base URLs are refused with the reason") {
  const std::pair<const char*, const char*> cases[] = {
      {"http://h:99999/", "port 99999 is not between 1 and 65535"},
      {"http://h:0/", "port 0 is not between 1 and 65535"},
      {"http://h:abc/", "port \"abc\" is not a number between 1 and 65535"},
      {"http://h:/", "the port after ':' is empty"},
      {"http://h:-1/", "is not a number"},
      {"http://fleet example/", "it contains a space"},
      {"http://h/a\tb", "it contains a control character"},
      {"http://h/api?x=1", "no query"},
      {"http://h/api#f", "no query"},
      {"http:///api", "it has no host"},
      {"http://user@/api", "it has no host"},
      {"http://[::1/", "no closing ]"},
      {"http://[nope]/", "is not an IPv6 address"},
      {"http://h%2e/", "is not a host name or address"},
      {"ftp://h/", "http:// or https://"},
      {"h:80", "http:// or https://"},
  };
  for (const auto& [text, why] : cases) {
    INFO(text);
    const auto p = url::parse(text);
    CHECK_FALSE(p.url);
    CHECK_THAT(p.why, Catch::Contains(why));
  }
}

TEST_CASE("loopback is a literal address or localhost, never a prefix") {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "127.255.255.255", "[::1]", "[0:0:0:0:0:0:0:1]",
                           "[::ffff:127.0.0.1]", "localhost", "LocalHost"})
    CHECK(url::loopback_host(host));
  for (const char* host : {"127.0.0.1.localhost", "127.0.0.1.evil.invalid", "127.0.0.1x", "127.1", "0177.0.0.1",
                           "localhost.evil.invalid", "localhost.", "[::2]", "[::1", "128.0.0.1", "10.0.0.1", ""})
    CHECK_FALSE(url::loopback_host(host));
  CHECK(url::loopback_address("127.0.0.1"));
  CHECK(url::loopback_address("::1"));
  CHECK_FALSE(url::loopback_address("10.1.2.3"));
  CHECK_FALSE(url::loopback_address("2001:db8::1"));
}
