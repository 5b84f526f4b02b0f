// Golden text under tests/data/golden/, checked by hand against the SPEC once.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace fleetcap::test {

inline std::string golden(const std::string& name) {
  std::ifstream in(std::string(FLEETCAP_SOURCE_DIR) + "/tests/data/golden/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace fleetcap::test
