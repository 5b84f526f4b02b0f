// The Slurm adapter's streaming reader (slurm::Stream, src/source/slurm_translate.cpp): the nodes
// and jobs answers read while they arrive, in pieces cut anywhere, must translate exactly as the
// whole bodies do, and anything it cannot read must send the caller back to the whole body
// (docs/slurm.md, "Streaming").
#include "fleetcap/error.hpp"
#include "source/slurm.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace fleetcap;
using namespace fleetcap::source::slurm;
namespace fs = std::filesystem;

namespace {
const std::string kData = FLEETCAP_SOURCE_DIR "/tests/data/slurm/";

std::optional<std::string> read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Responses responses(const std::string& dir, const std::string& version) {
  Responses in;
  in.version = version;
  const fs::path d = kData + dir;
  in.nodes = read(d / "nodes.json").value();
  in.jobs = read(d / "jobs.json").value();
  in.reservations = read(d / "reservations.json").value_or(R"({"reservations": []})");
  in.associations = read(d / "associations.json");
  in.nodes_label = "GET /slurm/" + version + "/nodes";
  in.jobs_label = "GET /slurm/" + version + "/jobs";
  in.reservations_label = "GET /slurm/" + version + "/reservations";
  in.associations_label = "GET /slurmdb/" + version + "/associations";
  return in;
}

// What a translation gives, or the errors it throws, as one text to compare.
std::string outcome(Responses in) {
  try {
    Translation t = translate(in, SlurmOptions{}, 1763400000);
    std::string out = t.cluster + "\n";
    for (const auto& p : t.pages) out += p + "\n";
    for (const auto& w : t.warnings) out += "warning: " + w + "\n";
    return out;
  } catch (const DataError& e) {
    std::string out = "DataError\n";
    for (const auto& l : e.messages()) out += l + "\n";
    return out;
  }
}

// Feeds `body` to `s` as http.cpp does: the pieces of `cuts` (offsets where a piece ends; the
// rest is the last piece), each appended to a buffer that lets go of what the stream no longer
// needs.
void feed(Stream& s, std::string_view body, const std::vector<std::size_t>& cuts) {
  std::string buf;
  std::size_t base = 0, at = 0;
  for (std::size_t k = 0; k <= cuts.size(); ++k) {
    const std::size_t to = k < cuts.size() ? cuts[k] : body.size();
    buf.append(body.substr(at, to - at));
    at = to;
    const std::size_t keep = s.feed(buf, base, k == cuts.size());
    if (s.gave_up()) return;
    if (keep < base || keep > base + buf.size()) FAIL("feed returned " << keep << " for bytes " << base << " on");
    buf.erase(0, keep - base);
    base = keep;
  }
}

// `in` with its nodes or jobs read through a stream cut at `cuts`; nullopt when the stream gave up.
std::optional<Responses> streamed(Responses in, Stream::Of what, const std::vector<std::size_t>& cuts) {
  std::string& body = what == Stream::Of::nodes ? in.nodes : in.jobs;
  auto s = std::make_shared<Stream>(what, what == Stream::Of::nodes ? in.nodes_label : in.jobs_label);
  feed(*s, body, cuts);
  if (s->gave_up()) return std::nullopt;
  if (!s->read()) FAIL("the stream neither read the body nor gave up");
  body.clear();
  (what == Stream::Of::nodes ? in.nodes_stream : in.jobs_stream) = s;
  return in;
}

std::vector<std::size_t> every(std::size_t step, std::size_t size) {
  std::vector<std::size_t> cuts;
  for (std::size_t k = step; k < size; k += step) cuts.push_back(k);
  return cuts;
}
} // namespace

// Where to cut a body in two: every byte offset of the hand-made bodies (edge shapes); of the
// recorded ones, every offset of their start, first two objects, last object and end, and every
// 61st byte between (each cut translates the whole recording once).
std::vector<std::size_t> cuts_of(const std::string& dir, std::string_view body) {
  std::vector<std::size_t> cuts;
  std::size_t head = body.size(), tail = 0;
  if (dir.starts_with("lab")) {
    const std::size_t open = body.find('[', body.find("\"nodes\"") == std::string_view::npos ? body.find("\"jobs\"")
                                                                                             : body.find("\"nodes\""));
    head = body.find("\n    },", body.find("\n    },", open) + 1) + 64;
    tail = body.rfind("\n    {") - 64;
  }
  for (std::size_t cut = 0; cut <= body.size(); cut += cut < head || cut >= tail ? 1 : 61) cuts.push_back(cut);
  return cuts;
}

TEST_CASE("a stream cut anywhere reads what the whole body gives") {
  for (const std::string dir : {"edge-v0.0.38", "lab-v0.0.38"}) {
    const Responses in = responses(dir, "v0.0.38");
    const std::string whole = outcome(in);
    REQUIRE_FALSE(whole.starts_with("DataError"));
    for (Stream::Of what : {Stream::Of::nodes, Stream::Of::jobs}) {
      const std::string& body = what == Stream::Of::nodes ? in.nodes : in.jobs;
      INFO(dir << (what == Stream::Of::nodes ? " nodes" : " jobs"));
      for (std::size_t cut : cuts_of(dir, body)) {
        const auto s = streamed(in, what, {cut});
        if (!s) FAIL("cut at byte " << cut << ": the stream gave up");
        if (outcome(*s) != whole) FAIL("cut at byte " << cut << " reads differently");
      }
    }
  }
}

TEST_CASE("a stream fed one byte at a time, or in pieces of every newer version, reads the same") {
  const Responses lab = responses("lab-v0.0.38", "v0.0.38");
  for (Stream::Of what : {Stream::Of::nodes, Stream::Of::jobs}) {
    const std::size_t size = (what == Stream::Of::nodes ? lab.nodes : lab.jobs).size();
    const auto s = streamed(lab, what, every(1, size));
    REQUIRE(s);
    CHECK(outcome(*s) == outcome(lab));
  }
  for (const std::string v : {"v0.0.39", "v0.0.40", "v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44"}) {
    INFO(v);
    const Responses in = responses("slurmweb/" + v, v);
    for (std::size_t step : {7, 64, 1000}) {
      auto s = streamed(in, Stream::Of::nodes, every(step, in.nodes.size()));
      REQUIRE(s);
      s = streamed(*s, Stream::Of::jobs, every(step + 1, in.jobs.size()));
      REQUIRE(s);
      CHECK(outcome(*s) == outcome(in));
    }
  }
}

TEST_CASE("a body the stream cannot read whole makes it give up, and the whole body words the error") {
  const Responses lab = responses("lab-v0.0.38", "v0.0.38");
  const std::size_t second = lab.jobs.find("\n    {", lab.jobs.find("\"jobs\"") + 12);
  REQUIRE(second != std::string::npos);
  SECTION("a body that ends mid-object") {
    for (std::size_t end : {lab.jobs.size() / 2, second + 3, lab.jobs.size() - 3}) {
      Responses cut = lab;
      cut.jobs.resize(end);
      CHECK_FALSE(streamed(cut, Stream::Of::jobs, every(100, end)));
      CHECK(outcome(cut).starts_with("DataError\nGET /slurm/v0.0.38/jobs: invalid JSON"));
    }
  }
  SECTION("invalid JSON inside an object") {
    Responses bad = lab;
    bad.jobs.insert(second + 8, "nul");
    CHECK_FALSE(streamed(bad, Stream::Of::jobs, every(100, bad.jobs.size())));
    CHECK(outcome(bad).starts_with("DataError\n"));
  }
  SECTION("not an object at the top") {
    Responses bad = lab;
    bad.nodes = "[" + bad.nodes + "]";
    CHECK_FALSE(streamed(bad, Stream::Of::nodes, {}));
  }
}

TEST_CASE("problems a stream finds are the whole body's, object by object") {
  Responses in = responses("lab-v0.0.38", "v0.0.38");
  // The second job is a number, the third has a job_state of the wrong type.
  const std::size_t open = in.jobs.find('[', in.jobs.find("\"jobs\"")) + 1;
  in.jobs.insert(open, "42, {\"job_id\": 7, \"job_state\": {}}, ");
  const std::string whole = outcome(in);
  REQUIRE(whole.starts_with("DataError\n"));
  CHECK(whole.find("jobs[0]: must be an object, got 42") != std::string::npos);
  for (std::size_t step : {1, 5, 333}) {
    const auto s = streamed(in, Stream::Of::jobs, every(step, in.jobs.size()));
    REQUIRE(s);
    CHECK(outcome(*s) == whole);
  }
}

TEST_CASE("a stream restarted (a retry) reads only what came after") {
  const Responses lab = responses("lab-v0.0.38", "v0.0.38");
  auto s = std::make_shared<Stream>(Stream::Of::jobs, lab.jobs_label);
  std::string half = lab.jobs.substr(0, lab.jobs.size() / 2);
  s->feed(half, 0, false);
  s->restart();
  feed(*s, lab.jobs, every(4096, lab.jobs.size()));
  REQUIRE(s->read());
  Responses in = lab;
  in.jobs.clear();
  in.jobs_stream = s;
  CHECK(outcome(in) == outcome(lab));
}
