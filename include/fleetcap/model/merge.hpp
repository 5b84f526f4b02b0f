// Several sources' snapshots as one fleet (docs/sources.md, "Names").
#pragma once

#include "fleetcap/model/model.hpp"

#include <array>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace fleetcap {

// The rule for names in a fleet of several sources: a cluster, node, quota, job or maintenance
// id keeps its name, unless another source has one of the same kind and the same name; then it
// is SOURCE/NAME in every source that has it. Each kind of name is checked on its own (a node
// named like a cluster is no collision), and references follow what they name: a node of a
// renamed cluster names the new name.
class FleetNames {
public:
  enum Kind : std::size_t { cluster, node, quota, job, event, cap, kKinds };

  // `sources`: each part's source name, in the order of `parts`.
  FleetNames(std::span<const Snapshot> parts, std::vector<std::string> sources);

  // The name in the fleet of `name` (of `kind`, in part `part`), when it differs.
  std::optional<std::string> renamed(std::size_t part, Kind kind, std::string_view name) const;
  // Whether any name of part `part` changes (its raw items need rewriting before a save).
  bool renames(std::size_t part) const { return renames_[part]; }
  const std::string& source(std::size_t part) const { return sources_[part]; }
  std::size_t colliding(Kind kind) const { return colliding_[kind].size(); }

private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Names = std::unordered_set<std::string, Hash, std::equal_to<>>;
  std::vector<std::string> sources_;
  std::array<Names, kKinds> colliding_;
  std::vector<char> renames_;
};

// The clusters `word` names (--cluster WORD, docs/sources.md): those named WORD; else, in a fleet
// of several sources, every cluster of the source named WORD; else every cluster whose own name,
// before the SOURCE/ prefix a collision gave it, is WORD. Indices in snapshot order.
std::vector<std::uint32_t> clusters_named(const Snapshot& snap, std::string_view word);
// Every word --cluster takes in `snap`: cluster names, and in a fleet, source names and the own
// names of prefixed clusters (for suggestions).
std::vector<std::string> cluster_words(const Snapshot& snap);

// One fleet of `parts` (each a whole, validated and linked snapshot of one source), their items
// renamed by `names` and linked again as one. `source_of[i]` is part i's index in the fleet's
// `sources` (set by the caller; failed sources have no part). Each part's warnings are kept,
// each prefixed with its source's name. Throws DataError when names still collide after the
// renaming (a source that already had a cluster called OTHER/NAME).
Snapshot merge_fleet(std::vector<Snapshot>& parts, const FleetNames& names,
                     const std::vector<std::uint32_t>& source_of);

} // namespace fleetcap
