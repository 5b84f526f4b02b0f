// The floor for bench/run: a bare simdjson On Demand pass over the same bytes fleetcap reads.
// It reads each <resource>.json of a snapshot directory into a padded buffer and visits every
// item and every field once, taking strings as views and numbers as integers, with no model,
// no validation and no output beyond one checksum line. Built with fleetcap's own flags
// (target fleetcap_bench_floor, -DFLEETCAP_BUILD_BENCH=ON) so the comparison is fair.
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace od = simdjson::ondemand;

namespace {

std::uint64_t visit(od::value v);

std::uint64_t visit_object(od::object o) {
  std::uint64_t sum = 0;
  for (auto field : o) {
    std::string_view key = field.unescaped_key();
    sum += key.size() + visit(field.value());
  }
  return sum;
}

std::uint64_t visit(od::value v) {
  switch (v.type()) {
  case od::json_type::object: return visit_object(v.get_object());
  case od::json_type::array: {
    std::uint64_t sum = 0;
    for (auto element : v.get_array()) sum += visit(element.value());
    return sum;
  }
  case od::json_type::string: return std::string_view(v.get_string()).size();
  case od::json_type::number: return static_cast<std::uint64_t>(std::int64_t(v.get_int64()));
  case od::json_type::boolean: return bool(v.get_bool()) ? 1 : 0;
  case od::json_type::null: return 0;
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s SNAPSHOT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  od::parser parser;
  std::uint64_t sum = 0, bytes = 0;
  for (const char* resource : {"clusters", "nodes", "quotas", "jobs", "maintenance", "health_history"}) {
    simdjson::padded_string json;
    if (simdjson::padded_string::load(dir + "/" + resource + ".json").get(json)) {
      std::fprintf(stderr, "cannot read %s/%s.json\n", dir.c_str(), resource);
      return 1;
    }
    bytes += json.size();
    try {
      od::document doc = parser.iterate(json);
      sum += visit_object(doc.get_object());
    } catch (const simdjson::simdjson_error& e) {
      std::fprintf(stderr, "%s.json: %s\n", resource, e.what());
      return 1;
    }
  }
  std::printf("%llu bytes, checksum %llu\n", static_cast<unsigned long long>(bytes),
              static_cast<unsigned long long>(sum));
  return 0;
}
