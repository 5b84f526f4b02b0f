// redact() and SecretFilter (fleetcap/secrets.hpp): every registered secret, in each form it is
// quoted in, is gone from what fleetcap writes, however a stream is cut into pieces.
#include "fleetcap/secrets.hpp"

#include <catch2/catch.hpp>

#include <random>
#include <string>

using namespace fleetcap;

TEST_CASE("redact removes every secret and its quoted forms, in linear time") {
  add_secret("s3cr3t/T0ken+\"x");
  add_secret("");
  CHECK(redact("a s3cr3t/T0ken+\"x b") == "a [REDACTED] b");
  CHECK(redact("url?t=s3cr3t%2FT0ken%2B%22x") == "url?t=[REDACTED]");
  CHECK(redact(R"({"v":"s3cr3t/T0ken+\"x"})") == R"({"v":"[REDACTED]"})");
  CHECK(redact("s3cr3t/T0ken+\"xs3cr3t/T0ken+\"x") == "[REDACTED][REDACTED]");
  CHECK(redact("nothing here") == "nothing here");
  // A million secrets in 30 MB: replacing in place would be quadratic.
  std::string big;
  for (int i = 0; i < 1000000; ++i) big += "s3cr3t/T0ken+\"x, ";
  const std::string out = redact(big);
  CHECK(out.size() == 1000000 * std::string("[REDACTED], ").size());
  CHECK(out.find("T0ken") == std::string::npos);
}

TEST_CASE("a SecretFilter catches a secret split across pieces, wherever the cuts fall") {
  add_secret("ABCDEFGH-secret-0123");
  std::string text;
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    text += std::string(rng() % 40, 'x');
    text += (i % 3 == 0) ? "ABCDEFGH-secret-0123" : (i % 3 == 1) ? "ABCDEFGH-secret-012" : "ABCDEFGH-s";
  }
  const std::string want = redact(text);
  CHECK(want.find("ABCDEFGH-secret-0123") == std::string::npos);
  for (std::size_t step : {1u, 2u, 7u, 19u, 20u, 21u, 4096u, 1u << 20}) {
    INFO("step " << step);
    SecretFilter f;
    std::string got;
    for (std::size_t pos = 0; pos < text.size(); pos += step) got += f.feed(std::string_view(text).substr(pos, step));
    got += f.finish();
    CHECK(got == want);
    // Pieces given to keep (stdout's, moved rather than copied when there is nothing to redact).
    SecretFilter moved;
    got.clear();
    for (std::size_t pos = 0; pos < text.size(); pos += step) got += moved.feed(text.substr(pos, step));
    got += moved.finish();
    CHECK(got == want);
  }
}
