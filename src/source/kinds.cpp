// The table of kinds of source (fleetcap/source/kinds.hpp): one row per kind.
#include "fleetcap/source/kinds.hpp"

#include "loader.hpp"

namespace fleetcap {
namespace {

bool slurmrestd_source(std::string_view s) { return s.starts_with("slurm+"); }
// slurm:lab -> lab; slurm and slurm:all -> slurm; slurm+ssh://alice@login1:22/all -> login1.
std::string slurm_commands_name(std::string_view s) {
  if (s.starts_with("slurm:") && s != "slurm:all") return std::string(s.substr(6));
  if (!s.starts_with("slurm+ssh://")) return "slurm";
  s.remove_prefix(12);
  s = s.substr(0, s.find('/'));
  if (const auto at = s.rfind('@'); at != std::string_view::npos) s.remove_prefix(at + 1);
  s = s.starts_with('[') ? s.substr(1, s.find(']') - 1) : s.substr(0, s.find(':'));
  return s.empty() ? std::string("slurm") : std::string(s);
}
bool kube_source(std::string_view s) { return s == "kube" || s.starts_with("kube:"); }
bool fleet_api_source(std::string_view s) { return is_url(s); }
bool any_source(std::string_view) { return true; }

std::string kube_name(std::string_view s) { return s == "kube" ? std::string("kube") : std::string(s.substr(5)); }

} // namespace

const std::vector<SourceKind>& source_kinds() {
  static const std::vector<SourceKind> kinds = {
      // before slurmrestd's row: slurm+ssh:// starts with slurm+ too
      {"slurm", "slurm (Slurm's commands here), slurm:CLUSTER, slurm:all, slurm+ssh://[USER@]LOGIN[:PORT]",
       is_slurm_command_source, source::make_slurm_cli_source, "slurm", source::configure_slurm_commands,
       slurm_commands_name},
      {"slurmrestd", "slurm+http(s)://HOST:PORT", slurmrestd_source, source::make_slurm_source, "slurm",
       source::configure_slurm, nullptr},
      {"kube", "kube[:CONTEXT]", kube_source, source::make_kube_source, "kube", source::configure_kube, kube_name},
      {"fleet-api", "a fleet API base URL (http/https)", fleet_api_source, source::make_fleet_api_source, "", nullptr,
       nullptr},
      {"snapshot", "a saved snapshot directory", any_source, source::make_directory_source, "", nullptr, nullptr},
  };
  return kinds;
}

const SourceKind& source_kind(std::string_view source) {
  for (const auto& k : source_kinds())
    if (k.matches(source)) return k;
  return source_kinds().back();
}

std::string short_source_name(std::string_view source) {
  const SourceKind& kind = source_kind(source);
  if (kind.short_name) return kind.short_name(source);
  // A URL's host (slurm+https://user@lab:6820/ -> lab), else a path's last part (./snap/ -> snap).
  if (const auto scheme = source.find("://"); scheme != std::string_view::npos) {
    std::string_view rest = source.substr(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (const auto at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
    if (!rest.empty() && rest.front() == '[') // [::1]:8080
      rest = rest.substr(1, rest.find(']') == std::string_view::npos ? rest.size() - 1 : rest.find(']') - 1);
    else
      rest = rest.substr(0, rest.find(':'));
    if (!rest.empty()) return std::string(rest);
  }
  while (source.size() > 1 && source.back() == '/') source.remove_suffix(1);
  const auto slash = source.rfind('/');
  std::string_view last = slash == std::string_view::npos ? source : source.substr(slash + 1);
  if (last.empty() || last == "." || last == "..") return std::string(source);
  return std::string(last);
}

} // namespace fleetcap
