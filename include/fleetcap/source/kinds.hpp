// The kinds of source fleetcap reads, in one table (docs/sources.md, "Kinds of source"): how each
// is recognised by its --source (or the url of a [sources.NAME] table), the Source that reads it,
// its table in the config file and the reader of its settings. Loading (src/source/load.cpp) and
// the command line (src/cli/context.cpp) both go through it, so a new kind of source is one file
// (its Source, its make and configure functions) plus one row in src/source/kinds.cpp.
#pragma once

#include "fleetcap/source/config.hpp"
#include "fleetcap/source/source.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace fleetcap {

namespace source {
class Source; // src/source/loader.hpp
}

struct SourceKind {
  // Its name in `fleetcap sources` and in JSON ("kind"): fleet-api, snapshot, slurmrestd, kube.
  std::string_view name;
  // How --source names it, for help and errors: "slurm+http(s)://HOST:PORT".
  std::string_view forms;
  // Whether `source` is of this kind. Rows are tried in order; the last (a snapshot directory)
  // takes anything, so a row for a longer prefix goes before a row for a shorter one.
  bool (*matches)(std::string_view source);
  std::unique_ptr<source::Source> (*make)(const SourceOptions& options);
  // Its table in the config file ("slurm": [slurm], [slurm.priority], ...); empty: none.
  std::string_view table;
  // Reads its settings into `options`: its config table and a [sources.NAME] table through
  // `config` (KindConfig warns about the keys it did not ask for), and its environment variables
  // (SLURM_JWT). Runs before the command line's options are applied, so those win. May be null.
  void (*configure)(KindConfig& config, SourceOptions& options);
  // A short name for a source given on the command line (`lab` for slurm+https://lab:6820), used
  // where two sources' items collide (docs/sources.md, "Names"). Null: the host of a URL, else the
  // last part of a path.
  std::string (*short_name)(std::string_view source);
};

// Every kind, in the order they are tried.
const std::vector<SourceKind>& source_kinds();
// The kind of `source`: the first row whose matches() accepts it.
const SourceKind& source_kind(std::string_view source);
// The source's short name: the kind's short_name(), or the generic rule above.
std::string short_source_name(std::string_view source);

} // namespace fleetcap
