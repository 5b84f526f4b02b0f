// The Slurm adapter's settings (docs/slurm.md): the config file's [slurm], [slurm.priority] and
// [slurm.quota-sku] tables (or a [sources.NAME] table of a Slurm source), and SLURM_JWT. The
// command line's --slurm-* options are applied after this, and win.
#include "fleetcap/error.hpp"
#include "fleetcap/secrets.hpp"
#include "loader.hpp"
#include "slurm.hpp"

#include <fmt/format.h>

#include <cstdlib>

namespace fleetcap::source {

void configure_slurm(KindConfig& c, SourceOptions& o) {
  SlurmOptions& s = o.slurm;
  if (const char* jwt = std::getenv("SLURM_JWT"); jwt && *jwt) {
    s.jwt = jwt;
    add_secret(*s.jwt);
    check_header_token(*s.jwt, "SLURM_JWT");
  }
  configure_slurm_commands(c, o);
}

// Slurm's own commands (slurm_cli.cpp) read the same tables, and need no token.
void configure_slurm_commands(KindConfig& c, SourceOptions& o) {
  SlurmOptions& s = o.slurm;
  if (auto v = c.text("region")) s.region = *v;
  if (auto v = c.text("provider")) s.provider = *v;
  if (auto v = c.text("cluster")) s.cluster = *v;
  if (auto v = c.boolean("borrowing")) s.borrowing = *v;
  if (auto v = c.boolean("hard-start")) s.hard_start = *v;
  if (auto v = c.text("island-feature-prefix")) s.island_feature_prefix = *v;
  if (auto v = c.text("island-map")) s.island_map = *v;
  if (auto v = c.text("user")) s.user = *v;
  if (auto v = c.words("flex-qos")) s.flex_qos = *v;
  if (auto v = c.text("preempt-type")) {
    const auto type = slurm::preempt_type_from(*v);
    if (!type)
      throw UsageError(fmt::format("{}: {} preempt-type must be preempt/none, preempt/qos or preempt/partition_prio, "
                                   "got \"{}\"",
                                   c.where("preempt-type"), c.table_name("preempt-type"), *v));
    s.preempt_type = *type;
  }
  if (auto v = c.text("preempt-mode")) s.preempt_mode = *v;
  for (const char* key : {"quota", "slurm-quota"})
    if (auto v = c.text(key)) {
      if (*v != "associations" && *v != "qos" && *v != "none")
        throw UsageError(fmt::format("{}: {} {} must be associations, qos or none, got \"{}\"", c.where(key),
                                     c.table_name(key), key, *v));
      s.quota = *v;
    }
  for (const auto& e : c.entries("priority")) {
    if (!priority_from(e.text))
      throw UsageError(fmt::format("{}: {} {} = {} is not one of critical, high, mid, low", e.where,
                                   c.subtable_name("priority"), e.key, e.shown));
    s.priority.emplace_back(e.key, e.text);
  }
  for (const auto& e : c.entries("quota-sku")) s.quota_sku.emplace_back(e.key, e.text);
}

} // namespace fleetcap::source
