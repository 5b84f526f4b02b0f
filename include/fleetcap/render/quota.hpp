// `fleetcap quota` (fleetcap.quota/v1) and `fleetcap quota show` (fleetcap.quota.show/v1) as a
// table, JSON or CSV.
#pragma once

#include "fleetcap/figures/quota.hpp"
#include "fleetcap/render/output.hpp"

#include <string>

namespace fleetcap {

std::string render_quota(const QuotaReport& report, const Snapshot& snap, const RenderOptions& o);
std::string render_quota_detail(const QuotaDetail& detail, const Snapshot& snap, const RenderOptions& o);

} // namespace fleetcap
